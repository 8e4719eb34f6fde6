//! TKN_D at the relay: the visits an organization assigns to its staff ([`assign`]: its signed
//! `VisitAssignment`, for a visit it opened on chain and that is still open), and each staff
//! member's queue ([`follow`]: the assignments still open, then new ones as they come, pushed
//! to her, with no polling). A queue ends when her certificate does.

use crate::staff::{member, organization_facts, staff_domain};
use crate::{Relay, RelayError, RelayState, unix_now};
use caretrail_chain::visit_of;
use caretrail_crypto::staff::assignment_signer;
use caretrail_protocol::staff::check_assignment;
use caretrail_types::{QueuedVisit, RelayAction, SignedVisitAssignment};
use futures_util::Stream;
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::broadcast;

/// Assignments in flight to the live queues; a queue that falls this far behind reads the
/// stored ones again.
pub const LIVE_CAPACITY: usize = 1024;

/// Keeps an organization's signed assignment and pushes it to the staff member's queue.
pub async fn assign(
    relay: &Relay,
    signed: SignedVisitAssignment,
) -> Result<QueuedVisit, RelayError> {
    let a = &signed.assignment;
    let config = &relay.config;
    let facts = organization_facts(relay, a.organization, a.staff).await?;
    let visit = visit_of(
        &config.rpc_url,
        config.record_registry,
        a.organization,
        a.visit_id,
    )
    .await?;
    let now = unix_now();
    check_assignment(
        &signed,
        assignment_signer(staff_domain(relay), &signed),
        &facts,
        visit.as_ref(),
        now,
    )?;
    let queued = QueuedVisit {
        assignment: signed,
        assigned_at: now,
    };
    relay.db.keep_assignment(&queued, now).await?;
    // Nobody following a queue is not an error: the assignment is kept for when she does.
    let _ = relay.assignments.send(queued);
    Ok(queued)
}

type Key = (caretrail_types::Address, caretrail_types::Hash32, u64);

fn key(q: &QueuedVisit) -> Key {
    let a = &q.assignment.assignment;
    (a.organization, a.visit_id, q.assigned_at)
}

struct Following {
    relay: RelayState,
    staff: caretrail_types::Address,
    live: broadcast::Receiver<QueuedVisit>,
    pending: std::collections::VecDeque<QueuedVisit>,
    seen: HashSet<Key>,
    ends: tokio::time::Instant,
}

/// A staff member's signed `staff.queue` request with her certificate: her queue, as a stream
/// that ends when her certificate does.
pub async fn follow(
    relay: RelayState,
    header: Option<&str>,
    body: &[u8],
) -> Result<impl Stream<Item = QueuedVisit> + Send + 'static, RelayError> {
    let member = member(&relay, header, body, RelayAction::StaffQueue).await?;
    // Subscribed before the stored ones are read, so none falls between the two.
    let live = relay.assignments.subscribe();
    let now = unix_now();
    let stored = relay.db.open_assignments(member.staff, now).await?;
    let ends =
        tokio::time::Instant::now() + Duration::from_secs(member.valid_until.saturating_sub(now));
    let state = Following {
        staff: member.staff,
        live,
        seen: stored.iter().map(key).collect(),
        pending: stored.into(),
        ends,
        relay,
    };
    Ok(futures_util::stream::unfold(state, next))
}

async fn next(mut s: Following) -> Option<(QueuedVisit, Following)> {
    loop {
        if let Some(queued) = s.pending.pop_front() {
            return Some((queued, s));
        }
        let received = tokio::select! {
            received = s.live.recv() => received,
            () = tokio::time::sleep_until(s.ends) => return None,
        };
        match received {
            Ok(queued) if queued.assignment.assignment.staff == s.staff => {
                if s.seen.insert(key(&queued)) {
                    return Some((queued, s));
                }
            }
            Ok(_) => {}
            // Fell behind: what was missed is in the store.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let stored = s
                    .relay
                    .db
                    .open_assignments(s.staff, unix_now())
                    .await
                    .ok()?;
                for queued in stored {
                    if s.seen.insert(key(&queued)) {
                        s.pending.push_back(queued);
                    }
                }
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}
