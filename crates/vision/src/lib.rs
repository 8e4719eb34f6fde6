//! QR codes for Caretrail.
//!
//! [`decode`]: reading QR codes from image files and camera frames.

pub mod decode;
