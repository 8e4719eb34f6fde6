//! The instant photo from the device's camera (`caretrail_vision::camera`: the first camera,
//! one frame after the exposure settles, as a JPEG). Where there is no camera, a clear refusal:
//! the screen then offers an image file instead.

use caretrail_types::{CapturedPhoto, ErrorCode, UiError};
use caretrail_vision::camera::{CameraError, capture_photo};

/// Takes one photo (blocking: call it off the async runtime).
pub fn capture() -> Result<CapturedPhoto, UiError> {
    capture_photo()
        .map(|photo| CapturedPhoto {
            jpeg: photo.jpeg,
            width: photo.width,
            height: photo.height,
        })
        .map_err(photo_refusal)
}

fn photo_refusal(e: CameraError) -> UiError {
    let code = match e {
        CameraError::NoCamera | CameraError::Unavailable { .. } => ErrorCode::NoCamera,
        CameraError::Lost { .. } => ErrorCode::CameraLost,
        CameraError::BadPicture { .. } | CameraError::Jpeg { .. } => ErrorCode::Internal,
    };
    UiError::new(code, e.to_string())
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

    #[test]
    fn a_camera_lost_while_taking_the_photo_says_so() {
        let e = photo_refusal(CameraError::Lost {
            reason: "No such device".into(),
        });
        assert_eq!(e.code, ErrorCode::CameraLost);
        assert!(e.message.contains("unplugged"), "{e}");
    }
}
