//! What can go wrong in a use case, and the code the UI sees for each.

use crate::network::{NotAdmitted, PinFileError};
use caretrail_chain::ChainError;
use caretrail_types::{ErrorCode, InvalidTxId, UiError};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    InvalidTxId(#[from] InvalidTxId),
    #[error("not a usable relay URL: {0}")]
    BadRelayUrl(String),
    #[error("not a usable CA certificate for the relay: {0}")]
    BadCertificate(String),
    #[error("the relay at {url} cannot be reached ({reason}); is it running?")]
    RelayUnreachable { url: String, reason: String },
    #[error("the relay refused the request: {0}")]
    Relay(UiError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The relay announces another chain or other registries than this device pinned: nothing
    /// but the question was sent to it.
    #[error(
        "the relay at {relay} works on another network than the one this device trusts ({mismatch}){}; nothing was sent to it. Use a relay of the pinned network, or, if the network really changed, pin the new one{}",
        .pinned_in.as_ref().map(|f| format!(" (pinned in {})", f.display())).unwrap_or_default(),
        .pinned_in.as_ref().map(|f| format!(" by removing {}", f.display())).unwrap_or_default()
    )]
    WrongNetwork {
        relay: String,
        mismatch: crate::network::NetworkMismatch,
        pinned_in: Option<std::path::PathBuf>,
    },
    /// The file that pins the network cannot be read or written.
    #[error(transparent)]
    PinFile(#[from] PinFileError),
    /// Refused on this device (bad input, wrong password, no key...), with its code.
    #[error("{0}")]
    Refused(UiError),
    /// A registration failed after its new key was kept on this device: the key stays for the
    /// next attempt, and its recovery phrase is here to be shown once.
    #[error("{error} (your new key is kept on this device for the next attempt)")]
    KeyKept {
        phrase: caretrail_keystore::RecoveryPhrase,
        error: Box<ClientError>,
    },
}

impl ClientError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidTxId(_) | Self::BadRelayUrl(_) | Self::BadCertificate(_) => {
                ErrorCode::InvalidInput
            }
            Self::RelayUnreachable { .. } => ErrorCode::RelayUnreachable,
            Self::WrongNetwork { .. } => ErrorCode::WrongNetwork,
            Self::PinFile(PinFileError::Damaged { .. }) => ErrorCode::InvalidInput,
            Self::PinFile(PinFileError::Io { .. }) => ErrorCode::Internal,
            Self::Relay(e) => e.code,
            Self::Chain(e) => e.code(),
            Self::Refused(e) => e.code,
            Self::KeyKept { error, .. } => error.code(),
        }
    }
}

impl ClientError {
    /// The refusal of a relay at `relay` whose network `Trust::admit` did not admit.
    pub(crate) fn not_admitted(relay: &str, why: NotAdmitted) -> Self {
        match why {
            NotAdmitted::Mismatch {
                mismatch,
                pinned_in,
            } => Self::WrongNetwork {
                relay: relay.to_owned(),
                mismatch,
                pinned_in,
            },
            NotAdmitted::PinFile(e) => Self::PinFile(e),
        }
    }
}

impl From<ClientError> for UiError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Relay(inner) | ClientError::Refused(inner) => inner,
            other => UiError::new(other.code(), other.to_string()),
        }
    }
}
