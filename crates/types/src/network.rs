//! Which chain and contracts a relay works with, as it tells its clients.

use crate::Address;
use serde::{Deserialize, Serialize};

/// The relay's answer to "which network are you on": enough for a client to read the chain itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    pub chain_id: u64,
    /// JSON-RPC URL the client reads the chain from itself.
    pub rpc_url: String,
    pub policy_registry: Address,
    /// Where admission of health organizations and insurers is recorded.
    pub participant_registry: Address,
    /// Where patients are registered (H is checked here at login).
    pub patient_registry: Address,
    /// Where records are anchored and consents kept; the records API's requests are signed for
    /// it and this chain.
    pub record_registry: Address,
    /// The relay's own account: it pays for what it relays and anchors its read log's roots, so
    /// a patient checks her reads against roots this address anchored.
    pub relay: Address,
}
