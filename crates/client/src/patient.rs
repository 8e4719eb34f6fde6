//! The patient's registration and login (the paper's steps 1–5), on her device.
//!
//! Registration: her inputs are checked here first; the policy document is hashed canonically
//! (PU, her side); her key is made and kept under her password (or, when an earlier attempt made
//! it and nothing was registered, unlocked again); the relay's VU runs its checks; her data from
//! the EC registry becomes a FHIR `Patient`, encrypted to her own key (Enc(U_D)); she signs the
//! enrolment; the relay registers her. What she gets (H, the transaction) is kept in her wallet's
//! profile before it is shown.
//!
//! Login: ID (her NID) and PW_D open her key on this device; H is checked against the chain
//! through the relay with a fresh challenge her key signs.

use crate::{Client, ClientError, unix_now as now};
use caretrail_chain::registration_of;
use caretrail_keystore::{
    ExistingPassword, Keystore, Password, RecoveryPhrase, Store, UnlockError,
};
use caretrail_protocol::password::WrongPasswords;
pub use caretrail_protocol::password::{MAX_WRONG_PASSWORDS, WRONG_PASSWORD_PAUSE_SECS};
use caretrail_protocol::{login, registration};
use caretrail_types::{
    Citizen, ErrorCode, LoginChallenge, LoginInput, LoginSession, RegistrationError,
    RegistrationInput, RegistrationOutcome, RegistrationReceipt, UiError, Verified,
};
pub use caretrail_types::{Profile, Progress};
use rand_core::OsRng;
use std::path::{Path, PathBuf};

/// What the patient enters to register.
#[derive(Debug, Clone)]
pub struct RegistrationForm {
    pub nid: String,
    pub card_number: String,
    /// The policy document she was given (FHIR/JSON or PDF).
    pub policy_document: Vec<u8>,
    /// Her instant photo (JPEG or PNG), from the camera or a file.
    pub photo: Vec<u8>,
}

impl RegistrationForm {
    fn as_protocol(&self) -> registration::Form<'_> {
        registration::Form {
            nid: &self.nid,
            card_number: &self.card_number,
            policy_document: &self.policy_document,
            photo: &self.photo,
        }
    }
}

/// A finished registration.
#[derive(Debug)]
pub struct Registration {
    pub receipt: RegistrationReceipt,
    /// The recovery phrase of a key made by this registration: show it once, then drop it.
    pub phrase: Option<RecoveryPhrase>,
    pub citizen: Citizen,
}

/// The patient's wallet on this device: her key (in `S`) and her profile (in `dir`).
#[derive(Debug)]
pub struct Wallet<S> {
    pub(crate) keystore: Keystore<S>,
    dir: PathBuf,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

impl<S: Store> Wallet<S> {
    pub fn new(store: S, dir: &Path) -> Self {
        Self {
            keystore: Keystore::new(store),
            dir: dir.to_owned(),
        }
    }

    fn profile_path(&self) -> PathBuf {
        self.dir.join("profile.json")
    }

    fn failures_path(&self) -> PathBuf {
        self.dir.join("password-failures.json")
    }

