//! Health organizations and insurers as the participant registry knows them.

use crate::Address;
use serde::{Deserialize, Serialize};

/// What a participant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantKind {
    HealthOrganization,
    Insurer,
}

/// Where a participant stands. `Blocked` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantStatus {
    Admitted,
    Suspended,
    Blocked,
}

/// What the health authority records when it admits a participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    /// The address the participant signs with.
    pub signer: Address,
    pub kind: ParticipantKind,
    /// The licence number in the government's registry.
    pub licence_id: String,
    pub name: String,
    /// Its secp256k1 encryption key, 33-byte compressed SEC1.
    #[serde(with = "crate::bytes::hex_vec")]
    pub encryption_key: Vec<u8>,
}

/// A participant as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    #[serde(flatten)]
    pub admission: Admission,
    pub status: ParticipantStatus,
    /// Unix seconds of the admission.
    pub admitted_at: u64,
}

/// What happened to a participant, as the registry's events tell it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ParticipantEvent {
    Admitted {
        admission: Admission,
        block: u64,
    },
    StatusChanged {
        signer: Address,
        kind: ParticipantKind,
        previous: ParticipantStatus,
        current: ParticipantStatus,
        block: u64,
    },
}

/// The registries a deployment consists of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registries {
    pub participants: Address,
    pub policies: Address,
    pub patients: Address,
    pub records: Address,
}
