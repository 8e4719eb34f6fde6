//! The visit's EIP-712 signatures, as the record registry and the visit's QR codes carry them:
//! the patient's `VisitToken` (the contract checks it in `openVisit`), her `TestListShare` for a
//! lab, and an organization's `KioskCode`. All three are in the record registry's domain, so a
//! signature made for one chain or one deployment means nothing on another. Here rather than in
//! `crates/chain` so that a kiosk, a lab and the web page check them offline, in wasm too.

use crate::record::record_registry_domain;
use crate::sign::{SignatureError, recover_key_prehash, recover_prehash, sign_prehash};
use crate::{PublicKey, SecretKey};
use alloy_primitives::{Address as SolAddress, B256};
use alloy_sol_types::SolStruct;
use caretrail_types::{Address, Hash32, KioskCode, Signature, TestListShare, VisitToken};

mod typed {
    alloy_sol_types::sol! {
        struct VisitToken {
            address patient;
            address organization;
            bytes32 visitId;
            uint64 expiresAt;
            uint64 notAfter;
        }

        struct TestListShare {
            address patient;
            address organization;
            bytes32 recordId;
            uint64 expiresAt;
        }

        struct KioskCode {
            address organization;
            uint32 kiosk;
            uint64 nonce;
            uint64 expiresAt;
        }
    }
}

/// Where a signature was made: the chain and the record registry it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryDomain {
    pub chain_id: u64,
    pub records: Address,
}

impl RegistryDomain {
    fn digest<T: SolStruct>(&self, value: &T) -> Hash32 {
        Hash32(
            value
                .eip712_signing_hash(&record_registry_domain(self.chain_id, self.records))
                .0,
        )
    }
}

fn typed_token(token: &VisitToken) -> typed::VisitToken {
    typed::VisitToken {
        patient: SolAddress::from(token.patient.0),
        organization: SolAddress::from(token.organization.0),
        visitId: B256::from(token.visit_id.0),
        expiresAt: token.expires_at,
        notAfter: token.not_after,
    }
}

fn typed_share(share: &TestListShare) -> typed::TestListShare {
    typed::TestListShare {
        patient: SolAddress::from(share.patient.0),
        organization: SolAddress::from(share.organization.0),
        recordId: B256::from(share.record_id.0),
        expiresAt: share.expires_at,
    }
}

fn typed_kiosk(code: &KioskCode) -> typed::KioskCode {
    typed::KioskCode {
        organization: SolAddress::from(code.organization.0),
        kiosk: code.kiosk,
        nonce: code.nonce,
        expiresAt: code.expires_at,
    }
}

/// The EIP-712 digest of a visit token, as the registry's `visitTokenDigest` computes it.
pub fn visit_token_digest(domain: RegistryDomain, token: &VisitToken) -> Hash32 {
    domain.digest(&typed_token(token))
}

/// The EIP-712 digest of a test-list share.
pub fn test_list_share_digest(domain: RegistryDomain, share: &TestListShare) -> Hash32 {
    domain.digest(&typed_share(share))
}

/// The EIP-712 digest of a kiosk code.
pub fn kiosk_code_digest(domain: RegistryDomain, code: &KioskCode) -> Hash32 {
    domain.digest(&typed_kiosk(code))
}

/// The patient's signature over a visit token, which the organization sends to `openVisit`.
pub fn sign_visit_token(
    patient: &SecretKey,
    domain: RegistryDomain,
    token: &VisitToken,
) -> Signature {
    sign_prehash(patient, &visit_token_digest(domain, token).0)
}

/// Who signed a visit token, by the registry's rules (v 27/28, low s).
pub fn visit_token_signer(
    domain: RegistryDomain,
    token: &VisitToken,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_prehash(&visit_token_digest(domain, token).0, signature)
}

/// The key that signed a visit token: the patient's encryption key, which the visit's records
/// are written for (her address is its own; compare with `token.patient`).
pub fn visit_token_key(
    domain: RegistryDomain,
    token: &VisitToken,
    signature: &Signature,
) -> Result<PublicKey, SignatureError> {
    recover_key_prehash(&visit_token_digest(domain, token).0, signature)
}

/// The patient's signature over a test-list share.
pub fn sign_test_list_share(
    patient: &SecretKey,
    domain: RegistryDomain,
    share: &TestListShare,
) -> Signature {
    sign_prehash(patient, &test_list_share_digest(domain, share).0)
}

/// Who signed a test-list share.
pub fn test_list_share_signer(
    domain: RegistryDomain,
    share: &TestListShare,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_prehash(&test_list_share_digest(domain, share).0, signature)
}

