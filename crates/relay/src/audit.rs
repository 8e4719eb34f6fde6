//! The read log the patient can check: every read the relay serves is an entry (who, which
//! record, on what ground, when: a FHIR AuditEvent in shape); at intervals the relay anchors the
//! Merkle root of the entries logged since its last anchor (`anchorAuditRoot`, kept on chain
//! under the relay's address), and answers each entry with its proof. A patient sees every entry
//! about her records, anyone else only the reads they made.

use crate::{Relay, RelayError, RelayState, unix_now};
use caretrail_chain::audit_roots_of;
use caretrail_crypto::audit::audit_leaf;
use caretrail_crypto::merkle;
use caretrail_types::{AuditAnchor, AuditRoot, AuditedRead, Hash32, RelayAction, TxId};
use std::collections::HashMap;
use std::time::Duration;

/// The most entries one root covers; a longer backlog is anchored in several runs.
pub const MAX_RUN: u32 = 10_000;

/// A run of entries the relay anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchoredRun {
    pub root: Hash32,
    pub first: u64,
    pub count: u32,
    pub tx_id: TxId,
    pub gas_used: u64,
}

/// Anchors the entries logged since the last anchor (at most [`MAX_RUN`]), if there are any.
pub async fn anchor_pending(relay: &Relay) -> Result<Option<AnchoredRun>, RelayError> {
    // One run at a time: two overlapping runs would anchor an entry twice.
    let _turn = relay.audit_turn.lock().await;
    let entries = relay.db.unanchored_reads(MAX_RUN).await?;
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(None);
    };
    let (first, last) = (first.seq, last.seq);
    let leaves: Vec<Hash32> = entries.iter().map(audit_leaf).collect();
    let root = merkle::root(&leaves).ok_or_else(|| RelayError::Internal("no leaves".into()))?;
    let count = u32::try_from(entries.len()).unwrap_or(MAX_RUN);
    let config = &relay.config;
    let written = config
        .relayer
        .anchor_audit_root(config.record_registry, root, first, count)
        .await?;
    relay
        .db
        .keep_audit_root(root, first, last, &written.tx_id.to_string(), unix_now())
        .await?;
    Ok(Some(AnchoredRun {
        root,
        first,
        count,
        tx_id: written.tx_id,
        gas_used: written.gas_used,
    }))
}

/// Anchors pending entries every `every`, for as long as the relay runs; a failed anchor is
/// logged and tried again at the next tick (the entries wait, nothing is lost).
pub async fn anchor_every(relay: RelayState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        match anchor_pending(&relay).await {
            Ok(Some(run)) => tracing::info!(
                root = %run.root, first = run.first, count = run.count, tx = %run.tx_id,
                "read log anchored"
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the read log could not be anchored; retrying later")
            }
        }
    }
}

/// The roots this relay anchored (under the address `/v1/network` names), oldest first: the ones
/// a patient's page checks her reads against (it cannot read the chain itself; the desktop
/// client reads the same log).
pub async fn roots(relay: &Relay) -> Result<Vec<AuditRoot>, RelayError> {
    let config = &relay.config;
    let this_relay = relay.network().relay;
    let roots = audit_roots_of(&config.rpc_url, config.record_registry, this_relay).await?;
    Ok(roots.into_iter().map(|(root, _)| root).collect())
}

/// The reads the signer may see, each with its proof once anchored: all reads of her records for
/// the patient; for anyone else, the reads they made of that patient's records.
pub async fn list(relay: &Relay, signed: Option<&str>) -> Result<Vec<AuditedRead>, RelayError> {
    let (fresh, request) = crate::records::accept(relay, signed, RelayAction::AuditList).await?;
    let reads = if fresh.signer == request.patient {
        relay.db.reads_about(Some(fresh.signer), None).await?
    } else {
        relay
            .db
            .reads_about(Some(request.patient), Some(fresh.signer))
            .await?
    };
    let mut trees: HashMap<Hash32, Vec<Hash32>> = HashMap::new();
    let mut out = Vec::with_capacity(reads.len());
    for (entry, root) in reads {
        let anchor = match root {
            None => None,
            Some(root) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = trees.entry(root) {
                    let under = relay.db.reads_under(root).await?;
                    slot.insert(under.iter().map(audit_leaf).collect());
                }
                let leaves = &trees[&root];
                let leaf = audit_leaf(&entry);
                let index = leaves.iter().position(|l| *l == leaf).ok_or_else(|| {
                    RelayError::Internal(format!("entry {} is not under its root", entry.seq))
                })?;
                merkle::proof(leaves, index).map(|proof| AuditAnchor { root, proof })
            }
        };
        out.push(AuditedRead { entry, anchor });
    }
    Ok(out)
}
