//! The `caretrail` package as a library: the local stack that the `up` command runs and the
//! end-to-end tests start, so both go through the same wiring.

#[cfg(unix)]
pub mod memory;
pub mod stack;
