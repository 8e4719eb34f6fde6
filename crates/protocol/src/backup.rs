//! Her way back to her key on another device or browser, the same in every shell: the 24-word
//! recovery phrase shown once when her key was made ([`caretrail_crypto::phrase`]) and the backup
//! file (an Ethereum V3 keystore, [`caretrail_crypto::v3`], which MetaMask, geth and `cast` also
//! import). The desktop keystore (`caretrail-keystore`) runs the same two crates; these are the
//! refusals as the screen shows them.

use caretrail_crypto::SecretKey;
use caretrail_crypto::phrase::RecoveryPhrase;
use caretrail_crypto::v3::{self, V3Keystore};
use caretrail_types::{ErrorCode, UiError};
use rand_core::CryptoRngCore;

/// A new key and its phrase, to show once.
pub fn new_key(rng: &mut impl CryptoRngCore) -> (SecretKey, RecoveryPhrase) {
    let phrase = RecoveryPhrase::generate(rng);
    (phrase.derive_key(), phrase)
}

/// The key her recovery phrase derives (any spacing and letter case).
pub fn key_from_phrase(text: &str) -> Result<SecretKey, UiError> {
    let phrase = RecoveryPhrase::parse(text).map_err(|e| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("not a recovery phrase: {e}"),
        )
    })?;
    Ok(phrase.derive_key())
}

/// The key a backup file holds, opened with the password it was written under.
pub fn key_from_backup(json: &str, password: &str) -> Result<SecretKey, UiError> {
    let backup = V3Keystore::parse(json).map_err(|e| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("not a keystore backup file: {e}"),
        )
    })?;
    backup.open(password.as_bytes()).map_err(|e| match e {
        v3::OpenError::WrongPassword => UiError::new(
            ErrorCode::WrongPassword,
            "wrong password for this backup file",
        ),
        v3::OpenError::Invalid(e) => UiError::new(
            ErrorCode::InvalidInput,
            format!("the backup file is damaged: {e}"),
        ),
    })
}

/// Her key as a backup file under `password` (scrypt n = 2^17), which must pass the password
/// policy.
pub fn backup_file(
    key: &SecretKey,
    password: &str,
    rng: &mut impl CryptoRngCore,
) -> Result<String, UiError> {
    v3::seal(key, password, rng).map_err(|weak| {
        UiError::new(
            ErrorCode::WeakPassword,
            format!("a backup file needs a stronger password: {weak}"),
        )
    })
}

/// The name a backup file is offered under.
pub fn backup_file_name(key: &SecretKey) -> String {
    format!("caretrail-key-{}.json", key.address())
}
