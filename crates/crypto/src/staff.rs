//! The signatures of a health organization's staff: its key's EIP-712 `StaffCertificate` (a
//! staff key, a role, a validity) and `StaffRevocation`, in the domain "Caretrail Staff" of the
//! chain and its participant registry, where the organization's key is admitted. Anyone holding
//! a certificate checks it offline; whether the organization is admitted and whether the staff
//! key was revoked are the participant registry's and the relay's to say.

use crate::SecretKey;
use crate::sign::{SignatureError, recover_typed, sign_typed};
use alloy_primitives::{Address as SolAddress, U256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{
    Address, SignedStaffCertificate, SignedStaffRevocation, SignedVisitAssignment,
    StaffCertificate, StaffRevocation, VisitAssignment,
};

mod typed {
    alloy_sol_types::sol! {
        struct StaffCertificate {
            address organization;
            address staff;
            uint8 role;
            uint64 validUntil;
        }

        struct StaffRevocation {
            address organization;
            address staff;
            uint64 deadline;
        }

        struct VisitAssignment {
            address organization;
            bytes32 visitId;
            address patient;
            address staff;
            uint8 role;
            uint64 expiresAt;
        }
    }
}

/// The chain and the participant registry a staff signature is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffDomain {
    pub chain_id: u64,
    pub participants: Address,
}

impl StaffDomain {
    fn eip712(self) -> Eip712Domain {
        Eip712Domain::new(
            Some("Caretrail Staff".into()),
            Some("1".into()),
            Some(U256::from(self.chain_id)),
            Some(SolAddress::from(self.participants.0)),
            None,
        )
    }
}

fn typed_certificate(c: &StaffCertificate) -> typed::StaffCertificate {
    typed::StaffCertificate {
        organization: SolAddress::from(c.organization.0),
        staff: SolAddress::from(c.staff.0),
        role: c.role.code(),
        validUntil: c.valid_until,
    }
}

fn typed_revocation(r: &StaffRevocation) -> typed::StaffRevocation {
    typed::StaffRevocation {
        organization: SolAddress::from(r.organization.0),
        staff: SolAddress::from(r.staff.0),
        deadline: r.deadline,
    }
}

/// The organization's key certifies `certificate` (its `organization` must be the key's).
pub fn sign_certificate(
    organization: &SecretKey,
    domain: StaffDomain,
    certificate: StaffCertificate,
) -> SignedStaffCertificate {
    SignedStaffCertificate {
        certificate,
        signature: sign_typed(
            organization,
            &typed_certificate(&certificate),
            &domain.eip712(),
        ),
    }
}

/// Who signed a certificate.
pub fn certificate_signer(
    domain: StaffDomain,
    signed: &SignedStaffCertificate,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_certificate(&signed.certificate),
        &domain.eip712(),
        &signed.signature,
    )
}

/// The organization's key revokes every certificate it gave a staff key.
pub fn sign_revocation(
    organization: &SecretKey,
    domain: StaffDomain,
    revocation: StaffRevocation,
) -> SignedStaffRevocation {
    SignedStaffRevocation {
        revocation,
        signature: sign_typed(
            organization,
            &typed_revocation(&revocation),
            &domain.eip712(),
        ),
    }
}

/// Who signed a revocation.
pub fn revocation_signer(
    domain: StaffDomain,
    signed: &SignedStaffRevocation,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_revocation(&signed.revocation),
        &domain.eip712(),
        &signed.signature,
    )
}

fn typed_assignment(a: &VisitAssignment) -> typed::VisitAssignment {
    typed::VisitAssignment {
        organization: SolAddress::from(a.organization.0),
        visitId: alloy_primitives::B256::from(a.visit_id.0),
        patient: SolAddress::from(a.patient.0),
        staff: SolAddress::from(a.staff.0),
        role: a.role.code(),
        expiresAt: a.expires_at,
    }
}

/// The organization's key assigns a staff member to a visit (TKN_D).
pub fn sign_assignment(
    organization: &SecretKey,
    domain: StaffDomain,
    assignment: VisitAssignment,
) -> SignedVisitAssignment {
    SignedVisitAssignment {
        assignment,
        signature: sign_typed(
            organization,
            &typed_assignment(&assignment),
            &domain.eip712(),
        ),
    }
}

/// Who signed an assignment.
pub fn assignment_signer(
    domain: StaffDomain,
    signed: &SignedVisitAssignment,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_assignment(&signed.assignment),
        &domain.eip712(),
        &signed.signature,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolStruct as _;
    use caretrail_types::StaffRole;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng as _;

    const DOMAIN: StaffDomain = StaffDomain {
        chain_id: 31337,
        participants: Address([7; 20]),
    };

    #[test]
    fn the_type_strings_are_fixed() {
        assert_eq!(
            typed::StaffCertificate::eip712_encode_type(),
            "StaffCertificate(address organization,address staff,uint8 role,uint64 validUntil)"
        );
        assert_eq!(
            typed::StaffRevocation::eip712_encode_type(),
            "StaffRevocation(address organization,address staff,uint64 deadline)"
        );
        assert_eq!(
            typed::VisitAssignment::eip712_encode_type(),
            "VisitAssignment(address organization,bytes32 visitId,address patient,address staff,uint8 role,uint64 expiresAt)"
        );
    }

    #[test]
    fn a_certificate_recovers_to_its_organization_and_to_nobody_once_changed() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ho = SecretKey::generate(&mut rng);
        let certificate = StaffCertificate {
            organization: ho.address(),
            staff: Address([2; 20]),
            role: StaffRole::Doctor,
            valid_until: 2_000,
        };
        let signed = sign_certificate(&ho, DOMAIN, certificate);
        assert_eq!(certificate_signer(DOMAIN, &signed), Ok(ho.address()));
        for changed in [
            StaffCertificate {
                role: StaffRole::Lab,
                ..certificate
            },
            StaffCertificate {
                valid_until: 3_000,
                ..certificate
            },
            StaffCertificate {
                staff: Address([3; 20]),
                ..certificate
            },
        ] {
            let forged = SignedStaffCertificate {
                certificate: changed,
                signature: signed.signature,
            };
            assert_ne!(certificate_signer(DOMAIN, &forged), Ok(ho.address()));
        }
        let elsewhere = StaffDomain {
            chain_id: 1,
            ..DOMAIN
        };
        assert_ne!(certificate_signer(elsewhere, &signed), Ok(ho.address()));
        let revocation = sign_revocation(
            &ho,
            DOMAIN,
            StaffRevocation {
                organization: ho.address(),
                staff: Address([2; 20]),
                deadline: 9,
            },
        );
        assert_eq!(revocation_signer(DOMAIN, &revocation), Ok(ho.address()));
    }
}
