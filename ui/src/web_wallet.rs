//! The web page's wallet: registration and login run here, in the patient's browser, as the app
//! runs them on the desktop. Her key is made here from a recovery phrase shown once, and kept in
//! the browser's storage sealed under her password (`caretrail_crypto::sealed_key`); her
//! registration (the profile) is kept with her ID and card number sealed to her key
//! (`caretrail_protocol::profile`), so the storage holds neither in clear. The relay sees her
//! address, never her key. She can download a backup file and restore from it or from her phrase
//! (`caretrail_protocol::backup`, the same crates as the desktop keystore). Once she logs in,
//! the opened key stays in this page's memory (never in storage unsealed) for her records, until
//! she logs out or the page goes.

use crate::clock::now;
use crate::ipc::internal;
use crate::ipc::web::{relay_get, relay_post};
use caretrail_crypto::SecretKey;
use caretrail_crypto::sealed_key::{self, OpenError, SealedKey};
use caretrail_protocol::password::{self, WrongPasswords};
use caretrail_protocol::profile::{self, SealedProfile};
use caretrail_protocol::{backup, login, registration};
use caretrail_types::{
    Address, ErrorCode, Hash32, LoginChallenge, LoginInput, LoginSession, NetworkInfo, Profile,
    Progress, RegistrationError, RegistrationInput, RegistrationOutcome, RegistrationReceipt,
    RegistrationRecord, UiError, Verified,
};
use caretrail_types::{
    ExecutionRequest, PendingRecoveryState, RecoveryCancellation, RecoveryNotice, RecoveryStatus,
    Relayed,
};
use rand_core::OsRng;
use std::cell::RefCell;

const KEY_ITEM: &str = "caretrail.wallet.key";
const PROFILE_ITEM: &str = "caretrail.wallet.profile";
const WRONG_PASSWORDS_ITEM: &str = "caretrail.wallet.wrong-passwords";

/// The profile as kept: sealed, or in clear as earlier versions of this page kept it (sealed at
/// her next login).
#[derive(Debug)]
enum KeptProfile {
    Sealed(SealedProfile),
    Clear(Profile),
}

impl KeptProfile {
    fn record(&self) -> Hash32 {
        match self {
            KeptProfile::Sealed(sealed) => sealed.record,
            KeptProfile::Clear(profile) => profile.record,
        }
    }

    fn patient(&self) -> Address {
        match self {
            KeptProfile::Sealed(sealed) => sealed.patient,
            KeptProfile::Clear(profile) => profile.patient,
        }
    }
}

/// The kept profile, in whichever form it is kept.
fn kept_profile() -> Result<Option<KeptProfile>, UiError> {
    let Some(text) = storage()?
        .get_item(PROFILE_ITEM)
        .map_err(|_| internal("storage"))?
    else {
        return Ok(None);
    };
    if let Ok(sealed) = serde_json::from_str(&text) {
        return Ok(Some(KeptProfile::Sealed(sealed)));
    }
    serde_json::from_str(&text)
        .map(|clear| Some(KeptProfile::Clear(clear)))
        .map_err(internal)
}

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

/// H of her registration in this browser, if any (her ID is sealed: she types it to log in).
pub fn held_record() -> Result<Option<Hash32>, UiError> {
    Ok(kept_profile()?.map(|kept| kept.record()))
}

/// Keeps her registration, its ID and card sealed to her key.
fn keep_profile(profile: &Profile, key: &SecretKey) -> Result<(), UiError> {
    write(PROFILE_ITEM, &profile::seal(profile, key, &mut OsRng)?)
}

