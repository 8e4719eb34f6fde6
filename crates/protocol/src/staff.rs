//! A health organization's staff, the same for the command line, the apps and the relay: the
//! organization's key issues a staff key's certificate for one role ([`issue`]) and revokes a
//! staff key ([`revoke`]); whoever a staff member acts towards checks her certificate
//! ([`check`]) with the facts only the chain and the relay know (the organization admitted, the
//! staff key not revoked) passed in, and `now`.

use caretrail_crypto::SecretKey;
use caretrail_crypto::sign::SignatureError;
use caretrail_crypto::staff::{StaffDomain, sign_assignment, sign_certificate, sign_revocation};
use caretrail_types::{
    Address, ErrorCode, Participant, ParticipantKind, ParticipantStatus, SignedStaffCertificate,
    SignedStaffRevocation, SignedVisitAssignment, StaffCertificate, StaffMember, StaffRevocation,
    StaffRole, UiError, Visit, VisitAssignment, format_unix_utc,
};

/// The longest a certificate may be valid for: a year, so a forgotten staff key lapses.
pub const MAX_VALIDITY_SECS: u64 = 366 * 24 * 60 * 60;
/// How long a signed revocation may wait to be sent.
pub const REVOCATION_TTL_SECS: u64 = 10 * 60;

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// The organization's key certifies `staff` as `role` until `valid_until` (after `now`, at most
/// [`MAX_VALIDITY_SECS`] ahead).
pub fn issue(
    organization: &SecretKey,
    domain: StaffDomain,
    staff: Address,
    role: StaffRole,
    valid_until: u64,
    now: u64,
) -> Result<SignedStaffCertificate, UiError> {
    if valid_until <= now || valid_until - now > MAX_VALIDITY_SECS {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!(
                "a certificate is valid for a time after now and at most {} days",
                MAX_VALIDITY_SECS / 86_400
            ),
        ));
    }
    if staff == organization.address() {
        return Err(refused(
            ErrorCode::InvalidInput,
            "a staff key is not the organization's key: make one for each staff member",
        ));
    }
    Ok(sign_certificate(
        organization,
        domain,
        StaffCertificate {
            organization: organization.address(),
            staff,
            role,
            valid_until,
        },
    ))
}

/// The organization's key revokes every certificate it gave `staff`, to be sent before
/// `now + REVOCATION_TTL_SECS`.
pub fn revoke(
    organization: &SecretKey,
    domain: StaffDomain,
    staff: Address,
    now: u64,
) -> SignedStaffRevocation {
    sign_revocation(
        organization,
        domain,
        StaffRevocation {
            organization: organization.address(),
            staff,
            deadline: now + REVOCATION_TTL_SECS,
        },
    )
}

/// What the chain and the relay say about a certificate's organization and staff key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The organization as the participant registry holds it (`None`: never admitted).
    pub organization: Option<Participant>,
    /// The organization revoked the staff key.
    pub revoked: bool,
}

fn admitted_organization(organization: Address, facts: &Facts) -> Result<String, UiError> {
    match &facts.organization {
        Some(p)
            if p.admission.kind == ParticipantKind::HealthOrganization
                && p.status == ParticipantStatus::Admitted =>
        {
            Ok(p.admission.name.clone())
        }
        Some(p) if p.admission.kind == ParticipantKind::HealthOrganization => Err(refused(
            ErrorCode::NotAdmitted,
            format!(
                "the organization {organization} ({}) is {:?} in the participant registry: its \
                 staff can do nothing",
                p.admission.name, p.status
            ),
        )),
        _ => Err(refused(
            ErrorCode::NotAdmitted,
            format!("{organization} is not an admitted health organization"),
        )),
    }
}

/// Whether the holder of `requester`'s key may act as `role` under `signed` at `now`:
/// `certificate_signer` is who signed the certificate (`caretrail_crypto::staff`). In order: the
/// certificate is hers, signed by its organization, for that role, unexpired, the organization
/// admitted, her key not revoked.
pub fn check(
    signed: &SignedStaffCertificate,
    certificate_signer: Result<Address, SignatureError>,
    requester: Address,
    role: StaffRole,
    facts: &Facts,
    now: u64,
) -> Result<StaffMember, UiError> {
    let c = &signed.certificate;
    if c.staff != requester {
        return Err(refused(
            ErrorCode::ForeignKey,
            format!(
                "the certificate is {}'s, not the key {requester}'s that signed the request",
                c.staff
            ),
        ));
    }
    match certificate_signer {
        Ok(signer) if signer == c.organization => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!(
                    "the certificate is not signed by the organization it names ({})",
                    c.organization
                ),
            ));
        }
    }
    if c.role != role {
        return Err(refused(
            ErrorCode::WrongRole,
            format!(
                "the certificate is for {}, not {}",
                c.role.name(),
                role.name()
            ),
        ));
    }
    if now >= c.valid_until {
        return Err(refused(
            ErrorCode::CertificateExpired,
            format!(
                "the certificate expired at {}: ask the organization for a new one",
                format_unix_utc(c.valid_until)
            ),
        ));
    }
    let organization_name = admitted_organization(c.organization, facts)?;
    if facts.revoked {
        return Err(refused(
            ErrorCode::CertificateRevoked,
            format!("the organization revoked the staff key {}", c.staff),
        ));
    }
    Ok(StaffMember {
        organization: c.organization,
        organization_name,
        staff: c.staff,
        role: c.role,
        valid_until: c.valid_until,
    })
}

