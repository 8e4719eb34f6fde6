//! The record registry: visits the patient opens to a health organization, and anchors of
//! encrypted records, singly or in batches kept under their author. Consents are in `consents.rs`,
//! the relay's audit roots in `audit.rs`.

use crate::error::Registry;
use alloy::network::ReceiptResponse as _;
use alloy::rpc::types::TransactionReceipt;
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::{self, RegistryDomain};
use caretrail_types::{
    Address, Hash32, OwnAnchor, RecordAnchor, Signature, TxId, Visit, VisitToken,
};

use crate::bindings::RecordRegistry;
use crate::convert::{address, b256, from_address, from_b256, from_tx};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, Relayer, RpcUrl};

/// A mined write and what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub tx_id: TxId,
    pub gas_used: u64,
}

impl From<&VisitToken> for RecordRegistry::VisitToken {
    fn from(t: &VisitToken) -> Self {
        Self {
            patient: address(t.patient),
            organization: address(t.organization),
            visitId: b256(t.visit_id),
            expiresAt: t.expires_at,
            notAfter: t.not_after,
        }
    }
}

/// The patient's EIP-712 signature over a visit token: `caretrail_crypto::visit`'s, the one the
/// check-in QR carries and the kiosk checks offline.
pub fn sign_visit_token(
    patient: &SecretKey,
    chain_id: u64,
    records: Address,
    token: &VisitToken,
) -> Signature {
    visit::sign_visit_token(patient, RegistryDomain { chain_id, records }, token)
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

/// Ends an open visit now, sent by its patient or its organization.
pub async fn close_visit(
    rpc: &RpcUrl,
    party: PrivateKeySigner,
    records: Address,
    organization: Address,
    visit_id: Hash32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, party);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.closeVisit(address(organization), b256(visit_id));
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// Every visit `organization` opened with `patient`, oldest first, as the registry holds it now
/// (a visit closed early ends when it was closed).
pub async fn visits_of(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
    organization: Address,
) -> Result<Vec<Visit>, ChainError> {
    visits_logged(rpc, records, Some(patient), organization).await
}

/// Every visit `organization` opened, with any patient, oldest first, as the registry holds it
/// now: its billing desk picks one from those still open.
pub async fn visits_opened_by(
    rpc: &RpcUrl,
    records: Address,
    organization: Address,
) -> Result<Vec<Visit>, ChainError> {
    visits_logged(rpc, records, None, organization).await
}

/// The visits from the `VisitOpened` events, each then read from `visitOf`, so a closure is never
/// missed.
async fn visits_logged(
    rpc: &RpcUrl,
    records: Address,
    patient: Option<Address>,
    organization: Address,
) -> Result<Vec<Visit>, ChainError> {
    let provider = crate::send::reading(rpc);
    let contract = RecordRegistry::new(address(records), &provider);
    let fail = |e| ChainError::from_contract(rpc, Registry::Records, e);
    let mut filter = contract
        .VisitOpened_filter()
        .topic2(address(organization).into_word())
        .from_block(0);
    if let Some(patient) = patient {
        filter = filter.topic1(address(patient).into_word());
    }
    let mut logs = filter.query().await.map_err(fail)?;
    logs.sort_by_key(|(_, log)| (log.block_number, log.log_index));
    let mut visits = Vec::with_capacity(logs.len());
    for (event, _) in logs {
        let held = contract
            .visitOf(event.organization, event.visitId)
            .call()
            .await
            .map_err(fail)?;
        // A visit is opened once per id, so the registry's entry is the logged one's.
        let patient = from_address(event.patient);
        if from_address(held.patient) != patient || from_address(event.organization) != organization
        {
            return Err(ChainError::Rpc(format!(
                "visit {} is not the one its event logged",
                from_b256(event.visitId)
            )));
        }
        visits.push(Visit {
            patient,
            organization,
            visit_id: from_b256(event.visitId),
            expires_at: held.expiresAt,
        });
    }
    Ok(visits)
}

/// The token and the patient's signature that opened `organization`'s visit `visit_id`, read
/// from the `openVisit` call its `VisitOpened` event was logged by (`None`: no such visit). The
/// signature gives the patient's encryption key (`caretrail_crypto::visit::visit_token_key`).
pub async fn visit_opening(
    rpc: &RpcUrl,
    records: Address,
    organization: Address,
    visit_id: Hash32,
) -> Result<Option<(VisitToken, Signature)>, ChainError> {
    use alloy::consensus::Transaction as _;
    use alloy::providers::Provider as _;
    use alloy::sol_types::SolCall as _;
    let provider = crate::send::reading(rpc);
    let logs = RecordRegistry::new(address(records), &provider)
        .VisitOpened_filter()
        .topic2(address(organization).into_word())
        .topic3(b256(visit_id))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    let Some(tx) = logs.into_iter().find_map(|(_, log)| log.transaction_hash) else {
        return Ok(None);
    };
    let transaction = provider
        .get_transaction_by_hash(tx)
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or(ChainError::TxNotFound(from_tx(tx)))?;
    let call = RecordRegistry::openVisitCall::abi_decode(transaction.input()).map_err(|_| {
        ChainError::Rpc(format!(
            "visit {visit_id} was not opened by a direct openVisit call"
        ))
    })?;
    let t = call.token;
    let signature: [u8; 65] =
        call.signature.as_ref().try_into().map_err(|_| {
            ChainError::Rpc(format!("visit {visit_id}'s signature is not 65 bytes"))
        })?;
    Ok(Some((
        VisitToken {
            patient: from_address(t.patient),
            organization: from_address(t.organization),
            visit_id: from_b256(t.visitId),
            expires_at: t.expiresAt,
            not_after: t.notAfter,
        },
        Signature(signature),
    )))
}

/// The visit `visit_id` that `organization` opened, as the registry holds it now (its end moved
/// back if it was closed early), or `None`: one call.
pub async fn visit_of(
    rpc: &RpcUrl,
    records: Address,
    organization: Address,
    visit_id: Hash32,
) -> Result<Option<Visit>, ChainError> {
    let provider = crate::send::reading(rpc);
    let held = RecordRegistry::new(address(records), &provider)
        .visitOf(address(organization), b256(visit_id))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    Ok((!held.patient.is_zero()).then(|| Visit {
        patient: from_address(held.patient),
        organization,
        visit_id,
        expires_at: held.expiresAt,
    }))
}

pub use caretrail_crypto::record::{record_id as record_id_of, record_kind, record_leaf};

/// The health organization anchors one record of an open visit; the registry derives its id.
pub async fn anchor_record(
    rpc: &RpcUrl,
    organization: PrivateKeySigner,
    records: Address,
    visit_id: Hash32,
    kind: Hash32,
    ciphertext_hash: Hash32,
) -> Result<(RecordAnchor, Written), ChainError> {
    let provider = signing(rpc, organization);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorRecord(b256(visit_id), b256(kind), b256(ciphertext_hash));
    anchored(&mined(rpc, Registry::Records, call).await?)
}

/// The patient anchors one of her own records; the registry derives its id.
pub async fn anchor_own_record(
    rpc: &RpcUrl,
    patient: PrivateKeySigner,
    records: Address,
    kind: Hash32,
    ciphertext_hash: Hash32,
) -> Result<(RecordAnchor, Written), ChainError> {
    let provider = signing(rpc, patient);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorOwnRecord(b256(kind), b256(ciphertext_hash));
    anchored(&mined(rpc, Registry::Records, call).await?)
}

impl Relayer {
    /// Sends an anchor of her own record that the patient signed (`anchorOwnRecordBySig`),
    /// taking its turn with the relayer's other sends; the registry logs her as the author.
    pub async fn anchor_own_record_by_sig(
        &self,
        records: Address,
        anchor: &OwnAnchor,
        signature: &Signature,
    ) -> Result<(RecordAnchor, Written), ChainError> {
        let c = RecordRegistry::new(address(records), self.provider());
        let call = c.anchorOwnRecordBySig(
            RecordRegistry::OwnAnchor {
                patient: address(anchor.patient),
                kind: b256(anchor.kind),
                ciphertextHash: b256(anchor.ciphertext_hash),
                deadline: anchor.deadline,
            },
            signature.0.to_vec().into(),
        );
        anchored(&self.mined(Registry::Records, call).await?)
    }
}

fn anchored(receipt: &TransactionReceipt) -> Result<(RecordAnchor, Written), ChainError> {
    let written = Written::from(receipt);
    let event = receipt
        .decoded_log::<RecordRegistry::RecordAnchored>()
        .ok_or_else(|| {
            ChainError::Rpc(format!("transaction {} anchored no record", written.tx_id))
        })?;
    Ok((anchor_of(&event), written))
}

fn anchor_of(event: &RecordRegistry::RecordAnchored) -> RecordAnchor {
    RecordAnchor {
        record_id: from_b256(event.recordId),
        patient: from_address(event.patient),
        author: from_address(event.author),
        kind: from_b256(event.kind),
        ciphertext_hash: from_b256(event.ciphertextHash),
    }
}

/// A batch as the registry keeps it: the Merkle root one author anchored for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The health organization or the patient who anchored it; batches are kept per author.
    pub author: Address,
    pub root: Hash32,
    pub patient: Address,
    /// The number of records, as the author declared it.
    pub count: u32,
}

