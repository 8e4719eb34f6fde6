//! The policy registry: deploy it, sign and publish policy versions, read a publication back by
//! its transaction id.

use crate::bindings::PolicyRegistry;
use crate::convert::{address, b256, domain, from_address, from_b256, from_tx, tx};
use crate::error::Registry;
use crate::send::{mined, mined_in_turn, signing};
use crate::{ChainError, RpcUrl};
use alloy::consensus::Transaction as _;
use alloy::eips::BlockNumberOrTag;
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall as _;
use caretrail_crypto::sign;
use caretrail_types::{
    Address, PolicyPublication, PolicyVersion, PublishReceipt, PublishRequest, Signature, TxId,
};
use std::fmt;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The contract's EIP-712 domain name (as in its constructor).
pub(crate) const DOMAIN: &str = "Caretrail PolicyRegistry";

impl From<&PolicyVersion> for PolicyRegistry::PolicyVersion {
    fn from(r: &PolicyVersion) -> Self {
        Self {
            policyId: b256(r.policy_id),
            version: r.version,
            contentHash: b256(r.content_hash),
            documentHash: b256(r.document_hash),
            previousHash: b256(r.previous_hash),
            effectiveAt: r.effective_at,
            mediaType: r.media_type.clone(),
            deadline: r.deadline,
        }
    }
}

/// The insurer's EIP-712 signature over a policy version, for the registry at `registry`.
pub fn sign_policy_version(
    signer: &PrivateKeySigner,
    chain_id: u64,
    registry: Address,
    version: &PolicyVersion,
) -> Result<Signature, ChainError> {
    Ok(sign::sign_typed(
        &crate::secret_key(signer),
        &PolicyRegistry::PolicyVersion::from(version),
        &domain(DOMAIN, chain_id, registry),
    ))
}

/// The address that signed a publish request, as the contract will recover it.
pub fn verify_publish_request(
    chain_id: u64,
    registry: Address,
    request: &PublishRequest,
) -> Result<Address, ChainError> {
    // The strict form (v = 27 or 28, low s) is the only one OpenZeppelin's ECDSA.recover takes:
    // refusing the rest here gives the sender a clear answer instead of a reverted gas estimate.
    sign::recover_typed(
        &PolicyRegistry::PolicyVersion::from(&request.signed),
        &domain(DOMAIN, chain_id, registry),
        &request.signature,
    )
    .map_err(|e| ChainError::BadSignature(e.to_string()))
}

/// An account that pays for transactions others signed. Clones share one turn to send, so
/// concurrent sends get consecutive nonces instead of racing for the same one.
#[derive(Clone)]
pub struct Relayer {
    rpc: RpcUrl,
    provider: DynProvider,
    turn: Arc<Mutex<()>>,
    account: Address,
}

impl fmt::Debug for Relayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relayer")
            .field("rpc", &self.rpc.as_str())
            .finish_non_exhaustive()
    }
}

impl Relayer {
    pub fn new(rpc: &RpcUrl, signer: PrivateKeySigner) -> Self {
        let account = Address(signer.address().into_array());
        let provider = signing(rpc, signer);
        Self {
            rpc: rpc.clone(),
            provider,
            turn: Arc::new(Mutex::new(())),
            account,
        }
    }

    /// The account that signs and pays for what this relayer sends.
    pub fn account(&self) -> Address {
        self.account
    }

    pub(crate) fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Sends `call` in this relayer's turn and waits for it to be mined.
    pub(crate) async fn mined<P: Provider, D: alloy::contract::CallDecoder>(
        &self,
        registry: Registry,
        call: alloy::contract::CallBuilder<P, D>,
    ) -> Result<TransactionReceipt, ChainError> {
        mined_in_turn(&self.rpc, registry, call, &self.turn).await
    }

    /// Sends an insurer's signed publication and waits for it to be mined.
    pub async fn publish_policy(
        &self,
        registry: Address,
        request: &PublishRequest,
    ) -> Result<PublishReceipt, ChainError> {
        let rpc = &self.rpc;
        let contract = PolicyRegistry::new(address(registry), &self.provider);
        let call = contract.publish(
            PolicyRegistry::PolicyVersion::from(&request.signed),
            request.document.clone().into(),
            request.signature.0.to_vec().into(),
        );
        published(&mined_in_turn(rpc, Registry::Policies, call, &self.turn).await?)
    }
}

