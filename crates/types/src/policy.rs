//! Insurance policy publications: what the chain holds, what an insurer sends, what a patient sees.

use crate::{Address, Hash32, Signature, TxId};
use serde::{Deserialize, Serialize};

/// The largest policy document the relay accepts for publication. The document travels in
/// calldata, and public nodes refuse transactions over 128 KiB.
pub const MAX_POLICY_DOCUMENT_BYTES: usize = 96 * 1024;

/// How long before its publication a policy version may say it takes effect (the policy
/// registry's `EFFECTIVE_SKEW`): a version signed "effective now" is mined a little later.
pub const POLICY_EFFECTIVE_SKEW_SECS: u64 = 5 * 60;

/// The fields of one policy version that the insurer signs (EIP-712) and the registry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub policy_id: Hash32,
    pub version: u64,
    /// SHA-256 of the canonical document (see `caretrail_crypto::policy::content_hash`).
    pub content_hash: Hash32,
    /// keccak-256 of the document's exact bytes, which the contract checks against the calldata
    /// (see `caretrail_crypto::policy::document_hash`).
    pub document_hash: Hash32,
    /// The content hash of the previous version; zero for version 1.
    pub previous_hash: Hash32,
    /// Unix seconds from which this version applies: the registry refuses a version that takes
    /// effect more than [`POLICY_EFFECTIVE_SKEW_SECS`] before its publication, or before the
    /// previous version.
    pub effective_at: u64,
    pub media_type: String,
    /// Unix seconds after which nobody can submit this version (signed with it).
    pub deadline: u64,
}

/// One policy version as published on chain: the event's fields, the calldata's document and the
/// block that holds it. Nothing here is checked yet: see [`PolicyView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPublication {
    pub tx_id: TxId,
    pub block_number: u64,
    /// Unix seconds of the block that holds the transaction.
    pub block_time: u64,
    pub registry: Address,
    /// The address that signed the version, as the contract recovered it.
    pub insurer: Address,
    /// The version as the insurer signed it.
    #[serde(flatten)]
    pub signed: PolicyVersion,
    #[serde(with = "crate::base64_bytes")]
    pub document: Vec<u8>,
}

/// The outcome of checking a document against the hash on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCheck {
    /// The canonical hash of the document that was checked, if it could be computed.
    pub computed_hash: Option<Hash32>,
    /// True only when `computed_hash` equals the published content hash.
    pub verified: bool,
    /// Why the document is not verified, in words for the user.
    pub problem: Option<String>,
}

/// A publication as the patient sees it: the document readable, and whether it is the one on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub publication: PolicyPublication,
    /// The document as text, exactly as published, when it is text.
    pub text: Option<String>,
    /// The plan's title and the insurer's name, when the document states them.
    pub title: Option<String>,
    pub insurer_name: Option<String>,
    pub check: PolicyCheck,
}

/// An insurer's signed policy version, as it asks the relay to publish it. Read through
/// [`PublishRequestFields`], which refuses unknown fields (`deny_unknown_fields` cannot see through
/// `flatten`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PublishRequestFields")]
pub struct PublishRequest {
    #[serde(flatten)]
    pub signed: PolicyVersion,
    #[serde(with = "crate::base64_bytes")]
    pub document: Vec<u8>,
    /// The insurer's EIP-712 signature over the version fields.
    pub signature: Signature,
}

/// [`PublishRequest`] as it travels: the version's fields beside the document and signature.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequestFields {
    policy_id: Hash32,
    version: u64,
    content_hash: Hash32,
    document_hash: Hash32,
    previous_hash: Hash32,
    effective_at: u64,
    media_type: String,
    deadline: u64,
    #[serde(with = "crate::base64_bytes")]
    document: Vec<u8>,
    signature: Signature,
}

impl From<PublishRequestFields> for PublishRequest {
    fn from(f: PublishRequestFields) -> Self {
        Self {
            signed: PolicyVersion {
                policy_id: f.policy_id,
                version: f.version,
                content_hash: f.content_hash,
                document_hash: f.document_hash,
                previous_hash: f.previous_hash,
                effective_at: f.effective_at,
                media_type: f.media_type,
                deadline: f.deadline,
            },
            document: f.document,
            signature: f.signature,
        }
    }
}

/// What the relay answers once a publication is mined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishReceipt {
    pub tx_id: TxId,
    pub insurer: Address,
    pub block_number: u64,
}
