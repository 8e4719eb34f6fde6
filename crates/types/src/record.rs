//! Records anchored on chain, the visits they are written under, and the patient's consents.

use crate::{Address, Hash32};
use serde::{Deserialize, Serialize};

/// What the patient's app signs to let a health organization write her records during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitToken {
    pub patient: Address,
    pub organization: Address,
    /// Chosen by the patient's app; unique per organization.
    pub visit_id: Hash32,
    /// Unix seconds; the visit is open before this time.
    pub expires_at: u64,
    /// Unix seconds; the last second the organization may open the visit with this token
    /// (minutes after the patient showed it; `openVisit` refuses it later).
    pub not_after: u64,
}

/// A visit as the record registry holds it now: opened by the patient's token, open while
/// `now < expires_at`. Closing it early moves `expires_at` back to the closing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub patient: Address,
    pub organization: Address,
    pub visit_id: Hash32,
    /// Unix seconds.
    pub expires_at: u64,
}

/// A record's anchor: the ciphertext's hash under its id, by its author, for its patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAnchor {
    /// keccak256(abi.encode(patient, kind, ciphertext_hash)): derived, never chosen, so an id
    /// names one content. The earliest anchor of an id is the real one.
    pub record_id: Hash32,
    pub patient: Address,
    pub author: Address,
    /// The kind of record: a FHIR resource type in ASCII, left-aligned in 32 bytes (never a
    /// diagnosis or a test name).
    pub kind: Hash32,
    pub ciphertext_hash: Hash32,
}

/// A record's anchor with the transaction that wrote it: what the relay tells the web page,
/// which cannot read the chain itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainAnchor {
    pub anchor: RecordAnchor,
    pub tx_id: crate::TxId,
}

/// A batch of records on chain, as the relay tells the web page: the patient whose records an
/// author anchored under one Merkle root, how many, and the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBatch {
    pub patient: Address,
    pub count: u32,
    pub tx_id: crate::TxId,
}

/// A claim on chain, as the relay tells the web page: its anchor (the hospital its author), the
/// insurer it names, and the anchors of that insurer's answers, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainClaim {
    pub claim: ChainAnchor,
    pub insurer: Address,
    pub answers: Vec<ChainAnchor>,
}

/// A run of a relay's read-log entries under one anchored Merkle root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRoot {
    /// The account that anchored it; roots are kept per relay.
    pub relay: Address,
    pub root: Hash32,
    /// The number of the run's first entry in the relay's log.
    pub first_entry: u64,
    /// How many entries are under the root (never zero).
    pub count: u32,
    /// Unix seconds of the block that anchored it.
    pub anchored_at: u64,
}

/// A consent as the record registry's events tell it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ConsentEvent {
    Granted {
        patient: Address,
        grantee: Address,
        scope: ConsentScope,
        target: Hash32,
        /// Unix seconds; access holds before this time.
        expires_at: u64,
        block: u64,
    },
    Revoked {
        patient: Address,
        grantee: Address,
        scope: ConsentScope,
        target: Hash32,
        block: u64,
    },
}

/// What a consent covers: one record, or every record of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    Record,
    Kind,
}

/// On what ground the relay served a read: logged with every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadGround {
    /// The patient reads her own record.
    Patient,
    /// A grantee, under the patient's unexpired consent.
    Consent,
    /// The health organization of an open visit.
    Visit,
    /// The insurer a claim names (on chain) reads that claim.
    Claim,
}

