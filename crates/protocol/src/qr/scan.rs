//! The scan view's verdict, in one place for the app, the CLI and the web page: from what the
//! decoder made of a picture and, when it read a code, that code's text, at `now`, what the view
//! shows: the payload's kind, or a refusal with its own [`ErrorCode`].
//!
//! Only what holds offline without the network's domain: the code is Caretrail's, well formed,
//! of this version, and not expired. Its signatures and organization are `Payload::check`'s, the
//! next screen's.

use super::{DecodeError, Payload, decode};
use caretrail_types::{ErrorCode, QrKind, ScannedCode, UiError};

/// What the decoder made of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen<'a> {
    /// One code, read: its text.
    Text(&'a str),
    /// No code in the picture.
    NoCode,
    /// No code read within the decoder's time budget.
    OutOfTime,
    /// A code was located but not read.
    Unreadable,
    /// More than one code (how many).
    SeveralCodes(usize),
    /// The picture itself cannot be read (a corrupt image file, a frame of the wrong size): the
    /// decoder's reason.
    BadPicture(&'a str),
}

/// The kind a screen names for a payload.
pub fn kind(payload: &Payload) -> QrKind {
    match payload {
        Payload::CheckIn(_) => QrKind::CheckIn,
        Payload::TestList(share) if share.visit.is_some() => QrKind::TestListWithVisit,
        Payload::TestList(_) => QrKind::TestList,
        Payload::Kiosk(_) => QrKind::Kiosk,
    }
}

/// Whether the bytes a decoder read are a Caretrail payload this build reads (the decoder's
/// acceptance predicate: it keeps looking past any other code).
pub fn is_caretrail(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| decode(text).is_ok())
}

/// What the scan view shows for what the decoder saw, at `now` (unix seconds).
pub fn verdict(seen: Seen<'_>, now: u64) -> Result<ScannedCode, UiError> {
    let refuse = |code: ErrorCode, message: String| Err(UiError::new(code, message));
    let text = match seen {
        Seen::Text(text) => text,
        Seen::NoCode => {
            return refuse(
                ErrorCode::NoQrCode,
                "no QR code was found: hold the code inside the frame".into(),
            );
        }
        Seen::OutOfTime => {
            return refuse(
                ErrorCode::NoQrCode,
                "no QR code could be read in time: hold the code still and closer".into(),
            );
        }
        Seen::Unreadable => {
            return refuse(
                ErrorCode::UnreadableCode,
                "a QR code was seen but could not be read: it may be damaged, cut off or out of focus"
                    .into(),
            );
        }
        Seen::SeveralCodes(count) => {
            return refuse(
                ErrorCode::SeveralCodes,
                format!("the picture holds {count} QR codes: show one at a time"),
            );
        }
        Seen::BadPicture(reason) => {
            return refuse(
                ErrorCode::BadPicture,
                format!("the picture cannot be read: {reason}"),
            );
        }
    };
    let payload = decode(text).map_err(|e| {
        let code = match e {
            DecodeError::NotCaretrail => ErrorCode::NotCaretrail,
            DecodeError::UnknownVersion(_) | DecodeError::UnknownKind(_) => ErrorCode::NewerCode,
            DecodeError::NotBase64
            | DecodeError::Empty
            | DecodeError::Truncated { .. }
            | DecodeError::TrailingBytes { .. } => ErrorCode::DamagedCode,
        };
        UiError::new(code, e.to_string())
    })?;
    payload
        .check_time(now)
        .map_err(|e| UiError::new(ErrorCode::CodeExpired, e.to_string()))?;
    Ok(ScannedCode {
        kind: kind(&payload),
        text: text.to_owned(),
        expires_at: payload.expires_at(),
    })
}
