//! A code drawn by the scanner worker for [`crate::qr_view::QrView`] (the page's wasm has no QR
//! encoder: `qrcode` would put it over its size budget). Shared by both bins.

use serde::{Deserialize, Serialize};

/// A code's modules as an SVG path, one unit a module, on a square of `side` units (the code
/// and its quiet zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnCode {
    pub side: usize,
    pub path: String,
}
