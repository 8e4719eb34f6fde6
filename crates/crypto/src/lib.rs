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

pub mod audit;
pub mod envelope;
pub mod identity;
pub mod keys;
pub mod merkle;
pub mod policy;
pub mod record;
pub mod request;
pub mod sealed_key;
pub mod service;
pub mod sign;
mod strict_json;
#[cfg(test)]
mod wycheproof;

pub use keys::{KeyError, PublicKey, SecretKey};
