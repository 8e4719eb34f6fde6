//! The camera, as the scanner and the registration photo use it: a [`FrameSource`] yields
//! frames at the camera's pace (each call blocks until the next one), and says with a typed
//! [`CameraError`] when there is no camera or when it disappears mid-stream. The trait and the
//! frames are plain data, so the scanning session is tested with a frame source of its own;
//! [`Camera`] (nokhwa: V4L2 on Linux, the OS's own API elsewhere) is behind the `camera` feature.

#[cfg(all(feature = "camera", not(target_arch = "wasm32")))]
mod device;
mod preview;
pub mod session;

#[cfg(all(feature = "camera", not(target_arch = "wasm32")))]
pub use device::{Camera, Pace, Photo, capture_photo};
pub use preview::{PREVIEW_MAX_WIDTH, Preview};

use crate::decode::{Frame, FrameError, PixelFormat};

/// Why the camera gives no (more) frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera was found on this device; choose an image file instead")]
    NoCamera,
    #[error("the camera {what}: {reason}; choose an image file instead")]
    Unavailable { what: &'static str, reason: String },
    #[error(
        "the camera stopped giving pictures ({reason}): was it unplugged or taken by another program?"
    )]
    Lost { reason: String },
    #[error("the camera gave a picture that cannot be decoded: {reason}")]
    BadPicture { reason: String },
    #[error("the photo cannot be saved as JPEG: {reason}")]
    Jpeg { reason: String },
}

impl CameraError {
    /// Whether the stream may go on after this error (one picture lost, not the camera).
    pub fn is_transient(&self) -> bool {
        matches!(self, CameraError::BadPicture { .. })
    }
}

/// A frame the camera gave, owned: its pixels, row after row, with its size and layout.
#[derive(Clone, PartialEq, Eq)]
pub struct CameraFrame {
    pub pixels: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
}

impl std::fmt::Debug for CameraFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl CameraFrame {
    /// The frame as the decoder takes it, if its buffer matches its size.
    pub fn frame(&self) -> Result<Frame<'_>, FrameError> {
        Frame::new(&self.pixels, self.width, self.height, self.format)
    }
}

/// Where frames come from, one at a time, at the source's own pace.
pub trait FrameSource {
    /// The next frame; blocks until the source has one.
    fn next_frame(&mut self) -> Result<CameraFrame, CameraError>;
}
