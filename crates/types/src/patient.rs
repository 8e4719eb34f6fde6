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

/// How long a proposed recovery waits before anyone may execute it (the patient registry's
/// `RECOVERY_TIMELOCK`, 7 days): the time the current key has to cancel a recovery the
/// verification unit proposed and she did not ask for.
pub const RECOVERY_TIMELOCK_SECS: u64 = 7 * 24 * 60 * 60;

/// What the patient's new key signs (EIP-712 `Recovery`, the patient registry's domain) to be
/// proposed as the key of the registration under her NID commitment: it shows that she holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// The verification unit's salted commitment to her national ID.
    pub nid_commitment: Hash32,
    /// Her new key.
    pub to: Address,
    /// How many recoveries of this NID commitment were proposed before: a signature proposes once.
    pub nonce: u64,
    /// Unix seconds after which the signature proposes nothing.
    pub deadline: u64,
}

/// A recovery announced on chain and waiting for its timelock: the registration H, held by
/// `from`, moves to `to` once anyone executes it from `executable_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRecovery {
    pub nid_commitment: Hash32,
    /// H, which moves with the registration.
    pub record: Hash32,
    /// The key that holds it now.
    pub from: Address,
    /// The patient's new key.
    pub to: Address,
    /// Unix seconds from which anyone may execute it.
    pub executable_at: u64,
    /// The health authority proposed it (a hijacked NID returned to its owner): only the
    /// authority may cancel it. Otherwise the verification unit proposed it (a lost key), and the
    /// current key may cancel it.
    pub proposer_is_authority: bool,
}

impl PendingRecovery {
    /// Whether it may be executed at `now` (unix seconds).
    pub fn is_executable(&self, now: u64) -> bool {
        now >= self.executable_at
    }

    /// Whether the key that holds the registration may cancel it.
    pub fn holder_may_cancel(&self) -> bool {
        !self.proposer_is_authority
    }
}

/// A recovery proposed on chain, and the transaction that announced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryProposal {
    pub pending: PendingRecovery,
    pub tx_id: crate::TxId,
    pub gas_used: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(proposer_is_authority: bool) -> PendingRecovery {
        PendingRecovery {
            nid_commitment: Hash32([1; 32]),
            record: Hash32([2; 32]),
            from: Address([3; 20]),
            to: Address([4; 20]),
            executable_at: 1_000 + RECOVERY_TIMELOCK_SECS,
            proposer_is_authority,
        }
    }

    #[test]
    fn a_recovery_is_executable_from_the_end_of_its_timelock() {
        let p = pending(false);
        assert!(!p.is_executable(1_000));
        assert!(!p.is_executable(p.executable_at - 1));
        assert!(p.is_executable(p.executable_at));
        assert!(p.is_executable(p.executable_at + 1));
    }

    #[test]
    fn the_holder_cancels_only_the_verifiers_recovery() {
        assert!(pending(false).holder_may_cancel());
        assert!(!pending(true).holder_may_cancel());
    }

    #[test]
    fn a_signed_recovery_refuses_unknown_fields() {
        let recovery = Recovery {
            nid_commitment: Hash32([1; 32]),
            to: Address([4; 20]),
            nonce: 0,
            deadline: 9,
        };
        let mut json = serde_json::to_value(recovery).expect("serializes");
        assert_eq!(
            serde_json::from_value::<Recovery>(json.clone()).expect("reads back"),
            recovery
        );
        json["extra"] = serde_json::Value::Bool(true);
        let error = serde_json::from_value::<Recovery>(json).expect_err("refused");
        assert!(error.to_string().contains("extra"), "{error}");
    }
}
