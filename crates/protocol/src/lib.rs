//! The paper's steps as plain functions over typed inputs: no IO, no clock, no randomness of its
//! own (time arrives as unix seconds, randomness as the caller's RNG).
//!
//! Each shell (the desktop client in `crates/client`, the web page in `ui/`, the command line
//! through the client) is only a transport and a key store around these functions: it asks the
//! relay or the chain what a step needs, passes the answers in, and carries out what comes back.
//! A decision written here is made the same way everywhere; a shell that needs a second copy of
//! one is a bug.

pub mod access;
pub mod audit;
pub mod backup;
pub mod checkin;
pub mod login;
pub mod password;
pub mod profile;
pub mod qr;
pub mod records;
pub mod recovery;
pub mod registration;
pub mod request;
pub mod staff;
pub mod verification;
pub mod visit;

pub use caretrail_types::UiError;