impl ReadGround {
    pub const ALL: [ReadGround; 4] = [
        ReadGround::Patient,
        ReadGround::Consent,
        ReadGround::Visit,
        ReadGround::Claim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadGround::Patient => "patient",
            ReadGround::Consent => "consent",
            ReadGround::Visit => "visit",
            ReadGround::Claim => "claim",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            ReadGround::Patient => 0,
            ReadGround::Consent => 1,
            ReadGround::Visit => 2,
            ReadGround::Claim => 3,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// One read the relay served, as its log keeps it (a FHIR AuditEvent in shape: who, what, under
/// which grant, when). Entries are numbered from 0 in the order they were served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    /// Who read.
    pub reader: Address,
    /// Whose record.
    pub patient: Address,
    /// Which record.
    pub record: Hash32,
    pub ground: ReadGround,
    /// Unix seconds.
    pub at: u64,
}

/// An entry with what proves it was logged: the Merkle root it is under, once the relay has
/// anchored one, and the entry's proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedRead {
    pub entry: AuditEntry,
    /// The relay's address that anchored the root, the root, and the proof; `None` until the
    /// next anchor.
    pub anchor: Option<AuditAnchor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub root: Hash32,
    pub proof: Vec<Hash32>,
}

/// A record as the relay holds it (what is public about it: no content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub id: Hash32,
    pub patient: Address,
    pub kind: Hash32,
    /// Who uploaded it (the signer of the upload).
    pub author: Address,
    /// SHA-256 of the envelope body: the ciphertext hash anchored on chain.
    pub body_hash: Hash32,
    pub size: u64,
    /// Unix seconds.
    pub stored_at: u64,
    /// A record a staff member wrote at a visit: her signed upload and the authority she wrote
    /// it under (none for the patient's own uploads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<crate::Submission>,
    /// Where it was anchored when its author anchored it in a batch: the batch's root and the
    /// record's proof (none for a record anchored alone, or not yet anchored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchProof>,
}

/// A record's place in a batch its author anchored: the Merkle root on chain, and the sibling
/// hashes from the record's leaf up to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchProof {
    pub author: Address,
    pub root: Hash32,
    pub proof: Vec<Hash32>,
}

/// What the organization tells the relay once it anchored a visit's records in one batch
/// (`anchorBatch`): the relay recomputes the root from the records, in this order, and checks
/// the chain before it keeps each record's proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitBatch {
    pub organization: Address,
    pub visit_id: Hash32,
    pub root: Hash32,
    pub records: Vec<Hash32>,
}

/// An anchor of her own record that the patient signs and the relay sends
/// (`anchorOwnRecordBySig`): she needs no ether.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnAnchor {
    pub patient: Address,
    pub kind: Hash32,
    /// SHA-256 of the record's envelope body.
    pub ciphertext_hash: Hash32,
    /// Unix seconds; the registry refuses the signature from then on.
    pub deadline: u64,
}

/// What the relay is sent to anchor her record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnAnchorRequest {
    pub anchor: OwnAnchor,
    pub signature: crate::Signature,
}

/// A grant the patient signs for anyone to relay (`grantAccessBySig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentGrant {
    pub patient: Address,
    pub grantee: Address,
    pub scope: ConsentScope,
    /// The record id or the kind.
    pub target: Hash32,
    /// Unix seconds; access holds before this time.
    pub expires_at: u64,
    /// The patient's next nonce in the registry.
    pub nonce: u64,
    /// Unix seconds; the registry refuses the signature from then on.
    pub deadline: u64,
}

/// A revocation the patient signs for anyone to relay (`revokeAccessBySig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRevocation {
    pub patient: Address,
    pub grantee: Address,
    pub scope: ConsentScope,
    pub target: Hash32,
    /// The patient's next nonce in the registry.
    pub nonce: u64,
    /// Unix seconds; the registry refuses the signature from then on.
    pub deadline: u64,
}

/// A signed grant, as the relay is sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentGrantRequest {
    pub grant: ConsentGrant,
    pub signature: crate::Signature,
}

/// A signed revocation, as the relay is sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRevocationRequest {
    pub revocation: ConsentRevocation,
    pub signature: crate::Signature,
}

/// What the relay answers for a transaction it sent for someone: which, and what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relayed {
    pub tx_id: crate::TxId,
    pub gas_used: u64,
}

/// An anchor the relay sent for the patient, and the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchoredRecord {
    pub anchor: RecordAnchor,
    pub relayed: Relayed,
}
