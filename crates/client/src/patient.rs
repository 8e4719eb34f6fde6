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

use crate::{Client, ClientError};
use caretrail_chain::registration_of;
use caretrail_crypto::envelope;
use caretrail_crypto::identity::sign_enrolment;
use caretrail_crypto::identity::{card_hash, patient_resource, sign_login};
use caretrail_crypto::policy::content_hash;
use caretrail_keystore::{Keystore, Password, RecoveryPhrase, Store, UnlockError};
use caretrail_types::{
    CardNumber, Citizen, ErrorCode, Hash32, LoginChallenge, LoginInput, LoginRequest, LoginSession,
    Nid, RegisterRequest, RegistrationError, RegistrationInput, RegistrationOutcome,
    RegistrationReceipt, UiError, Verified, VerifyRequest, check_photo, check_policy_document,
};
pub use caretrail_types::{Profile, Progress};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
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

/// A finished registration.
#[derive(Debug)]
pub struct Registration {
    pub receipt: RegistrationReceipt,
    /// The recovery phrase of a key made by this registration: show it once, then drop it.
    pub phrase: Option<RecoveryPhrase>,
    pub citizen: Citizen,
}

/// Wrong passwords in a row before the wallet waits.
pub const MAX_WRONG_PASSWORDS: u32 = 5;
/// How long it waits then.
pub const WRONG_PASSWORD_PAUSE_SECS: u64 = 5 * 60;

