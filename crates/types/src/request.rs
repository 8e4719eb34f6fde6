//! Requests to the relay's records API, as they travel: what was asked, by whom, until when, and
//! the EIP-712 signature over it (`caretrail_crypto::request`).

use crate::{Address, Hash32, Signature};
use serde::{Deserialize, Serialize};

/// The HTTP header that carries a signed request (base64url, no padding, of its JSON).
pub const REQUEST_HEADER: &str = "caretrail-request";
/// The HTTP header a served record comes with: what the relay holds about it (a
/// [`StoredRecord`](crate::StoredRecord): who wrote it, its batch proof), base64url of its JSON.
pub const RECORD_HEADER: &str = "caretrail-record";
/// The HTTP header that names an uploaded record's kind.
pub const KIND_HEADER: &str = "caretrail-kind";
/// The kind of a file the patient uploads herself (a PDF, an image): stored as it is, with the
/// attachment size cap; FHIR resources are stored as JSON under their resource type.
pub const DOCUMENT_KIND: &str = "Document";

/// What a signed request asks the relay to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayAction {
    /// Store a record's envelope (`subject` its id, `content` its body's SHA-256).
    RecordPut,
    /// Read a record (`subject` its id).
    RecordGet,
    /// Replace a record's envelope header, to add a reader (`content` the new header's SHA-256).
    RecordHeader,
    /// List the records the relay holds for `patient`.
    RecordList,
    /// List the reads logged of `patient`'s records (or, for anyone else, their own reads).
    AuditList,
    /// A staff member shows the relay her certificate (the body's SHA-256 is `content`).
    StaffCheck,
    /// A staff member follows her queue of assigned visits (the body's SHA-256 is `content`).
    StaffQueue,
    /// An insurer follows its queue of claims.
    ClaimQueue,
}

impl RelayAction {
    /// The name signed in the EIP-712 `action` field.
    pub fn as_str(self) -> &'static str {
        match self {
            RelayAction::RecordPut => "record.put",
            RelayAction::RecordGet => "record.get",
            RelayAction::RecordHeader => "record.header",
            RelayAction::RecordList => "record.list",
            RelayAction::AuditList => "audit.list",
            RelayAction::StaffCheck => "staff.check",
            RelayAction::StaffQueue => "staff.queue",
            RelayAction::ClaimQueue => "claim.queue",
        }
    }
}

/// A request to the relay, as its signer signs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayRequest {
    pub signer: Address,
    pub action: RelayAction,
    /// Whose records the request is about.
    pub patient: Address,
    /// The record id, or zero.
    pub subject: Hash32,
    /// The hash of what is sent (a body or a header), or zero.
    pub content: Hash32,
    /// Unix seconds after which the relay refuses the request.
    pub deadline: u64,
    /// Random; the relay accepts each (signer, nonce) once.
    pub nonce: Hash32,
}

/// A [`RelayRequest`] with the domain it was signed for and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRelayRequest {
    /// The chain the signer meant (part of the EIP-712 domain).
    pub chain_id: u64,
    /// The record registry the signer meant (the domain's verifying contract).
    pub records: Address,
    pub request: RelayRequest,
    pub signature: Signature,
}

impl SignedRelayRequest {
    /// The value of the [`REQUEST_HEADER`] it travels in: base64url, no padding, of its JSON.
    pub fn to_header(&self) -> String {
        header_value(self)
    }
}

/// The value of an HTTP header that carries `value`: base64url, no padding, of its JSON (the
/// form of every Caretrail header that carries a struct).
pub fn header_value<T: Serialize>(value: &T) -> String {
    use base64::Engine as _;
    // Serializing plain fields and hex strings cannot fail.
    let json = serde_json::to_vec(value).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}
