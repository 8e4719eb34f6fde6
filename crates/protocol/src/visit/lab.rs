//! The lab (steps 9–14), the same in every shell: the patient's test-list code for a lab's
//! organization ([`code`]: her signed share of the T_D record and, for a lab in another
//! organization than the one that ordered the tests, her visit token for it), the lab's offline
//! check of a scanned code ([`read`]), the check of the test list it fetched ([`check_order`]),
//! and its report U_R as FHIR R4 ([`report`]: a `DiagnosticReport` that presents the attached
//! files, each its own `Document` record, and answers the order's requisition).

use crate::checkin::{OPENING_SECS, VISIT_SECS};
use crate::qr::{self, Payload, SharedTestList};
use crate::records::Writer;
use crate::visit::orders::{KEY_SYSTEM, LOINC, TestOrder, VISIT_SYSTEM};
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_fhir::{
    Attachment, CodeableConcept, Coding, DiagnosticReport, Identifier, Instant, Reference,
    TypedResource,
};
use caretrail_types::{
    Address, ErrorCode, Hash32, StaffRole, StoredRecord, TestListShare, UiError, VisitAssignment,
    VisitAuthority,
};
use rand_core::CryptoRngCore;

/// How long a test-list code lets a lab fetch the list: three days.
pub const SHARE_SECS: u64 = 3 * 24 * 60 * 60;
/// The code of a report: LOINC 11502-2, "Laboratory report".
pub const REPORT_CODE: &str = "11502-2";
/// The most files one report attaches.
pub const MAX_ATTACHMENTS: usize = 16;

/// What the lab took in from a test-list code: the visit it works under, the tests, and who
/// ordered them. Kept by the lab's workstation between fetching the list and reporting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabOrder {
    /// The lab's certificate and its organization's assignment of it to the visit.
    pub authority: VisitAuthority,
    /// The T_D record shared.
    pub test_list: Hash32,
    pub tests: Vec<TestOrder>,
    /// The organization that ordered the tests, and the visit it ordered them at.
    pub ordered_by: Address,
    pub ordered_at: Hash32,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// Her test-list code for the lab of `lab` (an organization), sharing T_D `record` that
/// `ordered_by` wrote, made at `now`; for a lab of another organization, with her visit token
/// for it (a fresh visit id from `rng`), so it can open a visit and anchor its report. The code
/// and its QR text.
pub fn code(
    patient: &SecretKey,
    domain: RegistryDomain,
    lab: Address,
    ordered_by: Address,
    record: Hash32,
    now: u64,
    rng: &mut impl CryptoRngCore,
) -> (SharedTestList, String) {
    let share = TestListShare {
        patient: patient.address(),
        organization: lab,
        record_id: record,
        expires_at: now + SHARE_SECS,
    };
    let visit = (lab != ordered_by).then(|| {
        let mut visit_id = [0u8; 32];
        rng.fill_bytes(&mut visit_id);
        (Hash32(visit_id), now + VISIT_SECS, now + OPENING_SECS)
    });
    let code = SharedTestList::sign(patient, domain, share, visit);
    let text = qr::encode(&Payload::TestList(code));
    (code, text)
}

/// The organization whose doctor ordered `test_list`, from her list as her device checked it:
/// it must be one of her records, a `ServiceRequest` a doctor wrote. Her app shares nothing
/// else as a test list.
pub fn ordered_by(
    listed: &[crate::records::Listed],
    test_list: Hash32,
) -> Result<Address, UiError> {
    let found = listed.iter().find(|l| l.id == test_list).ok_or_else(|| {
        UiError::new(
            ErrorCode::RecordNotFound,
            format!("{test_list} is not one of her records"),
        )
    })?;
    match (&found.writer, found.kind.as_str()) {
        (Some(Writer::Staff(by)), "ServiceRequest") if by.role == StaffRole::Doctor => {
            Ok(by.organization)
        }
        _ => Err(UiError::new(
            ErrorCode::InvalidInput,
            format!("{test_list} is not a test list a doctor wrote"),
        )),
    }
}

