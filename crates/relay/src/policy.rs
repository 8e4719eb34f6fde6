//! Policy publication as the relay does it: check the insurer's signed version (size, media type,
//! dates, canonical hash, signature), then pay for it on chain.

use crate::{RelayConfig, RelayError, unix_now};
use caretrail_chain::{is_admitted, read_policy_publication, verify_publish_request};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    ErrorCode, MAX_POLICY_DOCUMENT_BYTES, POLICY_EFFECTIVE_SKEW_SECS, ParticipantKind,
    PolicyPublication, PolicyVersion, PublishReceipt, PublishRequest, TxId,
};

/// Media types a policy document may have: structured FHIR/JSON, or a PDF.
const MEDIA_TYPES: &[&str] = &[
    "application/fhir+json",
    "application/json",
    "application/pdf",
];

/// The registry's rules on a version's dates that need no chain state, at `now` (unix seconds):
/// the signed deadline has not passed, and the version does not take effect more than
/// [`POLICY_EFFECTIVE_SKEW_SECS`] before now. (That it takes effect no earlier than the previous
/// version is the registry's to check.)
pub fn check_dates(version: &PolicyVersion, now: u64) -> Result<(), RelayError> {
    if now > version.deadline {
        return Err(RelayError::refused(
            ErrorCode::SignatureExpired,
            format!(
                "the signed version could be submitted until {}, and that has passed; sign it again",
                version.deadline
            ),
        ));
    }
    if version
        .effective_at
        .saturating_add(POLICY_EFFECTIVE_SKEW_SECS)
        < now
    {
        return Err(RelayError::BadRequest(format!(
            "the version takes effect at {}, more than {POLICY_EFFECTIVE_SKEW_SECS} seconds before \
             its publication now ({now}): a new version cannot change what a policy said before",
            version.effective_at
        )));
    }
    Ok(())
}

/// Checks a publish request without touching the chain, at `now` (unix seconds): size, media
/// type, dates, both hashes, a signature the contract will accept. Returns the insurer who signed
/// it.
pub fn check(
    config: &RelayConfig,
    request: &PublishRequest,
    now: u64,
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
    check_dates(&request.signed, now)?;
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
    let insurer = check(config, request, unix_now())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::Hash32;

    const NOW: u64 = 1_800_000_000;

    fn version(effective_at: u64, deadline: u64) -> PolicyVersion {
        PolicyVersion {
            policy_id: Hash32([1; 32]),
            version: 1,
            content_hash: Hash32([2; 32]),
            document_hash: Hash32([3; 32]),
            previous_hash: Hash32::ZERO,
            effective_at,
            media_type: "application/fhir+json".into(),
            deadline,
        }
    }

    #[test]
    fn a_version_is_sent_until_its_deadline_and_no_later() {
        assert!(check_dates(&version(NOW, NOW), NOW).is_ok());
        assert!(matches!(
            check_dates(&version(NOW, NOW - 1), NOW),
            Err(RelayError::Refused {
                code: ErrorCode::SignatureExpired,
                ..
            })
        ));
    }

    #[test]
    fn a_version_takes_effect_no_earlier_than_the_skew_before_now() {
        let deadline = NOW + 3600;
        let skew = POLICY_EFFECTIVE_SKEW_SECS;
        for effective in [NOW - skew, NOW, NOW + 86_400, u64::MAX] {
            let checked = check_dates(&version(effective, deadline), NOW);
            assert!(checked.is_ok(), "{effective}: {checked:?}");
        }
        for effective in [0, NOW - 86_400, NOW - skew - 1] {
            match check_dates(&version(effective, deadline), NOW) {
                Err(RelayError::BadRequest(message)) => {
                    assert!(message.contains("before its publication"), "{message}")
                }
                other => panic!("{effective} was not refused: {other:?}"),
            }
        }
    }
}
