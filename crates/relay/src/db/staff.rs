//! The staff keys their organizations revoked.

use super::{Database, i64_of};
use caretrail_types::Address;

impl Database {
    /// Keeps that `organization` revoked `staff` (a second revocation keeps the first time).
    pub async fn revoke_staff(
        &self,
        organization: Address,
        staff: Address,
        at: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT OR IGNORE INTO staff_revocations (organization, staff, revoked_at) VALUES (?, ?, ?)",
        )
        .bind(organization.to_string())
        .bind(staff.to_string())
        .bind(i64_of(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether `organization` revoked `staff`.
    pub async fn is_staff_revoked(
        &self,
        organization: Address,
        staff: Address,
    ) -> Result<bool, sqlx::Error> {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT revoked_at FROM staff_revocations WHERE organization = ? AND staff = ?",
        )
        .bind(organization.to_string())
        .bind(staff.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}

impl Database {
    /// Keeps an assignment (a second one of the same visit to the same staff member replaces
    /// the first); assignments past their end are pruned first.
    pub async fn keep_assignment(
        &self,
        queued: &caretrail_types::QueuedVisit,
        now: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM visit_assignments WHERE expires_at <= ?")
            .bind(i64_of(now))
            .execute(&self.pool)
            .await?;
        let a = &queued.assignment.assignment;
        let signed = serde_json::to_string(&queued.assignment)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT OR REPLACE INTO visit_assignments \
             (organization, visit_id, staff, expires_at, assigned_at, signed) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(a.organization.to_string())
        .bind(a.visit_id.to_string())
        .bind(a.staff.to_string())
        .bind(i64_of(a.expires_at))
        .bind(i64_of(queued.assigned_at))
        .bind(signed)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The assignments of `staff` still open at `now`, oldest first.
    pub async fn open_assignments(
        &self,
        staff: Address,
        now: u64,
    ) -> Result<Vec<caretrail_types::QueuedVisit>, sqlx::Error> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT signed, assigned_at FROM visit_assignments \
             WHERE staff = ? AND expires_at > ? ORDER BY assigned_at",
        )
        .bind(staff.to_string())
        .bind(i64_of(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(signed, assigned_at)| {
                Ok(caretrail_types::QueuedVisit {
                    assignment: serde_json::from_str(&signed)
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    assigned_at: assigned_at.try_into().unwrap_or_default(),
                })
            })
            .collect()
    }
}