/// Keeps `key` sealed under `password` (which the password policy must accept).
fn keep_key(key: &SecretKey, password: &str) -> Result<(), UiError> {
    let sealed = sealed_key::seal(key, password, sealed_key::ROUNDS, &mut OsRng)
        .map_err(|weak| refused(ErrorCode::WeakPassword, weak.to_string()))?;
    write(KEY_ITEM, &sealed)
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
    let application = registration::apply(form, held_record().map_err(plain)?).map_err(plain)?;
    progress(application.hashed());
    let network: NetworkInfo = relay_get("/v1/network").await.map_err(plain)?;

    // The key an earlier attempt kept, or a new one from a fresh recovery phrase, held in memory
    // until the checks pass. A kept key may already be registered although the answer was lost:
    // the relay says so.
    let (key, phrase) = match open_key(&input.password).map_err(plain)? {
        Some(key) => {
            let found: Option<RegistrationRecord> =
                relay_get(&format!("/v1/registrations/{}", key.address()))
                    .await
                    .map_err(plain)?;
            if let Err(known) = registration::recover(&application, key.address(), found) {
                if let Some(profile) = &known.profile {
                    keep_profile(profile, &key).map_err(plain)?;
                }
                return Err(plain(known.error));
            }
            (key, None)
        }
        None => {
            let (key, phrase) = backup::new_key(&mut OsRng);
            (key, Some(phrase))
        }
    };
    progress(registration::key_ready(key.address(), phrase.is_some()));
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
    if phrase.is_some() {
        // Kept before anything is written on chain, so the registration never outlives its key;
        // never over a key another tab kept meanwhile.
        if read::<SealedKey>(KEY_ITEM).map_err(plain)?.is_some() {
            return Err(plain(refused(
                ErrorCode::AlreadyRegistered,
                "another tab kept a key in this browser meanwhile; reload and log in or register there",
            )));
        }
        keep_key(&key, &input.password).map_err(plain)?;
    }
    // From here the new key is kept: its phrase is shown whatever happens next.
    let shown = phrase.as_ref().map(|p| p.reveal().to_owned());
    let kept = |error: UiError| RegistrationError {
        error,
        phrase: shown.clone(),
    };
    progress(Progress::Submitting);
    let receipt: RegistrationReceipt = relay_post("/v1/registrations", &request)
        .await
        .map_err(kept)?;
    keep_profile(&registration::profile(&application, &receipt), &key).map_err(kept)?;
    Ok(registration::outcome(
        &verified.citizen,
        receipt,
        shown.clone(),
    ))
}

pub async fn login(input: LoginInput) -> Result<LoginSession, UiError> {
    password::check_entered(&input.password)?;
    // Her ID is checked against the kept registration once her key has opened it.
    let attempt = login::parse(&input.id, &input.record)?;
    let Some(kept) = kept_profile()? else {
        attempt.held_by(None)?;
        return Err(refused(
            ErrorCode::NoKey,
            "no registration is kept in this browser",
        ));
    };
    let key = open_key(&input.password)?
        .ok_or_else(|| refused(ErrorCode::NoKey, "no key is kept in this browser"))?;
    let profile = match kept {
        KeptProfile::Sealed(sealed) => profile::open(&sealed, &key)?,
        KeptProfile::Clear(profile) => {
            keep_profile(&profile, &key)?;
            profile
        }
    };
    attempt.held_by(Some(&profile))?;
    let network: NetworkInfo = relay_get("/v1/network").await?;
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .ok_or_else(|| refused(ErrorCode::Internal, "this page has no origin to log in at"))?;
    let challenge: LoginChallenge = relay_post("/v1/login/challenges", &()).await?;
    let session = relay_post(
        "/v1/login",
        &login::request(&key, &attempt, &challenge.challenge, &origin, &network),
    )
    .await?;
    SESSION_KEY.with(|slot| *slot.borrow_mut() = Some(key));
    Ok(session)
}

/// A backup file of the key kept in this browser, under its password: the file's name and text.
pub fn backup(password: &str) -> Result<(String, String), UiError> {
    password::check_entered(password)?;
    let key = open_key(password)?
        .ok_or_else(|| refused(ErrorCode::NoKey, "no key is kept in this browser"))?;
    let file = backup::backup_file(&key, password, &mut OsRng)?;
    Ok((backup::backup_file_name(&key), file))
}

