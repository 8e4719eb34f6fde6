//! The web page's wallet: registration and login run here, in the patient's browser, as the app
//! runs them on the desktop. Her key is made here and kept in the browser's storage, sealed under
//! her password (`caretrail_crypto::sealed_key`); the relay sees her address, never her key.

use crate::ipc::{internal, relay_get, relay_post};
use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope;
use caretrail_crypto::identity::{card_hash, patient_resource, sign_enrolment, sign_login};
use caretrail_crypto::policy::{content_hash, media_type_of};
use caretrail_crypto::sealed_key::{self, OpenError, SealedKey};
use caretrail_types::{
    CardNumber, ErrorCode, Hash32, LoginChallenge, LoginInput, LoginRequest, LoginSession,
    NetworkInfo, Nid, Profile, Progress, RegisterRequest, RegistrationError, RegistrationInput,
    RegistrationOutcome, RegistrationReceipt, UiError, Verified, VerifyRequest, check_photo,
    check_policy_document,
};
use rand_core::OsRng;

const KEY_ITEM: &str = "caretrail.wallet.key";
const PROFILE_ITEM: &str = "caretrail.wallet.profile";

fn storage() -> Result<web_sys::Storage, UiError> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| {
            UiError::new(
                ErrorCode::Internal,
                "this browser keeps no local storage; the wallet needs it",
            )
        })
}

fn read<T: serde::de::DeserializeOwned>(item: &str) -> Result<Option<T>, UiError> {
    match storage()?.get_item(item).map_err(|_| internal("storage"))? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(internal),
        None => Ok(None),
    }
}

fn write<T: serde::Serialize>(item: &str, value: &T) -> Result<(), UiError> {
    let text = serde_json::to_string(value).map_err(internal)?;
    storage()?
        .set_item(item, &text)
        .map_err(|_| internal("the browser refused to keep the wallet"))
}

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// Her registration in this browser, if any.
pub fn profile() -> Result<Option<Profile>, UiError> {
    read(PROFILE_ITEM)
}

fn open_key(password: &str) -> Result<Option<SecretKey>, UiError> {
    let Some(sealed) = read::<SealedKey>(KEY_ITEM)? else {
        return Ok(None);
    };
    match sealed_key::open(&sealed, password) {
        Ok(key) => Ok(Some(key)),
        Err(OpenError::WrongPassword) => Err(refused(ErrorCode::WrongPassword, "wrong password")),
        Err(e) => Err(refused(ErrorCode::Internal, e.to_string())),
    }
}

