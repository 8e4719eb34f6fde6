//! The signatures of a registration's recovery to a new key (see `PatientRegistry.sol`): the
//! new key's EIP-712 `Recovery`, the current key's EIP-712 `RecoveryCancellation`, both in the
//! patient registry's domain, and the verification unit's ticket after it re-verified her. Here,
//! and not in the chain crate, so that the app, the web page, the relay and the health authority
//! sign and check one type.

use crate::SecretKey;
use crate::sign::{SignatureError, recover_message, recover_typed, sign_message, sign_typed};
use alloy_primitives::{Address as SolAddress, B256, U256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{
    Address, Recovery, RecoveryCancellation, RecoveryTicket, RecoveryTicketBody, Signature,
};

mod typed {
    alloy_sol_types::sol! {
        struct Recovery {
            bytes32 nidCommitment;
            address to;
            uint64 nonce;
            uint64 deadline;
        }

        struct RecoveryCancellation {
            bytes32 nidCommitment;
            uint64 nonce;
            uint64 deadline;
        }
    }
}

/// The chain and the patient registry a signature is for: its EIP-712 domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryDomain {
    pub chain_id: u64,
    pub patients: Address,
}

impl RegistryDomain {
    fn eip712(self) -> Eip712Domain {
        Eip712Domain::new(
            Some("Caretrail PatientRegistry".into()),
            Some("1".into()),
            Some(U256::from(self.chain_id)),
            Some(SolAddress::from(self.patients.0)),
            None,
        )
    }
}

fn typed_recovery(r: &Recovery) -> typed::Recovery {
    typed::Recovery {
        nidCommitment: B256::from(r.nid_commitment.0),
        to: SolAddress::from(r.to.0),
        nonce: r.nonce,
        deadline: r.deadline,
    }
}

fn typed_cancellation(c: &RecoveryCancellation) -> typed::RecoveryCancellation {
    typed::RecoveryCancellation {
        nidCommitment: B256::from(c.nid_commitment.0),
        nonce: c.nonce,
        deadline: c.deadline,
    }
}

/// The new key's signature of `recovery`: it shows that the patient holds the key she is to be
/// recovered to.
pub fn sign_recovery(key: &SecretKey, domain: RegistryDomain, recovery: &Recovery) -> Signature {
    sign_typed(key, &typed_recovery(recovery), &domain.eip712())
}

/// Who signed `recovery` (the contract requires its `to`).
pub fn recovery_signer(
    domain: RegistryDomain,
    recovery: &Recovery,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(&typed_recovery(recovery), &domain.eip712(), signature)
}

/// The current key's signature cancelling the pending recovery `cancellation` names.
pub fn sign_cancellation(
    key: &SecretKey,
    domain: RegistryDomain,
    cancellation: &RecoveryCancellation,
) -> Signature {
    sign_typed(key, &typed_cancellation(cancellation), &domain.eip712())
}

/// Who signed `cancellation`.
pub fn cancellation_signer(
    domain: RegistryDomain,
    cancellation: &RecoveryCancellation,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_cancellation(cancellation),
        &domain.eip712(),
        signature,
    )
}

/// The bytes the VU signs for a recovery ticket: a fixed prefix (not a registration ticket's)
/// and the body's canonical JSON (RFC 8785).
fn ticket_message(body: &RecoveryTicketBody) -> Vec<u8> {
    let mut message = b"Caretrail recovery ticket\n".to_vec();
    #[allow(clippy::expect_used)]
    message.extend(
        serde_json_canonicalizer::to_vec(body).expect("a recovery ticket body always serializes"),
    );
    message
}

/// The VU signs its re-verification of a patient.
pub fn sign_ticket(key: &SecretKey, body: RecoveryTicketBody) -> RecoveryTicket {
    let signature = sign_message(key, &ticket_message(&body));
    RecoveryTicket { body, signature }
}

/// Why a recovery ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the recovery ticket is not signed: {0}")]
    Signature(#[from] SignatureError),
    #[error("the recovery ticket was signed by {signer}, which is not a verification unit here")]
    NotAVerifier { signer: Address },
    #[error("the recovery ticket expired (at {deadline}); verify again")]
    Expired { deadline: u64 },
}