/// The health organization anchors `count` records of an open visit under one Merkle root (over
/// their `record_leaf`s), kept as its own batch.
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

/// The patient anchors `count` of her own records under one Merkle root.
pub async fn anchor_own_batch(
    rpc: &RpcUrl,
    patient: PrivateKeySigner,
    records: Address,
    root: Hash32,
    count: u32,
) -> Result<Written, ChainError> {
    let provider = signing(rpc, patient);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorOwnBatch(b256(root), count);
    Ok((&mined(rpc, Registry::Records, call).await?).into())
}

/// The batch `author` anchored under `root`, if any (someone else's batch under the same root is
/// theirs, not this author's).
pub async fn batch_of(
    rpc: &RpcUrl,
    records: Address,
    author: Address,
    root: Hash32,
) -> Result<Option<Batch>, ChainError> {
    let provider = crate::send::reading(rpc);
    let batch = RecordRegistry::new(address(records), &provider)
        .batchOf(address(author), b256(root))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    Ok((!batch.patient.is_zero()).then(|| Batch {
        author,
        root,
        patient: from_address(batch.patient),
        count: batch.count,
    }))
}

/// The batch `author` anchored under `root`, with the transaction that anchored it, found from
/// its `BatchAnchored` event (`None` when it anchored no such batch).
pub async fn batch_anchored(
    rpc: &RpcUrl,
    records: Address,
    author: Address,
    root: Hash32,
) -> Result<Option<(Batch, TxId)>, ChainError> {
    let provider = crate::send::reading(rpc);
    let logs = RecordRegistry::new(address(records), &provider)
        .BatchAnchored_filter()
        .topic1(b256(root))
        .topic3(address(author).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    // A root is anchored once per author: the registry refuses it again.
    Ok(logs.into_iter().find_map(|(event, log)| {
        let tx = log.transaction_hash?;
        Some((
            Batch {
                author,
                root,
                patient: from_address(event.patient),
                count: event.count,
            },
            from_tx(tx),
        ))
    }))
}

/// Whether `record` (its patient, kind and ciphertext hash) is in the batch its `author` anchored
/// under `root` for that patient; `proof` is the sibling hashes from its `record_leaf` up.
pub async fn verify_record_in_batch(
    rpc: &RpcUrl,
    records: Address,
    root: Hash32,
    record: &RecordAnchor,
    proof: &[Hash32],
) -> Result<bool, ChainError> {
    let provider = crate::send::reading(rpc);
    RecordRegistry::new(address(records), &provider)
        .verifyRecordInBatch(
            address(record.author),
            b256(root),
            address(record.patient),
            b256(record.kind),
            b256(record.ciphertext_hash),
            proof.iter().map(|h| b256(*h)).collect(),
        )
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))
}

