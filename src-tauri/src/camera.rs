//! The instant photo from the device's camera (nokhwa): the first camera, one frame after the
//! exposure settles, as a JPEG. Where there is no camera, a clear refusal: the screen then offers
//! an image file instead.

use caretrail_types::{CapturedPhoto, ErrorCode, UiError};
use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, RequestedFormat, RequestedFormatType};

/// Frames dropped while the camera adjusts its exposure.
const WARM_UP_FRAMES: usize = 5;

fn camera_error(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError::new(
        ErrorCode::NoCamera,
        format!("the camera {what}: {e}; choose an image file instead"),
    )
}

/// Takes one photo (blocking: call it off the async runtime).
pub fn capture() -> Result<CapturedPhoto, UiError> {
    let cameras =
        nokhwa::query(ApiBackend::Auto).map_err(|e| camera_error("cannot be listed", e))?;
    let Some(info) = cameras.first() else {
        return Err(UiError::new(
            ErrorCode::NoCamera,
            "no camera was found on this device; choose an image file instead",
        ));
    };
    let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestResolution);
    let mut camera = Camera::new(info.index().clone(), format)
        .map_err(|e| camera_error("cannot be opened", e))?;
    camera
        .open_stream()
        .map_err(|e| camera_error("does not stream", e))?;
    let mut frame = camera
        .frame()
        .map_err(|e| camera_error("gave no picture", e))?;
    for _ in 0..WARM_UP_FRAMES {
        frame = camera
            .frame()
            .map_err(|e| camera_error("gave no picture", e))?;
    }
    let _ = camera.stop_stream();
    let image = frame
        .decode_image::<RgbFormat>()
        .map_err(|e| camera_error("gave a picture that cannot be decoded", e))?;
    let (width, height) = image.dimensions();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| camera_error("picture cannot be saved as JPEG", e))?;
    Ok(CapturedPhoto {
        jpeg,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the machine has: a camera gives a JPEG, no camera a plain `no_camera` refusal.
    #[test]
    fn a_photo_or_a_clear_refusal() {
        let has_camera = std::fs::read_dir("/dev")
            .map(|dir| {
                dir.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("video"))
            })
            .unwrap_or(false);
        match capture() {
            Ok(photo) => {
                assert!(has_camera, "a photo without a camera");
                assert!(photo.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
                assert!(photo.width > 0 && photo.height > 0);
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::NoCamera, "{e}");
                assert!(e.message.contains("choose an image file"), "{e}");
            }
        }
    }
}
