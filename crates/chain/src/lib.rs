//! Caretrail's contracts reached over alloy: bindings generated from the committed artifacts in
//! `contracts/artifacts/`, typed calls that speak the domain types of `caretrail-types`, and a
//! local anvil node for development and tests.

mod audit;
mod bindings;
mod claims;
mod consents;
mod convert;
mod error;
pub mod local;
mod participants;
mod patient_log;
mod patients;
mod policy;
mod records;
mod recovery;
mod send;
pub use send::transfer;

pub use alloy::signers::local::PrivateKeySigner;
pub use audit::{AuditRoot, anchor_audit_root, audit_root_of, audit_roots_of};
pub use bindings::{
    ParticipantRegistry, PatientRegistry, PolicyRegistry, RecordRegistry, contracts_version,
};
pub use claims::{
    CLAIM_KIND_NAME, CLAIM_RESPONSE_KIND_NAME, Claim, ClaimAnswer, anchor_claim,
    anchor_claim_response, answers_anchored_by, claim_answers, claim_insurer, claim_kind, claim_of,
    claim_response_kind, claims_of,
};
pub use consents::{
    ConsentGrant, ConsentRevocation, consent_grant_signer, consent_nonce,
    consent_revocation_signer, consents_of, grant_access, grant_access_by_sig, has_access,
    revoke_access, revoke_access_by_sig, sign_consent_grant, sign_consent_revocation,
};
pub use error::{ChainError, Refusal, Registry};
pub use participants::{
    admission_of, admit, deploy_registries, grant_verifier, health_organizations, is_admitted,
    is_verifier, licence_holder, participant, participant_events, set_status,
};
pub use patient_log::{PatientEvent, latest_block, patient_events};
pub use patients::{
    PinnedPolicy, RegistrationRecord, enrolment_of, enrolment_signer, is_nid_registered,
    is_registered, key_rotation, patient_of, record_of, register_patient, registration_of,
    rotate_key, sign_enrolment, sign_key_rotation,
};
pub use policy::{
    NotPinned, Relayer, pinned_publication, policy_head, policy_version, publish_own_policy,
    read_policy_publication, sign_policy_version, verify_publish_request,
};
pub use records::{
    Batch, Written, anchor_batch, anchor_own_batch, anchor_own_record, anchor_record, anchored_in,
    anchors_of, batch_anchored, batch_of, close_visit, find_anchor, open_visit, record_id_of,
    record_kind, record_leaf, sign_visit_token, verify_record_in_batch, visit_of, visit_opening,
    visits_of, visits_opened_by,
};
pub use recovery::{
    cancel_recovery, cancel_recovery_by_sig, cancellation, execute_recovery, holder_of_nid,
    pending_recovery, pending_recovery_of_record, propose_recovery, recovery, sign_recovery,
};

use alloy::providers::Provider;
use caretrail_types::Address;

/// The domain key of an alloy signer (a `PrivateKeySigner` always holds a valid key).
pub fn secret_key(signer: &PrivateKeySigner) -> caretrail_crypto::SecretKey {
    caretrail_crypto::SecretKey::from_bytes(&signer.to_bytes().0)
        .expect("a PrivateKeySigner holds a valid secp256k1 key")
}

/// A JSON-RPC endpoint, parsed.
pub type RpcUrl = alloy::transports::http::reqwest::Url;

/// Parses a JSON-RPC URL, refusing anything that is not http(s).
pub fn rpc_url(text: &str) -> Result<RpcUrl, ChainError> {
    let url: RpcUrl = text
        .parse()
        .map_err(|e| ChainError::BadUrl(format!("{text}: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ChainError::BadUrl(format!(
            "{text}: scheme {other} is not http or https"
        ))),
    }
}

/// The chain id the endpoint reports.
pub async fn chain_id(rpc: &RpcUrl) -> Result<u64, ChainError> {
    let provider = crate::send::reading(rpc);
    provider
        .get_chain_id()
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))
}

/// Whether `address` holds contract code on the chain (used to tell a deployment survived).
pub async fn has_code(rpc: &RpcUrl, address: Address) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    let code = provider
        .get_code_at(convert::address(address))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?;
    Ok(!code.is_empty())
}
