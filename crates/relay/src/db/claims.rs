//! Claims filed for insurers, and whether each is answered.

use super::{Database, i64_of};
use caretrail_types::{Address, ClaimNotice, Hash32};

impl Database {
    /// Keeps a filed claim; `false` when it was filed before.
    pub async fn file_claim(&self, notice: &ClaimNotice) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO claims (claim_id, organization, insurer, patient, filed_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(notice.claim_id.to_string())
        .bind(notice.organization.to_string())
        .bind(notice.insurer.to_string())
        .bind(notice.patient.to_string())
        .bind(i64_of(notice.filed_at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The claims filed for `insurer` that it has not answered, oldest first.
    pub async fn open_claims(&self, insurer: Address) -> Result<Vec<ClaimNotice>, sqlx::Error> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT claim_id, organization, patient, filed_at FROM claims \
             WHERE insurer = ? AND answered_at IS NULL ORDER BY filed_at, claim_id",
        )
        .bind(insurer.to_string())
        .fetch_all(&self.pool)
        .await?;
        let bad = |e: caretrail_types::ParseHexError| sqlx::Error::Decode(Box::new(e));
        rows.into_iter()
            .map(|(claim_id, organization, patient, filed_at)| {
                Ok(ClaimNotice {
                    claim_id: claim_id.parse().map_err(bad)?,
                    organization: organization.parse().map_err(bad)?,
                    patient: patient.parse().map_err(bad)?,
                    insurer,
                    filed_at: filed_at.try_into().unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Marks claim `claim_id`, filed for `insurer`, answered at `now`.
    pub async fn answer_claim(
        &self,
        claim_id: Hash32,
        insurer: Address,
        now: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE claims SET answered_at = ? \
             WHERE claim_id = ? AND insurer = ? AND answered_at IS NULL",
        )
        .bind(i64_of(now))
        .bind(claim_id.to_string())
        .bind(insurer.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