/// Where a restored key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreFrom {
    Phrase(String),
    /// A backup file's text and the password it was written under.
    Backup {
        json: String,
        password: String,
    },
}

/// What the restore screen sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreInput {
    pub from: RestoreFrom,
    pub nid: String,
    pub card_number: String,
    /// The password to keep the key under in this browser.
    pub password: String,
}

/// A key restored into this browser, and H of its registration when the chain holds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub address: Address,
    pub record: Option<Hash32>,
}

/// Keeps the key of her phrase or backup file in this browser, with her registration if the
/// chain holds one for it. Never over a key already kept here.
pub async fn restore(input: RestoreInput) -> Result<Restored, UiError> {
    if read::<SealedKey>(KEY_ITEM)?.is_some() {
        return Err(refused(
            ErrorCode::AlreadyRegistered,
            "a key is already kept in this browser; it is never replaced",
        ));
    }
    password::check_new(&input.password)?;
    let key = match &input.from {
        RestoreFrom::Phrase(text) => backup::key_from_phrase(text)?,
        RestoreFrom::Backup { json, password } => backup::key_from_backup(json, password)?,
    };
    let found: Option<RegistrationRecord> =
        relay_get(&format!("/v1/registrations/{}", key.address())).await?;
    let profile = registration::restored(&input.nid, &input.card_number, key.address(), found)?;
    keep_key(&key, &input.password)?;
    if let Some(profile) = &profile {
        keep_profile(profile, &key)?;
    }
    Ok(Restored {
        address: key.address(),
        record: profile.map(|p| p.record),
    })
}

/// The recovery of this browser's registration pending now, as the relay reads it from the
/// chain, with what it means for the key kept here.
async fn pending_recovery() -> Result<Option<(PendingRecoveryState, RecoveryStatus)>, UiError> {
    let Some(kept) = kept_profile()? else {
        return Ok(None);
    };
    let state: Option<PendingRecoveryState> =
        relay_get(&format!("/v1/recoveries/of/{}", kept.record())).await?;
    Ok(state.and_then(|state| {
        caretrail_protocol::recovery::status(&state.pending, kept.patient(), now())
            .map(|status| (state, status))
    }))
}

/// [`pending_recovery`] as the screen shows it.
pub async fn recovery_notice() -> Result<Option<RecoveryNotice>, UiError> {
    Ok(pending_recovery()
        .await?
        .map(|(state, status)| RecoveryNotice {
            pending: state.pending,
            status,
        }))
}

/// Her opened key says no to the pending recovery of her registration; the relay sends it.
pub async fn recovery_cancel() -> Result<Relayed, UiError> {
    let key = session_key()?;
    let Some((state, _)) = pending_recovery().await? else {
        return Err(refused(
            ErrorCode::NoRecoveryPending,
            "no recovery of your registration is pending",
        ));
    };
    let network: NetworkInfo = relay_get("/v1/network").await?;
    let cancellation = RecoveryCancellation {
        nid_commitment: state.pending.nid_commitment,
        nonce: state.nonce,
        deadline: now() + 10 * 60,
    };
    let request =
        caretrail_protocol::recovery::cancellation(&state.pending, cancellation, &key, &network)?;
    relay_post("/v1/recoveries/cancellations", &request).await
}

/// Executes the pending recovery to the key kept here, once its timelock has passed.
pub async fn recovery_finish() -> Result<Relayed, UiError> {
    match pending_recovery().await? {
        Some((state, RecoveryStatus::Incoming { .. })) => {
            relay_post(
                "/v1/recoveries/executions",
                &ExecutionRequest {
                    nid_commitment: state.pending.nid_commitment,
                },
            )
            .await
        }
        _ => Err(refused(
            ErrorCode::NoRecoveryPending,
            "no recovery to the key kept here is pending",
        )),
    }
}
