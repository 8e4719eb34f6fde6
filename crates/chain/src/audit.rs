//! The relay's audit roots in the record registry: at intervals the relay anchors the Merkle root
//! of its new read-log entries, kept under the sending address, and a patient's app checks an
//! entry's proof against a root of the relay address it trusts. The leaves are built off chain;
//! the registry keeps roots only.

use std::collections::BTreeMap;

use alloy::providers::Provider as _;
use caretrail_types::{Address, Hash32, TxId};

use crate::bindings::RecordRegistry;
use crate::convert::{address, b256, from_address, from_b256, from_tx, log_position};
use crate::error::Registry;
use crate::records::Written;
use crate::{ChainError, PrivateKeySigner, Relayer, RpcUrl};

pub use caretrail_types::AuditRoot;

/// `relay` anchors the Merkle root of `count` entries of its read log from `first_entry` on.
pub async fn anchor_audit_root(
    rpc: &RpcUrl,
    relay: PrivateKeySigner,
    records: Address,
    root: Hash32,
    first_entry: u64,
    count: u32,
) -> Result<Written, ChainError> {
    Relayer::new(rpc, relay)
        .anchor_audit_root(records, root, first_entry, count)
        .await
}

impl Relayer {
    /// Anchors the Merkle root of `count` entries of this relayer's read log from `first_entry`
    /// on, taking its turn with the relayer's other sends.
    pub async fn anchor_audit_root(
        &self,
        records: Address,
        root: Hash32,
        first_entry: u64,
        count: u32,
    ) -> Result<Written, ChainError> {
        let c = RecordRegistry::new(address(records), self.provider());
        let call = c.anchorAuditRoot(b256(root), first_entry, count);
        Ok((&self.mined(Registry::Records, call).await?).into())
    }
}

/// The run `relay` anchored under `root`, if it did (another account's root is not the relay's).
pub async fn audit_root_of(
    rpc: &RpcUrl,
    records: Address,
    relay: Address,
    root: Hash32,
) -> Result<Option<AuditRoot>, ChainError> {
    let provider = crate::send::reading(rpc);
    let stored = RecordRegistry::new(address(records), &provider)
        .auditRootOf(address(relay), b256(root))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    Ok((stored.count != 0).then_some(AuditRoot {
        relay,
        root,
        first_entry: stored.firstEntry,
        count: stored.count,
        anchored_at: stored.anchoredAt,
    }))
}

/// Every root `relay` anchored, oldest first, each with its transaction (from the
/// `AuditRootAnchored` log; the time is its block's).
pub async fn audit_roots_of(
    rpc: &RpcUrl,
    records: Address,
    relay: Address,
) -> Result<Vec<(AuditRoot, TxId)>, ChainError> {
    let provider = crate::send::reading(rpc);
    let mut logs = RecordRegistry::new(address(records), &provider)
        .AuditRootAnchored_filter()
        .topic1(address(relay).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    logs.sort_by_key(|(_, log)| log_position(log));
    // Nodes that leave `blockTimestamp` out of logs are asked for the block, once per block.
    let mut times = BTreeMap::new();
    let mut roots = Vec::with_capacity(logs.len());
    for (event, log) in logs {
        let tx = log
            .transaction_hash
            .ok_or_else(|| ChainError::Rpc("a log without its transaction".into()))?;
        let anchored_at = match (log.block_timestamp, log.block_number) {
            (Some(time), _) => time,
            (None, Some(block)) => match times.get(&block) {
                Some(time) => *time,
                None => {
                    let header = provider
                        .get_block_by_number(block.into())
                        .await
                        .map_err(|e| ChainError::from_transport(rpc, e))?
                        .ok_or_else(|| ChainError::Rpc(format!("no block {block}")))?;
                    *times.entry(block).or_insert(header.header.timestamp)
                }
            },
            (None, None) => return Err(ChainError::Rpc("a log without its block".into())),
        };
        roots.push((
            AuditRoot {
                relay: from_address(event.relay),
                root: from_b256(event.root),
                first_entry: event.firstEntry,
                count: event.count,
                anchored_at,
            },
            from_tx(tx),
        ));
    }
    Ok(roots)
}
