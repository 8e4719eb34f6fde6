//! A health organization's staff (`caretrail_protocol::staff` is the flow): the organization's
//! workstation issues and revokes staff certificates with the organization's key; a staff
//! member's device shows the relay its certificate with a request her own key signs.

use crate::{Client, ClientError, SecretKey, unix_now};
use caretrail_crypto::staff::StaffDomain;
use caretrail_types::{
    Address, ErrorCode, Hash32, NetworkInfo, RelayAction, SignedStaffCertificate,
    StaffCheckRequest, StaffMember, StaffRole, UiError, VisitAuthority,
};
use sha2::{Digest as _, Sha256};

pub(crate) fn domain(network: &NetworkInfo) -> StaffDomain {
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

impl Client {
    /// TKN_D: the organization's key assigns `staff` as `role` to the patient of `visit` (a visit
    /// it opened, as the chain holds it); the relay pushes it to her queue.
    pub async fn assign_visit(
        &self,
        organization: &SecretKey,
        visit: &caretrail_types::Visit,
        staff: Address,
        role: StaffRole,
    ) -> Result<caretrail_types::QueuedVisit, ClientError> {
        let network = self.network().await?;
        let signed = caretrail_protocol::staff::assign(
            organization,
            domain(&network),
            visit,
            staff,
            role,
            unix_now(),
        )
        .map_err(ClientError::Refused)?;
        self.relay.post("v1/visits/assignments", &signed).await
    }

    /// Her queue of assigned visits as the relay pushes them (the open ones first): a stream
    /// that ends when her certificate does or the relay goes.
    pub async fn staff_queue(
        &self,
        key: &SecretKey,
        certificate: &SignedStaffCertificate,
        role: StaffRole,
    ) -> Result<
        impl futures_util::Stream<Item = Result<caretrail_types::QueuedVisit, ClientError>>
        + Send
        + 'static,
        ClientError,
    > {
        let network = self.network().await?;
        let body = serde_json::to_vec(&StaffCheckRequest {
            certificate: *certificate,
            role,
        })
        .map_err(|e| internal(e.to_string()))?;
        let signed = Self::sign(
            key,
            &network,
            RelayAction::StaffQueue,
            key.address(),
            Hash32::ZERO,
            Hash32(Sha256::digest(&body).into()),
        );
        self.relay
            .events(
                self.relay
                    .signed(reqwest::Method::POST, "v1/staff/queue", &signed)?
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body),
                "assignment",
            )
            .await
    }
}

fn internal(message: String) -> ClientError {
    ClientError::Refused(caretrail_types::UiError::new(
        caretrail_types::ErrorCode::Internal,
        message,
    ))
}

impl Client {
    /// The visit `visit_id` that `organization` opened, as the chain holds it now.
    pub async fn visit(
        &self,
        organization: Address,
        visit_id: Hash32,
    ) -> Result<Option<caretrail_types::Visit>, ClientError> {
        let network = self.network().await?;
        let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
        Ok(
            caretrail_chain::visit_of(&rpc, network.record_registry, organization, visit_id)
                .await?,
        )
    }

    /// The visits `organization` opened that are still open at `now`, the newest first: those its
    /// billing desk may bill.
    pub async fn open_visits(
        &self,
        organization: Address,
        now: u64,
    ) -> Result<Vec<caretrail_types::Visit>, ClientError> {
        let network = self.network().await?;
        let rpc = caretrail_chain::rpc_url(&network.rpc_url)?;
        let mut open: Vec<_> =
            caretrail_chain::visits_opened_by(&rpc, network.record_registry, organization)
                .await?
                .into_iter()
                .filter(|v| v.expires_at > now)
                .collect();
        open.reverse();
        Ok(open)
    }
}

impl Client {
    /// Her open assignment to `visit_id` as `role`, with her certificate: the authority she
    /// writes under. Found at the start of her queue (the open ones come first, at once); none
    /// within `wait` is `not_assigned`.
    pub async fn assignment_to(
        &self,
        key: &SecretKey,
        certificate: &SignedStaffCertificate,
        role: StaffRole,
        visit_id: Hash32,
        wait: std::time::Duration,
    ) -> Result<VisitAuthority, ClientError> {
        use futures_util::StreamExt as _;
        let queue = self.staff_queue(key, certificate, role).await?;
        let mut queue = std::pin::pin!(queue);
        let found = tokio::time::timeout(wait, async {
            while let Some(queued) = queue.next().await {
                let queued = queued?;
                if queued.assignment.assignment.visit_id == visit_id {
                    return Ok(Some(queued.assignment));
                }
            }
            Ok::<_, ClientError>(None)
        })
        .await
        .unwrap_or(Ok(None))?;
        let assignment = found.ok_or_else(|| {
            ClientError::Refused(UiError::new(
                ErrorCode::NotAssigned,
                format!(
                    "{} has no open assignment to visit {visit_id} as {}",
                    key.address(),
                    role.name()
                ),
            ))
        })?;
        Ok(VisitAuthority {
            certificate: *certificate,
            assignment,
        })
    }
}
