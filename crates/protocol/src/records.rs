//! Her records on her device (issue step 7's screens, and the CLI): how a kind is named, her list
//! (the chain's anchors joined with what the relay holds), which records a grant covers, the
//! consent and anchor she signs and their deadlines, whether a record read back may be trusted,
//! and the marks of her access log. The desktop client (`crates/client`) and the web page both
//! decide these here; each only carries out the IO around them.

use crate::audit::{Mark, mark};
use caretrail_crypto::envelope::{self, AddRecipientError};
use caretrail_crypto::record::{body_hash, kind_name, record_kind};
use caretrail_crypto::{PublicKey, SecretKey};
use caretrail_types::{
    Address, AuditedRead, ConsentGrant, ConsentRevocation, ConsentScope, ErrorCode, Hash32,
    OwnAnchor, Participant, ParticipantStatus, RecordAnchor, StoredRecord, TxId, UiError,
};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How long a signature the relay sends on chain for her (an anchor, a consent) stays good.
pub const CHAIN_SIGNATURE_SECS: u64 = 10 * 60;

/// How far a transfer got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Transfer {
    /// Encrypting on this device: plaintext bytes done of the whole.
    Encrypting { done: u64, total: u64 },
    /// Sending to the relay: envelope bytes sent of the whole.
    Uploading { done: u64, total: u64 },
    /// Receiving from the relay: envelope bytes received of the whole.
    Downloading { done: u64, total: u64 },
    /// Decrypting on this device.
    Decrypting,
    /// Asking the relay to anchor it on chain.
    Anchoring,
}

/// A record in her list: what the chain anchored and what the relay holds, joined by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub id: Hash32,
    /// The kind's name ([`kind_text`]).
    pub kind: String,
    /// Who anchored it (the chain's word) and in which transaction, when it is anchored.
    pub anchor: Option<(RecordAnchor, TxId)>,
    /// What the relay holds, when it holds it.
    pub stored: Option<StoredRecord>,
    /// Who wrote it, as her device checked it (`None` until checked, or not held).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<Writer>,
}

/// Who wrote a record, as the reader's device checked it
/// (`caretrail_protocol::visit::authority::written_by`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Writer {
    /// She uploaded it herself.
    Patient,
    /// A staff member at a visit: her key, role and organization, all checked.
    Staff(caretrail_types::WrittenBy),
    /// The insurer, answering a claim (its anchor on chain says which insurer).
    Insurer { insurer: Address },
    /// It claims a staff member wrote it, and the claim does not hold.
    Unproven { reason: String },
}

impl Writer {
    /// The writer of `record` as its submission shows it (`organization`: the participant
    /// registry's entry for the organization it names).
    pub fn of(
        record: &StoredRecord,
        domain: crate::request::Domain,
        staff: caretrail_crypto::staff::StaffDomain,
        organization: Option<&Participant>,
    ) -> Self {
        if record.submission.is_none() && record.author != record.patient {
            return match kind_name(&record.kind) {
                Some("ClaimResponse") => Writer::Insurer {
                    insurer: record.author,
                },
                _ => Writer::Unproven {
                    reason: format!(
                        "record {} was uploaded by {}, with no staff submission",
                        record.id, record.author
                    ),
                },
            };
        }
        match crate::visit::authority::written_by(record, domain, staff, organization) {
            Ok(None) => Writer::Patient,
            Ok(Some(by)) => Writer::Staff(by),
            Err(e) => Writer::Unproven { reason: e.message },
        }
    }
}

/// A record read back, checked against its anchor, and decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub record: Hash32,
    /// The chain's anchor of the body that was read: its author wrote it.
    pub anchor: RecordAnchor,
    pub anchored_in: TxId,
    /// Plaintext bytes written.
    pub size: u64,
}

/// A record opened and kept: where its plaintext went (a file on the desktop, a download link in
/// the web page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub opened: Opened,
    pub location: String,
}

/// What a grant (or its revocation) covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "target", rename_all = "snake_case")]
pub enum Share {
    /// One record.
    Record(Hash32),
    /// Every record of a kind (a FHIR resource type, or `Document`).
    Kind(String),
}

