//! Policy publication as the relay does it: check the insurer's signed version (size, media type,
//! canonical hash, signature), then pay for it on chain.

use crate::{RelayConfig, RelayError};
use caretrail_chain::{is_admitted, read_policy_publication, verify_publish_request};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    MAX_POLICY_DOCUMENT_BYTES, ParticipantKind, PolicyPublication, PublishReceipt, PublishRequest,
    TxId,
};

/// Media types a policy document may have: structured FHIR/JSON, or a PDF.
const MEDIA_TYPES: &[&str] = &[
    "application/fhir+json",
    "application/json",
    "application/pdf",
];

/// Checks a publish request without touching the chain: size, media type, both hashes, a
/// signature the contract will accept. Returns the insurer who signed it.
pub fn check(
    config: &RelayConfig,
    request: &PublishRequest,
) -> Result<caretrail_types::Address, RelayError> {
    if request.document.is_empty() {
        return Err(RelayError::BadRequest(
            "the policy document is empty".into(),
        ));
    }
    if request.document.len() > MAX_POLICY_DOCUMENT_BYTES {
        return Err(RelayError::TooLarge {
            size: request.document.len(),
            max: MAX_POLICY_DOCUMENT_BYTES,
        });
    }
    if !MEDIA_TYPES.contains(&request.signed.media_type.as_str()) {
        return Err(RelayError::BadRequest(format!(
            "media type {:?} is not accepted; use one of {}",
            request.signed.media_type,
            MEDIA_TYPES.join(", ")
        )));
    }
    let sent = document_hash(&request.document);
    if sent != request.signed.document_hash {
        return Err(RelayError::HashMismatch(format!(
            "the document sent (keccak {sent}) is not the one signed (keccak {})",
            request.signed.document_hash
        )));
    }
    let computed = content_hash(&request.signed.media_type, &request.document)
        .map_err(|e| RelayError::BadRequest(e.to_string()))?;
    if computed != request.signed.content_hash {
        return Err(RelayError::HashMismatch(format!(
            "the document hashes to {computed}, but the signed version says {}",
            request.signed.content_hash
        )));
    }
    Ok(verify_publish_request(
        config.chain_id,
        config.policy_registry,
        request,
    )?)
}

/// Checks an insurer's signed policy version, asks the participant registry whether the insurer
/// is admitted, and publishes it; returns once it is mined.
pub async fn publish(
    config: &RelayConfig,
    request: &PublishRequest,
) -> Result<PublishReceipt, RelayError> {
    let insurer = check(config, request)?;
    let admitted = is_admitted(
        &config.rpc_url,
        config.participant_registry,
        insurer,
        ParticipantKind::Insurer,
    )
    .await?;
    if !admitted {
        return Err(RelayError::NotAdmitted(insurer));
    }
    tracing::info!(%insurer, version = request.signed.version, "publishing policy version");
    Ok(config
        .relayer
        .publish_policy(config.policy_registry, request)
        .await?)
}

/// The publication made by `tx_id`, as the chain holds it (for the web UI, which checks it itself).
pub async fn publication(
    config: &RelayConfig,
    tx_id: &str,
) -> Result<PolicyPublication, RelayError> {
    let tx = TxId::from_input(tx_id).map_err(|e| RelayError::BadRequest(e.to_string()))?;
    Ok(read_policy_publication(&config.rpc_url, config.policy_registry, tx).await?)
}
