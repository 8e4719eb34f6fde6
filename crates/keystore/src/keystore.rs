//! The operations on the patient's key, over any [`Store`].

use std::io::{self, Write};
use std::path::Path;

use caretrail_crypto::SecretKey;
use caretrail_types::Address;
use rand_core::CryptoRngCore;

use crate::encrypted_key::EncryptedKey;
use crate::error::{
    AddressError, ChangePasswordError, CreateError, ExportError, LoadError, RestoreBackupError,
    RestoreError, UnlockError,
};
use crate::password::{ExistingPassword, Password};
use crate::store::{Store, StoreError};
use caretrail_crypto::phrase::RecoveryPhrase;

/// The patient's key, kept in `S` as a V3 keystore under her password. The key exists in memory
/// only between [`Keystore::unlock`] and the drop of the [`SecretKey`] it returns.
#[derive(Debug)]
pub struct Keystore<S> {
    store: S,
}

/// A key just made: the phrase to show the patient once, and her address.
#[derive(Debug)]
pub struct NewKey {
    pub phrase: RecoveryPhrase,
    pub address: Address,
}

impl<S: Store> Keystore<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Makes a key from a fresh 24-word phrase and keeps it under `password`. Refuses when a key
    /// is already kept: that key may be the only copy.
    pub fn create(
        &self,
        password: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> Result<NewKey, CreateError> {
        if self.store.load()?.is_some() {
            return Err(CreateError::KeyExists);
        }
        let phrase = RecoveryPhrase::generate(rng);
        let address = self.keep(&phrase.derive_key(), password, rng)?;
        Ok(NewKey { phrase, address })
    }

    pub fn unlock(&self, password: &ExistingPassword) -> Result<SecretKey, UnlockError> {
        Ok(self.load()?.open(password)?)
    }

    /// The address, read from the keystore's `address` field, without the password.
    pub fn address(&self) -> Result<Address, AddressError> {
        self.load()?.address().ok_or(AddressError::NotStated)
    }

    /// Re-encrypts the key under `new` (fresh salt and IV); the old text is replaced in one step.
    pub fn change_password(
        &self,
        current: &ExistingPassword,
        new: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ChangePasswordError> {
        let key = self.load()?.open(current)?;
        self.keep(&key, new, rng)?;
        Ok(())
    }

    /// Writes the kept keystore, as it is, to a new file at `path` (0600), which MetaMask, geth
    /// and `cast` import with the same password. Refuses to replace an existing file.
    pub fn export_backup(&self, path: &Path) -> Result<(), ExportError> {
        let backup = self.load()?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| ExportError::Io { path, source }
        };
        let mut file = tempfile::Builder::new()
            .prefix(".caretrail-backup-")
            .tempfile_in(dir)
            .map_err(io_error(dir))?;
        file.write_all(backup.as_json().as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(io_error(path))?;
        // Written whole first, then linked in: no half-written backup under the chosen name.
        file.persist_noclobber(path).map_err(|error| {
            if error.error.kind() == io::ErrorKind::AlreadyExists {
                ExportError::FileExists(path.to_owned())
            } else {
                io_error(path)(error.error)
            }
        })?;
        Ok(())
    }

    /// Keeps the key the phrase derives under `password`: on a new device, the same address.
    pub fn restore_from_phrase(
        &self,
        phrase: &RecoveryPhrase,
        password: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Address, RestoreError> {
        if self.store.load()?.is_some() {
            return Err(RestoreError::KeyExists);
        }
        Ok(self.keep(&phrase.derive_key(), password, rng)?)
    }

    /// Keeps the key of a backup (see [`EncryptedKey::read_backup`]), opened with `password`,
    /// under `new_password` (which may be the same text, if the policy accepts it). It is always
    /// sealed again: the kept copy gets a fresh salt, this crate's scrypt cost and the `address`
    /// field, whatever wallet wrote the backup.
    pub fn restore_from_backup(
        &self,
        backup: &EncryptedKey,
        password: &ExistingPassword,
        new_password: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Address, RestoreBackupError> {
        if self.store.load()?.is_some() {
            return Err(RestoreBackupError::KeyExists);
        }
        let key = backup.open(password)?;
        Ok(self.keep(&key, new_password, rng)?)
    }

    /// Forgets the key; whether there was one. Without a backup or the phrase it is gone.
    pub fn delete(&self) -> Result<bool, StoreError> {
        self.store.remove()
    }

    fn load(&self) -> Result<EncryptedKey, LoadError> {
        let json = self
            .store
            .load()
            .map_err(LoadError::Backend)?
            .ok_or(LoadError::NoKey)?;
        EncryptedKey::parse(&json).map_err(LoadError::Corrupt)
    }

    fn keep(
        &self,
        key: &SecretKey,
        password: &Password,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Address, StoreError> {
        let sealed = EncryptedKey::seal(key, password, rng);
        self.store.save(sealed.as_json())?;
        Ok(key.address())
    }
}
