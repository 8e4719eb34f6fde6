//! Registration, the paper's steps 1–4, on the patient's device. The shell runs, in order:
//!
//! 1. [`apply`]: what she entered is checked, and her policy document hashed canonically (PU,
//!    her side); nothing has been sent yet.
//! 2. Her key: a new one (held in memory until the checks pass), or the one an earlier attempt
//!    kept. For a kept key the shell asks who holds it on chain and passes the answer to
//!    [`recover`], which restores a registration whose answer was lost.
//! 3. [`verify_request`] goes to the relay's verification unit; its answer to [`submission`],
//!    which refuses an enrolment she did not ask for, encrypts U_D to her key (Enc(U_D)) and signs
//!    the enrolment.
//! 4. The shell keeps a new key, then sends the submission; [`profile`] and [`outcome`] are what
//!    it keeps and shows.

use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope;
use caretrail_crypto::identity::{card_hash, patient_resource, sign_enrolment};
use caretrail_crypto::policy::{content_hash, media_type_of};
use caretrail_types::{
    Address, CardNumber, Citizen, ErrorCode, Hash32, NetworkInfo, Nid, Profile, Progress,
    RegisterRequest, RegistrationOutcome, RegistrationReceipt, RegistrationRecord, UiError,
    Verified, VerifyRequest, check_photo, check_policy_document,
};
use rand_core::CryptoRngCore;

/// What the patient enters to register, as she entered it.
#[derive(Debug, Clone, Copy)]
pub struct Form<'a> {
    pub nid: &'a str,
    pub card_number: &'a str,
    /// The policy document she was given (FHIR/JSON or PDF).
    pub policy_document: &'a [u8],
    /// Her instant photo (JPEG or PNG), from the camera or a file.
    pub photo: &'a [u8],
}

/// Her application, checked: the identifiers parsed, the photo and the document looked at, the
/// document's canonical hash (the patient's side of PU).
#[derive(Debug, Clone)]
pub struct Application {
    pub nid: Nid,
    pub card_number: CardNumber,
    pub media_type: &'static str,
    pub policy_hash: Hash32,
    photo: Vec<u8>,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// Step 1: checks what she entered, in one order everywhere, and hashes her policy document.
/// `held` is H of the registration this device already holds, if any: a device holds one.
pub fn apply(form: Form<'_>, held: Option<Hash32>) -> Result<Application, UiError> {
    let invalid =
        |e: caretrail_types::IdentifierError| refused(ErrorCode::InvalidInput, e.to_string());
    let nid = Nid::parse(form.nid).map_err(invalid)?;
    let card_number = CardNumber::parse(form.card_number).map_err(invalid)?;
    if let Some(record) = held {
        return Err(refused(
            ErrorCode::AlreadyRegistered,
            format!("this device already holds a registration (H {record}); log in instead"),
        ));
    }
    check_photo(form.photo)?;
    check_policy_document(form.policy_document)?;
    let media_type = media_type_of(form.policy_document).ok_or_else(|| {
        refused(
            ErrorCode::InvalidInput,
            "the policy document is neither a PDF nor a FHIR/JSON document",
        )
    })?;
    let policy_hash = content_hash(media_type, form.policy_document).map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("the policy document cannot be read: {e}"),
        )
    })?;
    Ok(Application {
        nid,
        card_number,
        media_type,
        policy_hash,
        photo: form.photo.to_vec(),
    })
}

impl Application {
    /// The progress step that says her document is hashed.
    pub fn hashed(&self) -> Progress {
        Progress::PolicyHashed {
            media_type: self.media_type.into(),
            hash: self.policy_hash,
        }
    }
}

/// A kept key that the chain already knows: what the device keeps, and what she is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyRegistered {
    /// The registration to keep as this device's profile, when it is this application's (the
    /// same card); `None` when the key was registered with another card.
    pub profile: Option<Profile>,
    pub error: UiError,
}

