//! The visit's QR payloads, in one place: what each code carries, its bytes, its text, and the
//! checks a device makes offline before it asks the chain anything.
//!
//! Text = `ct:/` + base64url (no padding) of: a version byte, a kind byte, then the kind's fixed
//! fields (big-endian integers, raw addresses, hashes and 65-byte signatures `r ‖ s ‖ v`). Each
//! kind has exactly one length, so a payload has exactly one encoding: whatever [`decode`] accepts,
//! [`encode`] writes back byte for byte. No code carries health data: only ids, addresses,
//! expiries and signatures.
//!
//! | kind | byte | fields after version and kind | bytes |
//! | --- | --- | --- | --- |
//! | check-in (step 6) | 1 | `VisitToken` (patient, organization, visit id, expires at, not after), H, signature | 187 |
//! | test-list share (step 9) | 2 | `TestListShare` (patient, organization, record id, expires at), signature | 147 |
//! | test-list share with a visit token (a lab in another HO) | 3 | as kind 2, then the visit token's visit id, expires at, not after, signature | 260 |
//! | kiosk code ("here I am") | 4 | `KioskCode` (organization, kiosk, nonce, expires at), signature | 107 |

mod check;
pub mod scan;
mod wire;

pub use check::{CheckError, Signed};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::{
    RegistryDomain, sign_kiosk_code, sign_test_list_share, sign_visit_token,
};
use caretrail_types::{Hash32, KioskCode, Signature, TestListShare, VisitToken};

/// What every Caretrail QR text starts with.
pub const PREFIX: &str = "ct:/";

/// The payload format this build writes and reads.
pub const VERSION: u8 = 1;

/// The patient's check-in code (step 6): her signed visit token for one organization, and H, so
/// that reception can ask the patient registry `isRegistered(patient, H)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub token: VisitToken,
    /// H, her registration's record hash.
    pub record: Hash32,
    /// Her EIP-712 signature over `token`.
    pub signature: Signature,
}

impl CheckIn {
    /// The code the patient's app shows, signed with her key.
    pub fn sign(
        patient: &SecretKey,
        domain: RegistryDomain,
        token: VisitToken,
        record: Hash32,
    ) -> Self {
        let signature = sign_visit_token(patient, domain, &token);
        Self {
            token,
            record,
            signature,
        }
    }
}

/// The patient's test-list code (step 9): her signed share of one test list with a lab's
/// organization, and, when the lab is in another organization than the one that ordered the
/// tests, her visit token for the lab's organization (so it can open a visit and anchor U_R).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedTestList {
    pub share: TestListShare,
    /// Her EIP-712 signature over `share`.
    pub signature: Signature,
    pub visit: Option<LabVisit>,
}

/// Her visit token for the lab's organization, carried in a test-list code. Its patient and
/// organization are the share's, so they are not repeated: a token for anyone else cannot be
/// written in this code at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabVisit {
    pub visit_id: Hash32,
    pub expires_at: u64,
    pub not_after: u64,
    /// Her EIP-712 signature over the whole token ([`SharedTestList::visit_token`]).
    pub signature: Signature,
}

impl SharedTestList {
    /// The code the patient's app shows, signed with her key; `visit` is the visit id, expiry and
    /// deadline to open of a visit token for the same organization, when there is to be one.
    pub fn sign(
        patient: &SecretKey,
        domain: RegistryDomain,
        share: TestListShare,
        visit: Option<(Hash32, u64, u64)>,
    ) -> Self {
        let signature = sign_test_list_share(patient, domain, &share);
        let visit = visit.map(|(visit_id, expires_at, not_after)| {
            let token = VisitToken {
                patient: share.patient,
                organization: share.organization,
                visit_id,
                expires_at,
                not_after,
            };
            LabVisit {
                visit_id,
                expires_at,
                not_after,
                signature: sign_visit_token(patient, domain, &token),
            }
        });
        Self {
            share,
            signature,
            visit,
        }
    }

    /// The visit token the code carries, whole, as `openVisit` takes it.
    pub fn visit_token(&self) -> Option<VisitToken> {
        self.visit.map(|visit| VisitToken {
            patient: self.share.patient,
            organization: self.share.organization,
            visit_id: visit.visit_id,
            expires_at: visit.expires_at,
            not_after: visit.not_after,
        })
    }
}

/// An organization's "here I am" at its kiosk, signed with the organization's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedKioskCode {
    pub code: KioskCode,
    /// The organization's EIP-712 signature over `code`.
    pub signature: Signature,
}

impl SignedKioskCode {
    pub fn sign(organization: &SecretKey, domain: RegistryDomain, code: KioskCode) -> Self {
        let signature = sign_kiosk_code(organization, domain, &code);
        Self { code, signature }
    }
}

/// Any Caretrail QR payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    CheckIn(CheckIn),
    TestList(SharedTestList),
    Kiosk(SignedKioskCode),
}

impl Payload {
    /// What the code is, in words a screen can show.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Payload::CheckIn(_) => "check-in",
            Payload::TestList(_) => "test list",
            Payload::Kiosk(_) => "kiosk code",
        }
    }
}

/// Why a text or a byte string is not a Caretrail payload this build reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("this is not a Caretrail code (it does not start with \"ct:/\")")]
    NotCaretrail,
    #[error("this Caretrail code is damaged: its text is not base64url")]
    NotBase64,
    #[error("this Caretrail code is cut short: it has no version and kind")]
    Empty,
    #[error(
        "this code was made by a newer version of Caretrail (payload version {0}; this app reads version 1): update the app"
    )]
    UnknownVersion(u8),
    #[error("this Caretrail code is of an unknown kind ({0}): update the app")]
    UnknownKind(u8),
    #[error("this {kind} code is cut short: {found} bytes where there should be {expected}")]
    Truncated {
        kind: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("this {kind} code has {extra} bytes too many at its end")]
    TrailingBytes { kind: &'static str, extra: usize },
}

/// The payload's bytes: version, kind, fields.
pub fn to_bytes(payload: &Payload) -> Vec<u8> {
    wire::write(payload)
}

/// A payload from its bytes; refuses another version or kind, a short payload and trailing bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Payload, DecodeError> {
    wire::read(bytes)
}

/// The QR text: `ct:/` + base64url of the bytes, without padding.
pub fn encode(payload: &Payload) -> String {
    let mut text = String::from(PREFIX);
    URL_SAFE_NO_PAD.encode_string(to_bytes(payload), &mut text);
    text
}

/// A payload from a QR's text. The base64url must be canonical (no padding, no stray bits), so a
/// text that decodes is the one [`encode`] writes.
pub fn decode(text: &str) -> Result<Payload, DecodeError> {
    let encoded = text.strip_prefix(PREFIX).ok_or(DecodeError::NotCaretrail)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| DecodeError::NotBase64)?;
    from_bytes(&bytes)
}
