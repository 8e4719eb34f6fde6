//! A visit's records in one batch: the organization anchors the Merkle root of their leaves
//! (`anchorBatch`, [`root`]); the relay, told the batch, recomputes it from the records it
//! holds and the chain's word, and keeps each record's proof ([`proofs`]); a reader checks a
//! record's proof against the chain's batch ([`anchor`]). The leaves are the registry's
//! `recordLeaf`s, in the order the organization lists the records.

use caretrail_crypto::merkle;
use caretrail_crypto::record::record_leaf;
use caretrail_types::{
    Address, BatchProof, ErrorCode, Hash32, RecordAnchor, StoredRecord, UiError, VisitBatch,
};

/// The most records one batch holds (a visit writes a handful).
pub const MAX_RECORDS: usize = 64;

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// A record's leaf in its batch.
pub fn leaf(record: &StoredRecord) -> Hash32 {
    record_leaf(record.patient, record.kind, record.body_hash)
}

/// The root the organization anchors for `records` (one patient's, in this order) and their
/// count.
pub fn root(records: &[StoredRecord]) -> Result<(Hash32, u32), UiError> {
    let Some(first) = records.first() else {
        return Err(refused(
            ErrorCode::InvalidInput,
            "a batch holds at least one record",
        ));
    };
    if records.len() > MAX_RECORDS {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!("a batch holds at most {MAX_RECORDS} records"),
        ));
    }
    if records.iter().any(|r| r.patient != first.patient) {
        return Err(refused(
            ErrorCode::InvalidInput,
            "a batch holds one patient's records",
        ));
    }
    let leaves: Vec<Hash32> = records.iter().map(leaf).collect();
    let root = merkle::root(&leaves).unwrap_or(Hash32::ZERO);
    // At most MAX_RECORDS, checked above.
    Ok((root, u32::try_from(records.len()).unwrap_or(u32::MAX)))
}

/// The relay's check of a batch it is told of: every record held (`held`, in `batch.records`'
/// order, `None` where it holds none), each written at that visit of that organization and not
/// in a batch yet, the root theirs, and the chain's batch of that root by that organization
/// (`on_chain`: its patient and count) the same patient's and count. Each record's proof.
pub fn proofs(
    batch: &VisitBatch,
    held: &[Option<StoredRecord>],
    on_chain: Option<(Address, u32)>,
) -> Result<Vec<BatchProof>, UiError> {
    let mut records = Vec::with_capacity(held.len());
    for (id, record) in batch.records.iter().zip(held) {
        let Some(record) = record else {
            return Err(refused(
                ErrorCode::RecordNotFound,
                format!("the relay holds no record {id}"),
            ));
        };
        let at_visit = record.submission.as_ref().is_some_and(|s| {
            let a = &s.authority.assignment.assignment;
            a.organization == batch.organization && a.visit_id == batch.visit_id
        });
        if !at_visit {
            return Err(refused(
                ErrorCode::InvalidInput,
                format!(
                    "record {id} was not written at visit {} of {}",
                    batch.visit_id, batch.organization
                ),
            ));
        }
        if record.batch.is_some() {
            return Err(refused(
                ErrorCode::RecordExists,
                format!("record {id} is in a batch already"),
            ));
        }
        records.push(record.clone());
    }
    if records.len() != batch.records.len() {
        return Err(refused(ErrorCode::InvalidInput, "a record is missing"));
    }
    let (root, count) = root(&records)?;
    if root != batch.root {
        return Err(refused(
            ErrorCode::HashMismatch,
            format!("these records' root is {root}, not {}", batch.root),
        ));
    }
    match on_chain {
        Some((patient, anchored)) if patient == records[0].patient && anchored == count => {}
        Some(_) => {
            return Err(refused(
                ErrorCode::HashMismatch,
                "the chain's batch under that root is another patient's or another count",
            ));
        }
        None => {
            return Err(refused(
                ErrorCode::UnknownRecord,
                format!(
                    "{} anchored no batch {root} on chain: anchor it first",
                    batch.organization
                ),
            ));
        }
    }
    let leaves: Vec<Hash32> = records.iter().map(leaf).collect();
    Ok((0..leaves.len())
        .map(|i| BatchProof {
            author: batch.organization,
            root,
            proof: merkle::proof(&leaves, i).unwrap_or_default(),
        })
        .collect())
}

/// A batched record's anchor, when its proof holds: the record's leaf is under the root, and the
/// chain's batch of that root by that author (`on_chain_patient`) is the record's patient's.
pub fn anchor(
    record: &StoredRecord,
    on_chain_patient: Option<Address>,
) -> Result<RecordAnchor, UiError> {
    let Some(batch) = &record.batch else {
        return Err(refused(
            ErrorCode::UnknownRecord,
            format!("record {} is in no batch", record.id),
        ));
    };
    if caretrail_crypto::record::record_id(record.patient, record.kind, record.body_hash)
        != record.id
    {
        return Err(refused(
            ErrorCode::HashMismatch,
            format!(
                "record {} is not the registry's id of its patient, kind and body",
                record.id
            ),
        ));
    }
    if on_chain_patient != Some(record.patient) {
        return Err(refused(
            ErrorCode::UnknownRecord,
            format!(
                "{} anchored no batch {} of {}'s records on chain",
                batch.author, batch.root, record.patient
            ),
        ));
    }
    if !merkle::verify(&batch.root, &leaf(record), &batch.proof) {
        return Err(refused(
            ErrorCode::HashMismatch,
            format!(
                "record {} is not in batch {}: its proof fails",
                record.id, batch.root
            ),
        ));
    }
    Ok(RecordAnchor {
        record_id: record.id,
        patient: record.patient,
        author: batch.author,
        kind: record.kind,
        ciphertext_hash: record.body_hash,
    })
}