/// The lab of organization `here` reads a scanned text at `now`: a test-list code that holds
/// offline (its patient's signature, for `here`, unexpired, and its visit token's too), or the
/// refusal to show.
pub fn read(
    text: &str,
    domain: RegistryDomain,
    here: Address,
    now: u64,
) -> Result<SharedTestList, UiError> {
    let payload = qr::decode(text.trim())
        .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let Payload::TestList(code) = payload else {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!("this is a {}, not a test-list code", payload.kind_name()),
        ));
    };
    code.check(domain, here, now)
        .map_err(crate::checkin::refusal)?;
    Ok(code)
}

/// The visit the ordering doctor wrote T_D at, when the test list the lab fetched (`stored`, the
/// relay's row, and `writer`, who wrote it as the lab checked it) is the one `code` shares: the
/// patient's, the record named, written by a doctor. Returns the ordering organization and its
/// visit id.
pub fn check_order(
    code: &SharedTestList,
    stored: &StoredRecord,
    writer: &Writer,
) -> Result<(Address, Hash32), UiError> {
    if stored.id != code.share.record_id || stored.patient != code.share.patient {
        return Err(refused(
            ErrorCode::HashMismatch,
            format!(
                "the relay served record {} of {}, not the shared {}",
                stored.id, stored.patient, code.share.record_id
            ),
        ));
    }
    if crate::records::kind_text(&stored.kind) != "ServiceRequest" {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the shared record is not a test list",
        ));
    }
    match writer {
        Writer::Staff(by) if by.role == StaffRole::Doctor => Ok((by.organization, by.visit_id)),
        Writer::Staff(by) => Err(refused(
            ErrorCode::WrongRole,
            format!(
                "the test list was written by a {}, not a doctor",
                by.role.name()
            ),
        )),
        Writer::Patient | Writer::Insurer { .. } => Err(refused(
            ErrorCode::WrongRole,
            "the test list was not written by a doctor",
        )),
        Writer::Unproven { reason } => Err(refused(ErrorCode::BadSignature, reason.clone())),
    }
}

/// A file the lab attaches to its report, stored as its own `Document` record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attached {
    pub record: Hash32,
    /// A MIME type: `application/pdf`, `image/png`, `image/jpeg`, `application/dicom`, ...
    pub content_type: String,
    /// Plaintext bytes.
    pub size: u64,
    pub title: String,
}

/// The record URL a report gives an attached file.
pub fn attachment_url(record: Hash32) -> String {
    format!("urn:caretrail:record:{record}")
}

/// The lab's report U_R at `now` (JSON), by the lab assigned by `assignment`, answering the
/// tests of the visit `ordered_at` (the ordering visit's id), with `conclusion` and the files
/// `attached`.
pub fn report(
    assignment: &VisitAssignment,
    ordered_at: Hash32,
    conclusion: &str,
    attached: &[Attached],
    now: u64,
) -> Result<Vec<u8>, UiError> {
    let conclusion = conclusion.trim();
    if conclusion.is_empty() || conclusion.chars().count() > 2_000 {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the conclusion is 1 to 2,000 characters",
        ));
    }
    if attached.len() > MAX_ATTACHMENTS {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!("at most {MAX_ATTACHMENTS} files in one report"),
        ));
    }
    let at = Instant::from_unix_seconds(now)
        .map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
    let key = |resource: &str, key: Address| {
        Reference::by_identifier(resource, Identifier::new(KEY_SYSTEM, key.to_string()))
    };
    let forms = attached
        .iter()
        .map(|a| {
            Attachment::stored(a.content_type.clone(), attachment_url(a.record), a.size)
                .with_title(a.title.clone())
        })
        .collect();
    let mut report = DiagnosticReport::issued(
        key("Patient", assignment.patient),
        CodeableConcept::coded(Coding::new(LOINC, REPORT_CODE)).with_text("Laboratory report"),
        key("Practitioner", assignment.staff),
        &at,
        forms,
    )
    .with_based_on([Reference::by_identifier(
        "ServiceRequest",
        Identifier::new(VISIT_SYSTEM, format!("{ordered_at}/tests")),
    )])
    .with_encounter(Reference::by_identifier(
        "Encounter",
        Identifier::new(VISIT_SYSTEM, assignment.visit_id.to_string()),
    ));
    report.conclusion = Some(conclusion.to_owned());
    debug_assert_eq!(DiagnosticReport::RESOURCE_TYPE, "DiagnosticReport");
    serde_json::to_vec(&report).map_err(|e| refused(ErrorCode::Internal, e.to_string()))
}
