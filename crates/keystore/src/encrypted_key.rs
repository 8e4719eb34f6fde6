//! The patient's key as an Ethereum V3 keystore JSON, sealed and opened in memory by
//! [`caretrail_crypto::v3`] (scrypt n = 2^17, r = 8, p = 1, AES-128-CTR).

use std::fmt;
use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

use caretrail_crypto::SecretKey;
use caretrail_crypto::v3::{self, InvalidKeystore, MAX_KEYSTORE_BYTES, V3Keystore};
use caretrail_types::Address;
use rand_core::CryptoRngCore;

use crate::error::ReadBackupError;
use crate::password::{ExistingPassword, Password};

pub(crate) use caretrail_crypto::v3::OpenError;

/// An Ethereum V3 keystore JSON, checked: the form the key rests in, in every store, and the
/// backup file MetaMask, geth and `cast` import. It holds only ciphertext, so it is not a secret
/// type; it still prints as its address only.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    json: String,
    parsed: V3Keystore,
}

impl EncryptedKey {
    /// Checks a keystore JSON text (see [`InvalidKeystore`] for what is refused).
    pub fn parse(text: &str) -> Result<Self, InvalidKeystore> {
        Ok(Self {
            parsed: V3Keystore::parse(text)?,
            json: text.to_owned(),
        })
    }

    /// Reads a backup file, at most [`MAX_KEYSTORE_BYTES`] of it.
    pub fn read_backup(path: &Path) -> Result<Self, ReadBackupError> {
        let io_error = |source| ReadBackupError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let mut bytes = Vec::new();
        file.take(MAX_KEYSTORE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() > MAX_KEYSTORE_BYTES {
            let found = fs::metadata(path).map_or(bytes.len() as u64, |meta| meta.len());
            return Err(ReadBackupError::Invalid(InvalidKeystore::TooLarge {
                limit: MAX_KEYSTORE_BYTES,
                found: usize::try_from(found).unwrap_or(usize::MAX),
            }));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ReadBackupError::Invalid(InvalidKeystore::NotV3("not UTF-8 text")))?;
        Self::parse(&text).map_err(ReadBackupError::Invalid)
    }

    /// Encrypts `key` under `password` (scrypt n = 2^17, r = 8, p = 1, a fresh salt and IV) with
    /// the `address` field geth writes, so the address is known while locked.
    pub(crate) fn seal(key: &SecretKey, password: &Password, rng: &mut impl CryptoRngCore) -> Self {
        let json = v3::seal(key, password.as_str(), rng)
            .expect("Password::new admits only passwords the policy accepts");
        Self::parse(&json).expect("a keystore just written is valid")
    }

    /// Decrypts the key, and refuses it when it is not the address the file states.
    pub(crate) fn open(&self, password: &ExistingPassword) -> Result<SecretKey, OpenError> {
        self.parsed.open(password.as_bytes())
    }

    /// The address the file states (geth, `cast` and this crate write it; some wallets do not).
    pub fn address(&self) -> Option<Address> {
        self.parsed.address
    }

    /// The JSON text, as a backup file holds it.
    pub fn as_json(&self) -> &str {
        &self.json
    }
}

impl fmt::Debug for EncryptedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedKey")
            .field("address", &self.parsed.address)
            .finish_non_exhaustive()
    }
}
