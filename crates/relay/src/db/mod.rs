//! The relay's database (SQLite through sqlx): evidence of policy mismatches, finished
//! registrations, login challenges, failed logins and sessions; the records it holds, the nonces
//! of signed requests and the read log (`records.rs`, `audit.rs`). Migrations in `migrations/`.

mod audit;
mod claims;
mod patients;
mod records;
mod staff;

pub use patients::IndexedPatient;

use caretrail_types::{Address, Hash32};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::Path;

/// Evidence that an insurer's copy of a policy differed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMismatch {
    pub at: u64,
    pub insurer: Address,
    pub insurer_name: String,
    pub policy_id: Hash32,
    pub chain_version: u64,
    pub patient_hash: Hash32,
    pub insurer_hash: Hash32,
    pub chain_hash: Hash32,
    pub insurer_document: Vec<u8>,
    pub media_type: String,
}

#[derive(sqlx::FromRow)]
struct MismatchRow {
    at: i64,
    insurer: String,
    insurer_name: String,
    policy_id: String,
    chain_version: i64,
    patient_hash: String,
    insurer_hash: String,
    chain_hash: String,
    insurer_document: Vec<u8>,
    media_type: String,
}

fn parsed<T: std::str::FromStr>(text: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

impl MismatchRow {
    fn parse(self) -> Result<PolicyMismatch, sqlx::Error> {
        Ok(PolicyMismatch {
            at: self.at.try_into().unwrap_or_default(),
            insurer: parsed(&self.insurer)?,
            insurer_name: self.insurer_name,
            policy_id: parsed(&self.policy_id)?,
            chain_version: self.chain_version.try_into().unwrap_or_default(),
            patient_hash: parsed(&self.patient_hash)?,
            insurer_hash: parsed(&self.insurer_hash)?,
            chain_hash: parsed(&self.chain_hash)?,
            insurer_document: self.insurer_document,
            media_type: self.media_type,
        })
    }
}

/// What became of a login challenge that was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeUse {
    /// Fresh: now used.
    Fresh,
    Unknown,
    AlreadyUsed,
    Expired {
        at: u64,
    },
}

