//! The record registry: visits the patient opens to a health organization, anchors of encrypted
//! records, and the patient's consents.

use crate::error::Registry;
use alloy::network::ReceiptResponse as _;
use alloy::providers::ProviderBuilder;
use alloy::rpc::types::TransactionReceipt;
use alloy::sol_types::{Eip712Domain, eip712_domain};
use caretrail_crypto::{SecretKey, sign};
use caretrail_types::{Address, ConsentScope, Hash32, RecordAnchor, Signature, TxId, VisitToken};

use crate::bindings::RecordRegistry;
use crate::convert::{address, b256, from_address, from_b256, from_tx};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// A mined write and what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub tx_id: TxId,
    pub gas_used: u64,
}

fn record_domain(chain_id: u64, records: Address) -> Eip712Domain {
    eip712_domain! {
        name: "Caretrail RecordRegistry",
        version: "1",
        chain_id: chain_id,
        verifying_contract: address(records),
    }
}

impl From<&VisitToken> for RecordRegistry::VisitToken {
    fn from(t: &VisitToken) -> Self {
        Self {
            patient: address(t.patient),
            organization: address(t.organization),
            visitId: b256(t.visit_id),
            expiresAt: t.expires_at,
        }
    }
}

fn scope_code(scope: ConsentScope) -> u8 {
    match scope {
        ConsentScope::Record => 0,
        ConsentScope::Kind => 1,
    }
}

/// The patient's EIP-712 signature over a visit token.
pub fn sign_visit_token(
    patient: &SecretKey,
    chain_id: u64,
    records: Address,
    token: &VisitToken,
) -> Signature {
    sign::sign_typed(
        patient,
        &RecordRegistry::VisitToken::from(token),
        &record_domain(chain_id, records),
    )
}

impl From<&TransactionReceipt> for Written {
    fn from(receipt: &TransactionReceipt) -> Self {
        Self {
            tx_id: from_tx(receipt.transaction_hash()),
            gas_used: receipt.gas_used(),
        }
    }
}

/// The health organization opens a visit with the token the patient signed.
pub async fn open_visit(
    rpc: &RpcUrl,
    organization: PrivateKeySigner,
    records: Address,
    token: &VisitToken,
    patient_signature: &Signature,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, organization);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.openVisit(token.into(), patient_signature.0.to_vec().into());
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// The health organization anchors one record of an open visit.
pub async fn anchor_record(
    rpc: &RpcUrl,
    organization: PrivateKeySigner,
    records: Address,
    visit_id: Hash32,
    record_id: Hash32,
    kind: Hash32,
    ciphertext_hash: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, organization);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorRecord(
        b256(visit_id),
        b256(record_id),
        b256(kind),
        b256(ciphertext_hash),
    );
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// The patient anchors one of her own records.
pub async fn anchor_own_record(
    rpc: &RpcUrl,
    patient: PrivateKeySigner,
    records: Address,
    record_id: Hash32,
    kind: Hash32,
    ciphertext_hash: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, patient);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorOwnRecord(b256(record_id), b256(kind), b256(ciphertext_hash));
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// The health organization anchors `count` records of an open visit under one Merkle root.
pub async fn anchor_batch(
    rpc: &RpcUrl,
    organization: PrivateKeySigner,
    records: Address,
    visit_id: Hash32,
    root: Hash32,
    count: u32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, organization);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorBatch(b256(visit_id), b256(root), count);
    Ok((&mined(rpc, Registry::Records, call).await?).into())
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

/// Whether `grantee` may read the patient's record `record_id` of `kind` now.
pub async fn has_access(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
    grantee: Address,
    record_id: Hash32,
    kind: Hash32,
) -> Result<bool, ChainError> {
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    RecordRegistry::new(address(records), &provider)
        .hasAccess(
            address(patient),
            address(grantee),
            b256(record_id),
            b256(kind),
        )
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))
}

/// The record anchored by transaction `tx_id`, decoded from its `RecordAnchored` event.
pub async fn anchored_in(rpc: &RpcUrl, tx_id: TxId) -> Result<RecordAnchor, ChainError> {
    use alloy::providers::Provider as _;
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    let receipt = provider
        .get_transaction_receipt(b256(Hash32(tx_id.0)))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or(ChainError::TxNotFound(tx_id))?;
    let event = receipt
        .decoded_log::<RecordRegistry::RecordAnchored>()
        .ok_or_else(|| ChainError::Rpc(format!("transaction {tx_id} anchored no record")))?;
    Ok(RecordAnchor {
        record_id: from_b256(event.recordId),
        patient: from_address(event.patient),
        author: from_address(event.author),
        kind: from_b256(event.kind),
        ciphertext_hash: from_b256(event.ciphertextHash),
    })
}
