//! What the web page asks the relay because it cannot read the chain itself (the desktop client
//! and the CLI read the same things from the chain): plain reads of what is public on chain, so
//! they are not signed.

use crate::{Relay, RelayError};
use caretrail_chain::{consent_nonce, consents_of, find_anchor, health_organizations, participant};
use caretrail_types::{
    Address, Admission, ChainAnchor, ChainBatch, ChainClaim, ConsentEvent, Hash32, Participant,
    PolicyPublication,
};

/// The earliest anchor of record `id`, with its transaction (`None` until it is anchored).
pub async fn anchor_of(relay: &Relay, id: Hash32) -> Result<Option<ChainAnchor>, RelayError> {
    let config = &relay.config;
    let found = find_anchor(&config.rpc_url, config.record_registry, id).await?;
    Ok(found.map(|(anchor, tx_id)| ChainAnchor { anchor, tx_id }))
}

/// The batch `author` anchored under `root` (`None` when it anchored none).
pub async fn batch_of(
    relay: &Relay,
    author: Address,
    root: Hash32,
) -> Result<Option<ChainBatch>, RelayError> {
    let config = &relay.config;
    let found =
        caretrail_chain::batch_anchored(&config.rpc_url, config.record_registry, author, root)
            .await?;
    Ok(found.map(|(batch, tx_id)| ChainBatch {
        patient: batch.patient,
        count: batch.count,
        tx_id,
    }))
}

/// Every anchor of `patient`'s records, the earliest of each id, oldest first.
pub async fn anchors_of(relay: &Relay, patient: Address) -> Result<Vec<ChainAnchor>, RelayError> {
    let config = &relay.config;
    let anchors =
        caretrail_chain::anchors_of(&config.rpc_url, config.record_registry, patient).await?;
    Ok(anchors
        .into_iter()
        .map(|(anchor, tx_id, _)| ChainAnchor { anchor, tx_id })
        .collect())
}

/// Every claim on `patient`'s records, oldest first, with the insurer it names and the anchors of
/// its answers, oldest first: her bills, for the web page to read and check.
pub async fn claims_of(relay: &Relay, patient: Address) -> Result<Vec<ChainClaim>, RelayError> {
    let config = &relay.config;
    let claims =
        caretrail_chain::claims_of(&config.rpc_url, config.record_registry, patient).await?;
    Ok(claims
        .into_iter()
        .map(|(claim, tx_id, answers)| ChainClaim {
            insurer: claim.insurer,
            claim: ChainAnchor {
                anchor: claim.record,
                tx_id,
            },
            answers: answers
                .into_iter()
                .map(|answer| ChainAnchor {
                    anchor: answer.record,
                    tx_id: answer.tx_id,
                })
                .collect(),
        })
        .collect())
}

/// The policy version `patient`'s registration pinned, as published on chain (`None` when she is
/// not registered, or her registration pins no version the chain holds): what her bills are
/// computed against.
pub async fn pinned_policy_of(
    relay: &Relay,
    patient: Address,
) -> Result<Option<PolicyPublication>, RelayError> {
    let config = &relay.config;
    let pinned = caretrail_chain::pinned_publication(
        &config.rpc_url,
        config.patient_registry,
        config.policy_registry,
        patient,
    )
    .await?;
    Ok(pinned.ok())
}

/// The participant registered under `signer` (its status and encryption key), if any.
pub async fn participant_of(
    relay: &Relay,
    signer: Address,
) -> Result<Option<Participant>, RelayError> {
    let config = &relay.config;
    Ok(participant(&config.rpc_url, config.participant_registry, signer).await?)
}

/// The health organizations admitted now, by name: those a patient may check in at.
pub async fn admitted_health_organizations(relay: &Relay) -> Result<Vec<Admission>, RelayError> {
    let config = &relay.config;
    Ok(health_organizations(&config.rpc_url, config.participant_registry).await?)
}

/// The nonce `patient`'s next signed grant or revocation must carry.
pub async fn consent_nonce_of(relay: &Relay, patient: Address) -> Result<u64, RelayError> {
    let config = &relay.config;
    Ok(consent_nonce(&config.rpc_url, config.record_registry, patient).await?)
}

/// The consents `patient` granted and revoked, oldest first.
pub async fn consents_of_patient(
    relay: &Relay,
    patient: Address,
) -> Result<Vec<ConsentEvent>, RelayError> {
    let config = &relay.config;
    Ok(consents_of(&config.rpc_url, config.record_registry, patient).await?)
}

/// The recovery of the registration H (`record`) pending now, with the nonce its proposal took
/// (what the current key's cancellation signs), if one is.
pub async fn pending_recovery_of(
    relay: &Relay,
    record: Hash32,
) -> Result<Option<caretrail_types::PendingRecoveryState>, RelayError> {
    let config = &relay.config;
    let (rpc, patients) = (&config.rpc_url, config.patient_registry);
    let Some(pending) = caretrail_chain::pending_recovery_of_record(rpc, patients, record).await?
    else {
        return Ok(None);
    };
    let Some(cancellation) =
        caretrail_chain::cancellation(rpc, patients, pending.nid_commitment, 0).await?
    else {
        return Ok(None);
    };
    Ok(Some(caretrail_types::PendingRecoveryState {
        pending,
        nonce: cancellation.nonce,
    }))
}
