//! Reading QR codes from image files and camera frames.
//!
//! A picture becomes a [`Luma`] plane (a [`Frame`] is checked against its size first; a file is
//! decoded as PNG, JPEG or GIF), then the [cascade](CASCADE) runs attempts on it until one reads
//! a code that the caller accepts, within a time budget. Exactly one code, or a typed
//! [`DecodeError`]: none, one seen but unreadable, several, one not accepted, out of time.
//!
//! The decoding compiles for wasm32 (where a panic traps the instance instead of unwinding: run
//! it in a worker there). [`scan`] takes the clock as a function, so it needs none of its own;
//! [`decode_frame`] and [`decode_image_file`] use the system's monotonic clock on native targets.

mod bent;
mod cascade;
mod error;
mod frame;
mod polarity;
mod preprocess;
mod readers;
mod text;

pub use cascade::{
    Accept, Attempt, CANDIDATES, CASCADE, DEFAULT_BUDGET, Options, Read, in_order, scan,
};
pub use error::{DecodeError, FrameError};
pub use frame::{Frame, Luma, MAX_PIXELS, PixelFormat};
pub use polarity::{Polarity, polarity};
pub use preprocess::Prep;
pub use readers::{Outcome, Reader};
pub use text::{TextEncoding, text_from_bytes};

/// Reads the one QR code of a camera frame.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_frame(frame: &Frame<'_>, options: &Options<'_>) -> Result<Read, DecodeError> {
    let start = std::time::Instant::now();
    scan(&frame.to_luma(), options, &mut || start.elapsed())
}

/// Reads the one QR code of an image file (PNG, JPEG or GIF bytes).
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_image_file(bytes: &[u8], options: &Options<'_>) -> Result<Read, DecodeError> {
    let luma = Luma::from_image_file(bytes)?;
    let start = std::time::Instant::now();
    scan(&luma, options, &mut || start.elapsed())
}
