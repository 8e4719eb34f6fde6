//! Claims filed for insurers, their last answer uploaded, and whether that answer is anchored
//! (the claim answered).

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

    /// The claims filed for `insurer` not yet answered, oldest first, each with the last answer
    /// it uploaded, if any (which may be anchored since).
    pub async fn open_claims(
        &self,
        insurer: Address,
    ) -> Result<Vec<(ClaimNotice, Option<Hash32>)>, sqlx::Error> {
        let rows: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT claim_id, organization, patient, filed_at, answer_id FROM claims \
             WHERE insurer = ? AND answered_at IS NULL ORDER BY filed_at, claim_id",
        )
        .bind(insurer.to_string())
        .fetch_all(&self.pool)
        .await?;
        let bad = |e: caretrail_types::ParseHexError| sqlx::Error::Decode(Box::new(e));
        rows.into_iter()
            .map(|(claim_id, organization, patient, filed_at, answer_id)| {
                let notice = ClaimNotice {
                    claim_id: claim_id.parse().map_err(bad)?,
                    organization: organization.parse().map_err(bad)?,
                    patient: patient.parse().map_err(bad)?,
                    insurer,
                    filed_at: filed_at.try_into().unwrap_or_default(),
                };
                let answer = answer_id.map(|a| a.parse().map_err(bad)).transpose()?;
                Ok((notice, answer))
            })
            .collect()
    }

    /// Keeps `answer` as the last answer `insurer` uploaded to its claim `claim_id` (not yet
    /// answered: the answer is not known to be anchored).
    pub async fn keep_last_answer(
        &self,
        claim_id: Hash32,
        insurer: Address,
        answer: Hash32,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE claims SET answer_id = ? \
             WHERE claim_id = ? AND insurer = ? AND answered_at IS NULL",
        )
        .bind(answer.to_string())
        .bind(claim_id.to_string())
        .bind(insurer.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks claim `claim_id`, filed for `insurer`, answered at `now` (its last answer seen
    /// anchored).
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
