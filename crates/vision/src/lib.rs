//! Caretrail's QR codes.
//!
//! - [`encode`]: a payload's text as a QR code at error correction M, as SVG (the UI), PNG (files)
//!   and Unicode half-blocks (the terminal); builds for wasm32.
//! - [`decode`]: reading QR codes from image files and camera frames.
//! - [`verdict`]: the decoder's outcome as the scan view shows it (the payload's kind or a
//!   refusal), through `caretrail_protocol::qr::scan`.
//! - [`camera`]: frames at the camera's pace (the device's camera behind the `camera` feature),
//!   the scan view's preview, and a scanning [`session`](camera::session) that decodes the
//!   latest frame and drops the others.

pub mod camera;
pub mod decode;
pub mod encode;
pub mod verdict;
