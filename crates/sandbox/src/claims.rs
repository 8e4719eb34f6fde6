//! The sandbox insurer's claims desk: it follows the relay's queue of claims that name it (the
//! ones it has not answered first, so a claim filed while it was down, or one it failed to
//! answer, reaches it again), and answers each: "queued" at once, then its decision. It checks the patient's
//! enrolment on chain (her registration must pin this insurer and the policy version the claim
//! names), adjudicates the bill against that version's published terms and her earlier bills to
//! it (read from the chain each time: it keeps nothing in memory), and refuses a bill that names
//! a record billed before. The decisions are `caretrail_protocol::visit::bill`'s, the same
//! the patient's app computes.

use crate::insurer::Insurer;
use caretrail_client::{Client, ClientError, unix_now};
use caretrail_protocol::visit::bill::{self, Adjudicated};
use caretrail_types::{ClaimNotice, Hash32};
use futures_util::StreamExt as _;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long the desk waits before following its queue again after it broke off.
const RETRY: Duration = Duration::from_millis(500);
/// How long it waits before it tries again a claim it failed to answer (following its queue
/// again brings the claim back: it stays there until its last answer is anchored), doubled at
/// each failure up to [`ANSWER_RETRY_MAX`]. Meanwhile it answers the claims after it.
const ANSWER_RETRY: Duration = Duration::from_secs(5);
const ANSWER_RETRY_MAX: Duration = Duration::from_secs(10 * 60);

/// The claims the desk failed to answer: how often, and when it tries each again.
#[derive(Debug, Default)]
struct Retries(HashMap<Hash32, (u32, Instant)>);

impl Retries {
    /// Whether `claim` is waiting for its next try at `now`.
    fn waiting(&self, claim: Hash32, now: Instant) -> bool {
        self.0.get(&claim).is_some_and(|(_, due)| now < *due)
    }

    /// `claim` failed at `now`: its next try is after a delay that doubles with each failure.
    fn failed(&mut self, claim: Hash32, now: Instant) -> Duration {
        let failures = self.0.get(&claim).map_or(0, |(n, _)| *n) + 1;
        let delay = ANSWER_RETRY
            .saturating_mul(1 << (failures - 1).min(16))
            .min(ANSWER_RETRY_MAX);
        self.0.insert(claim, (failures, now + delay));
        delay
    }

    fn answered(&mut self, claim: Hash32) {
        self.0.remove(&claim);
    }

    /// When the next waiting claim is due (a day from `now` when none is).
    fn next_due(&self, now: Instant) -> Instant {
        self.0
            .values()
            .map(|(_, due)| *due)
            .min()
            .unwrap_or(now + Duration::from_secs(24 * 60 * 60))
    }
}

