//! The records the relay holds (what is public about them) and the nonces of signed requests.

use super::{Database, i64_of};
use caretrail_types::{Address, Hash32, StoredRecord};

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: String,
    patient: String,
    kind: String,
    author: String,
    body_hash: String,
    size: i64,
    stored_at: i64,
    submission: Option<String>,
    batch: Option<String>,
}

const COLUMNS: &str = "id, patient, kind, author, body_hash, size, stored_at, submission, batch";

fn json_column<T: serde::de::DeserializeOwned>(
    text: Option<String>,
) -> Result<Option<T>, sqlx::Error> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

fn json_text<T: serde::Serialize>(value: Option<&T>) -> Option<String> {
    // Plain fields and hex strings serialize without fail.
    value.map(|v| serde_json::to_string(v).unwrap_or_default())
}

impl RecordRow {
    fn parse(self) -> Result<StoredRecord, sqlx::Error> {
        let bad = |e: caretrail_types::ParseHexError| sqlx::Error::Decode(Box::new(e));
        Ok(StoredRecord {
            id: self.id.parse().map_err(bad)?,
            patient: self.patient.parse().map_err(bad)?,
            kind: self.kind.parse().map_err(bad)?,
            author: self.author.parse().map_err(bad)?,
            body_hash: self.body_hash.parse().map_err(bad)?,
            size: self.size.try_into().unwrap_or_default(),
            stored_at: self.stored_at.try_into().unwrap_or_default(),
            submission: json_column(self.submission)?,
            batch: json_column(self.batch)?,
        })
    }
}

impl Database {
    /// Uses a signed request's nonce: `false` when it was used before (a replay). Nonces past
    /// their request's deadline are pruned first, so the table holds only live ones.
    pub async fn use_nonce(
        &self,
        nonce: Hash32,
        keep_until: u64,
        now: u64,
    ) -> Result<bool, sqlx::Error> {
        sqlx::query("DELETE FROM request_nonces WHERE keep_until < ?")
            .bind(i64_of(now))
            .execute(&self.pool)
            .await?;
        let done =
            sqlx::query("INSERT OR IGNORE INTO request_nonces (nonce, keep_until) VALUES (?, ?)")
                .bind(nonce.to_string())
                .bind(i64_of(keep_until))
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps what is public about a stored record (a second call for the same id changes nothing).
    pub async fn keep_record(&self, record: &StoredRecord) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT OR IGNORE INTO records (id, patient, kind, author, body_hash, size, stored_at, \
             submission, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(record.id.to_string())
        .bind(record.patient.to_string())
        .bind(record.kind.to_string())
        .bind(record.author.to_string())
        .bind(record.body_hash.to_string())
        .bind(i64_of(record.size))
        .bind(i64_of(record.stored_at))
        .bind(json_text(record.submission.as_ref()))
        .bind(json_text(record.batch.as_ref()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn record(&self, id: Hash32) -> Result<Option<StoredRecord>, sqlx::Error> {
        let row: Option<RecordRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM records WHERE id = ?"))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(RecordRow::parse).transpose()
    }

    /// The records held for `patient`, oldest first.
    pub async fn records_of(&self, patient: Address) -> Result<Vec<StoredRecord>, sqlx::Error> {
        let rows: Vec<RecordRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM records WHERE patient = ? ORDER BY stored_at, id"
        ))
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RecordRow::parse).collect()
    }

    /// Keeps the proofs of a batch of records, all or none; `false` when one of them is in a
    /// batch already (told twice).
    pub async fn keep_batch(
        &self,
        proofs: &[(Hash32, caretrail_types::BatchProof)],
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for (id, proof) in proofs {
            let done = sqlx::query("UPDATE records SET batch = ? WHERE id = ? AND batch IS NULL")
                .bind(json_text(Some(proof)))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
