//! The decoder's outcome as the scan view's verdict (`caretrail_protocol::qr::scan`): the one
//! place the app, the CLI and the web page's worker turn a picture into what the view shows.

use crate::decode::{DecodeError, Luma, Options, Read, scan};
use caretrail_protocol::qr::scan::{Seen, is_caretrail, verdict as verdict_of};
use caretrail_types::{ScannedCode, UiError};
use std::time::Duration;

/// The decoder's options for a scan: it keeps looking past any code that is not a Caretrail
/// payload, within the default time budget.
pub fn caretrail_options() -> Options<'static> {
    Options::accepting(&is_caretrail)
}

/// What the scan view shows for the decoder's `outcome`, at `now` (unix seconds). A code the
/// decoder read but did not accept is judged by its text (not Caretrail's, damaged, newer).
pub fn verdict(outcome: &Result<Read, DecodeError>, now: u64) -> Result<ScannedCode, UiError> {
    let reason;
    let seen = match outcome {
        Ok(read) | Err(DecodeError::NotAccepted(read)) => Seen::Text(&read.text),
        Err(DecodeError::NoCode) => Seen::NoCode,
        Err(DecodeError::OutOfTime { .. }) => Seen::OutOfTime,
        Err(DecodeError::Unreadable) => Seen::Unreadable,
        Err(DecodeError::SeveralCodes(texts)) => Seen::SeveralCodes(texts.len()),
        Err(e @ (DecodeError::ImageFile(_) | DecodeError::Frame(_))) => {
            reason = e.to_string();
            Seen::BadPicture(&reason)
        }
    };
    verdict_of(seen, now)
}

/// Reads a luminance plane for a scan; `elapsed` is the time since it began (the web page's
/// worker passes `performance.now()`'s).
pub fn read_luma(
    luma: &Luma,
    now: u64,
    elapsed: &mut dyn FnMut() -> Duration,
) -> Result<ScannedCode, UiError> {
    verdict(&scan(luma, &caretrail_options(), elapsed), now)
}

/// Reads a camera frame for a scan, on the system's clock.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_frame(frame: &crate::decode::Frame<'_>, now: u64) -> Result<ScannedCode, UiError> {
    verdict(
        &crate::decode::decode_frame(frame, &caretrail_options()),
        now,
    )
}

/// Reads an image file (PNG, JPEG or GIF bytes) for a scan, on the system's clock.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_image_file(bytes: &[u8], now: u64) -> Result<ScannedCode, UiError> {
    verdict(
        &crate::decode::decode_image_file(bytes, &caretrail_options()),
        now,
    )
}
