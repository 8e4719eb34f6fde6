//! The patient's key as an Ethereum V3 keystore JSON, sealed and opened by eth-keystore.
//!
//! eth-keystore reads and writes only files, so both go through a private scratch directory.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use caretrail_crypto::SecretKey;
use caretrail_types::Address;
use eth_keystore::KeystoreError;
use rand_core::CryptoRngCore;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::ReadBackupError;
use crate::password::Password;
use crate::v3::{self, InvalidKeystore, MAX_KEYSTORE_BYTES};

/// The file name eth-keystore writes in the scratch directory.
const SCRATCH_FILE: &str = "key.json";

/// An Ethereum V3 keystore JSON, checked: the form the key rests in, in every store, and the
/// backup file MetaMask, geth and `cast` import. It holds only ciphertext, so it is not a secret
/// type; it still prints as its address only.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    json: String,
    address: Option<Address>,
}

/// Why an [`EncryptedKey`] did not open.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    #[error("wrong password")]
    WrongPassword,
    #[error(transparent)]
    Invalid(InvalidKeystore),
    #[error("the scratch directory for eth-keystore failed: {0}")]
    Scratch(#[source] io::Error),
}

impl EncryptedKey {
    /// Checks a keystore JSON text (see [`InvalidKeystore`] for what is refused).
    pub fn parse(text: &str) -> Result<Self, InvalidKeystore> {
        let address = v3::check(text)?;
        Ok(Self {
            json: text.to_owned(),
            address,
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

    /// Encrypts `key` under `password` with eth-keystore's scrypt parameters (n = 2^13, r = 8,
    /// p = 1) and adds the `address` field geth writes, so the address is known while locked.
    pub(crate) fn seal(
        key: &SecretKey,
        password: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> io::Result<Self> {
        let scratch = scratch_dir()?;
        eth_keystore::encrypt_key(
            scratch.path(),
            rng,
            key.to_bytes().as_slice(),
            password.as_bytes(),
            Some(SCRATCH_FILE),
        )
        .map_err(keystore_io_error)?;
        let written = fs::read_to_string(scratch.path().join(SCRATCH_FILE))?;
        let mut json: Value = serde_json::from_str(&written).map_err(io::Error::other)?;
        let address = key.address();
        let hex = address.to_string();
        json["address"] = Value::String(hex.trim_start_matches("0x").to_owned());
        Ok(Self {
            json: json.to_string(),
            address: Some(address),
        })
    }

    /// Decrypts the key, and refuses it when it is not the address the file states.
    pub(crate) fn open(&self, password: &Password) -> Result<SecretKey, OpenError> {
        let scratch = scratch_dir().map_err(OpenError::Scratch)?;
        let path = scratch.path().join(SCRATCH_FILE);
        fs::write(&path, &self.json).map_err(OpenError::Scratch)?;
        // eth-keystore does not wipe the key it derives from the password; nothing here can.
        let plain = Zeroizing::new(
            eth_keystore::decrypt_key(&path, password.as_bytes()).map_err(|error| match error {
                KeystoreError::MacMismatch => OpenError::WrongPassword,
                KeystoreError::StdIo(_) => OpenError::Scratch(keystore_io_error(error)),
                _ => OpenError::Invalid(InvalidKeystore::NotV3("eth-keystore cannot read it")),
            })?,
        );
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(
            plain
                .as_slice()
                .try_into()
                .map_err(|_| OpenError::Invalid(InvalidKeystore::NotAKey))?,
        );
        let key = SecretKey::from_bytes(&bytes)
            .map_err(|_| OpenError::Invalid(InvalidKeystore::NotAKey))?;
        match self.address {
            Some(stated) if stated != key.address() => {
                Err(OpenError::Invalid(InvalidKeystore::AddressMismatch {
                    stated,
                    actual: key.address(),
                }))
            }
            _ => Ok(key),
        }
    }

    /// The address the file states (geth, `cast` and this crate write it; some wallets do not).
    pub fn address(&self) -> Option<Address> {
        self.address
    }

    /// The JSON text, as a backup file holds it.
    pub fn as_json(&self) -> &str {
        &self.json
    }
}

impl fmt::Debug for EncryptedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedKey")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// A fresh directory only this user can enter (tempfile makes it 0700), removed when dropped.
/// Only ciphertext is ever written in it.
fn scratch_dir() -> io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("caretrail-keystore-")
        .tempdir()
}

/// eth-keystore keeps only the text of its IO errors.
fn keystore_io_error(error: KeystoreError) -> io::Error {
    io::Error::other(error.to_string())
}