/// Whether the relay may keep `signed` (`signer` signed it) at `now`: signed by the organization
/// it names, which is admitted, before its deadline.
pub fn check_revocation(
    signed: &SignedStaffRevocation,
    signer: Result<Address, SignatureError>,
    organization: &Facts,
    now: u64,
) -> Result<(), UiError> {
    let r = &signed.revocation;
    match signer {
        Ok(signer) if signer == r.organization => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!(
                    "the revocation is not signed by the organization it names ({})",
                    r.organization
                ),
            ));
        }
    }
    if now > r.deadline {
        return Err(refused(
            ErrorCode::SignatureExpired,
            "the revocation's deadline has passed; sign it again",
        ));
    }
    admitted_organization(r.organization, organization).map(|_| ())
}

/// TKN_D: the organization's key assigns `staff` as `role` (a doctor, a lab or billing) to the patient of
/// `visit`, which it opened and which is open at `now`, until the visit ends.
pub fn assign(
    organization: &SecretKey,
    domain: StaffDomain,
    visit: &Visit,
    staff: Address,
    role: StaffRole,
    now: u64,
) -> Result<SignedVisitAssignment, UiError> {
    let assignment = VisitAssignment {
        organization: organization.address(),
        visit_id: visit.visit_id,
        patient: visit.patient,
        staff,
        role,
        expires_at: visit.expires_at,
    };
    assignable(&assignment, Some(visit), now)?;
    Ok(sign_assignment(organization, domain, assignment))
}

/// Whether `assignment` fits `visit` (the chain's, `None` when the organization opened no such
/// visit) at `now`: a doctor, a lab or billing, the visit's patient, open, and no longer than it.
fn assignable(
    assignment: &VisitAssignment,
    visit: Option<&Visit>,
    now: u64,
) -> Result<(), UiError> {
    if assignment.role == StaffRole::Reception {
        return Err(refused(
            ErrorCode::WrongRole,
            "a visit is assigned to a doctor, a lab or billing, not to reception",
        ));
    }
    let Some(visit) = visit
        .filter(|v| v.organization == assignment.organization && v.visit_id == assignment.visit_id)
    else {
        return Err(refused(
            ErrorCode::UnknownVisit,
            format!(
                "{} opened no visit {} on chain",
                assignment.organization, assignment.visit_id
            ),
        ));
    };
    if visit.patient != assignment.patient {
        return Err(refused(
            ErrorCode::UnknownVisit,
            format!(
                "the visit {} is {}'s, not {}'s",
                visit.visit_id, visit.patient, assignment.patient
            ),
        ));
    }
    if now >= visit.expires_at {
        return Err(refused(
            ErrorCode::VisitClosed,
            format!("the visit ended at {}", format_unix_utc(visit.expires_at)),
        ));
    }
    if assignment.expires_at > visit.expires_at {
        return Err(refused(
            ErrorCode::InvalidInput,
            "an assignment cannot outlast its visit",
        ));
    }
    Ok(())
}

/// Whether the relay may queue `signed` (`signer` signed it) at `now`: signed by the organization
/// it names, admitted, to a staff key it has not revoked (`organization`: the facts of the
/// organization and the assigned staff key), for a visit it opened (`visit`, from the chain)
/// that is still open, as [`assign`] makes it.
pub fn check_assignment(
    signed: &SignedVisitAssignment,
    signer: Result<Address, SignatureError>,
    organization: &Facts,
    visit: Option<&Visit>,
    now: u64,
) -> Result<(), UiError> {
    let a = &signed.assignment;
    match signer {
        Ok(signer) if signer == a.organization => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!(
                    "the assignment is not signed by the organization it names ({})",
                    a.organization
                ),
            ));
        }
    }
    admitted_organization(a.organization, organization)?;
    if organization.revoked {
        return Err(refused(
            ErrorCode::CertificateRevoked,
            format!(
                "the organization revoked the staff key {}: assign someone else",
                a.staff
            ),
        ));
    }
    assignable(a, visit, now)
}
