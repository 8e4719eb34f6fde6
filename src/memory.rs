//! The relay's memory, given back: its processes (the `caretrail` command, the benches) allocate
//! with jemalloc (`#[global_allocator]` in each binary), and [`give_back_freed_memory`] starts
//! jemalloc's background thread and shortens its decay, so that pages freed for about a second
//! go back to the OS even while the process sits idle.
//!
//! With glibc's allocator the 8 MiB photos of abandoned verify requests stayed in its arenas:
//! once a large block is freed, glibc raises its mmap threshold to that size, and the next photos
//! come from the heap, which it keeps.

use tikv_jemalloc_ctl::{Access as _, AsName as _};

/// How long jemalloc keeps freed (dirty) pages for reuse before giving them back, fading in from
/// the moment they are freed (jemalloc's default is 10 s). An 8 MiB photo is cheap to fault in
/// again; a relay idle after a burst should not hold it.
pub const DIRTY_DECAY_MS: isize = 1000;

/// Starts jemalloc's background purging with [`DIRTY_DECAY_MS`], for the arenas there are and
/// those to come. Call it once at start, from a binary whose global allocator is
/// `tikv_jemallocator::Jemalloc`.
pub fn give_back_freed_memory() -> Result<(), tikv_jemalloc_ctl::Error> {
    // `ssize_t` in jemalloc: isize. New arenas take `arenas.dirty_decay_ms`.
    b"arenas.dirty_decay_ms\0".name().write(DIRTY_DECAY_MS)?;
    let arenas = tikv_jemalloc_ctl::arenas::narenas::read()?;
    for arena in 0..arenas {
        // Arenas not yet in use refuse the write; they will take the default above.
        let key = format!("arena.{arena}.dirty_decay_ms\0");
        key.as_str().name().write(DIRTY_DECAY_MS).ok();
    }
    tikv_jemalloc_ctl::background_thread::write(true)
}

/// Whether jemalloc's background purging runs, and the decay of new arenas in milliseconds.
pub fn giving_back() -> (bool, isize) {
    (
        tikv_jemalloc_ctl::background_thread::read().unwrap_or(false),
        b"arenas.dirty_decay_ms\0".name().read().unwrap_or(-1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test binary's Rust allocator is `System`, whose `malloc` is jemalloc's here (linked
    /// unprefixed); its background thread starts only when asked.
    #[test]
    fn background_purging_starts_with_the_short_decay() {
        give_back_freed_memory().expect("jemalloc's controls");
        assert_eq!(giving_back(), (true, DIRTY_DECAY_MS));
        let arena_0: isize = b"arena.0.dirty_decay_ms\0".name().read().expect("arena 0");
        assert_eq!(arena_0, DIRTY_DECAY_MS);
    }
}