/// The organization's signature over its kiosk code.
pub fn sign_kiosk_code(
    organization: &SecretKey,
    domain: RegistryDomain,
    code: &KioskCode,
) -> Signature {
    sign_prehash(organization, &kiosk_code_digest(domain, code).0)
}

/// Who signed a kiosk code.
pub fn kiosk_code_signer(
    domain: RegistryDomain,
    code: &KioskCode,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_prehash(&kiosk_code_digest(domain, code).0, signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;
    use rand_core::SeedableRng as _;

    fn domain() -> RegistryDomain {
        RegistryDomain {
            chain_id: 31337,
            records: Address([0x11; 20]),
        }
    }

    fn key(seed: u64) -> SecretKey {
        SecretKey::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed))
    }

    fn token(patient: Address) -> VisitToken {
        VisitToken {
            patient,
            organization: Address([0x22; 20]),
            visit_id: Hash32([0x33; 32]),
            expires_at: 1_800_086_400,
            not_after: 1_800_000_600,
        }
    }

    #[test]
    fn the_type_strings_are_the_contracts() {
        // RecordRegistry.VISIT_TOKEN_TYPEHASH is keccak256 of this string; the contract's test
        // `test_typeHashesAreTheDocumentedTypes` checks the same text.
        assert_eq!(
            typed::VisitToken::eip712_encode_type(),
            "VisitToken(address patient,address organization,bytes32 visitId,uint64 expiresAt,uint64 notAfter)"
        );
        assert_eq!(
            typed::VisitToken::eip712_type_hash(&typed_token(&token(Address([0; 20])))),
            keccak256(
                "VisitToken(address patient,address organization,bytes32 visitId,uint64 expiresAt,uint64 notAfter)"
            )
        );
        assert_eq!(
            typed::TestListShare::eip712_encode_type(),
            "TestListShare(address patient,address organization,bytes32 recordId,uint64 expiresAt)"
        );
        assert_eq!(
            typed::KioskCode::eip712_encode_type(),
            "KioskCode(address organization,uint32 kiosk,uint64 nonce,uint64 expiresAt)"
        );
    }

    #[test]
    fn a_visit_token_recovers_its_signer_and_binds_every_field() {
        let patient = key(1);
        let signed = token(patient.address());
        let signature = sign_visit_token(&patient, domain(), &signed);
        assert_eq!(
            visit_token_signer(domain(), &signed, &signature),
            Ok(patient.address())
        );
        let changed = [
            VisitToken {
                not_after: signed.not_after + 1,
                ..signed.clone()
            },
            VisitToken {
                expires_at: signed.expires_at + 1,
                ..signed.clone()
            },
            VisitToken {
                visit_id: Hash32([0x34; 32]),
                ..signed.clone()
            },
            VisitToken {
                organization: Address([0x23; 20]),
                ..signed.clone()
            },
        ];
        for other in changed {
            assert_ne!(
                visit_token_signer(domain(), &other, &signature),
                Ok(patient.address()),
                "{other:?}"
            );
        }
        let elsewhere = RegistryDomain {
            chain_id: 1,
            ..domain()
        };
        assert_ne!(
            visit_token_signer(elsewhere, &signed, &signature),
            Ok(patient.address())
        );
    }

    #[test]
    fn a_share_and_a_kiosk_code_recover_their_signers() {
        let patient = key(2);
        let share = TestListShare {
            patient: patient.address(),
            organization: Address([0x44; 20]),
            record_id: Hash32([0x55; 32]),
            expires_at: 1_800_003_600,
        };
        let signature = sign_test_list_share(&patient, domain(), &share);
        assert_eq!(
            test_list_share_signer(domain(), &share, &signature),
            Ok(patient.address())
        );
        let later = TestListShare {
            expires_at: share.expires_at + 1,
            ..share
        };
        assert_ne!(
            test_list_share_signer(domain(), &later, &signature),
            Ok(patient.address())
        );

        let hospital = key(3);
        let code = KioskCode {
            organization: hospital.address(),
            kiosk: 2,
            nonce: 77,
            expires_at: 1_800_000_300,
        };
        let signature = sign_kiosk_code(&hospital, domain(), &code);
        assert_eq!(
            kiosk_code_signer(domain(), &code, &signature),
            Ok(hospital.address())
        );
        let other_desk = KioskCode { kiosk: 3, ..code };
        assert_ne!(
            kiosk_code_signer(domain(), &other_desk, &signature),
            Ok(hospital.address())
        );
        // The three types never share a digest, even over look-alike fields.
        assert_ne!(
            test_list_share_digest(domain(), &share),
            visit_token_digest(domain(), &token(patient.address()))
        );
    }
}