/// A read of her records, with whether the chain confirms it was logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedRead {
    pub read: AuditedRead,
    pub mark: Mark,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// A kind's name, or its hex when it is not one [`record_kind`] makes.
pub fn kind_text(kind: &Hash32) -> String {
    kind_name(kind).map_or_else(|| kind.to_string(), str::to_owned)
}

/// The kind named `name` (a FHIR resource type, or `Document` for a PDF or an image).
pub fn kind(name: &str) -> Result<Hash32, UiError> {
    record_kind(name).ok_or_else(|| {
        refused(
            ErrorCode::InvalidInput,
            format!("{name:?} is not a record kind (e.g. Document, DiagnosticReport)"),
        )
    })
}

/// Her list: each id the chain anchored alone (`anchors`, in the chain's order, the earliest
/// anchor of each), then each id only in a verified batch (`batched`, a held record's batch whose
/// proof holds), with the relay's row when it holds one; then what the relay holds that is not
/// anchored yet. An id is listed once: with its batch's anchor when it has one, since that one
/// was checked against the author its row names.
pub fn join(
    batched: Vec<(RecordAnchor, TxId)>,
    anchors: Vec<(RecordAnchor, TxId)>,
    stored: Vec<StoredRecord>,
) -> Vec<Listed> {
    // By id, each the first of its id: a list of thousands is joined in one pass.
    let mut batch_order = Vec::with_capacity(batched.len());
    let mut by_batch: HashMap<Hash32, (RecordAnchor, TxId)> = HashMap::new();
    for (anchor, tx) in batched {
        let id = anchor.record_id;
        if let std::collections::hash_map::Entry::Vacant(v) = by_batch.entry(id) {
            batch_order.push(id);
            v.insert((anchor, tx));
        }
    }
    let mut held: HashMap<Hash32, usize> = HashMap::new();
    for (i, record) in stored.iter().enumerate() {
        held.entry(record.id).or_insert(i);
    }
    let mut seen: HashSet<Hash32> = HashSet::new();
    let mut listed: Vec<Listed> = Vec::with_capacity(anchors.len() + batch_order.len());
    let singles = anchors
        .into_iter()
        .map(|(anchor, tx)| by_batch.remove(&anchor.record_id).unwrap_or((anchor, tx)))
        .collect::<Vec<_>>();
    let only_batched = batch_order
        .into_iter()
        .filter_map(|id| by_batch.remove(&id))
        .collect::<Vec<_>>();
    for (anchor, tx) in singles.into_iter().chain(only_batched) {
        let id = anchor.record_id;
        if seen.insert(id) {
            listed.push(Listed {
                id,
                kind: kind_text(&anchor.kind),
                stored: held.get(&id).map(|&i| stored[i].clone()),
                anchor: Some((anchor, tx)),
                writer: None,
            });
        }
    }
    for record in stored {
        if seen.insert(record.id) {
            listed.push(Listed {
                id: record.id,
                kind: kind_text(&record.kind),
                anchor: None,
                stored: Some(record),
                writer: None,
            });
        }
    }
    listed
}

/// What listing her records reads from the chain besides her own anchors: the batch each held
/// record names and the organization each staff submission names, each once however many of
/// her records share it (a visit's records share one batch and one hospital).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListReads {
    /// Each batch, as (author, root).
    pub batches: Vec<(Address, Hash32)>,
    /// Each organization a staff certificate names.
    pub organizations: Vec<Address>,
}

impl ListReads {
    /// The reads `stored` needs, each once, in the order first named.
    pub fn of(stored: &[StoredRecord]) -> Self {
        let mut reads = Self::default();
        let (mut batches, mut organizations) = (HashSet::new(), HashSet::new());
        for record in stored {
            if let Some(proof) = &record.batch
                && batches.insert((proof.author, proof.root))
            {
                reads.batches.push((proof.author, proof.root));
            }
            if let Some(submission) = &record.submission {
                let named = submission.authority.certificate.certificate.organization;
                if organizations.insert(named) {
                    reads.organizations.push(named);
                }
            }
        }
        reads
    }

    /// The reads a record listed alone needs ([`alone`]): who wrote it, not its batch.
    pub fn writers(stored: &[StoredRecord]) -> Self {
        Self {
            batches: Vec::new(),
            ..Self::of(stored)
        }
    }
}