/// The record anchored by transaction `tx_id`, decoded from its `RecordAnchored` event.
pub async fn anchored_in(rpc: &RpcUrl, tx_id: TxId) -> Result<RecordAnchor, ChainError> {
    use alloy::providers::Provider as _;
    let provider = crate::send::reading(rpc);
    let receipt = provider
        .get_transaction_receipt(b256(Hash32(tx_id.0)))
        .await
        .map_err(|e| ChainError::from_transport(rpc, e))?
        .ok_or(ChainError::TxNotFound(tx_id))?;
    Ok(anchored(&receipt)?.0)
}

/// The anchor of `record_id` in `records`, if it was anchored singly: the earliest one, with the
/// transaction that wrote it (a later anchor of the same content only repeats it).
pub async fn find_anchor(
    rpc: &RpcUrl,
    records: Address,
    record_id: Hash32,
) -> Result<Option<(RecordAnchor, TxId)>, ChainError> {
    let provider = crate::send::reading(rpc);
    let logs = RecordRegistry::new(address(records), &provider)
        .RecordAnchored_filter()
        .topic1(b256(record_id))
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    let earliest = logs
        .iter()
        .min_by_key(|(_, log)| (log.block_number, log.log_index));
    earliest
        .map(|(event, log)| {
            let tx = log
                .transaction_hash
                .ok_or_else(|| ChainError::Rpc("a log without its transaction".into()))?;
            let anchor = anchor_of(event);
            // The log's fields must give back the id it is indexed under.
            if record_id_of(anchor.patient, anchor.kind, anchor.ciphertext_hash) != record_id {
                return Err(ChainError::Rpc(format!(
                    "the anchor logged under {record_id} is not that record's"
                )));
            }
            Ok((anchor, from_tx(tx)))
        })
        .transpose()
}

