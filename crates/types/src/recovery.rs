//! Recovery of a registration to a new key (a lost key, or a national ID someone else
//! registered): what the patient's new key signs, the verification unit's re-verification and its
//! ticket, the proposal on chain, and the current key's cancellation.

use crate::{
    Address, CardNumber, CheckResult, Citizen, Coverage, FaceAttestation, Hash32, Nid, Signature,
};
use serde::{Deserialize, Serialize};

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

/// Recovery, first step: she asks the verification unit to re-verify her (EC record, face, card)
/// for her new key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    pub nid: Nid,
    pub card_number: CardNumber,
    /// Her new key's address: the key the registration is to be bound to.
    pub patient: Address,
    /// The instant photo (JPEG or PNG).
    #[serde(with = "crate::base64_bytes")]
    pub photo: Vec<u8>,
}

/// What the verification unit signs after re-verifying her: the recovery her new key is to sign,
/// the registration it moves, and the face match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryTicketBody {
    /// Its `deadline` is also the ticket's expiry.
    pub recovery: Recovery,
    /// H, the registration that moves.
    pub record: Hash32,
    /// The key that holds it now.
    pub holder: Address,
    pub face: FaceAttestation,
    /// The verification unit's address (the signer).
    pub verifier: Address,
}

/// A re-verification, signed by the verification unit (EIP-191 over the body's canonical JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryTicket {
    pub body: RecoveryTicketBody,
    pub signature: Signature,
}

/// The verification unit's answer to a [`RecoverRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryVerified {
    /// Her record at the EC registry, to rebuild her profile on the new device.
    pub citizen: Citizen,
    pub coverage: Coverage,
    pub checks: Vec<CheckResult>,
    pub ticket: RecoveryTicket,
}

/// Recovery, second step: the ticket and her new key's EIP-712 signature of its recovery. Sent
/// to the relay, the verification unit proposes it; handed to the health authority (a file), the
/// authority proposes it after its investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRecovery {
    pub ticket: RecoveryTicket,
    pub new_key_signature: Signature,
}

/// What the current key signs (EIP-712 `RecoveryCancellation`, the patient registry's domain) to
/// cancel the pending recovery of her registration: `nonce` is that proposal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCancellation {
    pub nid_commitment: Hash32,
    pub nonce: u64,
    /// Unix seconds after which the signature cancels nothing.
    pub deadline: u64,
}

/// The current key's signed cancellation, for the relay to send (she holds no ether).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancellationRequest {
    pub cancellation: RecoveryCancellation,
    pub signature: Signature,
}

/// Asks the relay to execute a recovery whose timelock has passed (anyone may; the relay pays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionRequest {
    pub nid_commitment: Hash32,
}

/// What a pending recovery of a registration means for the key a device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum RecoveryStatus {
    /// Her registration is to move to this device's key: from `executable_at` it may be
    /// executed (`ready`), and then she logs in with this key.
    Incoming { executable_at: u64, ready: bool },
    /// Her registration, held by this device's key, is to move to `to`: if she did not ask for
    /// it, she cancels it before `executable_at` (when `may_cancel`; a recovery the health
    /// authority proposed only the authority cancels).
    Outgoing {
        to: Address,
        executable_at: u64,
        may_cancel: bool,
    },
}

/// A pending recovery as a screen shows it, for the key of the device it is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryNotice {
    pub pending: PendingRecovery,
    pub status: RecoveryStatus,
}

/// A pending recovery and the nonce its proposal took (what a cancellation signs), as the relay
/// reads them for the web page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRecoveryState {
    pub pending: PendingRecovery,
    pub nonce: u64,
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