/// The insurer publishes the next version of its policy with its own transaction (no signature:
/// the sender is the insurer).
pub async fn publish_own_policy(
    rpc: &RpcUrl,
    insurer: PrivateKeySigner,
    registry: Address,
    version: &PolicyVersion,
    document: &[u8],
) -> Result<PublishReceipt, ChainError> {
    let provider = signing(rpc, insurer);
    let contract = PolicyRegistry::new(address(registry), &provider);
    let call = contract.publishOwn(
        PolicyRegistry::PolicyVersion::from(version),
        document.to_vec().into(),
    );
    published(&mined(rpc, Registry::Policies, call).await?)
}

fn published(receipt: &TransactionReceipt) -> Result<PublishReceipt, ChainError> {
    let tx_id = from_tx(receipt.transaction_hash);
    let event = receipt
        .decoded_log::<PolicyRegistry::PolicyPublished>()
        .ok_or_else(|| {
            ChainError::Rpc(format!("transaction {tx_id} emitted no PolicyPublished"))
        })?;
    Ok(PublishReceipt {
        tx_id,
        insurer: from_address(event.insurer),
        block_number: receipt.block_number.unwrap_or_default(),
    })
}

/// The latest published version of `policy_id` by `insurer`, and its content hash
/// (`(0, ZERO)` when none is published).
///
/// The registry keeps the head's number, its effective date and a digest of its content hash in
/// one slot; the full hash comes from that version's `PolicyPublished` event, which must match
/// the digest.
pub async fn policy_head(
    rpc: &RpcUrl,
    registry: Address,
    insurer: Address,
    policy_id: caretrail_types::Hash32,
) -> Result<(u64, caretrail_types::Hash32), ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = PolicyRegistry::new(address(registry), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Policies, e);
    let head = contract
        .headOf(address(insurer), b256(policy_id))
        .call()
        .await
        .map_err(fail)?;
    if head.version == 0 {
        return Ok((0, caretrail_types::Hash32::ZERO));
    }
    let published = contract
        .PolicyPublished_filter()
        .topic1(address(insurer).into_word())
        .topic2(b256(policy_id))
        .from_block(0)
        .query()
        .await
        .map_err(fail)?;
    published
        .into_iter()
        .map(|(event, _)| event)
        .find(|event| event.version == head.version && digest_of(event.contentHash) == head.digest)
        .map(|event| (head.version, from_b256(event.contentHash)))
        .ok_or_else(|| {
            ChainError::Rpc(format!(
                "the node has no event for version {} of the policy that matches the registry",
                head.version
            ))
        })
}

/// The registry's digest of a content hash: the first 20 bytes of `keccak256(abi.encode(hash))`.
fn digest_of(content_hash: alloy::primitives::B256) -> alloy::primitives::FixedBytes<20> {
    alloy::primitives::FixedBytes::from_slice(&alloy::primitives::keccak256(content_hash)[..20])
}

