//! The web page's wallet: registration and login run here, in the patient's browser, as the app
//! runs them on the desktop. Her key is made here and kept in the browser's storage, sealed under
//! her password (`caretrail_crypto::sealed_key`); the relay sees her address, never her key.
//! Once she logs in, the opened key stays in this page's memory (never in storage unsealed) for
//! her records, until she logs out or the page goes.

use crate::clock::now;
use crate::ipc::internal;
use crate::ipc::web::{relay_get, relay_post};
use caretrail_crypto::SecretKey;
use caretrail_crypto::sealed_key::{self, OpenError, SealedKey};
use caretrail_protocol::password::{self, WrongPasswords};
use caretrail_protocol::{login, registration};
use caretrail_types::{
    ErrorCode, LoginChallenge, LoginInput, LoginSession, NetworkInfo, Profile, Progress,
    RegistrationError, RegistrationInput, RegistrationOutcome, RegistrationReceipt,
    RegistrationRecord, UiError, Verified,
};
use rand_core::OsRng;
use std::cell::RefCell;

const KEY_ITEM: &str = "caretrail.wallet.key";
const PROFILE_ITEM: &str = "caretrail.wallet.profile";
const WRONG_PASSWORDS_ITEM: &str = "caretrail.wallet.wrong-passwords";

thread_local! {
    /// Her opened key while she is logged in.
    static SESSION_KEY: RefCell<Option<SecretKey>> = const { RefCell::new(None) };
}

/// Her opened key, while she is logged in.
pub fn session_key() -> Result<SecretKey, UiError> {
    SESSION_KEY
        .with(|slot| slot.borrow().clone())
        .ok_or_else(|| {
            refused(
                ErrorCode::NoKey,
                "log in first: your records open with your key, which only logging in unlocks",
            )
        })
}

/// Forgets her opened key (it is zeroized as it drops).
pub fn logout() {
    SESSION_KEY.with(|slot| slot.borrow_mut().take());
}

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

/// Opens the kept key with her password, counting wrong ones as the desktop wallet does.
fn open_key(password: &str) -> Result<Option<SecretKey>, UiError> {
    let Some(sealed) = read::<SealedKey>(KEY_ITEM)? else {
        return Ok(None);
    };
    let mut wrong: WrongPasswords = read(WRONG_PASSWORDS_ITEM)?.unwrap_or_default();
    let now = now();
    wrong.may_try(now)?;
    match sealed_key::open(&sealed, password) {
        Ok(key) => {
            storage()?
                .remove_item(WRONG_PASSWORDS_ITEM)
                .map_err(|_| internal("storage"))?;
            Ok(Some(key))
        }
        Err(OpenError::WrongPassword) => {
            let refusal = wrong.wrong(now);
            write(WRONG_PASSWORDS_ITEM, &wrong)?;
            Err(refusal)
        }
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
    let form = registration::Form {
        nid: &input.nid,
        card_number: &input.card_number,
        policy_document: &input.policy_document,
        photo: &input.photo,
    };
    password::check_new(&input.password).map_err(plain)?;
    let application =
        registration::apply(form, profile().map_err(plain)?.as_ref()).map_err(plain)?;
    progress(application.hashed());
    let network: NetworkInfo = relay_get("/v1/network").await.map_err(plain)?;

    // The key an earlier attempt kept, or a new one held in memory until the checks pass. A kept
    // key may already be registered although the answer was lost: the relay says so.
    let (key, created) = match open_key(&input.password).map_err(plain)? {
        Some(key) => {
            let found: Option<RegistrationRecord> =
                relay_get(&format!("/v1/registrations/{}", key.address()))
                    .await
                    .map_err(plain)?;
            if let Err(known) = registration::recover(&application, key.address(), found) {
                if let Some(profile) = &known.profile {
                    write(PROFILE_ITEM, profile).map_err(plain)?;
                }
                return Err(plain(known.error));
            }
            (key, false)
        }
        None => (SecretKey::generate(&mut OsRng), true),
    };
    progress(registration::key_ready(key.address(), created));
    progress(Progress::Verifying);
    let verified: Verified = relay_post(
        "/v1/registrations/verify",
        &registration::verify_request(&application, key.address()),
    )
    .await
    .map_err(plain)?;
    progress(Progress::Verified {
        checks: verified.checks.clone(),
    });
    let request = registration::submission(&application, &key, &network, &verified, &mut OsRng)
        .map_err(plain)?;
    if created {
        // Kept before anything is written on chain, so the registration never outlives its key;
        // never over a key another tab kept meanwhile (the web page has no phrase to restore it).
        if read::<SealedKey>(KEY_ITEM).map_err(plain)?.is_some() {
            return Err(plain(refused(
                ErrorCode::AlreadyRegistered,
                "another tab kept a key in this browser meanwhile; reload and log in or register there",
            )));
        }
        let sealed = sealed_key::seal(&key, &input.password, sealed_key::ROUNDS, &mut OsRng)
            .map_err(|weak| plain(refused(ErrorCode::WeakPassword, weak.to_string())))?;
        write(KEY_ITEM, &sealed).map_err(plain)?;
    }
    progress(Progress::Submitting);
    let receipt: RegistrationReceipt = relay_post("/v1/registrations", &request)
        .await
        .map_err(plain)?;
    write(PROFILE_ITEM, &registration::profile(&application, &receipt)).map_err(plain)?;
    Ok(registration::outcome(&verified.citizen, receipt, None))
}

pub async fn login(input: LoginInput) -> Result<LoginSession, UiError> {
    password::check_entered(&input.password)?;
    let attempt = login::attempt(&input.id, &input.record, profile()?.as_ref())?;
    let key = open_key(&input.password)?
        .ok_or_else(|| refused(ErrorCode::NoKey, "no key is kept in this browser"))?;
    let challenge: LoginChallenge = relay_post("/v1/login/challenges", &()).await?;
    let session = relay_post(
        "/v1/login",
        &login::request(&key, &attempt, &challenge.challenge),
    )
    .await?;
    SESSION_KEY.with(|slot| *slot.borrow_mut() = Some(key));
    Ok(session)
}
