//! Caretrail's pure cryptography: no IO, no clock, no global randomness.
//!
//! For now this holds the paper's policy management unit (PU): the canonical hash of a policy
//! document, which the patient's side and the relay's side both compute with [`policy::content_hash`],
//! and the check of a published document against the hash the insurer signed.

pub mod policy;
mod strict_json;