pub async fn register(
    input: RegistrationInput,
    progress: impl Fn(Progress),
) -> Result<RegistrationOutcome, RegistrationError> {
    let plain = |error: UiError| RegistrationError {
        error,
        phrase: None,
    };
    let invalid = |e: caretrail_types::IdentifierError| {
        plain(refused(ErrorCode::InvalidInput, e.to_string()))
    };
    let nid = Nid::parse(&input.nid).map_err(invalid)?;
    let card_number = CardNumber::parse(&input.card_number).map_err(invalid)?;
    if input.password.is_empty() {
        return Err(plain(refused(
            ErrorCode::InvalidInput,
            "the password is empty",
        )));
    }
    if let Some(profile) = profile().map_err(plain)? {
        return Err(plain(refused(
            ErrorCode::AlreadyRegistered,
            format!(
                "this browser already holds the registration of {} (H {}); log in instead",
                profile.nid, profile.record
            ),
        )));
    }
    check_photo(&input.photo).map_err(plain)?;
    let document = &input.policy_document;
    check_policy_document(document).map_err(plain)?;
    let media_type = media_type_of(document).ok_or_else(|| {
        plain(refused(
            ErrorCode::InvalidInput,
            "the policy document is neither a PDF nor a FHIR/JSON document",
        ))
    })?;
    let policy_hash = content_hash(media_type, document).map_err(|e| {
        plain(refused(
            ErrorCode::InvalidInput,
            format!("the policy document cannot be read: {e}"),
        ))
    })?;
    progress(Progress::PolicyHashed {
        media_type: media_type.into(),
        hash: policy_hash,
    });
    let network: NetworkInfo = relay_get("/v1/network").await.map_err(plain)?;

    // The key an earlier attempt kept, or a new one held in memory until the checks pass.
    let (key, created) = match open_key(&input.password).map_err(plain)? {
        Some(key) => (key, false),
        None => (SecretKey::generate(&mut OsRng), true),
    };
    progress(Progress::KeyReady {
        address: key.address(),
        created,
    });
    progress(Progress::Verifying);
    let verified: Verified = relay_post(
        "/v1/registrations/verify",
        &VerifyRequest {
            nid: nid.clone(),
            card_number: card_number.clone(),
            patient: key.address(),
            policy_hash,
            photo: input.photo.clone(),
        },
    )
    .await
    .map_err(plain)?;
    progress(Progress::Verified {
        checks: verified.checks.clone(),
    });

    let enrolment = &verified.ticket.body.enrolment;
    // She signs only the enrolment she asked for: her key, her card, the policy she holds.
    if enrolment.patient != key.address()
        || enrolment.card_hash != card_hash(&card_number)
        || verified.ticket.body.policy_hash != policy_hash
    {
        return Err(plain(refused(
            ErrorCode::RelayError,
            "the relay's enrolment is not the one asked for (another key, card or policy)",
        )));
    }
    let encrypted_data = envelope::encrypt(
        &mut OsRng,
        &[key.public_key()],
        &patient_resource(&verified.citizen, &card_number),
    )
    .map_err(|e| plain(internal(e)))?;
    let patient_signature =
        sign_enrolment(&key, network.chain_id, network.policy_registry, enrolment);
    if created {
        // Kept before anything is written on chain, so the registration never outlives its key;
        // never over a key another tab kept meanwhile (the web page has no phrase to restore it).
        if read::<SealedKey>(KEY_ITEM).map_err(plain)?.is_some() {
            return Err(plain(refused(
                ErrorCode::AlreadyRegistered,
                "another tab kept a key in this browser meanwhile; reload and log in or register there",
            )));
        }
        write(
            KEY_ITEM,
            &sealed_key::seal(&key, &input.password, sealed_key::ROUNDS, &mut OsRng),
        )
        .map_err(plain)?;
    }
    progress(Progress::Submitting);
    let receipt: RegistrationReceipt = relay_post(
        "/v1/registrations",
        &RegisterRequest {
            ticket: verified.ticket.clone(),
            encrypted_data,
            patient_signature,
        },
    )
    .await
    .map_err(plain)?;
    write(
        PROFILE_ITEM,
        &Profile {
            nid,
            card_number,
            patient: receipt.patient,
            record: receipt.record,
            tx_id: receipt.tx_id,
        },
    )
    .map_err(plain)?;
    Ok(RegistrationOutcome {
        name: format!(
            "{} {}",
            verified.citizen.given_name, verified.citizen.family_name
        ),
        receipt,
        phrase: None,
    })
}

pub async fn login(input: LoginInput) -> Result<LoginSession, UiError> {
    let nid = Nid::parse(&input.id).map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
    let record: Hash32 = input.record.parse().map_err(|e| {
        refused(
            ErrorCode::InvalidInput,
            format!("H is 32 bytes of hex: {e}"),
        )
    })?;
    match profile()? {
        Some(profile) if profile.nid == nid => {}
        _ => {
            return Err(refused(
                ErrorCode::NoKey,
                format!("this browser holds no key registered for the ID {nid}"),
            ));
        }
    }
    let key = open_key(&input.password)?
        .ok_or_else(|| refused(ErrorCode::NoKey, "no key is kept in this browser"))?;
    let challenge: LoginChallenge = relay_post("/v1/login/challenges", &()).await?;
    relay_post(
        "/v1/login",
        &LoginRequest {
            record,
            challenge: challenge.challenge,
            signature: sign_login(&key, &record, &challenge.challenge),
        },
    )
    .await
}
