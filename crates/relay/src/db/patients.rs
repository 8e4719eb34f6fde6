//! The index of the patient registry's log: who holds each H, and how far the log was read.

use super::{Database, i64_of, parsed};
use caretrail_chain::PatientEvent;
use caretrail_types::{Address, Hash32, TxId};

/// The cursor's name for the patient registry's log.
const LOG: &str = "patients";

/// An H as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedPatient {
    pub holder: Address,
    pub registered_tx: TxId,
    pub card_hash: Hash32,
}

impl Database {
    /// The next block of the patient registry's log to read, if any was read.
    pub async fn patient_log_cursor(&self) -> Result<Option<u64>, sqlx::Error> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT next_block FROM chain_cursors WHERE log = ?")
                .bind(LOG)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(n,)| n.try_into().unwrap_or_default()))
    }

    /// Applies the events of blocks up to `next_block - 1`, in chain order, and moves the cursor
    /// to `next_block`, all at once.
    pub async fn index_patient_events(
        &self,
        events: &[PatientEvent],
        next_block: u64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for event in events {
            match event {
                PatientEvent::Registered {
                    patient,
                    record,
                    card_hash,
                    tx_id,
                } => {
                    sqlx::query(
                        "INSERT OR IGNORE INTO patient_index \
                         (record, holder, registered_tx, card_hash) VALUES (?, ?, ?, ?)",
                    )
                    .bind(record.to_string())
                    .bind(patient.to_string())
                    .bind(tx_id.to_string())
                    .bind(card_hash.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                PatientEvent::Rotated { from, to, record } => {
                    sqlx::query(
                        "UPDATE patient_index SET holder = ? WHERE record = ? AND holder = ?",
                    )
                    .bind(to.to_string())
                    .bind(record.to_string())
                    .bind(from.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::query(
            "INSERT INTO chain_cursors (log, next_block) VALUES (?, ?) \
             ON CONFLICT (log) DO UPDATE SET next_block = excluded.next_block",
        )
        .bind(LOG)
        .bind(i64_of(next_block))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Who holds H now, as far as the log was read.
    pub async fn indexed_patient(
        &self,
        record: Hash32,
    ) -> Result<Option<IndexedPatient>, sqlx::Error> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT holder, registered_tx, card_hash FROM patient_index WHERE record = ?",
        )
        .bind(record.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(holder, tx, card_hash)| {
            Ok(IndexedPatient {
                holder: parsed(&holder)?,
                registered_tx: parsed(&tx)?,
                card_hash: parsed(&card_hash)?,
            })
        })
        .transpose()
    }
}