#[derive(Debug, Clone)]
pub struct Database {
    pool: SqlitePool,
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Database {
    /// Opens (creating it if needed) the database at `path`, or a private in-memory one.
    pub async fn open(path: Option<&Path>) -> Result<Self, sqlx::Error> {
        if let Some(path) = path {
            // Readable by the relay's user alone; SQLite gives its journal files the same mode.
            caretrail_fs::touch(path).map_err(sqlx::Error::Io)?;
        }
        let (options, connections) = match path {
            Some(path) => (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
                4,
            ),
            // One connection: each in-memory connection is its own database.
            None => (SqliteConnectOptions::new().in_memory(true), 1),
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn record_mismatch(&self, m: &PolicyMismatch) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO policy_mismatches (at, insurer, insurer_name, policy_id, chain_version, \
             patient_hash, insurer_hash, chain_hash, insurer_document, media_type) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(i64_of(m.at))
        .bind(m.insurer.to_string())
        .bind(&m.insurer_name)
        .bind(m.policy_id.to_string())
        .bind(i64_of(m.chain_version))
        .bind(m.patient_hash.to_string())
        .bind(m.insurer_hash.to_string())
        .bind(m.chain_hash.to_string())
        .bind(&m.insurer_document)
        .bind(&m.media_type)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The evidence kept, oldest first.
    pub async fn mismatches(&self) -> Result<Vec<PolicyMismatch>, sqlx::Error> {
        let rows: Vec<MismatchRow> = sqlx::query_as(
            "SELECT at, insurer, insurer_name, policy_id, chain_version, patient_hash, \
             insurer_hash, chain_hash, insurer_document, media_type \
             FROM policy_mismatches ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(MismatchRow::parse).collect()
    }

    pub async fn record_registration(
        &self,
        patient: Address,
        record: Hash32,
        tx_id: &str,
        ticket_json: &str,
        at: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT OR REPLACE INTO registrations (patient, record, tx_id, ticket, at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(patient.to_string())
        .bind(record.to_string())
        .bind(tx_id)
        .bind(ticket_json)
        .bind(i64_of(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The registration the relay finished for `patient`: H, the transaction, and its signed
    /// ticket (JSON).
    pub async fn registration_of(
        &self,
        patient: Address,
    ) -> Result<Option<(String, String, String)>, sqlx::Error> {
        sqlx::query_as("SELECT record, tx_id, ticket FROM registrations WHERE patient = ?")
            .bind(patient.to_string())
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn registration_count(&self) -> Result<u64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM registrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.try_into().unwrap_or_default())
    }

    /// Keeps a new challenge unless `max_open` unused, unexpired ones are waiting already: then
    /// it answers `false` and keeps nothing.
    pub async fn issue_challenge(
        &self,
        challenge: Hash32,
        expires_at: u64,
        now: u64,
        max_open: u64,
    ) -> Result<bool, sqlx::Error> {
        // Challenges an hour past their expiry are of no further use (until then, a late one is
        // told it expired rather than that it is unknown); keep the table small.
        sqlx::query("DELETE FROM login_challenges WHERE expires_at < ?")
            .bind(i64_of(now.saturating_sub(3600)))
            .execute(&self.pool)
            .await?;
        let kept = sqlx::query(
            "INSERT INTO login_challenges (challenge, expires_at) SELECT ?, ? \
             WHERE (SELECT COUNT(*) FROM login_challenges \
                    WHERE used_at IS NULL AND expires_at >= ?) < ?",
        )
        .bind(challenge.to_string())
        .bind(i64_of(expires_at))
        .bind(i64_of(now))
        .bind(i64_of(max_open))
        .execute(&self.pool)
        .await?;
        Ok(kept.rows_affected() == 1)
    }

    /// Uses a challenge once: atomically marks it used if it is known, unused and unexpired.
    pub async fn use_challenge(
        &self,
        challenge: Hash32,
        now: u64,
    ) -> Result<ChallengeUse, sqlx::Error> {
        let key = challenge.to_string();
        let used = sqlx::query(
            "UPDATE login_challenges SET used_at = ? \
             WHERE challenge = ? AND used_at IS NULL AND expires_at >= ?",
        )
        .bind(i64_of(now))
        .bind(&key)
        .bind(i64_of(now))
        .execute(&self.pool)
        .await?;
        if used.rows_affected() == 1 {
            return Ok(ChallengeUse::Fresh);
        }
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT expires_at, used_at FROM login_challenges WHERE challenge = ?")
                .bind(&key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            None => ChallengeUse::Unknown,
            Some((_, Some(_))) => ChallengeUse::AlreadyUsed,
            Some((expires_at, None)) => ChallengeUse::Expired {
                at: expires_at.try_into().unwrap_or_default(),
            },
        })
    }

    /// Records a failed login of `subject`, and forgets failures older than `forget_before`
    /// (they no longer count towards a lockout).
    pub async fn record_failure(
        &self,
        subject: &str,
        now: u64,
        forget_before: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE at < ?")
            .bind(i64_of(forget_before))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO login_failures (subject, at) VALUES (?, ?)")
            .bind(subject)
            .bind(i64_of(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The failures of `subject` since `since`, oldest first (their times).
    pub async fn failures_since(&self, subject: &str, since: u64) -> Result<Vec<u64>, sqlx::Error> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT at FROM login_failures WHERE subject = ? AND at >= ? ORDER BY at",
        )
        .bind(subject)
        .bind(i64_of(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at,)| at.try_into().unwrap_or_default())
            .collect())
    }

    pub async fn clear_failures(&self, subject: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE subject = ?")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens a session, forgets expired ones, and keeps at most `keep` live sessions per
    /// patient (her oldest end first).
    pub async fn open_session(
        &self,
        token_hash: &str,
        patient: Address,
        record: Hash32,
        expires_at: u64,
        now: u64,
        keep: u32,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < ?")
            .bind(i64_of(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, patient, record, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(patient.to_string())
        .bind(record.to_string())
        .bind(i64_of(expires_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE patient = ?1 AND token_hash NOT IN \
             (SELECT token_hash FROM sessions WHERE patient = ?1 \
              ORDER BY expires_at DESC, rowid DESC LIMIT ?2)",
        )
        .bind(patient.to_string())
        .bind(i64::from(keep))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The live sessions of `patient` at `now` (their token hashes).
    pub async fn sessions_of(
        &self,
        patient: Address,
        now: u64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT token_hash FROM sessions WHERE patient = ? AND expires_at >= ? \
             ORDER BY expires_at, rowid",
        )
        .bind(patient.to_string())
        .bind(i64_of(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// How many sessions are kept (live or not yet pruned).
    pub async fn session_count(&self) -> Result<u64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.try_into().unwrap_or_default())
    }
}
