//! A store in the OS keyring, through keyring-core.
//!
//! One entry (by default service [`SERVICE`], account [`ACCOUNT`]) whose secret is the keystore
//! JSON.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

#[cfg(doc)]
use super::{ACCOUNT, SERVICE};
use super::{Store, StoreError};

#[derive(Debug)]
pub struct KeyringStore {
    entry: Entry,
}

impl KeyringStore {
    /// The entry `service`/`account` in `keyring` (the platform's, see [`crate::PlatformStore`],
    /// or keyring-core's mock in tests).
    pub fn new(
        keyring: &Arc<CredentialStore>,
        service: &str,
        account: &str,
    ) -> Result<Self, StoreError> {
        let entry = Entry::new_in_store(keyring, service, account).map_err(StoreError::Keyring)?;
        Ok(Self { entry })
    }
}

impl Store for KeyringStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        match self.entry.get_password() {
            Ok(json) => Ok(Some(json)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(StoreError::Keyring(error)),
        }
    }

    /// Every keyring replaces an entry's secret in one step.
    fn save(&self, json: &str) -> Result<(), StoreError> {
        self.entry.set_password(json).map_err(StoreError::Keyring)
    }

    fn remove(&self) -> Result<bool, StoreError> {
        match self.entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(error) => Err(StoreError::Keyring(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_replaces_and_forgets_in_one_entry() {
        let keyring: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let store = KeyringStore::new(&keyring, "org.caretrail.test", "a").unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.save("{\"one\":1}").unwrap();
        store.save("{\"two\":2}").unwrap();
        let again = KeyringStore::new(&keyring, "org.caretrail.test", "a").unwrap();
        assert_eq!(again.load().unwrap().as_deref(), Some("{\"two\":2}"));
        assert!(store.remove().unwrap());
        assert!(!store.remove().unwrap());
        assert_eq!(again.load().unwrap(), None);
    }
}
