//! What the relay sends on chain for a patient who signed it and holds no ether: the anchor of a
//! record of hers it holds (`anchorOwnRecordBySig`), a consent to an admitted participant
//! (`grantAccessBySig`) and its revocation (`revokeAccessBySig`). Each signature is checked
//! before any gas is spent.

use crate::records::held;
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::{consent_grant_signer, consent_revocation_signer, participant};
use caretrail_crypto::record::{own_anchor_signer, record_id};
use caretrail_types::{
    ConsentGrantRequest, ConsentRevocationRequest, ErrorCode, OwnAnchorRequest, ParticipantStatus,
    RecordAnchor, Relayed,
};

fn refused(code: ErrorCode, message: impl Into<String>) -> RelayError {
    RelayError::refused(code, message)
}

/// Sends the patient's signed anchor of a record the relay holds (the relay pays).
pub async fn anchor_own(
    relay: &Relay,
    request: OwnAnchorRequest,
) -> Result<(RecordAnchor, Relayed), RelayError> {
    let config = &relay.config;
    let anchor = &request.anchor;
    match own_anchor_signer(
        config.chain_id,
        config.record_registry,
        anchor,
        &request.signature,
    ) {
        Ok(signer) if signer == anchor.patient => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!("the anchor is not signed by its patient {}", anchor.patient),
            ));
        }
    }
    if anchor.deadline <= unix_now() {
        return Err(refused(
            ErrorCode::SignatureExpired,
            "the anchor's signature has expired; sign it again",
        ));
    }
    let id = record_id(anchor.patient, anchor.kind, anchor.ciphertext_hash);
    held(relay, id).await?;
    let (anchored, written) = config
        .relayer
        .anchor_own_record_by_sig(config.record_registry, anchor, &request.signature)
        .await?;
    Ok((
        anchored,
        Relayed {
            tx_id: written.tx_id,
            gas_used: written.gas_used,
        },
    ))
}

/// Sends the patient's signed grant, once the grantee is an admitted participant.
pub async fn grant(relay: &Relay, request: ConsentGrantRequest) -> Result<Relayed, RelayError> {
    let config = &relay.config;
    let grant = &request.grant;
    match consent_grant_signer(
        config.chain_id,
        config.record_registry,
        grant,
        &request.signature,
    ) {
        Ok(signer) if signer == grant.patient => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!("the grant is not signed by its patient {}", grant.patient),
            ));
        }
    }
    let admitted = participant(&config.rpc_url, config.participant_registry, grant.grantee)
        .await?
        .is_some_and(|p| p.status == ParticipantStatus::Admitted);
    if !admitted {
        return Err(refused(
            ErrorCode::NotAdmitted,
            format!(
                "{} is not an admitted participant: access is granted to admitted ones only",
                grant.grantee
            ),
        ));
    }
    let written = config
        .relayer
        .grant_access_by_sig(config.record_registry, grant, &request.signature)
        .await?;
    Ok(Relayed {
        tx_id: written.tx_id,
        gas_used: written.gas_used,
    })
}

/// Sends the patient's signed revocation.
pub async fn revoke(
    relay: &Relay,
    request: ConsentRevocationRequest,
) -> Result<Relayed, RelayError> {
    let config = &relay.config;
    let revocation = &request.revocation;
    match consent_revocation_signer(
        config.chain_id,
        config.record_registry,
        revocation,
        &request.signature,
    ) {
        Ok(signer) if signer == revocation.patient => {}
        _ => {
            return Err(refused(
                ErrorCode::BadSignature,
                format!(
                    "the revocation is not signed by its patient {}",
                    revocation.patient
                ),
            ));
        }
    }
    let written = config
        .relayer
        .revoke_access_by_sig(config.record_registry, revocation, &request.signature)
        .await?;
    Ok(Relayed {
        tx_id: written.tx_id,
        gas_used: written.gas_used,
    })
}
