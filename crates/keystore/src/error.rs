//! One error type per operation, so that a caller matches only the failures that operation has.

use std::io;
use std::path::PathBuf;

use crate::encrypted_key::OpenError;
use crate::store::StoreError;
use caretrail_crypto::v3::InvalidKeystore;

/// Why [`crate::Keystore::create`] made no key.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a key is already kept here; delete it first (after a backup) to make a new one")]
    KeyExists,
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::unlock`] gave no key.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error("no key is kept here")]
    NoKey,
    #[error("wrong password")]
    WrongPassword,
    #[error("the kept keystore is damaged: {0}")]
    Corrupt(#[source] InvalidKeystore),
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::address`] gave no address.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("no key is kept here")]
    NoKey,
    #[error("the kept keystore states no address; unlock it to learn the address")]
    NotStated,
    #[error("the kept keystore is damaged: {0}")]
    Corrupt(#[source] InvalidKeystore),
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::change_password`] left the password as it was.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("no key is kept here")]
    NoKey,
    #[error("wrong current password")]
    WrongPassword,
    #[error("the kept keystore is damaged: {0}")]
    Corrupt(#[source] InvalidKeystore),
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::export_backup`] wrote no file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no key is kept here")]
    NoKey,
    #[error("the kept keystore is damaged: {0}")]
    Corrupt(#[source] InvalidKeystore),
    #[error("{} already exists; choose another name", .0.display())]
    FileExists(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::restore_from_phrase`] kept nothing.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("a key is already kept here; delete it first to restore another")]
    KeyExists,
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::Keystore::restore_from_backup`] kept nothing.
#[derive(Debug, thiserror::Error)]
pub enum RestoreBackupError {
    #[error("a key is already kept here; delete it first to restore another")]
    KeyExists,
    #[error("wrong password for this backup")]
    WrongPassword,
    #[error("the backup is damaged: {0}")]
    Invalid(#[source] InvalidKeystore),
    #[error(transparent)]
    Backend(#[from] StoreError),
}

/// Why [`crate::EncryptedKey::read_backup`] read no backup.
#[derive(Debug, thiserror::Error)]
pub enum ReadBackupError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("not a keystore backup: {0}")]
    Invalid(#[source] InvalidKeystore),
}

/// Why the kept keystore could not be read; each operation turns it into its own error.
#[derive(Debug)]
pub(crate) enum LoadError {
    NoKey,
    Corrupt(InvalidKeystore),
    Backend(StoreError),
}

macro_rules! from_load_and_open {
    ($error:ident) => {
        impl From<LoadError> for $error {
            fn from(error: LoadError) -> Self {
                match error {
                    LoadError::NoKey => Self::NoKey,
                    LoadError::Corrupt(invalid) => Self::Corrupt(invalid),
                    LoadError::Backend(store) => Self::Backend(store),
                }
            }
        }
    };
    ($error:ident, open) => {
        from_load_and_open!($error);

        impl From<OpenError> for $error {
            fn from(error: OpenError) -> Self {
                match error {
                    OpenError::WrongPassword => Self::WrongPassword,
                    OpenError::Invalid(invalid) => Self::Corrupt(invalid),
                }
            }
        }
    };
}

from_load_and_open!(UnlockError, open);
from_load_and_open!(ChangePasswordError, open);
from_load_and_open!(AddressError);
from_load_and_open!(ExportError);

impl From<OpenError> for RestoreBackupError {
    fn from(error: OpenError) -> Self {
        match error {
            OpenError::WrongPassword => Self::WrongPassword,
            OpenError::Invalid(invalid) => Self::Invalid(invalid),
        }
    }
}
