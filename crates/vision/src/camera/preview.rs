//! The preview a scan view draws: the frame scaled down to at most [`PREVIEW_MAX_WIDTH`] pixels
//! wide and written as a JPEG, a few tens of kilobytes that a webview draws without help
//! (`createImageBitmap`), where raw RGBA at that size would be over a megabyte a frame.

use super::{CameraError, CameraFrame};
use crate::decode::PixelFormat;
use image::{DynamicImage, GrayImage, RgbImage, RgbaImage};

/// The widest preview sent to the view, in pixels.
pub const PREVIEW_MAX_WIDTH: u32 = 640;

/// JPEG quality of the preview: enough to aim with.
const PREVIEW_QUALITY: u8 = 70;

/// A frame as the view draws it.
#[derive(Clone, PartialEq, Eq)]
pub struct Preview {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Preview({}×{}, {} bytes)",
            self.width,
            self.height,
            self.jpeg.len()
        )
    }
}

impl Preview {
    /// The preview of `frame`, at most `max_width` pixels wide, its proportions kept.
    pub fn of(frame: &CameraFrame, max_width: u32) -> Result<Self, CameraError> {
        let bad = |reason: String| CameraError::BadPicture { reason };
        frame.frame().map_err(|e| bad(e.to_string()))?;
        let (w, h, pixels) = (frame.width, frame.height, frame.pixels.clone());
        let image = match frame.format {
            PixelFormat::Luma8 => GrayImage::from_raw(w, h, pixels).map(DynamicImage::from),
            PixelFormat::Rgb8 => RgbImage::from_raw(w, h, pixels).map(DynamicImage::from),
            PixelFormat::Rgba8 => RgbaImage::from_raw(w, h, pixels).map(DynamicImage::from),
        }
        .ok_or_else(|| bad("its buffer does not match its size".into()))?;
        let (width, height) = preview_size(w, h, max_width);
        let rgb = match (width, height) == (w, h) {
            true => image.into_rgb8(),
            false => image::imageops::thumbnail(&image.into_rgb8(), width, height),
        };
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, PREVIEW_QUALITY)
            .encode(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .map_err(|e| CameraError::Jpeg {
                reason: e.to_string(),
            })?;
        Ok(Self {
            jpeg,
            width,
            height,
        })
    }
}

/// The size of a `width`×`height` frame scaled to at most `max_width` wide (at least 1×1).
pub fn preview_size(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if width <= max_width {
        return (width, height);
    }
    let scaled = (u64::from(height) * u64::from(max_width) / u64::from(width)).max(1);
    (max_width.max(1), u32::try_from(scaled).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_frame_is_scaled_to_the_preview_width_with_its_proportions() {
        assert_eq!(preview_size(1920, 1080, 640), (640, 360));
        assert_eq!(preview_size(1280, 720, 640), (640, 360));
        assert_eq!(preview_size(640, 480, 640), (640, 480));
        assert_eq!(preview_size(320, 240, 640), (320, 240));
        assert_eq!(preview_size(6400, 1, 640), (640, 1));
    }

    #[test]
    fn the_preview_is_a_jpeg_of_the_scaled_size() {
        let frame = CameraFrame {
            pixels: vec![128; 1280 * 720 * 3],
            width: 1280,
            height: 720,
            format: PixelFormat::Rgb8,
        };
        let preview = Preview::of(&frame, PREVIEW_MAX_WIDTH).expect("a preview");
        assert_eq!((preview.width, preview.height), (640, 360));
        assert!(preview.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        let back = image::load_from_memory(&preview.jpeg).expect("a JPEG");
        assert_eq!((back.width(), back.height()), (640, 360));
    }

    #[test]
    fn a_frame_of_the_wrong_size_gives_no_preview() {
        let frame = CameraFrame {
            pixels: vec![0; 10],
            width: 4,
            height: 4,
            format: PixelFormat::Rgba8,
        };
        assert!(matches!(
            Preview::of(&frame, 640),
            Err(CameraError::BadPicture { reason }) if reason.contains("need 64")
        ));
    }
}
