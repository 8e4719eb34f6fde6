//! The verification unit re-verifying a patient for a new key (a lost key, or a national ID
//! someone else registered): her photo's cheap checks, her EC record and her face, as for a
//! registration; then the registration under her NID (told only once the face matched), and her
//! card. The answer is a ticket her new key signs the recovery of; the VU (or, after an
//! investigation, the health authority) proposes it on chain, where it waits out the timelock.

use super::{Early, Facts, Need, check_card, identify};
use crate::verification::TICKET_TTL_SECS;
use caretrail_types::{
    Address, Check, CheckResult, ErrorCode, Hash32, PendingRecovery, RecoverRequest, Recovery,
    RecoveryTicketBody, UiError,
};

/// The registry's answer about the NID's registration and the new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    /// The VU's salted commitment to the NID.
    pub nid_commitment: Hash32,
    /// H and the key that holds it, when a patient is registered under the NID.
    pub registration: Option<(Hash32, Address)>,
    /// The recovery of it waiting for its timelock, if one is.
    pub pending: Option<PendingRecovery>,
    /// The nonce the next recovery of the NID commitment signs.
    pub nonce: u64,
    /// The new key holds a registration already.
    pub new_key_registered: bool,
}

/// What [`decide`] concludes.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Ask(Need),
    Refuse(UiError),
    /// Every check passed: the ticket for the VU to sign, and the checks as the app shows them.
    Issue {
        body: Box<RecoveryTicketBody>,
        checks: Vec<CheckResult>,
    },
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> Step {
    Step::Refuse(UiError::new(code, message))
}

/// The next step of re-verifying `request` at `now` for the VU whose address is `verifier`.
pub fn decide(request: &RecoverRequest, facts: &Facts, verifier: Address, now: u64) -> Step {
    let mut checks = Vec::new();
    let face = match identify(facts, &mut checks) {
        Ok(face) => face,
        Err(Early::Ask(need)) => return Step::Ask(need),
        Err(Early::Refuse(error)) => return Step::Refuse(error),
    };

    let Some(holding) = facts.holding else {
        return Step::Ask(Need::Holding);
    };
    let Some((record, holder)) = holding.registration else {
        return refuse(
            ErrorCode::NotRegistered,
            format!(
                "no patient is registered with the national ID {}: there is nothing to recover; \
                 register instead",
                request.nid
            ),
        );
    };
    if holding.new_key_registered {
        return refuse(
            ErrorCode::AlreadyRegistered,
            format!(
                "the key {} holds a registration already; recover to a new key",
                request.patient
            ),
        );
    }
    if let Some(pending) = holding.pending {
        return refuse(
            ErrorCode::RecoveryPending,
            format!(
                "a recovery of this registration to the key {} is already waiting for its \
                 timelock (executable from unix time {}); it must be cancelled or executed first",
                pending.to, pending.executable_at
            ),
        );
    }
    checks.push(CheckResult {
        check: Check::Registration,
        detail: format!("registration {record}, held by {holder}"),
    });

    let Some(card) = &facts.card else {
        return Step::Ask(Need::Card);
    };
    if let Err(error) = check_card(card, &mut checks) {
        return Step::Refuse(error);
    }

    Step::Issue {
        body: Box::new(RecoveryTicketBody {
            recovery: Recovery {
                nid_commitment: holding.nid_commitment,
                to: request.patient,
                nonce: holding.nonce,
                deadline: now + TICKET_TTL_SECS,
            },
            record,
            holder,
            face: face.attestation(now),
            verifier,
        }),
        checks,
    }
}