/// Her record `id` as the relay's `row` gives it, read alone (to show one record without
/// reading her whole list): the row when it is that record of hers, else nothing (the relay
/// holds none, or answered with another's). Listed with [`list`] and [`ListReads::writers`],
/// it has no anchor.
pub fn alone(patient: Address, id: Hash32, row: Option<StoredRecord>) -> Vec<StoredRecord> {
    row.into_iter()
        .filter(|row| row.id == id && row.patient == patient)
        .collect()
}

/// What the chain answered to [`ListReads`]. A read not answered counts as absent on chain.
#[derive(Debug, Clone, Default)]
pub struct ListFound {
    /// Each batch by (author, root): the patient the chain's batch names and its transaction,
    /// or `None` when the chain holds no such batch.
    pub batches: HashMap<(Address, Hash32), Option<(Address, TxId)>>,
    /// Each organization's participant entry, or `None` when it has none.
    pub organizations: HashMap<Address, Option<Participant>>,
}

/// Her list with who wrote each record: what the relay holds (`stored`), the chain's single
/// anchors of her records (`anchors`), and what the chain answered to `ListReads::of(&stored)`.
/// A held record's batch anchor counts when its proof holds against the chain's batch
/// ([`crate::visit::batch::anchor`]); its writer is checked against the organization's entry.
pub fn list(
    stored: Vec<StoredRecord>,
    anchors: Vec<(RecordAnchor, TxId)>,
    found: &ListFound,
    domain: crate::request::Domain,
    staff: caretrail_crypto::staff::StaffDomain,
) -> Vec<Listed> {
    let batched = stored
        .iter()
        .filter_map(|record| {
            let proof = record.batch.as_ref()?;
            let (patient, tx) = found.batches.get(&(proof.author, proof.root)).copied()??;
            let anchor = crate::visit::batch::anchor(record, Some(patient)).ok()?;
            Some((anchor, tx))
        })
        .collect();
    let mut listed = join(batched, anchors, stored);
    for l in &mut listed {
        let Some(record) = &l.stored else { continue };
        let organization = record
            .submission
            .as_ref()
            .and_then(|s| {
                found
                    .organizations
                    .get(&s.authority.certificate.certificate.organization)
            })
            .and_then(Option::as_ref);
        l.writer = Some(Writer::of(record, domain, staff, organization));
    }
    listed
}

impl Share {
    /// The consent's scope and target as the registry keeps them.
    pub fn target(&self) -> Result<(ConsentScope, Hash32), UiError> {
        match self {
            Share::Record(id) => Ok((ConsentScope::Record, *id)),
            Share::Kind(name) => Ok((ConsentScope::Kind, kind(name)?)),
        }
    }

    /// The records whose envelope header must gain the reader: the one record, or every record
    /// of the kind that the relay holds (a header exists only there).
    pub fn covered(&self, listed: &[Listed]) -> Result<Vec<Hash32>, UiError> {
        match self {
            Share::Record(id) => Ok(vec![*id]),
            Share::Kind(name) => {
                let kind = kind(name)?;
                Ok(listed
                    .iter()
                    .filter(|l| l.stored.as_ref().is_some_and(|s| s.kind == kind))
                    .map(|l| l.id)
                    .collect())
            }
        }
    }
}

/// The reader's encryption key, from what the participant registry holds for `reader`: only an
/// admitted participant is granted access.
pub fn reader_key(reader: Address, found: Option<&Participant>) -> Result<PublicKey, UiError> {
    match found {
        Some(p) if p.status == ParticipantStatus::Admitted => {
            PublicKey::from_sec1_bytes(&p.admission.encryption_key).map_err(|e| {
                refused(
                    ErrorCode::ChainError,
                    format!("{reader}'s encryption key on chain is unusable: {e}"),
                )
            })
        }
        _ => Err(refused(
            ErrorCode::NotAdmitted,
            format!("{reader} is not an admitted participant: access goes to admitted ones only"),
        )),
    }
}

