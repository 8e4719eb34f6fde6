//! The mobile store, for now: a key file in the app's data directory.
//!
//! The OS keeps that directory private to the app. Android Keystore and the iOS keychain are not
//! wired in yet.

use std::path::Path;

use crate::store::{Fallback, FileStore, Store, StoreError};

/// Where this device keeps the key; see [`PlatformStore::open`].
#[derive(Debug)]
pub struct PlatformStore {
    store: FileStore,
    reason: Fallback,
}

impl PlatformStore {
    /// `<data_dir>/keystore/patient-key.json`.
    pub fn open(data_dir: &Path) -> Self {
        Self::open_entry(data_dir, "", "")
    }

    /// The same as [`PlatformStore::open`]: keyring entry names mean nothing to a key file.
    pub fn open_entry(data_dir: &Path, _service: &str, _account: &str) -> Self {
        Self {
            store: FileStore::new(data_dir.join("keystore")),
            reason: Fallback::NoKeyringBackend,
        }
    }

    /// Why the key is in a file: on mobile, always [`Fallback::NoKeyringBackend`] for now.
    pub fn fallback(&self) -> Option<&Fallback> {
        Some(&self.reason)
    }

    /// The key file.
    pub fn file(&self) -> Option<&Path> {
        Some(self.store.path())
    }
}

impl Store for PlatformStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        self.store.load()
    }

    fn save(&self, json: &str) -> Result<(), StoreError> {
        self.store.save(json)
    }

    fn remove(&self) -> Result<bool, StoreError> {
        self.store.remove()
    }
}
