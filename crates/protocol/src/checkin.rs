//! Check-in, the paper's step 6, the same in every shell: the patient's app makes her check-in
//! code for one organization ([`code`]: her signed `VisitToken` and H, as a `ct:/` QR text), and
//! the organization's kiosk reads it ([`read`]): a check-in code, signed by its patient, for this
//! organization, unexpired, still within `notAfter`. What only the chain knows (that H is hers,
//! `isRegistered(patient, H)`) is the kiosk's next step, before it opens the visit.

use crate::qr::{self, CheckError, CheckIn, Payload};
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_types::{
    Address, CheckinCode, ErrorCode, Hash32, Participant, ParticipantKind, ParticipantStatus,
    UiError, VisitToken,
};
use rand_core::CryptoRngCore;

/// How long a visit lasts once opened.
pub const VISIT_SECS: u64 = 12 * 60 * 60;
/// How long after it is shown a check-in code may open the visit (the token's `notAfter`): the
/// app shows a fresh code before then.
pub const OPENING_SECS: u64 = 10 * 60;

/// Her check-in code for `organization`, made at `now` with a fresh visit id from `rng`, and its
/// QR text.
pub fn code(
    patient: &SecretKey,
    domain: RegistryDomain,
    organization: Address,
    record: Hash32,
    now: u64,
    rng: &mut impl CryptoRngCore,
) -> (CheckIn, String) {
    let mut visit_id = [0u8; 32];
    rng.fill_bytes(&mut visit_id);
    let token = VisitToken {
        patient: patient.address(),
        organization,
        visit_id: Hash32(visit_id),
        expires_at: now + VISIT_SECS,
        not_after: now + OPENING_SECS,
    };
    let checkin = CheckIn::sign(patient, domain, token, record);
    let text = qr::encode(&Payload::CheckIn(checkin.clone()));
    (checkin, text)
}

/// The code as her app shows it: for which organization, until when, and its text.
pub fn shown(code: &CheckIn, text: String) -> CheckinCode {
    CheckinCode {
        organization: code.token.organization,
        visit_id: code.token.visit_id,
        not_after: code.token.not_after,
        text,
    }
}

/// The refusal of a check-in code for `organization`, which is not an admitted health
/// organization (never admitted, an insurer, suspended or blocked).
pub fn not_admitted(organization: Address) -> UiError {
    UiError::new(
        ErrorCode::NotAdmitted,
        format!("{organization} is not an admitted health organization: pick one from the list"),
    )
}

/// Whether her app may make a code for `organization`, given what the participant registry
/// holds for it (`None`: nothing): only for an admitted health organization.
pub fn check_organization(
    organization: Address,
    registered: Option<&Participant>,
) -> Result<(), UiError> {
    match registered {
        Some(p)
            if p.admission.signer == organization
                && p.admission.kind == ParticipantKind::HealthOrganization
                && p.status == ParticipantStatus::Admitted =>
        {
            Ok(())
        }
        _ => Err(not_admitted(organization)),
    }
}

/// The kiosk of organization `here` reads a scanned text at `now`: a check-in code that holds
/// offline, or the refusal to show.
pub fn read(
    text: &str,
    domain: RegistryDomain,
    here: Address,
    now: u64,
) -> Result<CheckIn, UiError> {
    let payload = qr::decode(text.trim())
        .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let Payload::CheckIn(checkin) = payload else {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            format!("this is a {}, not a check-in code", payload.kind_name()),
        ));
    };
    checkin.check(domain, here, now).map_err(refusal)?;
    Ok(checkin)
}

/// A scanned code's offline check that failed, as the kiosk or the lab shows it.
pub(crate) fn refusal(e: CheckError) -> UiError {
    let code = match e {
        CheckError::BadSignature { .. } | CheckError::WrongSigner { .. } => ErrorCode::BadSignature,
        CheckError::NotForThisOrganization { .. } => ErrorCode::WrongOrganization,
        CheckError::Expired { .. } | CheckError::OpeningClosed { .. } => {
            ErrorCode::SignatureExpired
        }
    };
    UiError::new(code, e.to_string())
}