/// Her record `id`'s envelope header (as the relay holds it) with one more reader, and the new
/// header's SHA-256 that she signs to replace it; `None` when the reader already is one. Only the
/// header changes: the body, and so the anchored hash, stay as they are.
pub fn with_reader(
    id: Hash32,
    key: &SecretKey,
    header: &[u8],
    reader: &PublicKey,
    rng: &mut impl CryptoRngCore,
) -> Result<Option<(Vec<u8>, Hash32)>, UiError> {
    match envelope::add_recipient(rng, key, header, reader) {
        Ok(rewrapped) => {
            let hash = body_hash(&rewrapped.header);
            Ok(Some((rewrapped.header, hash)))
        }
        Err(AddRecipientError::AlreadyARecipient(_)) => Ok(None),
        Err(e) => Err(refused(
            ErrorCode::HashMismatch,
            format!("record {id}'s header cannot take a reader: {e}"),
        )),
    }
}

/// The grant she signs at `now`: `reader` may read what `share` covers until `expires_at`
/// (which must lie ahead); `nonce` is her next one in the registry.
pub fn grant(
    patient: Address,
    reader: Address,
    share: &Share,
    expires_at: u64,
    nonce: u64,
    now: u64,
) -> Result<ConsentGrant, UiError> {
    let (scope, target) = share.target()?;
    check_expiry(expires_at, now)?;
    Ok(ConsentGrant {
        patient,
        grantee: reader,
        scope,
        target,
        expires_at,
        nonce,
        deadline: now + CHAIN_SIGNATURE_SECS,
    })
}

/// Refuses an access that would end at or before `now`.
pub fn check_expiry(expires_at: u64, now: u64) -> Result<(), UiError> {
    if expires_at <= now {
        return Err(refused(
            ErrorCode::InvalidInput,
            "the access must end in the future",
        ));
    }
    Ok(())
}

/// The revocation she signs at `now`.
pub fn revocation(
    patient: Address,
    reader: Address,
    share: &Share,
    nonce: u64,
    now: u64,
) -> Result<ConsentRevocation, UiError> {
    let (scope, target) = share.target()?;
    Ok(ConsentRevocation {
        patient,
        grantee: reader,
        scope,
        target,
        nonce,
        deadline: now + CHAIN_SIGNATURE_SECS,
    })
}

/// The anchor of her own record she signs at `now`, once the relay holds its body.
pub fn own_anchor(patient: Address, kind: Hash32, body_hash: Hash32, now: u64) -> OwnAnchor {
    OwnAnchor {
        patient,
        kind,
        ciphertext_hash: body_hash,
        deadline: now + CHAIN_SIGNATURE_SECS,
    }
}

/// Record `id` has no anchor on chain.
pub fn not_anchored(id: Hash32) -> UiError {
    refused(
        ErrorCode::UnknownRecord,
        format!("record {id} is not anchored on chain: it cannot be trusted yet"),
    )
}

/// The chain's anchor of record `id` (`found`), when it may be trusted: it exists, and when an
/// `author` is expected, that author wrote it.
pub fn trusted_anchor(
    id: Hash32,
    found: Option<(RecordAnchor, TxId)>,
    author: Option<Address>,
) -> Result<(RecordAnchor, TxId), UiError> {
    let (anchor, tx) = found.ok_or_else(|| not_anchored(id))?;
    match author {
        Some(author) if anchor.author != author => Err(refused(
            ErrorCode::HashMismatch,
            format!(
                "record {id} was anchored by {}, not by {author}: it is not trusted",
                anchor.author
            ),
        )),
        _ => Ok((anchor, tx)),
    }
}

/// The body read back must be the one anchored (`expected`); anything else was altered.
pub fn check_body(actual: Hash32, expected: Hash32) -> Result<(), UiError> {
    if actual != expected {
        return Err(refused(
            ErrorCode::HashMismatch,
            format!(
                "the record's body hashes to {actual}, not the {expected} anchored on chain: it \
                 was altered"
            ),
        ));
    }
    Ok(())
}

/// Her access log: each read marked against the roots her relay anchored on chain.
pub fn check_reads(reads: Vec<AuditedRead>, roots: &[Hash32]) -> Vec<CheckedRead> {
    reads
        .into_iter()
        .map(|read| {
            let mark = mark(&read, |root| roots.contains(root));
            CheckedRead { read, mark }
        })
        .collect()
}
