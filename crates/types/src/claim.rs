//! Claims at the relay (step 15): the hospital files a bill it anchored for its insurer, the
//! insurer follows its queue of claims, and uploads its answers.

use crate::{Address, Hash32};
use serde::{Deserialize, Serialize};

/// The HTTP header that comes with an insurer's answer to a claim ([`AnswerOf`], base64url of
/// its JSON).
pub const CLAIM_HEADER: &str = "caretrail-claim";

/// The hospital files its claim `claim_id` (a `Claim` record it anchored with `anchorClaim`)
/// for the insurer the chain says it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiledClaim {
    pub organization: Address,
    pub claim_id: Hash32,
}

/// A claim as the insurer's queue delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimNotice {
    pub organization: Address,
    pub claim_id: Hash32,
    pub patient: Address,
    pub insurer: Address,
    /// Unix seconds when the hospital filed it.
    pub filed_at: u64,
}

/// What an insurer's answer answers: the claim, and whether it is its last word (a queued
/// answer is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOf {
    pub organization: Address,
    pub claim_id: Hash32,
    pub last: bool,
}

impl AnswerOf {
    /// The value of the [`CLAIM_HEADER`] it travels in.
    pub fn to_header(&self) -> String {
        crate::request::header_value(self)
    }
}
