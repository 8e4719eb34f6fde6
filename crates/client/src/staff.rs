//! A health organization's staff (`caretrail_protocol::staff` is the flow): the organization's
//! workstation issues and revokes staff certificates with the organization's key; a staff
//! member's device shows the relay its certificate with a request her own key signs.

use crate::{Client, ClientError, SecretKey, unix_now};
use caretrail_crypto::staff::StaffDomain;
use caretrail_types::{
    Address, Hash32, NetworkInfo, RelayAction, SignedStaffCertificate, StaffCheckRequest,
    StaffMember, StaffRole,
};
use sha2::{Digest as _, Sha256};

fn domain(network: &NetworkInfo) -> StaffDomain {
    StaffDomain {
        chain_id: network.chain_id,
        participants: network.participant_registry,
    }
}

impl Client {
    /// The organization's key certifies `staff` as `role` until `valid_until`, for this
    /// client's network.
    pub async fn issue_staff_certificate(
        &self,
        organization: &SecretKey,
        staff: Address,
        role: StaffRole,
        valid_until: u64,
    ) -> Result<SignedStaffCertificate, ClientError> {
        let network = self.network().await?;
        caretrail_protocol::staff::issue(
            organization,
            domain(&network),
            staff,
            role,
            valid_until,
            unix_now(),
        )
        .map_err(ClientError::Refused)
    }

    /// The organization's key revokes every certificate it gave `staff`; the relay keeps it.
    pub async fn revoke_staff(
        &self,
        organization: &SecretKey,
        staff: Address,
    ) -> Result<(), ClientError> {
        let network = self.network().await?;
        let signed =
            caretrail_protocol::staff::revoke(organization, domain(&network), staff, unix_now());
        let _: serde_json::Value = self.relay.post("v1/staff/revocations", &signed).await?;
        Ok(())
    }

    /// Her key shows the relay the certificate she acts under as `role`: who she is for it.
    pub async fn staff_check(
        &self,
        key: &SecretKey,
        certificate: &SignedStaffCertificate,
        role: StaffRole,
    ) -> Result<StaffMember, ClientError> {
        let network = self.network().await?;
        let body = serde_json::to_vec(&StaffCheckRequest {
            certificate: *certificate,
            role,
        })
        .map_err(|e| {
            ClientError::Refused(caretrail_types::UiError::new(
                caretrail_types::ErrorCode::Internal,
                e.to_string(),
            ))
        })?;
        let signed = Self::sign(
            key,
            &network,
            RelayAction::StaffCheck,
            key.address(),
            Hash32::ZERO,
            Hash32(Sha256::digest(&body).into()),
        );
        self.relay
            .json(
                self.relay
                    .signed(reqwest::Method::POST, "v1/staff/check", &signed)?
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .await
    }
}
