//! The device's first camera through nokhwa.

use super::{CameraError, CameraFrame, FrameSource};
use crate::decode::PixelFormat;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, RequestedFormat, RequestedFormatType};

/// Frames dropped while the camera adjusts its exposure, before a photo.
const WARM_UP_FRAMES: usize = 5;

/// What the camera is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// One sharp photo: its highest resolution.
    Photo,
    /// Scanning: its highest frame rate, so that the preview follows the hand.
    Scan,
}

fn unavailable(what: &'static str) -> impl FnOnce(nokhwa::NokhwaError) -> CameraError {
    move |e| CameraError::Unavailable {
        what,
        reason: e.to_string(),
    }
}

/// The device's first camera, streaming until it is dropped.
pub struct Camera {
    inner: nokhwa::Camera,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera")
            .field("name", &self.inner.info().human_name())
            .finish_non_exhaustive()
    }
}

impl Camera {
    /// Opens the first camera and starts its stream (blocking: call it off an async runtime).
    pub fn open_first(pace: Pace) -> Result<Self, CameraError> {
        let cameras = nokhwa::query(ApiBackend::Auto).map_err(unavailable("cannot be listed"))?;
        let info = cameras.first().ok_or(CameraError::NoCamera)?;
        let wanted = match pace {
            Pace::Photo => RequestedFormatType::AbsoluteHighestResolution,
            Pace::Scan => RequestedFormatType::AbsoluteHighestFrameRate,
        };
        let mut inner = nokhwa::Camera::new(
            info.index().clone(),
            RequestedFormat::new::<RgbFormat>(wanted),
        )
        .map_err(unavailable("cannot be opened"))?;
        inner
            .open_stream()
            .map_err(unavailable("does not stream"))?;
        Ok(Self { inner })
    }
}

impl FrameSource for Camera {
    fn next_frame(&mut self) -> Result<CameraFrame, CameraError> {
        // Once the stream is open, a camera that gives nothing more is gone.
        let buffer = self.inner.frame().map_err(|e| CameraError::Lost {
            reason: e.to_string(),
        })?;
        let image = buffer
            .decode_image::<RgbFormat>()
            .map_err(|e| CameraError::BadPicture {
                reason: e.to_string(),
            })?;
        let (width, height) = image.dimensions();
        Ok(CameraFrame {
            pixels: image.into_raw(),
            width,
            height,
            format: PixelFormat::Rgb8,
        })
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.inner.stop_stream();
    }
}

/// A photo as JPEG bytes with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// One photo from the first camera, once its exposure settles, as a JPEG (blocking).
pub fn capture_photo() -> Result<Photo, CameraError> {
    let mut camera = Camera::open_first(Pace::Photo)?;
    let mut frame = camera.next_frame()?;
    for _ in 0..WARM_UP_FRAMES {
        frame = camera.next_frame()?;
    }
    drop(camera);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(
            &frame.pixels,
            frame.width,
            frame.height,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| CameraError::Jpeg {
            reason: e.to_string(),
        })?;
    Ok(Photo {
        jpeg,
        width: frame.width,
        height: frame.height,
    })
}
