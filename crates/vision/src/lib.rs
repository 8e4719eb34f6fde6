//! Caretrail's QR codes.
//!
//! - [`encode`]: a payload's text as a QR code at error correction M, as SVG (the UI), PNG (files)
//!   and Unicode half-blocks (the terminal); builds for wasm32.
//! - [`decode`]: reading QR codes from image files and camera frames.

pub mod decode;
pub mod encode;
