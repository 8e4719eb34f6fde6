//! The patient's check of the relay's read log: each read of her records is verified when its
//! proof leads to a root that the relay she trusts anchored on chain.

use caretrail_crypto::audit::audit_leaf;
use caretrail_crypto::merkle;
use caretrail_types::{AuditedRead, Hash32};
use serde::{Deserialize, Serialize};

/// What the app shows beside a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Its proof leads to a root the relay anchored on chain.
    Verified,
    /// Logged after the relay's last anchor: it will be checked once the next root is anchored.
    Pending,
    /// Its proof fails, or its root is not on chain: the log was changed after the fact.
    NotVerified,
}

/// Marks `read`, given whether a root was anchored on chain by the trusted relay.
pub fn mark(read: &AuditedRead, anchored: impl Fn(&Hash32) -> bool) -> Mark {
    match &read.anchor {
        None => Mark::Pending,
        Some(anchor) => {
            if anchored(&anchor.root)
                && merkle::verify(&anchor.root, &audit_leaf(&read.entry), &anchor.proof)
            {
                Mark::Verified
            } else {
                Mark::NotVerified
            }
        }
    }
}
