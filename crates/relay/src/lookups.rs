//! Look-ups of a national ID at the EC registry, limited per NID: whether a NID exists is worth
//! something to a stranger, so each NID is asked about at most a few times an hour, whoever asks.
//! The limit is a keyed GCRA (`governor`), pruned of idle keys as it grows.

use crate::RelayError;
use caretrail_types::{ErrorCode, Nid};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

/// Keys kept before idle ones are pruned.
const PRUNE_ABOVE: usize = 10_000;

/// The per-NID look-up limit.
#[derive(Debug)]
pub struct NidLookups {
    per_hour: NonZeroU32,
    limiter: DefaultKeyedRateLimiter<Nid>,
}

impl NidLookups {
    /// At most `per_hour` look-ups of one NID an hour, all of them at once if none came before.
    pub fn new(per_hour: NonZeroU32) -> Self {
        Self {
            per_hour,
            limiter: RateLimiter::keyed(Quota::per_hour(per_hour)),
        }
    }

    /// Counts a look-up of `nid`, or refuses it when the NID's quota is spent.
    pub fn check(&self, nid: &Nid) -> Result<(), RelayError> {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(nid).map_err(|_| {
            RelayError::refused(
                ErrorCode::RateLimited,
                format!(
                    "this national ID was looked up {} times in the last hour; try again later",
                    self.per_hour
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nid_is_looked_up_a_few_times_an_hour_and_others_are_not_held_up() {
        let lookups = NidLookups::new(NonZeroU32::new(3).expect("3"));
        let nid = Nid::parse("19710302-4411").expect("nid");
        for _ in 0..3 {
            lookups.check(&nid).expect("within the quota");
        }
        let refused = lookups.check(&nid).expect_err("over the quota");
        assert!(
            matches!(
                refused,
                RelayError::Refused {
                    code: ErrorCode::RateLimited,
                    ..
                }
            ),
            "{refused}"
        );
        let other = Nid::parse("19800101-1234").expect("nid");
        lookups
            .check(&other)
            .expect("another NID has its own quota");
    }
}
