//! The use cases the desktop app and the command line call: each is a plain async function over
//! the relay (for what only it can do) and the chain, which the client reads itself at the
//! endpoint the relay names, recomputing every hash rather than taking the relay's word for it.

mod checkin;
mod claims;
mod error;
mod lab;
mod network;
mod organizations;
mod patient;
mod policy;
mod read_cache;
mod records;
mod recovery;
mod relay;
mod staff;
mod visit;

pub use caretrail_crypto::SecretKey;
pub use caretrail_protocol::records::Saved;
pub use caretrail_protocol::visit::bill::BillView;
pub use caretrail_protocol::visit::bill::PinnedTerms;
pub use caretrail_protocol::visit::lab::LabOrder;
pub use caretrail_types::RecoveryStatus;
pub use checkin::read_code;
pub use error::ClientError;
pub use lab::{LabFile, LabReport};
pub use network::{
    Admitted, Difference, NetworkMismatch, NotAdmitted, PinFileError, PinnedNetwork, Trust,
};
pub use patient::{
    MAX_WRONG_PASSWORDS, Profile, Progress, Registration, RegistrationForm,
    WRONG_PASSWORD_PAUSE_SECS, Wallet,
};
pub use records::{
    CheckedRead, Listed, Opened, Progress as TransferProgress, Share, Transfer, Writer,
};
pub use recovery::{Proposed, RecoveryForm, SignedByNewKey};
pub use relay::Relay;

use caretrail_types::NetworkInfo;

/// The patient's side of Caretrail: where the relay is, which network she trusts, and the calls
/// made through it.
#[derive(Debug, Clone)]
pub struct Client {
    relay: Relay,
    trust: Trust,
    /// What it read before ([`read_cache`]), shared by its clones.
    reads: std::sync::Arc<read_cache::ReadCache>,
}

impl Client {
    /// A client of the relay at `relay_url` (e.g. `http://127.0.0.1:7780`) that takes the
    /// relay's word for the network ([`Trust::Announced`]); the app and the command line use
    /// [`Client::trusting`].
    pub fn new(relay_url: &str) -> Result<Self, ClientError> {
        Self::trusting(relay_url, Trust::Announced)
    }

    /// A client of the relay `relay` (a service's own, e.g. the sandbox insurer's), taking the
    /// relay's word for the network.
    pub fn from_relay(relay: Relay) -> Self {
        Self {
            relay,
            trust: Trust::Announced,
            reads: Default::default(),
        }
    }

    /// A client of the relay at `relay_url` that refuses it, before sending it anything else,
    /// unless it announces the network `trust` pins.
    pub fn trusting(relay_url: &str, trust: Trust) -> Result<Self, ClientError> {
        Self::trusting_with_ca(relay_url, trust, None)
    }

    /// [`Client::trusting`], and an https relay's certificate may also chain to one in
    /// `ca_pem` (e.g. a private CA's, from [`read_ca_file`]).
    pub fn trusting_with_ca(
        relay_url: &str,
        trust: Trust,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, ClientError> {
        Ok(Self {
            relay: match ca_pem {
                Some(pem) => Relay::trusting(relay_url, pem)?,
                None => Relay::new(relay_url)?,
            },
            trust,
            reads: Default::default(),
        })
    }

    /// A client of the relay at `relay_url` whose certificate may also chain to one of the
    /// certificates in `ca_pem` (see [`Relay::trusting`]), taking the relay's word for the
    /// network.
    pub fn with_ca(relay_url: &str, ca_pem: &[u8]) -> Result<Self, ClientError> {
        Self::trusting_with_ca(relay_url, Trust::Announced, Some(ca_pem))
    }

    /// Which chain and registries the relay works with, once they are the ones this client
    /// trusts (every use case asks this first). On first use of a [`Trust::FirstUse`] file, the
    /// relay's network is pinned there.
    pub async fn network(&self) -> Result<NetworkInfo, ClientError> {
        Ok(match self.admit().await? {
            Admitted::Trusted(network) | Admitted::PinnedNow(network) => network,
        })
    }

    /// [`Client::network`], saying whether it was pinned just now.
    pub async fn admit(&self) -> Result<Admitted, ClientError> {
        let announced: NetworkInfo = self.relay.get("v1/network").await?;
        self.trust
            .admit(announced)
            .map_err(|why| ClientError::not_admitted(self.relay.base(), why))
    }
}

/// The certificates of a CA file (PEM) to trust for an https relay besides the system's roots,
/// as the command line's `--ca-file` and the app's `CARETRAIL_CA_FILE` name it.
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path)
        .map_err(|e| ClientError::BadCertificate(format!("cannot read {}: {e}", path.display())))
}

/// Now, in unix seconds, from this device's clock: the one clock the use cases pass to the
/// protocol's steps.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
