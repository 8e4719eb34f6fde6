//! The patient registry's event log read a window at a time, for an index that follows it
//! (the relay's H → patient look-up): registrations and key rotations between two blocks, in
//! chain order. Never a scan from block 0 on request.

use crate::bindings::PatientRegistry;
use crate::convert::{address, from_address, from_b256, from_tx};
use crate::error::Registry;
use crate::{ChainError, RpcUrl};
use caretrail_types::{Address, Hash32, TxId};

/// One event of the patient registry that moves H to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientEvent {
    Registered {
        patient: Address,
        record: Hash32,
        card_hash: Hash32,
        tx_id: TxId,
    },
    Rotated {
        from: Address,
        to: Address,
        record: Hash32,
    },
}

/// The chain's latest block number.
pub async fn latest_block(rpc: &RpcUrl) -> Result<u64, ChainError> {
    use alloy::providers::Provider as _;
    crate::send::reading(rpc)
        .get_block_number()
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))
}

/// The registrations and key rotations logged by `patients` in blocks `from..=to`, in chain
/// order.
pub async fn patient_events(
    rpc: &RpcUrl,
    patients: Address,
    from: u64,
    to: u64,
) -> Result<Vec<PatientEvent>, ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = PatientRegistry::new(address(patients), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Patients, e);
    let position = |log: &alloy::rpc::types::Log| {
        (
            log.block_number.unwrap_or_default(),
            log.log_index.unwrap_or_default(),
        )
    };
    let mut events = Vec::new();
    for (event, log) in contract
        .PatientRegistered_filter()
        .from_block(from)
        .to_block(to)
        .query()
        .await
        .map_err(fail)?
    {
        let tx = log
            .transaction_hash
            .ok_or_else(|| ChainError::Rpc("a log without its transaction".into()))?;
        events.push((
            position(&log),
            PatientEvent::Registered {
                patient: from_address(event.patient),
                record: from_b256(event.record),
                card_hash: from_b256(event.cardHash),
                tx_id: from_tx(tx),
            },
        ));
    }
    for (event, log) in contract
        .KeyRotated_filter()
        .from_block(from)
        .to_block(to)
        .query()
        .await
        .map_err(fail)?
    {
        events.push((
            position(&log),
            PatientEvent::Rotated {
                from: from_address(event.from),
                to: from_address(event.to),
                record: from_b256(event.record),
            },
        ));
    }
    events.sort_by_key(|(at, _)| *at);
    Ok(events.into_iter().map(|(_, event)| event).collect())
}
