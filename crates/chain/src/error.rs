//! The ways a chain call can fail, as the client and relay tell them apart.

use crate::bindings::ParticipantRegistry::ParticipantRegistryErrors;
use crate::bindings::PatientRegistry::PatientRegistryErrors;
use crate::bindings::PolicyRegistry::PolicyRegistryErrors;
use crate::bindings::RecordRegistry::RecordRegistryErrors;
use alloy::transports::{RpcError, TransportError};
use caretrail_types::{ErrorCode, TxId};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("not a usable JSON-RPC URL: {0}")]
    BadUrl(String),
    #[error("the chain at {url} cannot be reached ({reason})")]
    Unreachable { url: String, reason: String },
    #[error("the chain has no transaction {0}")]
    TxNotFound(TxId),
    #[error("transaction {0} is not mined yet")]
    Pending(TxId),
    #[error("transaction {tx} is not a policy publication: {reason}")]
    NotAPolicyPublication { tx: TxId, reason: String },
    #[error("the signature is not usable: {0}")]
    BadSignature(String),
    #[error("the policy registry refused the publication: {0}")]
    Refused(String),
    #[error("the chain answered with an error: {0}")]
    Rpc(String),
}

impl ChainError {
    /// The code the UI and scripts see for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUrl(_) | Self::BadSignature(_) => ErrorCode::InvalidInput,
            Self::Unreachable { .. } => ErrorCode::ChainUnreachable,
            Self::TxNotFound(_) | Self::Pending(_) => ErrorCode::TxNotFound,
            Self::NotAPolicyPublication { .. } => ErrorCode::NotAPolicyPublication,
            Self::Refused(_) | Self::Rpc(_) => ErrorCode::ChainError,
        }
    }

    pub(crate) fn from_transport(url: &crate::RpcUrl, e: TransportError) -> Self {
        match e {
            RpcError::Transport(kind) => Self::Unreachable {
                url: url.to_string(),
                reason: kind.to_string(),
            },
            other => Self::Rpc(other.to_string()),
        }
    }

    pub(crate) fn from_contract(url: &crate::RpcUrl, e: alloy::contract::Error) -> Self {
        if let Some(decoded) = e.as_decoded_interface_error::<PolicyRegistryErrors>() {
            return Self::Refused(describe(&decoded));
        }
        // The other registries' custom errors, by name and fields.
        if let Some(decoded) = e.as_decoded_interface_error::<ParticipantRegistryErrors>() {
            return Self::Refused(format!("{decoded:?}"));
        }
        if let Some(decoded) = e.as_decoded_interface_error::<PatientRegistryErrors>() {
            return Self::Refused(format!("{decoded:?}"));
        }
        if let Some(decoded) = e.as_decoded_interface_error::<RecordRegistryErrors>() {
            return Self::Refused(format!("{decoded:?}"));
        }
        match e {
            alloy::contract::Error::TransportError(t) => Self::from_transport(url, t),
            other => Self::Rpc(other.to_string()),
        }
    }
}

fn describe(e: &PolicyRegistryErrors) -> String {
    match e {
        PolicyRegistryErrors::EmptyDocument(_) => "the document is empty".into(),
        PolicyRegistryErrors::EmptyContentHash(_) => "the content hash is zero".into(),
        PolicyRegistryErrors::DocumentHashMismatch(v) => format!(
            "the document sent (keccak {}) is not the one signed (keccak {})",
            v.sent, v.signed
        ),
        PolicyRegistryErrors::NotNextVersion(v) => format!(
            "version {} is not the next one (expected {})",
            v.given, v.expected
        ),
        PolicyRegistryErrors::PreviousHashMismatch(v) => format!(
            "the previous hash {} is not the hash of the current version {}",
            v.given, v.expected
        ),
        PolicyRegistryErrors::NotAnAdmittedInsurer(v) => {
            format!("{} is not an admitted insurer", v.insurer)
        }
        other => format!("{other:?}"),
    }
}
