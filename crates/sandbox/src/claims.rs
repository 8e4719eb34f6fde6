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
use caretrail_types::ClaimNotice;
use futures_util::StreamExt as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long the desk waits before following its queue again after it broke off.
const RETRY: Duration = Duration::from_millis(500);
/// How long it waits after it failed to answer a claim: following its queue again brings back
/// the claim, which stays there until its last answer is anchored.
const ANSWER_RETRY: Duration = Duration::from_secs(5);

impl Insurer {
    /// Follows the queue and answers each claim until `shutdown` turns true; the queue is left
    /// while the insurer is offline ([`Insurer::set_online`]) and followed again when it is back.
    pub async fn serve_claims(
        self: Arc<Self>,
        scratch: &Path,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut online = self.online_watch();
        loop {
            let mut pause = RETRY;
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
                        };
                        match next {
                            Some(Ok(notice)) => {
                                if let Err(e) = self.answer(&client, &notice, scratch).await {
                                    tracing::warn!(claim = %notice.claim_id, "claim not answered, tried again in {ANSWER_RETRY:?}: {e}");
                                    pause = ANSWER_RETRY;
                                    break;
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
                () = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Answers one claim: queued, then decided.
    async fn answer(
        &self,
        client: &Client,
        notice: &ClaimNotice,
        scratch: &Path,
    ) -> Result<(), ClientError> {
        let (claim, json) = client.take_claim(self.key(), notice, scratch).await?;
        let queued = bill::response(&json, claim.id, self.address(), "BDT", None, unix_now())
            .map_err(ClientError::Refused)?;
        client
            .answer_claim(self.key(), self.signer().clone(), &claim, &queued, false)
            .await?;
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

    /// The decision on a claim: refused whole when the patient's registration does not pin this
    /// insurer's policy version the claim names, else `bill::decide` against that version's
    /// terms and the bills sent to it for her before (read from the chain and the relay).
    async fn decide(
        &self,
        client: &Client,
        notice: &ClaimNotice,
        json: &[u8],
        scratch: &Path,
    ) -> Result<(Adjudicated, String), ClientError> {
        let (coverage, claimed) = bill::read_claim(json).map_err(ClientError::Refused)?;
        let pinned = client.pinned_terms(notice.patient).await?;
        let currency = pinned.terms.currency.clone();
        if coverage != pinned.coverage || pinned.coverage.insurer != self.address() {
            let reason = format!(
                "{} is not enrolled with this insurer under policy version {} of {}",
                notice.patient, coverage.version, coverage.policy_id
            );
            return Ok((bill::refuse(&claimed, &reason), currency));
        }
        let earlier = client.bills_before(self.key(), notice, scratch).await?;
        let decided = bill::decide(&pinned.terms, &claimed, &earlier);
        Ok((decided, currency))
    }
}
