//! The relay's index of who holds each H, followed from the patient registry's log: from the
//! deployment block, a window of blocks at a time, and afterwards only the blocks that are new
//! since the last look-up. Login asks it which key holds an H; no request makes the relay scan
//! the chain's history.

use crate::db::IndexedPatient;
use crate::{Relay, RelayError};
use caretrail_chain::{latest_block, patient_events};
use caretrail_types::Hash32;

/// Blocks read in one log query (public nodes cap a query's range; 10,000 is a common cap).
pub const WINDOW: u64 = 10_000;

/// Reads the log from where the index stopped to the chain's latest block.
pub async fn catch_up(relay: &Relay) -> Result<(), RelayError> {
    let _turn = relay.patient_index_turn.lock().await;
    let config = &relay.config;
    let latest = latest_block(&config.rpc_url).await?;
    let mut next = relay
        .db
        .patient_log_cursor()
        .await?
        .unwrap_or(config.patients_from_block);
    while next <= latest {
        let to = latest.min(next.saturating_add(WINDOW - 1));
        let events = patient_events(&config.rpc_url, config.patient_registry, next, to).await?;
        relay.db.index_patient_events(&events, to + 1).await?;
        next = to + 1;
    }
    Ok(())
}

/// Who holds H now, with the index brought up to the latest block first.
pub async fn holder_of(
    relay: &Relay,
    record: Hash32,
) -> Result<Option<IndexedPatient>, RelayError> {
    catch_up(relay).await?;
    Ok(relay.db.indexed_patient(record).await?)
}
