//! Claims in the record registry (step 15): the health organization anchors its bill (U_B, a FHIR
//! Claim of the visit's patient) under its open visit, naming the insurer billed; that insurer, and
//! nobody else, anchors its answers (FHIR ClaimResponses: queued, then complete, partial or error),
//! each a record of the same patient with the insurer as author. A claim is kept under its
//! organization (`claimOf(organization, claimId)` is the insurer); answers are only logged
//! (`ClaimAnswered`).
//!
//! The kinds are the FHIR resource types, `record_kind("Claim")` and `record_kind("ClaimResponse")`,
//! so a claim's and an answer's ids are `record_id_of(patient, kind, ciphertext_hash)` as for every
//! other record, and the relay stores their envelopes under the same ids.

use alloy::rpc::types::TransactionReceipt;
use caretrail_types::{Address, Hash32, RecordAnchor, TxId};

use crate::bindings::RecordRegistry;
use crate::convert::{address, b256, from_address, from_b256, from_tx, log_position};
use crate::error::Registry;
use crate::records::{Written, record_id_of, record_kind};
use crate::send::{mined, signing};
use crate::{ChainError, PrivateKeySigner, RpcUrl};

/// The kind of a bill (U_B), the registry's `CLAIM_KIND`.
pub const CLAIM_KIND_NAME: &str = "Claim";
/// The kind of an insurer's answer, the registry's `CLAIM_RESPONSE_KIND`.
pub const CLAIM_RESPONSE_KIND_NAME: &str = "ClaimResponse";

/// `record_kind("Claim")`.
pub fn claim_kind() -> Hash32 {
    record_kind(CLAIM_KIND_NAME).expect("a short ASCII name")
}

/// `record_kind("ClaimResponse")`.
pub fn claim_response_kind() -> Hash32 {
    record_kind(CLAIM_RESPONSE_KIND_NAME).expect("a short ASCII name")
}

/// A claim as anchored: its record (the patient's, authored by the organization) and the insurer
/// it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub record: RecordAnchor,
    pub insurer: Address,
}

impl Claim {
    pub fn claim_id(&self) -> Hash32 {
        self.record.record_id
    }

    pub fn organization(&self) -> Address {
        self.record.author
    }
}

/// One answer of the insurer to a claim: its record (the claim's patient's, authored by the
/// insurer), with the transaction and block that anchored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimAnswer {
    pub claim_id: Hash32,
    pub organization: Address,
    pub record: RecordAnchor,
    pub tx_id: TxId,
    pub block: u64,
}

/// The health organization anchors its bill of the open visit `visit_id`, naming `insurer` (an
/// admitted insurer); the registry derives the claim's id for the visit's patient.
pub async fn anchor_claim(
    rpc: &RpcUrl,
    organization: PrivateKeySigner,
    records: Address,
    visit_id: Hash32,
    ciphertext_hash: Hash32,
    insurer: Address,
) -> Result<(Claim, Written), ChainError> {
    let provider = signing(rpc, organization);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorClaim(b256(visit_id), b256(ciphertext_hash), address(insurer));
    let receipt = mined(rpc, Registry::Records, call).await?;
    let written = Written::from(&receipt);
    let record = decoded_anchor(&receipt, written.tx_id)?;
    let event = receipt
        .decoded_log::<RecordRegistry::ClaimAnchored>()
        .ok_or_else(|| {
            ChainError::Rpc(format!("transaction {} anchored no claim", written.tx_id))
        })?;
    Ok((
        Claim {
            record,
            insurer: from_address(event.insurer),
        },
        written,
    ))
}

/// The insurer a claim names anchors an answer to it: `claim` is the claim's record (its
/// organization as author, its patient, its ciphertext hash), `ciphertext_hash` the answer's.
pub async fn anchor_claim_response(
    rpc: &RpcUrl,
    insurer: PrivateKeySigner,
    records: Address,
    claim: &RecordAnchor,
    ciphertext_hash: Hash32,
) -> Result<(ClaimAnswer, Written), ChainError> {
    let provider = signing(rpc, insurer);
    let c = RecordRegistry::new(address(records), &provider);
    let call = c.anchorClaimResponse(
        address(claim.author),
        address(claim.patient),
        b256(claim.ciphertext_hash),
        b256(ciphertext_hash),
    );
    let receipt = mined(rpc, Registry::Records, call).await?;
    let written = Written::from(&receipt);
    let record = decoded_anchor(&receipt, written.tx_id)?;
    let event = receipt
        .decoded_log::<RecordRegistry::ClaimAnswered>()
        .ok_or_else(|| {
            ChainError::Rpc(format!("transaction {} answered no claim", written.tx_id))
        })?;
    Ok((
        ClaimAnswer {
            claim_id: from_b256(event.claimId),
            organization: from_address(event.organization),
            record,
            tx_id: written.tx_id,
            block: receipt.block_number.unwrap_or_default(),
        },
        written,
    ))
}

fn decoded_anchor(receipt: &TransactionReceipt, tx: TxId) -> Result<RecordAnchor, ChainError> {
    let event = receipt
        .decoded_log::<RecordRegistry::RecordAnchored>()
        .ok_or_else(|| ChainError::Rpc(format!("transaction {tx} anchored no record")))?;
    Ok(RecordAnchor {
        record_id: from_b256(event.recordId),
        patient: from_address(event.patient),
        author: from_address(event.author),
        kind: from_b256(event.kind),
        ciphertext_hash: from_b256(event.ciphertextHash),
    })
}

