//! The outside services' API as the verification unit calls it: the EC registry and the insurers
//! (and the government registry, which the health authority asks). Identifiers travel in request
//! bodies, never in URL paths, so they stay out of access logs. The VU signs each request it makes
//! (`caretrail_crypto::service`) and sends the signature and its deadline in two headers.

use crate::{Address, CardNumber, LicenceNumber, Nid};
use serde::{Deserialize, Serialize};

/// The HTTP header carrying the VU's EIP-712 signature over a service request (`0x` + 65 bytes
/// hex).
pub const SERVICE_SIGNATURE_HEADER: &str = "caretrail-signature";
/// The HTTP header carrying a service request's deadline (unix seconds, decimal).
pub const SERVICE_DEADLINE_HEADER: &str = "caretrail-deadline";
/// How long after signing the VU lets a service request be accepted.
pub const SERVICE_REQUEST_TTL_SECS: u64 = 30;
/// The furthest ahead a service accepts a request's deadline: the VU's TTL plus clock skew.
pub const SERVICE_REQUEST_MAX_AHEAD_SECS: u64 = 2 * SERVICE_REQUEST_TTL_SECS;

/// `POST /v1/citizens/lookup` and `POST /v1/citizens/photo` at the EC registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitizenLookup {
    pub nid: Nid,
}

/// `POST /v1/cards/lookup` (coverage) and `POST /v1/cards/policy` (the plan's document) at an
/// insurer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardLookup {
    pub card_number: CardNumber,
}

/// `POST /v1/cards/enrolments` at an insurer: sign the enrolment of the card's holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardEnrolment {
    pub card_number: CardNumber,
    /// Her device key's address.
    pub patient: Address,
    /// Her national ID, which the insurer checks against the card's holder.
    pub nid: Nid,
    /// Unix seconds after which the enrolment enrols nobody (minutes ahead, no more).
    pub deadline: u64,
}

/// `POST /v1/licences/lookup` at the government health-service registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceLookup {
    pub licence: LicenceNumber,
}
