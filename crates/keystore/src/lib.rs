//! The patient's key custody: a recovery phrase, and a V3 keystore under her password at rest.
//!
//! Her secp256k1 key comes from a 24-word BIP-39 recovery phrase and rests only as an Ethereum V3
//! keystore (scrypt n = 2^17, AES-128-CTR) under her password, which the password policy of both
//! wallets accepted ([`Password`]).
//!
//! - [`RecoveryPhrase`]: the phrase she writes down once; it derives the key at the Ethereum path
//!   `m/44'/60'/0'/0/0`, so MetaMask and `cast` show the same address.
//! - [`EncryptedKey`]: the V3 keystore JSON, checked before anything decrypts it; it is also the
//!   backup file other wallets import.
//! - [`Store`]: where that JSON is kept: [`KeyringStore`] (the OS keyring), [`FileStore`] (a
//!   file, where there is no keyring), [`MemoryStore`] (tests); [`PlatformStore`] picks one.
//! - [`Keystore`]: the operations (create, unlock, change the password, back up, restore, delete),
//!   each with its own error type.

mod encrypted_key;
mod error;
mod keystore;
mod password;
mod store;

#[cfg(not(any(target_os = "android", target_os = "ios")))]
mod desktop;
#[cfg(not(any(target_os = "android", target_os = "ios")))]
pub use desktop::PlatformStore;

#[cfg(any(target_os = "android", target_os = "ios"))]
mod mobile;
#[cfg(any(target_os = "android", target_os = "ios"))]
pub use mobile::PlatformStore;

pub use caretrail_crypto::password::WeakPassword;
pub use caretrail_crypto::phrase::{PhraseError, RecoveryPhrase};
pub use caretrail_crypto::v3::{InvalidKeystore, MAX_KEYSTORE_BYTES};
pub use encrypted_key::EncryptedKey;
pub use error::{
    AddressError, ChangePasswordError, CreateError, ExportError, ReadBackupError,
    RestoreBackupError, RestoreError, UnlockError,
};
pub use keystore::{Keystore, NewKey};
pub use password::{ExistingPassword, Password, PasswordError};
pub use store::{
    ACCOUNT, Fallback, FileStore, KeyringStore, MemoryStore, SERVICE, Store, StoreError,
};

// Re-exported so that callers name the key and address types this crate returns.
pub use caretrail_crypto::SecretKey;
pub use caretrail_types::Address;
