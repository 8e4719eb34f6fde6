//! A health organization's staff at the relay: the organization's signed revocations of staff
//! keys, kept ([`revoke`]); and a staff member's signed request with her certificate, answered
//! with who she is for the relay ([`check`]), or refused: another key's certificate, not the
//! organization's signature, another role, expired, an organization not admitted, a revoked
//! key. The decisions are `caretrail_protocol::staff`'s; this only gathers the facts.

use crate::records::accept;
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::participant;
use caretrail_crypto::staff::{StaffDomain, certificate_signer, revocation_signer};
use caretrail_protocol::staff::{Facts, check_revocation};
use caretrail_types::{
    Address, ErrorCode, Hash32, RelayAction, SignedStaffRevocation, StaffCheckRequest, StaffMember,
};
use sha2::{Digest as _, Sha256};

fn domain(relay: &Relay) -> StaffDomain {
    StaffDomain {
        chain_id: relay.config.chain_id,
        participants: relay.config.participant_registry,
    }
}

/// What the chain and this relay know about `organization` and its `staff` key.
async fn facts(relay: &Relay, organization: Address, staff: Address) -> Result<Facts, RelayError> {
    let config = &relay.config;
    Ok(Facts {
        organization: participant(&config.rpc_url, config.participant_registry, organization)
            .await?,
        revoked: relay.db.is_staff_revoked(organization, staff).await?,
    })
}

/// Keeps an organization's signed revocation of a staff key.
pub async fn revoke(relay: &Relay, signed: SignedStaffRevocation) -> Result<(), RelayError> {
    let r = &signed.revocation;
    let facts = facts(relay, r.organization, r.staff).await?;
    let now = unix_now();
    check_revocation(
        &signed,
        revocation_signer(domain(relay), &signed),
        &facts,
        now,
    )?;
    relay.db.revoke_staff(r.organization, r.staff, now).await?;
    tracing::info!(organization = %r.organization, staff = %r.staff, "staff key revoked");
    Ok(())
}

/// A staff member's signed request (`staff.check`, its `content` the body's SHA-256) with her
/// certificate: who she is, or the refusal.
pub async fn check(
    relay: &Relay,
    header: Option<&str>,
    body: &[u8],
) -> Result<StaffMember, RelayError> {
    member(relay, header, body, RelayAction::StaffCheck).await
}

/// The staff member a signed request for `action` comes from, with the certificate in its body
/// checked: hers, the organization's, the role she asks, unexpired, the organization admitted,
/// her key not revoked.
pub(crate) async fn member(
    relay: &Relay,
    header: Option<&str>,
    body: &[u8],
    action: RelayAction,
) -> Result<StaffMember, RelayError> {
    let (fresh, request) = accept(relay, header, action).await?;
    if request.content != Hash32(Sha256::digest(body).into()) {
        return Err(RelayError::refused(
            ErrorCode::ContentMismatch,
            "the request's body is not the one signed",
        ));
    }
    let asked: StaffCheckRequest = serde_json::from_slice(body)
        .map_err(|e| RelayError::BadRequest(format!("not a staff check: {e}")))?;
    let c = &asked.certificate.certificate;
    let facts = facts(relay, c.organization, c.staff).await?;
    Ok(caretrail_protocol::staff::check(
        &asked.certificate,
        certificate_signer(domain(relay), &asked.certificate),
        fresh.signer,
        asked.role,
        &facts,
        unix_now(),
    )?)
}

/// What the chain and this relay know about `organization` (and its `staff` key).
pub(crate) async fn organization_facts(
    relay: &Relay,
    organization: Address,
    staff: Address,
) -> Result<Facts, RelayError> {
    facts(relay, organization, staff).await
}

pub(crate) fn staff_domain(relay: &Relay) -> StaffDomain {
    domain(relay)
}
