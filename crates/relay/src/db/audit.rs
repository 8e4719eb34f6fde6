//! The read log: every read the relay served, numbered from 0, and the roots it anchored.

use super::{Database, i64_of};
use caretrail_types::{Address, AuditEntry, Hash32, ReadGround};

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    reader: String,
    patient: String,
    record: String,
    ground: String,
    at: i64,
    root: Option<String>,
}

impl EntryRow {
    fn parse(self) -> Result<(AuditEntry, Option<Hash32>), sqlx::Error> {
        let bad = |e: caretrail_types::ParseHexError| sqlx::Error::Decode(Box::new(e));
        let ground = ReadGround::parse(&self.ground)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown ground {}", self.ground).into()))?;
        Ok((
            AuditEntry {
                seq: self.seq.try_into().unwrap_or_default(),
                reader: self.reader.parse().map_err(bad)?,
                patient: self.patient.parse().map_err(bad)?,
                record: self.record.parse().map_err(bad)?,
                ground,
                at: self.at.try_into().unwrap_or_default(),
            },
            self.root.map(|r| r.parse().map_err(bad)).transpose()?,
        ))
    }
}

const ENTRY: &str = "SELECT seq, reader, patient, record, ground, at, root FROM audit_log";

impl Database {
    /// Logs a read; the entry takes the next number.
    pub async fn log_read(
        &self,
        reader: Address,
        patient: Address,
        record: Hash32,
        ground: ReadGround,
        at: u64,
    ) -> Result<AuditEntry, sqlx::Error> {
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO audit_log (seq, reader, patient, record, ground, at) \
             SELECT COALESCE(MAX(seq) + 1, 0), ?, ?, ?, ?, ? FROM audit_log RETURNING seq",
        )
        .bind(reader.to_string())
        .bind(patient.to_string())
        .bind(record.to_string())
        .bind(ground.as_str())
        .bind(i64_of(at))
        .fetch_one(&self.pool)
        .await?;
        Ok(AuditEntry {
            seq: seq.try_into().unwrap_or_default(),
            reader,
            patient,
            record,
            ground,
            at,
        })
    }

    /// The entries under no anchored root yet, oldest first, at most `limit`.
    pub async fn unanchored_reads(&self, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows: Vec<EntryRow> =
            sqlx::query_as(&format!("{ENTRY} WHERE root IS NULL ORDER BY seq LIMIT ?"))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|r| r.parse().map(|(e, _)| e))
            .collect()
    }

    /// Records that entries `first ..= last` are under `root`, anchored by `tx_id`.
    pub async fn keep_audit_root(
        &self,
        root: Hash32,
        first: u64,
        last: u64,
        tx_id: &str,
        at: u64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO audit_roots (root, first, count, tx_id, at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(root.to_string())
        .bind(i64_of(first))
        .bind(i64_of(last - first + 1))
        .bind(tx_id)
        .bind(i64_of(at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE audit_log SET root = ? WHERE seq BETWEEN ? AND ?")
            .bind(root.to_string())
            .bind(i64_of(first))
            .bind(i64_of(last))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The reads of `patient`'s records, or the reads `reader` made, oldest first, each with the
    /// root it is under.
    pub async fn reads_about(
        &self,
        patient: Option<Address>,
        reader: Option<Address>,
    ) -> Result<Vec<(AuditEntry, Option<Hash32>)>, sqlx::Error> {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "{ENTRY} WHERE (?1 IS NULL OR patient = ?1) AND (?2 IS NULL OR reader = ?2) ORDER BY seq"
        ))
        .bind(patient.map(|a| a.to_string()))
        .bind(reader.map(|a| a.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(EntryRow::parse).collect()
    }

    /// Every entry under `root`, in order (to build an entry's proof).
    pub async fn reads_under(&self, root: Hash32) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!("{ENTRY} WHERE root = ? ORDER BY seq"))
            .bind(root.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| r.parse().map(|(e, _)| e))
            .collect()
    }
}
