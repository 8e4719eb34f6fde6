//! Caretrail's pure cryptography, the paper's encryption unit (EU) and policy unit (PU): no IO,
//! no clock, no global randomness (callers pass an RNG).
//!
//! - [`keys`]: secp256k1 secret and public keys; a public key's Ethereum address is its id.
//! - [`envelope`]: records encrypted under a per-record key wrapped with ECIES for each reader.
//! - [`sign`]: EIP-191 and EIP-712 signatures and the recovery of their signer.
//! - [`request`]: the records API's EIP-712 requests (chain, registry, deadline, nonce).
//! - [`service`]: the verification unit's EIP-712 requests to outside services (method, path,
//!   body hash, deadline).
//! - [`policy`]: the canonical hash of a policy document, which the patient's side and the
//!   relay's side both compute with [`policy::content_hash`].
//! - [`phrase`]: the 24-word BIP-39 recovery phrase and the key it derives.
//! - [`password`]: the password policy of both wallets (length and a strength estimate).
//! - [`v3`]: the Ethereum V3 keystore (scrypt, AES-128-CTR), written and read in memory.
//! - [`sealed_key`]: the web page's key in the browser's storage.
//! - [`visit`]: the visit's EIP-712 signatures (visit token, test-list share, kiosk code).

pub mod audit;
pub mod envelope;
pub mod identity;
pub mod keys;
pub mod merkle;
pub mod password;
pub mod phrase;
pub mod policy;
pub mod record;
pub mod recovery;
pub mod request;
pub mod sealed_key;
pub mod service;
pub mod sign;
pub mod staff;
mod strict_json;
pub mod v3;
pub mod visit;
#[cfg(test)]
mod wycheproof;

pub use keys::{KeyError, PublicKey, SecretKey};