impl Insurer {
    /// Follows the queue and answers each claim until `shutdown` turns true; the queue is left
    /// while the insurer is offline ([`Insurer::set_online`]) and followed again when it is back.
    pub async fn serve_claims(
        self: Arc<Self>,
        scratch: &Path,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut online = self.online_watch();
        let mut retries = Retries::default();
        // The claims it answered "queued" already: once each.
        let mut acknowledged = HashSet::new();
        loop {
            if *shutdown.borrow() {
                return;
            }
            if !*online.borrow_and_update() {
                tokio::select! {
                    _ = online.changed() => continue,
                    _ = shutdown.changed() => continue,
                }
            }
            let client = Client::from_relay(self.relay().clone());
            match client.claim_queue(self.key()).await {
                Ok(queue) => {
                    let mut queue = std::pin::pin!(queue);
                    loop {
                        let next = tokio::select! {
                            next = queue.next() => next,
                            _ = online.changed() => break,
                            _ = shutdown.changed() => break,
                            // A claim that failed is due again: following the queue anew
                            // brings it back.
                            () = tokio::time::sleep_until(retries.next_due(Instant::now())) => break,
                        };
                        match next {
                            Some(Ok(notice)) => {
                                let claim = notice.claim_id;
                                if retries.waiting(claim, Instant::now()) {
                                    continue;
                                }
                                match self
                                    .answer(&client, &notice, scratch, &mut acknowledged)
                                    .await
                                {
                                    Ok(()) => retries.answered(claim),
                                    Err(e) => {
                                        let delay = retries.failed(claim, Instant::now());
                                        tracing::warn!(claim = %claim, "claim not answered, tried again in {delay:?}: {e}");
                                    }
                                }
                            }
                            Some(Err(e)) => {
                                tracing::warn!("the claims queue broke off: {e}");
                                break;
                            }
                            None => break,
                        }
                    }
                }
                Err(e) => tracing::warn!("cannot follow the claims queue: {e}"),
            }
            tokio::select! {
                () = tokio::time::sleep(RETRY) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Answers one claim: queued (unless it was `acknowledged` before), then decided.
    async fn answer(
        &self,
        client: &Client,
        notice: &ClaimNotice,
        scratch: &Path,
        acknowledged: &mut HashSet<Hash32>,
    ) -> Result<(), ClientError> {
        let (claim, json) = client.take_claim(self.key(), notice, scratch).await?;
        if !acknowledged.contains(&claim.id) {
            let queued = bill::response(&json, claim.id, self.address(), "BDT", None, unix_now())
                .map_err(ClientError::Refused)?;
            client
                .answer_claim(self.key(), self.signer().clone(), &claim, &queued, false)
                .await?;
            acknowledged.insert(claim.id);
        }
        let (decided, currency) = self.decide(client, notice, &json, scratch).await?;
        let last = bill::response(
            &json,
            claim.id,
            self.address(),
            &currency,
            Some(&decided),
            unix_now(),
        )
        .map_err(ClientError::Refused)?;
        client
            .answer_claim(self.key(), self.signer().clone(), &claim, &last, true)
            .await?;
        tracing::info!(claim = %claim.id, outcome = ?decided.outcome, benefit = decided.benefit, "claim answered");
        Ok(())
    }

    /// The decision on a claim: `bill::decide_claim` against the policy version her registration
    /// pinned and her claims sent to it before (read from the chain and the relay).
    async fn decide(
        &self,
        client: &Client,
        notice: &ClaimNotice,
        json: &[u8],
        scratch: &Path,
    ) -> Result<(Adjudicated, String), ClientError> {
        let (coverage, claimed) = bill::read_claim(json).map_err(ClientError::Refused)?;
        let pinned = client.pinned_terms(notice.patient).await?;
        let earlier = client.bills_before(self.key(), notice, scratch).await?;
        let decided = bill::decide_claim(
            &pinned.coverage,
            &pinned.terms,
            (&coverage, &claimed),
            self.address(),
            &earlier,
        );
        Ok((decided, pinned.terms.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_claim_waits_longer_each_time_and_others_are_not_held_up() {
        let now = Instant::now();
        let (bad, good) = (Hash32([1; 32]), Hash32([2; 32]));
        let mut retries = Retries::default();
        assert!(!retries.waiting(bad, now));
        assert_eq!(retries.failed(bad, now), ANSWER_RETRY);
        assert!(retries.waiting(bad, now + Duration::from_secs(4)));
        assert!(!retries.waiting(bad, now + ANSWER_RETRY));
        assert!(
            !retries.waiting(good, now),
            "another claim is answered meanwhile"
        );
        assert_eq!(retries.next_due(now), now + ANSWER_RETRY);
        assert_eq!(retries.failed(bad, now), ANSWER_RETRY * 2);
        for _ in 0..20 {
            retries.failed(bad, now);
        }
        assert_eq!(retries.failed(bad, now), ANSWER_RETRY_MAX);
        retries.answered(bad);
        assert!(!retries.waiting(bad, now));
        assert!(retries.next_due(now) > now + ANSWER_RETRY_MAX);
    }
}
