//! Who wrote a visit's record. A staff member uploads it under her [`VisitAuthority`] (her
//! certificate and the organization's assignment of her to the visit) and signs the upload
//! request; the relay checks it all before it stores anything ([`check_upload`]), and any reader
//! checks it again from the stored [`Submission`] and the organization's key alone
//! ([`written_by`]).

use crate::request::Domain;
use crate::staff::{self, Facts};
use caretrail_crypto::request::relay_request_signer;
use caretrail_crypto::staff::{StaffDomain, assignment_signer, certificate_signer};
use caretrail_types::{
    Address, ErrorCode, Participant, RelayAction, RelayRequest, StaffMember, StaffRole,
    StoredRecord, UiError, Visit, VisitAuthority, WrittenBy, format_unix_utc,
};

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// The record kinds a role writes at a visit: the doctor the visit's encounter, prescriptions
/// (U_P) and test lists (T_D); the lab its reports (U_R) and their attachments.
pub fn writes(role: StaffRole) -> &'static [&'static str] {
    match role {
        StaffRole::Doctor => &["Encounter", "MedicationRequest", "ServiceRequest"],
        StaffRole::Lab => &["DiagnosticReport", "Document"],
        StaffRole::Billing => &["Claim"],
        StaffRole::Reception => &[],
    }
}

fn may_write(role: StaffRole, kind: &str) -> Result<(), UiError> {
    if writes(role).contains(&kind) {
        return Ok(());
    }
    Err(refused(
        ErrorCode::WrongRole,
        format!(
            "a {} does not write a {kind} at a visit (a {} writes: {})",
            role.name(),
            role.name(),
            writes(role).join(", ")
        ),
    ))
}

/// The relay's check of a staff member's upload of a `kind` record for `request.patient`, once
/// the request itself passed `request::check` (signed by `signer`): her certificate (hers, the
/// organization's, for the assignment's role, unexpired, the organization admitted, her key not
/// revoked: `facts`), the organization's assignment of her key to the visit (signed by it, for
/// a visit it opened that is still open: `visit`, the chain's), the same patient, a kind her
/// role writes, and an envelope the patient and the organization can both read (`readers`).
#[allow(clippy::too_many_arguments)]
pub fn check_upload(
    authority: &VisitAuthority,
    domain: StaffDomain,
    signer: Address,
    request: &RelayRequest,
    kind: &str,
    readers: &[Address],
    facts: &Facts,
    visit: Option<&Visit>,
    now: u64,
) -> Result<StaffMember, UiError> {
    let a = &authority.assignment.assignment;
    let member = staff::check(
        &authority.certificate,
        certificate_signer(domain, &authority.certificate),
        signer,
        a.role,
        facts,
        now,
    )?;
    if a.organization != member.organization {
        return Err(refused(
            ErrorCode::WrongOrganization,
            format!(
                "the assignment is {}'s, the certificate {}'s",
                a.organization, member.organization
            ),
        ));
    }
    if a.staff != signer {
        return Err(refused(
            ErrorCode::NotAssigned,
            format!("the visit is assigned to {}, not to {signer}", a.staff),
        ));
    }
    staff::check_assignment(
        &authority.assignment,
        assignment_signer(domain, &authority.assignment),
        facts,
        visit,
        now,
    )?;
    if a.patient != request.patient {
        return Err(refused(
            ErrorCode::NotAssigned,
            format!(
                "the visit is {}'s; a record of {} is not written under it",
                a.patient, request.patient
            ),
        ));
    }
    if now >= a.expires_at {
        return Err(refused(
            ErrorCode::VisitClosed,
            format!("the assignment ended at {}", format_unix_utc(a.expires_at)),
        ));
    }
    may_write(a.role, kind)?;
    for (reader, who) in [
        (a.patient, "the patient"),
        (a.organization, "the organization"),
    ] {
        if !readers.contains(&reader) {
            return Err(refused(
                ErrorCode::InvalidInput,
                format!(
                    "the envelope is not readable by {who} ({reader}): a visit's record is \
                     encrypted for the patient and the organization"
                ),
            ));
        }
    }
    Ok(member)
}

