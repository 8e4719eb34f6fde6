//! Conversions between alloy's primitives and the wire types of `caretrail-types`.

use alloy::primitives::{Address as AlloyAddress, B256};
use alloy::sol_types::{Eip712Domain, eip712_domain};
use caretrail_types::{Address, Hash32, TxId};

pub fn address(a: Address) -> AlloyAddress {
    AlloyAddress::from(a.0)
}

pub fn from_address(a: AlloyAddress) -> Address {
    Address(a.into_array())
}

pub fn b256(h: Hash32) -> B256 {
    B256::from(h.0)
}

pub fn from_b256(h: B256) -> Hash32 {
    Hash32(h.0)
}

pub fn tx(t: TxId) -> B256 {
    B256::from(t.0)
}

pub fn from_tx(h: B256) -> TxId {
    TxId(h.0)
}

/// Where a log sits in the chain: its block, then its index in the block.
pub fn log_position(log: &alloy::rpc::types::Log) -> (u64, u64) {
    (
        log.block_number.unwrap_or_default(),
        log.log_index.unwrap_or_default(),
    )
}

/// Events of several kinds, each with its `log_position`, put in chain order.
pub fn in_chain_order<T>(mut events: Vec<((u64, u64), T)>) -> Vec<T> {
    events.sort_by_key(|(position, _)| *position);
    events.into_iter().map(|(_, event)| event).collect()
}

/// The EIP-712 domain `name`, version 1, of the contract at `contract` on `chain_id`: what the
/// signatures that contract checks are made under.
pub fn domain(name: &'static str, chain_id: u64, contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: name,
        version: "1",
        chain_id: chain_id,
        verifying_contract: address(contract),
    }
}
