//! The decoder's refusals and outcomes other than one read code.

use super::cascade::Read;
use super::frame::PixelFormat;

/// A camera frame that cannot be a picture of the size it claims.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("the frame is empty ({width}×{height} pixels)")]
    Empty { width: u32, height: u32 },
    #[error(
        "the frame's buffer holds {actual} bytes, but {width}×{height} pixels of {format:?} need {expected}"
    )]
    SizeMismatch {
        width: u32,
        height: u32,
        format: PixelFormat,
        expected: usize,
        actual: usize,
    },
    #[error("the frame is too large ({width}×{height} pixels; at most {max} pixels are read)")]
    TooLarge { width: u32, height: u32, max: usize },
}

/// Why no single QR code came out of an image or a frame.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the image file could not be read: {0}")]
    ImageFile(#[source] image::ImageError),
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("no QR code was found in the picture")]
    NoCode,
    #[error("a QR code was seen but could not be read: it may be damaged, cut off or out of focus")]
    Unreadable,
    #[error("the picture holds {} different QR codes: show one at a time", .0.len())]
    SeveralCodes(Vec<String>),
    #[error("a QR code was read, but it is not the kind asked for")]
    NotAccepted(Read),
    #[error("no QR code was read within the time budget of {budget_ms} ms")]
    OutOfTime { budget_ms: u128 },
}