/// The ticket's signer, once it is shown to be the ticket's named verifier and `is_verifier`
/// (this relay's key, or the participant registry's verifier role) and the ticket is unexpired at
/// `now`.
pub fn check_ticket(
    ticket: &RecoveryTicket,
    is_verifier: impl FnOnce(Address) -> bool,
    now: u64,
) -> Result<Address, TicketError> {
    let signer = recover_message(&ticket_message(&ticket.body), &ticket.signature)?;
    if signer != ticket.body.verifier || !is_verifier(signer) {
        return Err(TicketError::NotAVerifier { signer });
    }
    if now > ticket.body.recovery.deadline {
        return Err(TicketError::Expired {
            deadline: ticket.body.recovery.deadline,
        });
    }
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{FaceAttestation, Hash32};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng as _;

    const DOMAIN: RegistryDomain = RegistryDomain {
        chain_id: 31337,
        patients: Address([9; 20]),
    };

    fn body(verifier: Address, to: Address) -> RecoveryTicketBody {
        RecoveryTicketBody {
            recovery: Recovery {
                nid_commitment: Hash32([1; 32]),
                to,
                nonce: 0,
                deadline: 2_000,
            },
            record: Hash32([2; 32]),
            holder: Address([3; 20]),
            face: FaceAttestation {
                distance_millionths: 400_000,
                threshold_millionths: 600_000,
                model: "m".into(),
                at: 1_000,
            },
            verifier,
        }
    }

    #[test]
    fn a_recovery_ticket_is_checked_for_its_verifier_and_its_expiry() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let vu = SecretKey::generate(&mut rng);
        let stranger = SecretKey::generate(&mut rng);
        let ticket = sign_ticket(&vu, body(vu.address(), Address([4; 20])));
        assert_eq!(
            check_ticket(&ticket, |a| a == vu.address(), 2_000),
            Ok(vu.address())
        );
        assert_eq!(
            check_ticket(&ticket, |a| a == vu.address(), 2_001),
            Err(TicketError::Expired { deadline: 2_000 })
        );
        // A key the caller does not take for a verifier, and a body changed after signing.
        assert!(matches!(
            check_ticket(&ticket, |_| false, 1_500),
            Err(TicketError::NotAVerifier { .. })
        ));
        let mut changed = ticket.clone();
        changed.body.recovery.to = Address([5; 20]);
        assert!(matches!(
            check_ticket(&changed, |a| a == vu.address(), 1_500),
            Err(TicketError::NotAVerifier { .. })
        ));
        // A stranger's ticket naming the VU.
        let forged = sign_ticket(&stranger, body(vu.address(), Address([4; 20])));
        assert_eq!(
            check_ticket(&forged, |_| true, 1_500),
            Err(TicketError::NotAVerifier {
                signer: stranger.address()
            })
        );
    }

    #[test]
    fn the_recovery_and_its_cancellation_recover_to_their_signers_in_their_domain_only() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let key = SecretKey::generate(&mut rng);
        let recovery = body(Address([1; 20]), key.address()).recovery;
        let signature = sign_recovery(&key, DOMAIN, &recovery);
        assert_eq!(
            recovery_signer(DOMAIN, &recovery, &signature),
            Ok(key.address())
        );
        let elsewhere = RegistryDomain {
            chain_id: 1,
            ..DOMAIN
        };
        assert_ne!(
            recovery_signer(elsewhere, &recovery, &signature),
            Ok(key.address())
        );
        let cancellation = RecoveryCancellation {
            nid_commitment: recovery.nid_commitment,
            nonce: 0,
            deadline: 9,
        };
        let signature = sign_cancellation(&key, DOMAIN, &cancellation);
        assert_eq!(
            cancellation_signer(DOMAIN, &cancellation, &signature),
            Ok(key.address())
        );
        let next = RecoveryCancellation {
            nonce: 1,
            ..cancellation
        };
        assert_ne!(
            cancellation_signer(DOMAIN, &next, &signature),
            Ok(key.address())
        );
    }
}
