//! Where the keystore JSON is kept: one trait, three places.

mod file;
mod keyring;
mod memory;

use std::fmt;
use std::io;
use std::path::PathBuf;

pub use file::FileStore;
pub use keyring::KeyringStore;
pub use memory::MemoryStore;

/// The keyring service name of the wallet's entry.
pub const SERVICE: &str = "org.caretrail.wallet";
/// The keyring account name of the patient's key.
pub const ACCOUNT: &str = "patient-key";

/// A place that keeps one keystore JSON. It sees only ciphertext: encryption happens before
/// [`Store::save`] and after [`Store::load`].
pub trait Store: fmt::Debug {
    /// The JSON kept here, or `None` when there is no key.
    fn load(&self) -> Result<Option<String>, StoreError>;
    /// Keeps `json` in place of whatever was kept: afterwards the store holds either the old text
    /// or the new one, never a mix or nothing.
    fn save(&self, json: &str) -> Result<(), StoreError>;
    /// Forgets the key; whether there was one.
    fn remove(&self) -> Result<bool, StoreError>;
}

/// So that a shell can hold whichever store it picked as `Box<dyn Store>`.
impl<T: Store + ?Sized> Store for Box<T> {
    fn load(&self) -> Result<Option<String>, StoreError> {
        (**self).load()
    }

    fn save(&self, json: &str) -> Result<(), StoreError> {
        (**self).save(json)
    }

    fn remove(&self) -> Result<bool, StoreError> {
        (**self).remove()
    }
}

/// Why a store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the OS keyring failed: {0}")]
    Keyring(#[source] keyring_core::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Why [`crate::PlatformStore`] keeps the key in a file rather than in the OS keyring.
#[derive(Debug, thiserror::Error)]
pub enum Fallback {
    #[error(
        "a key file is already in the data directory (made when there was no keyring); it stays there"
    )]
    KeyFileFound,
    #[error("no OS keyring is reachable: {0}")]
    KeyringUnreachable(#[source] StoreError),
    #[error("this platform has no OS keyring backend yet")]
    NoKeyringBackend,
}
