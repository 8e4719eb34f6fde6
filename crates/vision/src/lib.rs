//! Caretrail's QR codes as images.
//!
//! - [`encode`]: a payload's text as a QR code at error correction M, as SVG (the UI), PNG (files)
//!   and Unicode half-blocks (the terminal); builds for wasm32.

pub mod encode;