/// Who wrote `record`, as any reader checks it from its [`Submission`](caretrail_types::Submission)
/// (`None`: the patient's own record): the upload request signed, for this network (`domain`),
/// by the certificate's staff key, for this record and body; the certificate and the assignment
/// signed by the organization (`staff`), the same staff key, patient and organization; a kind
/// her role writes; and the certificate valid when the record was stored. `organization` is the
/// participant registry's entry (for its name; a later block does not unwrite a record).
pub fn written_by(
    record: &StoredRecord,
    domain: Domain,
    staff: StaffDomain,
    organization: Option<&Participant>,
) -> Result<Option<WrittenBy>, UiError> {
    let Some(submission) = &record.submission else {
        return Ok(None);
    };
    let forged = |why: String| {
        refused(
            ErrorCode::BadSignature,
            format!("record {}: {why}", record.id),
        )
    };
    let signed = &submission.request;
    let r = &signed.request;
    let c = &submission.authority.certificate.certificate;
    let a = &submission.authority.assignment.assignment;
    if signed.chain_id != domain.chain_id || signed.records != domain.records {
        return Err(forged("its upload was signed for another network".into()));
    }
    if relay_request_signer(signed).ok() != Some(r.signer) || r.action != RelayAction::RecordPut {
        return Err(forged("its upload's signature is not its signer's".into()));
    }
    if r.subject != record.id || r.content != record.body_hash || r.patient != record.patient {
        return Err(forged("its upload was signed for another record".into()));
    }
    if c.staff != r.signer || a.staff != r.signer {
        return Err(forged(format!(
            "its writer {} is not the certified, assigned staff key",
            r.signer
        )));
    }
    if certificate_signer(staff, &submission.authority.certificate).ok() != Some(c.organization) {
        return Err(forged(
            "its writer's certificate is not the organization's".into(),
        ));
    }
    if assignment_signer(staff, &submission.authority.assignment).ok() != Some(a.organization)
        || a.organization != c.organization
        || a.patient != record.patient
        || a.role != c.role
    {
        return Err(forged(
            "its writer was not assigned to this patient's visit".into(),
        ));
    }
    let kind = crate::records::kind_text(&record.kind);
    may_write(c.role, &kind).map_err(|e| forged(e.message))?;
    if record.stored_at >= c.valid_until {
        return Err(forged("its writer's certificate had expired".into()));
    }
    Ok(Some(WrittenBy {
        staff: r.signer,
        role: c.role,
        organization: c.organization,
        organization_name: organization
            .filter(|p| p.admission.signer == c.organization)
            .map(|p| p.admission.name.clone())
            .unwrap_or_else(|| c.organization.to_string()),
        visit_id: a.visit_id,
    }))
}

/// The patient's encryption key for the records written under `assignment`: recovered from her
/// signature on the token that opened its visit (`opening`, read from the chain's `openVisit`
/// call), which must be that visit's token, signed by that patient.
pub fn patient_key(
    assignment: &caretrail_types::VisitAssignment,
    opening: Option<&(caretrail_types::VisitToken, caretrail_types::Signature)>,
    domain: caretrail_crypto::visit::RegistryDomain,
) -> Result<caretrail_crypto::PublicKey, UiError> {
    let Some((token, signature)) = opening else {
        return Err(refused(
            ErrorCode::UnknownVisit,
            format!(
                "{} opened no visit {} on chain",
                assignment.organization, assignment.visit_id
            ),
        ));
    };
    if token.patient != assignment.patient
        || token.organization != assignment.organization
        || token.visit_id != assignment.visit_id
    {
        return Err(refused(
            ErrorCode::UnknownVisit,
            format!(
                "the visit {} was opened for someone else",
                assignment.visit_id
            ),
        ));
    }
    caretrail_crypto::visit::visit_token_key(domain, token, signature)
        .ok()
        .filter(|key| key.address() == token.patient)
        .ok_or_else(|| {
            refused(
                ErrorCode::BadSignature,
                format!(
                    "the visit {}'s token is not signed by its patient",
                    token.visit_id
                ),
            )
        })
}
