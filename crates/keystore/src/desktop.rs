//! The desktop's store: the OS keyring, or a key file in the data directory where there is none.
//!
//! The keyrings: Secret Service on Linux, the login keychain on macOS, the credential manager on
//! Windows.

use std::path::Path;
use std::sync::Arc;

use keyring_core::CredentialStore;

use crate::store::{ACCOUNT, Fallback, FileStore, KeyringStore, SERVICE, Store, StoreError};

/// Where this desktop keeps the key; see [`PlatformStore::open`].
#[derive(Debug)]
pub struct PlatformStore {
    kept: Kept,
}

#[derive(Debug)]
enum Kept {
    Keyring(KeyringStore),
    File { store: FileStore, reason: Fallback },
}

impl PlatformStore {
    /// The OS keyring's entry [`SERVICE`]/[`ACCOUNT`]; or `<data_dir>/keystore/patient-key.json`
    /// when that file already exists (a key made while there was no keyring stays where it is,
    /// so it is never hidden behind an empty keyring) or when no keyring answers. The reason is
    /// in [`PlatformStore::fallback`] for the app to show.
    ///
    /// On Linux this talks to D-Bus and may wait for the user to unlock her keyring: call it off
    /// the UI thread.
    pub fn open(data_dir: &Path) -> Self {
        Self::open_entry(data_dir, SERVICE, ACCOUNT)
    }

    /// [`PlatformStore::open`] with another keyring entry: tests use their own, never the
    /// patient's.
    pub fn open_entry(data_dir: &Path, service: &str, account: &str) -> Self {
        Self::choose(data_dir, || os_keyring(service, account))
    }

    fn choose(data_dir: &Path, keyring: impl FnOnce() -> Result<KeyringStore, Fallback>) -> Self {
        let file = FileStore::new(data_dir.join("keystore"));
        let kept = if file.path().exists() {
            Kept::File {
                store: file,
                reason: Fallback::KeyFileFound,
            }
        } else {
            match keyring() {
                Ok(store) => Kept::Keyring(store),
                Err(reason) => Kept::File {
                    store: file,
                    reason,
                },
            }
        };
        Self { kept }
    }

    /// Why the key is in a file rather than the OS keyring; `None` when it is in the keyring.
    pub fn fallback(&self) -> Option<&Fallback> {
        match &self.kept {
            Kept::Keyring(_) => None,
            Kept::File { reason, .. } => Some(reason),
        }
    }

    /// The key file, when the key is kept in one.
    pub fn file(&self) -> Option<&Path> {
        match &self.kept {
            Kept::Keyring(_) => None,
            Kept::File { store, .. } => Some(store.path()),
        }
    }

    fn store(&self) -> &dyn Store {
        match &self.kept {
            Kept::Keyring(store) => store,
            Kept::File { store, .. } => store,
        }
    }
}

impl Store for PlatformStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        self.store().load()
    }

    fn save(&self, json: &str) -> Result<(), StoreError> {
        self.store().save(json)
    }

    fn remove(&self) -> Result<bool, StoreError> {
        self.store().remove()
    }
}

fn os_keyring(service: &str, account: &str) -> Result<KeyringStore, Fallback> {
    let keyring = native_keyring()?;
    let store =
        KeyringStore::new(&keyring, service, account).map_err(Fallback::KeyringUnreachable)?;
    // A Secret Service can accept a connection and still have no collection to read: read once.
    store.load().map_err(Fallback::KeyringUnreachable)?;
    Ok(store)
}

#[cfg(target_os = "linux")]
fn native_keyring() -> Result<Arc<CredentialStore>, Fallback> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()
        .map_err(|error| Fallback::KeyringUnreachable(StoreError::Keyring(error)))?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_keyring() -> Result<Arc<CredentialStore>, Fallback> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()
        .map_err(|error| Fallback::KeyringUnreachable(StoreError::Keyring(error)))?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn native_keyring() -> Result<Arc<CredentialStore>, Fallback> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()
        .map_err(|error| Fallback::KeyringUnreachable(StoreError::Keyring(error)))?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_keyring() -> Result<Arc<CredentialStore>, Fallback> {
    Err(Fallback::NoKeyringBackend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_keyring() -> Result<KeyringStore, Fallback> {
        let keyring: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        KeyringStore::new(&keyring, SERVICE, ACCOUNT).map_err(Fallback::KeyringUnreachable)
    }

    #[test]
    fn the_keyring_is_chosen_when_it_answers() {
        let dir = tempfile::tempdir().unwrap();
        let store = PlatformStore::choose(dir.path(), mock_keyring);
        assert!(store.fallback().is_none());
        assert!(store.file().is_none());
        store.save("{}").unwrap();
        assert!(!dir.path().join("keystore").exists());
    }

    #[test]
    fn a_file_is_chosen_with_the_reason_when_no_keyring_answers() {
        let dir = tempfile::tempdir().unwrap();
        let store = PlatformStore::choose(dir.path(), || {
            Err(Fallback::KeyringUnreachable(StoreError::Keyring(
                keyring_core::Error::NoStorageAccess("no Secret Service on D-Bus".into()),
            )))
        });
        let reason = store.fallback().unwrap().to_string();
        assert!(reason.contains("no Secret Service on D-Bus"), "{reason}");
        store.save("{}").unwrap();
        assert_eq!(
            store.file().unwrap(),
            dir.path().join("keystore").join(FileStore::FILE_NAME)
        );
        assert!(store.file().unwrap().exists());
    }

    #[test]
    fn a_key_file_already_there_wins_over_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        FileStore::new(dir.path().join("keystore"))
            .save("{\"made\":\"offline\"}")
            .unwrap();
        let store = PlatformStore::choose(dir.path(), || panic!("the keyring is not asked"));
        assert!(matches!(store.fallback(), Some(Fallback::KeyFileFound)));
        assert_eq!(
            store.load().unwrap().as_deref(),
            Some("{\"made\":\"offline\"}")
        );
    }
}