/// The insurer `organization`'s claim `claim_id` names, from storage (`None` if the organization
/// anchored no such claim).
pub async fn claim_insurer(
    rpc: &RpcUrl,
    records: Address,
    organization: Address,
    claim_id: Hash32,
) -> Result<Option<Address>, ChainError> {
    let provider = crate::send::reading(rpc);
    let insurer = RecordRegistry::new(address(records), &provider)
        .claimOf(address(organization), b256(claim_id))
        .call()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    Ok((!insurer.is_zero()).then(|| from_address(insurer)))
}

/// `organization`'s claim `claim_id`, if it anchored one: the insurer from storage, the patient and
/// ciphertext hash from the organization's `RecordAnchored` of that id (checked against the id).
pub async fn claim_of(
    rpc: &RpcUrl,
    records: Address,
    organization: Address,
    claim_id: Hash32,
) -> Result<Option<Claim>, ChainError> {
    let Some(insurer) = claim_insurer(rpc, records, organization, claim_id).await? else {
        return Ok(None);
    };
    let provider = crate::send::reading(rpc);
    let logs = RecordRegistry::new(address(records), &provider)
        .RecordAnchored_filter()
        .topic1(b256(claim_id))
        .topic3(address(organization).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    let (event, _) = logs
        .iter()
        .min_by_key(|(_, log)| log_position(log))
        .ok_or_else(|| ChainError::Rpc(format!("claim {claim_id} is stored but not logged")))?;
    let record = RecordAnchor {
        record_id: from_b256(event.recordId),
        patient: from_address(event.patient),
        author: from_address(event.author),
        kind: from_b256(event.kind),
        ciphertext_hash: from_b256(event.ciphertextHash),
    };
    if record.kind != claim_kind()
        || record_id_of(record.patient, record.kind, record.ciphertext_hash) != claim_id
    {
        return Err(ChainError::Rpc(format!(
            "the anchor logged under {claim_id} is not that claim's"
        )));
    }
    Ok(Some(Claim { record, insurer }))
}

/// Every answer to `claim`, oldest first (the last is the insurer's answer now): each from its
/// `ClaimAnswered` log, whose answer id must be the claim's patient's ClaimResponse of that
/// ciphertext hash.
pub async fn claim_answers(
    rpc: &RpcUrl,
    records: Address,
    claim: &Claim,
) -> Result<Vec<ClaimAnswer>, ChainError> {
    let provider = crate::send::reading(rpc);
    let mut logs = RecordRegistry::new(address(records), &provider)
        .ClaimAnswered_filter()
        .topic1(b256(claim.claim_id()))
        .topic2(address(claim.organization()).into_word())
        .topic3(address(claim.insurer).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    logs.sort_by_key(|(_, log)| log_position(log));
    let kind = claim_response_kind();
    let mut answers = Vec::with_capacity(logs.len());
    for (event, log) in logs {
        let record = RecordAnchor {
            record_id: from_b256(event.responseId),
            patient: claim.record.patient,
            author: from_address(event.insurer),
            kind,
            ciphertext_hash: from_b256(event.ciphertextHash),
        };
        if record_id_of(record.patient, kind, record.ciphertext_hash) != record.record_id {
            return Err(ChainError::Rpc(format!(
                "the answer {} logged for claim {} is not its patient's",
                record.record_id,
                claim.claim_id()
            )));
        }
        let tx = log
            .transaction_hash
            .ok_or_else(|| ChainError::Rpc("a log without its transaction".into()))?;
        answers.push(ClaimAnswer {
            claim_id: from_b256(event.claimId),
            organization: from_address(event.organization),
            record,
            tx_id: from_tx(tx),
            block: log.block_number.unwrap_or_default(),
        });
    }
    Ok(answers)
}

/// Every claim on `patient`'s records, oldest first: each with the transaction that anchored it
/// and the insurer's answers, oldest first. What her app (and the web page, through the relay)
/// shows as her bills.
pub async fn claims_of(
    rpc: &RpcUrl,
    records: Address,
    patient: Address,
) -> Result<Vec<(Claim, TxId, Vec<ClaimAnswer>)>, ChainError> {
    let anchors = crate::records::anchors_of(rpc, records, patient).await?;
    let kind = claim_kind();
    let mut claims = Vec::new();
    for (anchor, tx_id, _) in anchors {
        if anchor.kind != kind {
            continue;
        }
        let Some(claim) = claim_of(rpc, records, anchor.author, anchor.record_id).await? else {
            continue;
        };
        let answers = claim_answers(rpc, records, &claim).await?;
        claims.push((claim, tx_id, answers));
    }
    Ok(claims)
}

/// Every answer `insurer` anchored to a claim, as (claim id, answer id) from its `ClaimAnswered`
/// logs: what the relay checks an uploaded answer against before it calls the claim answered.
pub async fn answers_anchored_by(
    rpc: &RpcUrl,
    records: Address,
    insurer: Address,
) -> Result<std::collections::HashSet<(Hash32, Hash32)>, ChainError> {
    let provider = crate::send::reading(rpc);
    let logs = RecordRegistry::new(address(records), &provider)
        .ClaimAnswered_filter()
        .topic3(address(insurer).into_word())
        .from_block(0)
        .query()
        .await
        .map_err(|e| ChainError::from_contract(rpc, Registry::Records, e))?;
    Ok(logs
        .into_iter()
        .map(|(event, _)| (from_b256(event.claimId), from_b256(event.responseId)))
        .collect())
}