/// The patient's wallet on this device: her key (in `S`) and her profile (in `dir`).
#[derive(Debug)]
pub struct Wallet<S> {
    keystore: Keystore<S>,
    dir: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PasswordFailures {
    count: u32,
    last: u64,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
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

    fn keep_profile(&self, profile: &Profile) -> Result<(), ClientError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| local_io(&self.dir, e))?;
        let path = self.profile_path();
        let temp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(profile)
            .map_err(|e| refused(ErrorCode::Internal, e.to_string()))?;
        std::fs::write(&temp, text).map_err(|e| local_io(&temp, e))?;
        std::fs::rename(&temp, &path).map_err(|e| local_io(&path, e))
    }

    /// Opens the key with her password, counting wrong ones: after
    /// [`MAX_WRONG_PASSWORDS`] in a row, the wallet refuses for [`WRONG_PASSWORD_PAUSE_SECS`].
    pub fn unlock(&self, password: &Password) -> Result<caretrail_crypto::SecretKey, ClientError> {
        let mut failures: PasswordFailures = std::fs::read(self.failures_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let now = now();
        if failures.count >= MAX_WRONG_PASSWORDS {
            let until = failures.last + WRONG_PASSWORD_PAUSE_SECS;
            if now < until {
                return Err(refused(
                    ErrorCode::LockedOut,
                    format!(
                        "{MAX_WRONG_PASSWORDS} wrong passwords in a row: try again in {} minute(s)",
                        (until - now).div_ceil(60)
                    ),
                ));
            }
        }
        match self.keystore.unlock(password) {
            Ok(key) => {
                let _ = std::fs::remove_file(self.failures_path());
                Ok(key)
            }
            Err(UnlockError::WrongPassword) => {
                failures.count += 1;
                failures.last = now;
                std::fs::create_dir_all(&self.dir).map_err(|e| local_io(&self.dir, e))?;
                if let Ok(text) = serde_json::to_vec(&failures) {
                    std::fs::write(self.failures_path(), text)
                        .map_err(|e| local_io(&self.failures_path(), e))?;
                }
                Err(refused(
                    ErrorCode::WrongPassword,
                    format!(
                        "wrong password ({} of {MAX_WRONG_PASSWORDS} tries before a {}-minute wait)",
                        failures.count.min(MAX_WRONG_PASSWORDS),
                        WRONG_PASSWORD_PAUSE_SECS / 60
                    ),
                ))
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

/// The media type of a policy document, from its content: PDF or JSON (FHIR).
pub fn policy_media_type(document: &[u8]) -> Result<&'static str, ClientError> {
    caretrail_crypto::policy::media_type_of(document).ok_or_else(|| {
        refused(
            ErrorCode::InvalidInput,
            "the policy document is neither a PDF nor a FHIR/JSON document",
        )
    })
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
        let invalid =
            |e: caretrail_types::IdentifierError| refused(ErrorCode::InvalidInput, e.to_string());
        let nid = Nid::parse(&form.nid).map_err(invalid)?;
        let card_number = CardNumber::parse(&form.card_number).map_err(invalid)?;
        if let Some(profile) = wallet.profile()? {
            return Err(refused(
                ErrorCode::AlreadyRegistered,
                format!(
                    "this device already holds the registration of {} (H {}); log in instead",
                    profile.nid, profile.record
                ),
            ));
        }
        check_photo(&form.photo).map_err(ClientError::Refused)?;
        check_policy_document(&form.policy_document).map_err(ClientError::Refused)?;
        let media_type = policy_media_type(&form.policy_document)?;
        let policy_hash = content_hash(media_type, &form.policy_document).map_err(|e| {
            refused(
                ErrorCode::InvalidInput,
                format!("the policy document cannot be read: {e}"),
            )
        })?;
        progress(Progress::PolicyHashed {
            media_type: media_type.into(),
            hash: policy_hash,
        });
        let network = self.network().await?;

        // Her key: the one an earlier attempt kept (nothing was registered with it), or a new
        // one, held in memory until the checks pass: a refused registration leaves no key behind.
        let (key, phrase) = match wallet.keystore.address() {
            Ok(_) => {
                let key = wallet.unlock(password)?;
                // An earlier attempt may have been registered although its answer was lost:
                // the chain says so, and the profile is restored from it.
                let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
                if let Some(found) =
                    registration_of(&rpc, network.patient_registry, key.address()).await?
                {
                    if found.card_hash == card_hash(&card_number) {
                        wallet.keep_profile(&Profile {
                            nid: nid.clone(),
                            card_number: card_number.clone(),
                            patient: key.address(),
                            record: found.record,
                            tx_id: found.tx_id,
                        })?;
                    }
                    return Err(refused(
                        ErrorCode::AlreadyRegistered,
                        format!(
                            "this device's key is already registered (H {}, transaction {}): an \
                             earlier attempt finished although its answer was lost; log in",
                            found.record, found.tx_id
                        ),
                    ));
                }
                (key, None)
            }
            Err(_) => {
                let phrase = RecoveryPhrase::generate(&mut OsRng);
                (phrase.derive_key(), Some(phrase))
            }
        };
        progress(Progress::KeyReady {
            address: key.address(),
            created: phrase.is_some(),
        });

        progress(Progress::Verifying);
        let verified: Verified = self
            .relay
            .post(
                "v1/registrations/verify",
                &VerifyRequest {
                    nid: nid.clone(),
                    card_number: card_number.clone(),
                    patient: key.address(),
                    policy_hash,
                    photo: form.photo.clone(),
                },
            )
            .await?;
        progress(Progress::Verified {
            checks: verified.checks.clone(),
        });

        let plaintext = patient_resource(&verified.citizen, &card_number);
        let encrypted_data = envelope::encrypt(&mut OsRng, &[key.public_key()], &plaintext)
            .map_err(|e| refused(ErrorCode::Internal, e.to_string()))?;
        // She signs only the enrolment she asked for: her key, her card, the policy she holds.
        let enrolment = &verified.ticket.body.enrolment;
        if enrolment.patient != key.address()
            || enrolment.card_hash != card_hash(&card_number)
            || verified.ticket.body.policy_hash != policy_hash
        {
            return Err(refused(
                ErrorCode::RelayError,
                "the relay's enrolment is not the one asked for (another key, card or policy); \
                 registration stopped",
            ));
        }
        let patient_signature =
            sign_enrolment(&key, network.chain_id, network.policy_registry, enrolment);
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
        let submitted: Result<RegistrationReceipt, ClientError> = self
            .relay
            .post(
                "v1/registrations",
                &RegisterRequest {
                    ticket: verified.ticket.clone(),
                    encrypted_data,
                    patient_signature,
                },
            )
            .await;
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
        let kept = wallet.keep_profile(&Profile {
            nid,
            card_number,
            patient: receipt.patient,
            record: receipt.record,
            tx_id: receipt.tx_id,
        });
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
        password: &Password,
        record: &str,
    ) -> Result<LoginSession, ClientError> {
        let nid = Nid::parse(id).map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
        let record: Hash32 = record.parse().map_err(|e| {
            refused(
                ErrorCode::InvalidInput,
                format!("H is 32 bytes of hex: {e}"),
            )
        })?;
        match wallet.profile()? {
            Some(profile) if profile.nid == nid => {}
            Some(_) | None => {
                return Err(refused(
                    ErrorCode::NoKey,
                    format!("this device holds no key registered for the ID {nid}"),
                ));
            }
        }
        let key = wallet.unlock(password)?;
        let challenge: LoginChallenge = self.relay.post("v1/login/challenges", &()).await?;
        self.relay
            .post(
                "v1/login",
                &LoginRequest {
                    record,
                    challenge: challenge.challenge,
                    signature: sign_login(&key, &record, &challenge.challenge),
                },
            )
            .await
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
        let password = Password::new(input.password)
            .map_err(|e| failed(refused(ErrorCode::InvalidInput, e.to_string())))?;
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
        Ok(RegistrationOutcome {
            name: format!("{} {}", done.citizen.given_name, done.citizen.family_name),
            phrase: done.phrase.as_ref().map(|p| p.reveal().to_owned()),
            receipt: done.receipt,
        })
    }

    /// [`Client::login`] from the login screen's input.
    pub async fn login_input<S: Store>(
        &self,
        wallet: &Wallet<S>,
        input: LoginInput,
    ) -> Result<LoginSession, UiError> {
        let password = Password::new(input.password)
            .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(self
            .login(wallet, &input.id, &password, &input.record)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_told_apart_by_content() {
        assert_eq!(
            policy_media_type(b"%PDF-1.4\n...").unwrap(),
            "application/pdf"
        );
        assert_eq!(
            policy_media_type(b" \n{\"resourceType\":1}").unwrap(),
            "application/fhir+json"
        );
        assert_eq!(
            policy_media_type(b"GIF89a").unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }
}