/// Step 2, for a key an earlier attempt kept: `found` is the registration the chain holds for
/// it (read from the chain by the desktop client, from the relay by the web page). An earlier
/// attempt may have been registered although its answer was lost: then the profile is restored
/// and she is told to log in.
pub fn recover(
    application: &Application,
    patient: Address,
    found: Option<RegistrationRecord>,
) -> Result<(), Box<AlreadyRegistered>> {
    let Some(found) = found else { return Ok(()) };
    let profile = (found.card_hash == card_hash(&application.card_number)).then(|| Profile {
        nid: application.nid.clone(),
        card_number: application.card_number.clone(),
        patient,
        record: found.record,
        tx_id: found.tx_id,
    });
    Err(Box::new(AlreadyRegistered {
        profile,
        error: refused(
            ErrorCode::AlreadyRegistered,
            format!(
                "this device's key is already registered (H {}, transaction {}): an earlier \
                 attempt finished although its answer was lost; log in",
                found.record, found.tx_id
            ),
        ),
    }))
}

/// A key restored on this device (from her recovery phrase or a backup file), with the ID and
/// card number she typed: `found` is the registration the chain holds for the key. It becomes
/// this device's profile when the card is the one registered; with none found she registers with
/// the restored key.
pub fn restored(
    nid: &str,
    card_number: &str,
    patient: Address,
    found: Option<RegistrationRecord>,
) -> Result<Option<Profile>, UiError> {
    let invalid =
        |e: caretrail_types::IdentifierError| refused(ErrorCode::InvalidInput, e.to_string());
    let nid = Nid::parse(nid).map_err(invalid)?;
    let card_number = CardNumber::parse(card_number).map_err(invalid)?;
    let Some(found) = found else { return Ok(None) };
    if found.card_hash != card_hash(&card_number) {
        return Err(refused(
            ErrorCode::CardRefused,
            "this key is registered with another insurance card number; type the card you \
             registered with",
        ));
    }
    Ok(Some(Profile {
        nid,
        card_number,
        patient,
        record: found.record,
        tx_id: found.tx_id,
    }))
}

/// The progress step that says her key is ready.
pub fn key_ready(patient: Address, created: bool) -> Progress {
    Progress::KeyReady {
        address: patient,
        created,
    }
}

/// Step 3: what the verification unit is asked.
pub fn verify_request(application: &Application, patient: Address) -> VerifyRequest {
    VerifyRequest {
        nid: application.nid.clone(),
        card_number: application.card_number.clone(),
        patient,
        policy_hash: application.policy_hash,
        photo: application.photo.clone(),
    }
}

/// Step 3, the answer: she signs only the enrolment she asked for (her key, her card, the policy
/// she holds); her data from the EC registry becomes a FHIR `Patient` encrypted to her own key.
pub fn submission(
    application: &Application,
    key: &SecretKey,
    network: &NetworkInfo,
    verified: &Verified,
    rng: &mut impl CryptoRngCore,
) -> Result<RegisterRequest, UiError> {
    let enrolment = &verified.ticket.body.enrolment;
    if enrolment.patient != key.address()
        || enrolment.card_hash != card_hash(&application.card_number)
        || verified.ticket.body.policy_hash != application.policy_hash
    {
        return Err(refused(
            ErrorCode::RelayError,
            "the relay's enrolment is not the one asked for (another key, card or policy); \
             registration stopped",
        ));
    }
    let plaintext = patient_resource(&verified.citizen, &application.card_number);
    let encrypted_data = envelope::encrypt(rng, &[key.public_key()], &plaintext)
        .map_err(|e| refused(ErrorCode::Internal, e.to_string()))?;
    Ok(RegisterRequest {
        ticket: verified.ticket.clone(),
        encrypted_data,
        patient_signature: sign_enrolment(
            key,
            network.chain_id,
            network.policy_registry,
            enrolment,
        ),
    })
}

/// Step 4: what the device keeps once the chain accepted her.
pub fn profile(application: &Application, receipt: &RegistrationReceipt) -> Profile {
    Profile {
        nid: application.nid.clone(),
        card_number: application.card_number.clone(),
        patient: receipt.patient,
        record: receipt.record,
        tx_id: receipt.tx_id,
    }
}

/// Step 4: what the screen shows at the end.
pub fn outcome(
    citizen: &Citizen,
    receipt: RegistrationReceipt,
    phrase: Option<String>,
) -> RegistrationOutcome {
    RegistrationOutcome {
        name: format!("{} {}", citizen.given_name, citizen.family_name),
        receipt,
        phrase,
    }
}