/// Reads the policy publication made by transaction `tx_id` from the chain: the document from
/// the calldata, the insurer and hashes from the registry's event, the time from the block.
/// Refuses any transaction that is not a successful `publish` or `publishOwn` call to `registry`.
pub async fn read_policy_publication(
    rpc: &RpcUrl,
    registry: Address,
    tx_id: TxId,
) -> Result<PolicyPublication, ChainError> {
    let provider = crate::send::reading(rpc);
    let not_policy = |reason: String| ChainError::NotAPolicyPublication { tx: tx_id, reason };

    let transaction = provider
        .get_transaction_by_hash(tx(tx_id))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or(ChainError::TxNotFound(tx_id))?;
    match transaction.to() {
        Some(to) if to == address(registry) => {}
        Some(to) => {
            return Err(not_policy(format!(
                "it was sent to {to}, not to the policy registry {registry}"
            )));
        }
        None => return Err(not_policy("it deploys a contract".into())),
    }
    // Relayed with the insurer's signature, or sent by the insurer itself.
    let (signed, document) = match PolicyRegistry::publishCall::abi_decode(transaction.input()) {
        Ok(call) => (call.v, call.document),
        Err(_) => PolicyRegistry::publishOwnCall::abi_decode(transaction.input())
            .map(|call| (call.v, call.document))
            .map_err(|_| not_policy("it calls the registry for something else".into()))?,
    };

    let receipt = provider
        .get_transaction_receipt(tx(tx_id))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or(ChainError::Pending(tx_id))?;
    if !receipt.status() {
        return Err(not_policy("it reverted, so nothing was published".into()));
    }
    let event = receipt
        .logs()
        .iter()
        .filter(|log| log.address() == address(registry))
        .find_map(|log| log.log_decode::<PolicyRegistry::PolicyPublished>().ok())
        .ok_or_else(|| not_policy("the registry emitted no PolicyPublished event".into()))?;
    let event = event.inner.data;
    if event.policyId != signed.policyId
        || event.version != signed.version
        || event.contentHash != signed.contentHash
    {
        return Err(not_policy("its event does not match its calldata".into()));
    }

    let block_number = receipt.block_number.ok_or(ChainError::Pending(tx_id))?;
    let block = provider
        .get_block_by_number(BlockNumberOrTag::Number(block_number))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or_else(|| ChainError::Rpc(format!("block {block_number} is missing")))?;

    Ok(PolicyPublication {
        tx_id,
        block_number,
        block_time: block.header.timestamp,
        registry,
        insurer: from_address(event.insurer),
        signed: PolicyVersion {
            policy_id: from_b256(event.policyId),
            version: event.version,
            content_hash: from_b256(event.contentHash),
            document_hash: from_b256(signed.documentHash),
            previous_hash: from_b256(signed.previousHash),
            effective_at: signed.effectiveAt,
            media_type: signed.mediaType,
            deadline: signed.deadline,
        },
        document: document.to_vec(),
    })
}

/// Version `version` of `insurer`'s policy `policy_id` as published on chain (its document from
/// the calldata), or `None` when it was never published.
pub async fn policy_version(
    rpc: &RpcUrl,
    registry: Address,
    insurer: Address,
    policy_id: caretrail_types::Hash32,
    version: u64,
) -> Result<Option<PolicyPublication>, ChainError> {
    let provider = crate::send::reading(rpc);
    let published = PolicyRegistry::new(address(registry), &provider)
        .PolicyPublished_filter()
        .topic1(address(insurer).into_word())
        .topic2(b256(policy_id))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Policies, e))?;
    // The registry publishes each version once.
    let Some(tx) = published
        .into_iter()
        .find(|(event, _)| event.version == version)
        .and_then(|(_, log)| log.transaction_hash)
    else {
        return Ok(None);
    };
    read_policy_publication(rpc, registry, from_tx(tx))
        .await
        .map(Some)
}

/// Why a patient has no policy version pinned on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotPinned {
    /// No registration holds her key.
    NotRegistered,
    /// Her registration pins no enrolment.
    NoEnrolment,
    /// The version her enrolment pins is not published.
    VersionMissing { version: u64 },
}

/// The policy version `patient`'s registration pinned (her enrolment's insurer, policy and
/// version), as published on chain; or why there is none.
pub async fn pinned_publication(
    rpc: &RpcUrl,
    patients: caretrail_types::Address,
    registry: caretrail_types::Address,
    patient: caretrail_types::Address,
) -> Result<Result<PolicyPublication, NotPinned>, ChainError> {
    let Some(record) = crate::patients::record_of(rpc, patients, patient).await? else {
        return Ok(Err(NotPinned::NotRegistered));
    };
    let Some(pinned) = crate::patients::enrolment_of(rpc, patients, record).await? else {
        return Ok(Err(NotPinned::NoEnrolment));
    };
    let published = policy_version(
        rpc,
        registry,
        pinned.insurer,
        pinned.policy_id,
        pinned.version,
    )
    .await?;
    Ok(published.ok_or(NotPinned::VersionMissing {
        version: pinned.version,
    }))
}
