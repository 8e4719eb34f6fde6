//! The patient's consents in the record registry: grants and revocations, sent by her or signed by
//! her and relayed, the access check the relay's storage gate asks, and her consent history.

use alloy::primitives::U256;
use caretrail_crypto::record::consent_scope_code as scope_code;
use caretrail_types::{Address, ConsentEvent, ConsentScope, Hash32, Signature};

use crate::bindings::RecordRegistry;
use crate::convert::{address, b256, from_address, from_b256, in_chain_order, log_position};
use crate::error::Registry;
use crate::records::Written;
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, Relayer, RpcUrl};

// The patient signs in `caretrail_crypto` (the web page signs in wasm, without this crate).
pub use caretrail_crypto::record::{sign_consent_grant, sign_consent_revocation};
pub use caretrail_types::{ConsentGrant, ConsentRevocation};

impl From<&ConsentGrant> for RecordRegistry::ConsentGrant {
    fn from(g: &ConsentGrant) -> Self {
        Self {
            patient: address(g.patient),
            grantee: address(g.grantee),
            scope: scope_code(g.scope),
            target: b256(g.target),
            expiresAt: g.expires_at,
            nonce: U256::from(g.nonce),
            deadline: g.deadline,
        }
    }
}

impl From<&ConsentRevocation> for RecordRegistry::ConsentRevocation {
    fn from(r: &ConsentRevocation) -> Self {
        Self {
            patient: address(r.patient),
            grantee: address(r.grantee),
            scope: scope_code(r.scope),
            target: b256(r.target),
            nonce: U256::from(r.nonce),
            deadline: r.deadline,
        }
    }
}

fn scope_of(code: u8) -> Result<ConsentScope, ChainError> {
    match code {
        0 => Ok(ConsentScope::Record),
        1 => Ok(ConsentScope::Kind),
        other => Err(ChainError::Rpc(format!("unknown consent scope {other}"))),
    }
}

/// Who signed a grant, as the registry will recover it (the relay asks before it pays).
pub fn consent_grant_signer(
    chain_id: u64,
    records: Address,
    grant: &ConsentGrant,
    signature: &Signature,
) -> Result<Address, ChainError> {
    caretrail_crypto::record::consent_grant_signer(chain_id, records, grant, signature)
        .map_err(|e| ChainError::BadSignature(e.to_string()))
}

/// Who signed a revocation, as the registry will recover it.
pub fn consent_revocation_signer(
    chain_id: u64,
    records: Address,
    revocation: &ConsentRevocation,
    signature: &Signature,
) -> Result<Address, ChainError> {
    caretrail_crypto::record::consent_revocation_signer(chain_id, records, revocation, signature)
        .map_err(|e| ChainError::BadSignature(e.to_string()))
}

/// The nonce the patient's next signed grant or revocation must carry.
pub async fn consent_nonce(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
) -> Result<u64, ChainError> {
    let provider = crate::send::reading(rpc);
    let nonce = RecordRegistry::new(address(records), &provider)
        .nonces(address(patient))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    u64::try_from(nonce).map_err(|_| ChainError::Rpc(format!("nonce {nonce} is out of range")))
}

/// The patient grants `grantee` read access to a record or a kind of record until `expires_at`.
pub async fn grant_access(
    rpc: &RpcUrl,
    patient: PrivateKeySigner,
    records: Address,
    grantee: Address,
    scope: ConsentScope,
    target: Hash32,
    expires_at: u64,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, patient);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.grantAccess(
        address(grantee),
        scope_code(scope),
        b256(target),
        expires_at,
    );
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// The patient revokes a consent.
pub async fn revoke_access(
    rpc: &RpcUrl,
    patient: PrivateKeySigner,
    records: Address,
    grantee: Address,
    scope: ConsentScope,
    target: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, patient);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.revokeAccess(address(grantee), scope_code(scope), b256(target));
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// `relayer` sends a grant the patient signed.
pub async fn grant_access_by_sig(
    rpc: &RpcUrl,
    relayer: PrivateKeySigner,
    records: Address,
    grant: &ConsentGrant,
    signature: &Signature,
) -> Result<Written, ChainError> {
    Relayer::new(rpc, relayer)
        .grant_access_by_sig(records, grant, signature)
        .await
}

/// `relayer` sends a revocation the patient signed.
pub async fn revoke_access_by_sig(
    rpc: &RpcUrl,
    relayer: PrivateKeySigner,
    records: Address,
    revocation: &ConsentRevocation,
    signature: &Signature,
) -> Result<Written, ChainError> {
    Relayer::new(rpc, relayer)
        .revoke_access_by_sig(records, revocation, signature)
        .await
}

impl Relayer {
    /// Sends a grant the patient signed, taking its turn with the relayer's other sends.
    pub async fn grant_access_by_sig(
        &self,
        records: Address,
        grant: &ConsentGrant,
        signature: &Signature,
    ) -> Result<Written, ChainError> {
        let c = RecordRegistry::new(address(records), self.provider());
        let call = c.grantAccessBySig(grant.into(), signature.0.to_vec().into());
        Ok((&self.mined(Registry::Records, call).await?).into())
    }

    /// Sends a revocation the patient signed, taking its turn with the relayer's other sends.
    pub async fn revoke_access_by_sig(
        &self,
        records: Address,
        revocation: &ConsentRevocation,
        signature: &Signature,
    ) -> Result<Written, ChainError> {
        let c = RecordRegistry::new(address(records), self.provider());
        let call = c.revokeAccessBySig(revocation.into(), signature.0.to_vec().into());
        Ok((&self.mined(Registry::Records, call).await?).into())
    }
}

/// Whether `grantee` may read the patient's record of `kind` whose ciphertext hashes to
/// `ciphertext_hash`, now: she is the patient, or holds an unexpired, unrevoked consent for that
/// record or that kind. The registry derives the record's id from the three, so ask with the kind
/// the record was anchored with and the hash of the body being served.
pub async fn has_access(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
    grantee: Address,
    kind: Hash32,
    ciphertext_hash: Hash32,
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    RecordRegistry::new(address(records), &provider)
        .hasAccess(
            address(patient),
            address(grantee),
            b256(kind),
            b256(ciphertext_hash),
        )
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))
}

/// The consents `patient` granted and revoked, oldest first.
pub async fn consents_of(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
) -> Result<Vec<ConsentEvent>, ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = RecordRegistry::new(address(records), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Records, e);
    let topic = address(patient).into_word();
    let mut events = Vec::new();
    let granted = contract
        .ConsentGranted_filter()
        .topic1(topic)
        .from_block(0)
        .query()
        .await
        .map_err(fail)?;
    for (event, log) in granted {
        let position = log_position(&log);
        let block = position.0;
        events.push((
            position,
            ConsentEvent::Granted {
                patient: from_address(event.patient),
                grantee: from_address(event.grantee),
                scope: scope_of(event.scope)?,
                target: from_b256(event.target),
                expires_at: event.expiresAt,
                block,
            },
        ));
    }
    let revoked = contract
        .ConsentRevoked_filter()
        .topic1(topic)
        .from_block(0)
        .query()
        .await
        .map_err(fail)?;
    for (event, log) in revoked {
        let position = log_position(&log);
        let block = position.0;
        events.push((
            position,
            ConsentEvent::Revoked {
                patient: from_address(event.patient),
                grantee: from_address(event.grantee),
                scope: scope_of(event.scope)?,
                target: from_b256(event.target),
                block,
            },
        ));
    }
    Ok(in_chain_order(events))
}
