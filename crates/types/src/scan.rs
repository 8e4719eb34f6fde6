//! What a scan shows: the kind of the Caretrail code that was read, its text and when it
//! expires. The refusals are `UiError`s with their own codes (`no_qr_code`, `not_caretrail`...).

use serde::{Deserialize, Serialize};

/// The kinds of Caretrail QR payloads, as a screen names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrKind {
    /// The patient's check-in code (her signed visit token and H).
    CheckIn,
    /// The patient's share of a test list with a lab.
    TestList,
    /// A test-list share that also carries her visit token for the lab's organization.
    TestListWithVisit,
    /// An organization's "here I am" at its kiosk.
    Kiosk,
}

impl QrKind {
    /// The kind in words.
    pub fn label(self) -> &'static str {
        match self {
            QrKind::CheckIn => "check-in code",
            QrKind::TestList => "test-list share",
            QrKind::TestListWithVisit => "test-list share with a visit token",
            QrKind::Kiosk => "kiosk code",
        }
    }
}

/// A Caretrail code read and accepted offline (well formed, of this version, not expired). Its
/// signatures and organization are the next screen's checks (`protocol::qr::check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedCode {
    pub kind: QrKind,
    /// The code's text, `ct:/…`.
    pub text: String,
    /// Unix seconds: the earliest expiry of its signed parts.
    pub expires_at: u64,
}
