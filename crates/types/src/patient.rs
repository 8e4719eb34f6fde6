//! A patient's on-chain registration and enrolment.

use crate::{Address, Hash32, Signature};
use serde::{Deserialize, Serialize};

/// A patient bound to one version of an insurer's policy, with her insurance card's hash; the
/// patient and the insurer both sign it (EIP-712, the policy registry's domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub patient: Address,
    pub insurer: Address,
    pub policy_id: Hash32,
    pub version: u64,
    /// SHA-256 of the insurance card as the insurer issued it.
    pub card_hash: Hash32,
    /// Unix seconds after which the signatures no longer enrol anyone.
    pub deadline: u64,
}

/// What the verification unit sends to register a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The verification unit's salted commitment to her national ID.
    pub nid_commitment: Hash32,
    /// Enc(U_D): her data, encrypted on her device to her own key.
    #[serde(with = "crate::base64_bytes")]
    pub encrypted_data: Vec<u8>,
    pub enrolment: Enrolment,
    pub patient_signature: Signature,
    pub insurer_signature: Signature,
}

/// A registration on chain: H and the transaction that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// H, the hash of what was registered.
    pub record: Hash32,
    pub tx_id: crate::TxId,
    pub gas_used: u64,
}

/// What the patient's old key and new key both sign (EIP-712) to move her registration to the
/// new key: the old one gives it away, the new one shows that she holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    pub from: Address,
    pub to: Address,
    /// Her H, which moves with her.
    pub record: Hash32,
    /// How many times the record moved before: a signature moves it once.
    pub nonce: u64,
    /// Unix seconds after which the signature moves nothing.
    pub deadline: u64,
}

/// A registration as the chain recorded it: H, the transaction, and the enrolled card's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRecord {
    pub record: Hash32,
    pub tx_id: crate::TxId,
    pub card_hash: Hash32,
}