/// Every single anchor of `patient`'s records, the earliest of each id only, oldest first, each
/// with its transaction and block number.
pub async fn anchors_of(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
) -> Result<Vec<(RecordAnchor, TxId, u64)>, ChainError> {
    let provider = crate::send::reading(rpc);
    let mut logs = RecordRegistry::new(address(records), &provider)
        .RecordAnchored_filter()
        .topic2(address(patient).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    logs.sort_by_key(|(_, log)| (log.block_number, log.log_index));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (event, log) in logs {
        let anchor = anchor_of(&event);
        if record_id_of(anchor.patient, anchor.kind, anchor.ciphertext_hash) != anchor.record_id
            || !seen.insert(anchor.record_id)
        {
            continue;
        }
        let tx = log
            .transaction_hash
            .ok_or_else(|| ChainError::Rpc("a log without its transaction".into()))?;
        out.push((anchor, from_tx(tx), log.block_number.unwrap_or_default()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::domain;
    use alloy::sol_types::SolStruct as _;

    #[test]
    fn the_visit_token_digest_is_the_bindings() {
        // The contract's ABI (the committed artifact) and crates/crypto's own `sol!` struct hash
        // the same token alike: the offline check and the chain agree.
        let token = VisitToken {
            patient: Address([0x0a; 20]),
            organization: Address([0x0b; 20]),
            visit_id: Hash32([0x0c; 32]),
            expires_at: 1_800_086_400,
            not_after: 1_800_000_600,
        };
        let records = Address([0x0d; 20]);
        let bound = RecordRegistry::VisitToken::from(&token).eip712_signing_hash(&domain(
            "Caretrail RecordRegistry",
            31337,
            records,
        ));
        let offline = visit::visit_token_digest(
            RegistryDomain {
                chain_id: 31337,
                records,
            },
            &token,
        );
        assert_eq!(offline, from_b256(bound));
    }
}
