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
