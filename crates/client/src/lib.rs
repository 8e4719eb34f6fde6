//! The use cases the desktop app and the command line call: each is a plain async function over
//! the relay (for what only it can do) and the chain, which the client reads itself at the
//! endpoint the relay names, recomputing every hash rather than taking the relay's word for it.

mod error;
mod patient;
mod policy;
mod records;
mod relay;

pub use caretrail_crypto::SecretKey;
pub use caretrail_protocol::records::Saved;
pub use error::ClientError;
pub use patient::{
    MAX_WRONG_PASSWORDS, Profile, Progress, Registration, RegistrationForm,
    WRONG_PASSWORD_PAUSE_SECS, Wallet,
};
pub use records::{CheckedRead, Listed, Opened, Progress as TransferProgress, Share, Transfer};
pub use relay::Relay;

use caretrail_types::NetworkInfo;

/// The patient's side of Caretrail: where the relay is, and the calls made through it.
#[derive(Debug, Clone)]
pub struct Client {
    relay: Relay,
}

impl Client {
    /// A client of the relay at `relay_url` (e.g. `http://127.0.0.1:7780`).
    pub fn new(relay_url: &str) -> Result<Self, ClientError> {
        Ok(Self {
            relay: Relay::new(relay_url)?,
        })
    }

    /// A client of the relay at `relay_url` whose certificate may also chain to one of the
    /// certificates in `ca_pem` (see [`Relay::trusting`]).
    pub fn trusting(relay_url: &str, ca_pem: &[u8]) -> Result<Self, ClientError> {
        Ok(Self {
            relay: Relay::trusting(relay_url, ca_pem)?,
        })
    }

    /// Which chain and registry the relay works with.
    pub async fn network(&self) -> Result<NetworkInfo, ClientError> {
        self.relay.get("v1/network").await
    }
}

/// Now, in unix seconds, from this device's clock: the one clock the use cases pass to the
/// protocol's steps.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
