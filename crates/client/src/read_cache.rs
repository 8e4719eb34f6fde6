//! What this client read before and may read alike again, kept in memory for its life: a
//! record's id is the hash of its patient, kind and body, so a record read under an id and
//! checked against its author's anchor is the same record the next time; and a claim's anchor,
//! once on chain, names the same insurer for good. The billing desk and the insurer read each of
//! her earlier claims once, not once per later bill.
//!
//! Bounded: only small records are kept (a claim is a few KB), and when the kept bytes would
//! pass [`MAX_BYTES`] everything is dropped, to be read again. Plaintext is zeroed when dropped,
//! and never printed.

use caretrail_types::{Address, Hash32};
use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The largest record kept.
pub(crate) const MAX_RECORD_BYTES: usize = 256 * 1024;
/// The most kept in all.
pub(crate) const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The most claims' insurers kept.
const MAX_INSURERS: usize = 100_000;

/// A read: by whom (the reader's key), of which patient's record, checked against whose anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Read {
    pub reader: Address,
    pub patient: Address,
    pub id: Hash32,
    pub author: Option<Address>,
}

#[derive(Default)]
struct Kept {
    plain: HashMap<Read, Zeroizing<Vec<u8>>>,
    bytes: usize,
    /// Each anchored claim's insurer, by its author and id.
    insurers: HashMap<(Address, Hash32), Address>,
}

#[derive(Default)]
pub(crate) struct ReadCache {
    kept: Mutex<Kept>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadCache(..)")
    }
}

impl ReadCache {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding it leaves nothing half-done: a map insert or a clear.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The plaintext `read` gave before, if kept.
    pub(crate) fn plain(&self, read: &Read) -> Option<Vec<u8>> {
        self.kept().plain.get(read).map(|p| p.to_vec())
    }

    /// Keeps what `read` gave, when it is small enough.
    pub(crate) fn keep_plain(&self, read: Read, plain: &[u8]) {
        if plain.len() > MAX_RECORD_BYTES {
            return;
        }
        let mut kept = self.kept();
        if kept.bytes + plain.len() > MAX_BYTES {
            kept.plain.clear();
            kept.bytes = 0;
        }
        if let Some(old) = kept.plain.insert(read, Zeroizing::new(plain.to_vec())) {
            kept.bytes -= old.len();
        }
        kept.bytes += plain.len();
    }

    /// The insurer named by `author`'s anchor of claim `id`, if kept.
    pub(crate) fn insurer(&self, author: Address, id: Hash32) -> Option<Address> {
        self.kept().insurers.get(&(author, id)).copied()
    }

    /// Keeps the insurer named by `author`'s anchor of claim `id`.
    pub(crate) fn keep_insurer(&self, author: Address, id: Hash32, insurer: Address) {
        let mut kept = self.kept();
        if kept.insurers.len() >= MAX_INSURERS {
            kept.insurers.clear();
        }
        kept.insurers.insert((author, id), insurer);
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.kept().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(reader: u8, id: u8) -> Read {
        Read {
            reader: Address([reader; 20]),
            patient: Address([9; 20]),
            id: Hash32([id; 32]),
            author: Some(Address([7; 20])),
        }
    }

    #[test]
    fn a_read_is_kept_for_its_reader_and_author_only_and_the_whole_stays_bounded() {
        let cache = ReadCache::default();
        cache.keep_plain(read(1, 1), b"claim one");
        assert_eq!(cache.plain(&read(1, 1)).as_deref(), Some(&b"claim one"[..]));
        // Another reader, or the same record checked against another author, reads it anew.
        assert_eq!(cache.plain(&read(2, 1)), None);
        let unchecked = Read {
            author: None,
            ..read(1, 1)
        };
        assert_eq!(cache.plain(&unchecked), None);
        // The same read again counts once.
        cache.keep_plain(read(1, 1), b"claim one");
        assert_eq!(cache.bytes(), 9);
        // A large record is not kept.
        cache.keep_plain(read(1, 2), &vec![0; MAX_RECORD_BYTES + 1]);
        assert_eq!(cache.plain(&read(1, 2)), None);
        // Past the bound, what was kept goes.
        let big = vec![1; MAX_RECORD_BYTES];
        for id in 3..=(MAX_BYTES / MAX_RECORD_BYTES + 3) as u8 {
            cache.keep_plain(read(1, id), &big);
            assert!(cache.bytes() <= MAX_BYTES);
        }
        assert_eq!(cache.plain(&read(1, 1)), None, "dropped at the bound");
        assert_eq!(format!("{cache:?}"), "ReadCache(..)", "never printed");

        let (hospital, claim, insurer) = (Address([3; 20]), Hash32([1; 32]), Address([4; 20]));
        cache.keep_insurer(hospital, claim, insurer);
        assert_eq!(cache.insurer(hospital, claim), Some(insurer));
        assert_eq!(cache.insurer(hospital, Hash32([2; 32])), None);
        assert_eq!(
            cache.insurer(Address([5; 20]), claim),
            None,
            "another's anchor"
        );
    }
}