    /// Her registration, if this wallet holds one.
    pub fn profile(&self) -> Result<Option<Profile>, ClientError> {
        match std::fs::read(self.profile_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                refused(
                    ErrorCode::Internal,
                    format!("{} is damaged: {e}", self.profile_path().display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(local_io(&self.profile_path(), e)),
        }
    }

    pub(crate) fn keep_profile(&self, profile: &Profile) -> Result<(), ClientError> {
        // Her NID and card number are in it: readable by her account alone.
        let path = self.profile_path();
        let text = serde_json::to_vec_pretty(profile)
            .map_err(|e| refused(ErrorCode::Internal, e.to_string()))?;
        caretrail_fs::replace(&path, &text).map_err(|e| local_io(&path, e))
    }

    /// Opens the key with her password, counting wrong ones in this wallet's directory: after
    /// [`MAX_WRONG_PASSWORDS`] in a row, the wallet refuses for [`WRONG_PASSWORD_PAUSE_SECS`].
    pub fn unlock(
        &self,
        password: &ExistingPassword,
    ) -> Result<caretrail_crypto::SecretKey, ClientError> {
        let mut wrong: WrongPasswords = std::fs::read(self.failures_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let now = now();
        wrong.may_try(now).map_err(ClientError::Refused)?;
        match self.keystore.unlock(password) {
            Ok(key) => {
                let _ = std::fs::remove_file(self.failures_path());
                Ok(key)
            }
            Err(UnlockError::WrongPassword) => {
                let refusal = wrong.wrong(now);
                if let Ok(text) = serde_json::to_vec(&wrong) {
                    caretrail_fs::replace(&self.failures_path(), &text)
                        .map_err(|e| local_io(&self.failures_path(), e))?;
                }
                Err(ClientError::Refused(refusal))
            }
            Err(UnlockError::NoKey) => {
                Err(refused(ErrorCode::NoKey, "no key is kept on this device"))
            }
            Err(e) => Err(refused(ErrorCode::Internal, e.to_string())),
        }
    }
}

fn local_io(path: &Path, e: std::io::Error) -> ClientError {
    refused(ErrorCode::Internal, format!("{}: {e}", path.display()))
}

impl Client {
    /// Registers the patient (steps 1–4). Every input is checked before anything is sent; a new
    /// key stays in memory until the verification unit's checks pass, so a refusal leaves nothing
    /// behind. The key is kept just before the registration is submitted; if the submission
    /// fails, [`ClientError::KeyKept`] carries the new key's phrase, and the next attempt uses
    /// the kept key.
    pub async fn register<S: Store>(
        &self,
        wallet: &Wallet<S>,
        form: &RegistrationForm,
        password: &Password,
        mut progress: impl FnMut(Progress),
    ) -> Result<Registration, ClientError> {
        let held = wallet.profile()?.map(|profile| profile.record);
        let application =
            registration::apply(form.as_protocol(), held).map_err(ClientError::Refused)?;
        progress(application.hashed());
        let network = self.network().await?;

        // Her key: the one an earlier attempt kept (nothing was registered with it), or a new
        // one, held in memory until the checks pass: a refused registration leaves no key behind.
        let (key, phrase) = match wallet.keystore.address() {
            Ok(_) => {
                let key = wallet.unlock(password.as_existing())?;
                let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
                let found = registration_of(&rpc, network.patient_registry, key.address()).await?;
                if let Err(known) = registration::recover(&application, key.address(), found) {
                    if let Some(profile) = &known.profile {
                        wallet.keep_profile(profile)?;
                    }
                    return Err(ClientError::Refused(known.error));
                }
                (key, None)
            }
            Err(_) => {
                let phrase = RecoveryPhrase::generate(&mut OsRng);
                (phrase.derive_key(), Some(phrase))
            }
        };
        progress(registration::key_ready(key.address(), phrase.is_some()));

        progress(Progress::Verifying);
        let verified: Verified = self
            .relay
            .post(
                "v1/registrations/verify",
                &registration::verify_request(&application, key.address()),
            )
            .await?;
        progress(Progress::Verified {
            checks: verified.checks.clone(),
        });
        let request = registration::submission(&application, &key, &network, &verified, &mut OsRng)
            .map_err(ClientError::Refused)?;
        // Kept before anything is written on chain, so the registration never outlives its key.
        if let Some(phrase) = &phrase {
            wallet
                .keystore
                .restore_from_phrase(phrase, password, &mut OsRng)
                .map_err(|e| {
                    refused(ErrorCode::Internal, format!("the key cannot be kept: {e}"))
                })?;
        }
        progress(Progress::Submitting);
        let submitted: Result<RegistrationReceipt, ClientError> =
            self.relay.post("v1/registrations", &request).await;
        let (receipt, phrase) = match (submitted, phrase) {
            (Ok(receipt), phrase) => (receipt, phrase),
            // The key is kept for the next attempt; its phrase must not be lost with this one.
            (Err(error), Some(phrase)) => {
                return Err(ClientError::KeyKept {
                    phrase,
                    error: Box::new(error),
                });
            }
            (Err(error), None) => return Err(error),
        };
        let kept = wallet.keep_profile(&registration::profile(&application, &receipt));
        // Registered on chain: a profile that could not be written must not hide the phrase
        // (the next attempt restores the profile from the chain).
        match (kept, phrase) {
            (Err(error), Some(phrase)) => Err(ClientError::KeyKept {
                phrase,
                error: Box::new(error),
            }),
            (Err(error), None) => Err(error),
            (Ok(()), phrase) => Ok(Registration {
                receipt,
                phrase,
                citizen: verified.citizen,
            }),
        }
    }
}

impl Client {
    /// Logs in (step 5): her ID and password open her key here; H is checked against the chain
    /// by the relay, with a fresh challenge her key signs.
    pub async fn login<S: Store>(
        &self,
        wallet: &Wallet<S>,
        id: &str,
        password: &ExistingPassword,
        record: &str,
    ) -> Result<LoginSession, ClientError> {
        Ok(self.log_in(wallet, id, password, record).await?.0)
    }

    /// [`Client::login`], keeping her opened key for what she does while logged in.
    async fn log_in<S: Store>(
        &self,
        wallet: &Wallet<S>,
        id: &str,
        password: &ExistingPassword,
        record: &str,
    ) -> Result<(LoginSession, caretrail_crypto::SecretKey), ClientError> {
        let attempt =
            login::attempt(id, record, wallet.profile()?.as_ref()).map_err(ClientError::Refused)?;
        let key = wallet.unlock(password)?;
        // A relay of another network is refused before it is asked for a challenge.
        let network = self.network().await?;
        let challenge: LoginChallenge = self.relay.post("v1/login/challenges", &()).await?;
        let session = self
            .relay
            .post(
                "v1/login",
                &login::request(
                    &key,
                    &attempt,
                    &challenge.challenge,
                    &self.relay.origin(),
                    &network,
                ),
            )
            .await?;
        Ok((session, key))
    }
}

impl Client {
    /// [`Client::register`] from the registration screen's input, with the outcome and the
    /// refusal in the shapes the screen shows (a new key's phrase travels with either).
    pub async fn register_input<S: Store>(
        &self,
        wallet: &Wallet<S>,
        input: RegistrationInput,
        progress: impl FnMut(Progress),
    ) -> Result<RegistrationOutcome, RegistrationError> {
        let failed = |error: ClientError| match error {
            ClientError::KeyKept { phrase, error } => RegistrationError {
                error: UiError::from(*error),
                phrase: Some(phrase.reveal().to_owned()),
            },
            other => RegistrationError {
                error: UiError::from(other),
                phrase: None,
            },
        };
        caretrail_protocol::password::check_new(&input.password)
            .map_err(|e| failed(ClientError::Refused(e)))?;
        let password = Password::new(input.password)
            .map_err(|e| failed(refused(ErrorCode::WeakPassword, e.to_string())))?;
        let form = RegistrationForm {
            nid: input.nid,
            card_number: input.card_number,
            policy_document: input.policy_document,
            photo: input.photo,
        };
        let done = self
            .register(wallet, &form, &password, progress)
            .await
            .map_err(failed)?;
        let phrase = done.phrase.as_ref().map(|p| p.reveal().to_owned());
        Ok(registration::outcome(&done.citizen, done.receipt, phrase))
    }

    /// [`Client::login`] from the login screen's input.
    pub async fn login_input<S: Store>(
        &self,
        wallet: &Wallet<S>,
        input: LoginInput,
    ) -> Result<LoginSession, UiError> {
        Ok(self.login_keeping_key(wallet, input).await?.0)
    }

    /// [`Client::login_input`], with her opened key for the session: the desktop app keeps it in
    /// memory (never across its IPC) for the records she opens while logged in.
    pub async fn login_keeping_key<S: Store>(
        &self,
        wallet: &Wallet<S>,
        input: LoginInput,
    ) -> Result<(LoginSession, caretrail_crypto::SecretKey), UiError> {
        caretrail_protocol::password::check_entered(&input.password)?;
        let password = ExistingPassword::new(input.password)
            .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(self
            .log_in(wallet, &input.id, &password, &input.record)
            .await?)
    }
}
