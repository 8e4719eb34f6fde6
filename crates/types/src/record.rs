//! Records anchored on chain, the visits they are written under, and the patient's consents.

use crate::{Address, Hash32};
use serde::{Deserialize, Serialize};

/// What the patient's app signs to let a health organization write her records during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitToken {
    pub patient: Address,
    pub organization: Address,
    /// Chosen by the patient's app; unique per organization.
    pub visit_id: Hash32,
    /// Unix seconds; the visit is open before this time.
    pub expires_at: u64,
}

/// A record's anchor: the ciphertext's hash under its id, by its author, for its patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAnchor {
    /// keccak256(abi.encode(patient, kind, ciphertext_hash)): derived, never chosen, so an id
    /// names one content. The earliest anchor of an id is the real one.
    pub record_id: Hash32,
    pub patient: Address,
    pub author: Address,
    /// The kind of record: a FHIR resource type in ASCII, left-aligned in 32 bytes (never a
    /// diagnosis or a test name).
    pub kind: Hash32,
    pub ciphertext_hash: Hash32,
}

/// A consent as the record registry's events tell it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ConsentEvent {
    Granted {
        patient: Address,
        grantee: Address,
        scope: ConsentScope,
        target: Hash32,
        /// Unix seconds; access holds before this time.
        expires_at: u64,
        block: u64,
    },
    Revoked {
        patient: Address,
        grantee: Address,
        scope: ConsentScope,
        target: Hash32,
        block: u64,
    },
}

/// What a consent covers: one record, or every record of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    Record,
    Kind,
}
