//! Pictures as the decoder takes them: a camera frame (luma, RGB or RGBA bytes with its size),
//! checked before use, or an image file; both become a [`Luma`] plane.

use super::error::{DecodeError, FrameError};

/// At most this many pixels are read from a frame or a file (a 64-megapixel photograph).
pub const MAX_PIXELS: usize = 64 * 1024 * 1024;

/// How a frame's pixels are laid out, row after row with no padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// One byte of luminance per pixel.
    Luma8,
    /// Red, green, blue: three bytes per pixel.
    Rgb8,
    /// Red, green, blue, alpha: four bytes per pixel.
    Rgba8,
}

impl PixelFormat {
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Luma8 => 1,
            Self::Rgb8 => 3,
            Self::Rgba8 => 4,
        }
    }
}

/// A camera frame whose buffer matches its size and format.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
    format: PixelFormat,
}

impl std::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl<'a> Frame<'a> {
    /// The frame, if `pixels` holds exactly `width`×`height` pixels of `format`.
    pub fn new(
        pixels: &'a [u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<Self, FrameError> {
        let count = checked_pixel_count(width, height)?;
        let expected = count * format.bytes_per_pixel();
        if pixels.len() != expected {
            return Err(FrameError::SizeMismatch {
                width,
                height,
                format,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            pixels,
            width,
            height,
            format,
        })
    }

    /// The frame's luminance (ITU-R BT.601 weights).
    pub fn to_luma(&self) -> Luma {
        let pixels = match self.format {
            PixelFormat::Luma8 => self.pixels.to_vec(),
            PixelFormat::Rgb8 => self.pixels.chunks_exact(3).map(luminance).collect(),
            PixelFormat::Rgba8 => self.pixels.chunks_exact(4).map(luminance).collect(),
        };
        Luma {
            width: self.width as usize,
            height: self.height as usize,
            pixels,
        }
    }
}

fn luminance(rgb: &[u8]) -> u8 {
    let [r, g, b] = [rgb[0], rgb[1], rgb[2]].map(u32::from);
    // At most 255 * 1000 / 1000.
    ((299 * r + 587 * g + 114 * b + 500) / 1000) as u8
}

fn checked_pixel_count(width: u32, height: u32) -> Result<usize, FrameError> {
    if width == 0 || height == 0 {
        return Err(FrameError::Empty { width, height });
    }
    let count = (width as usize)
        .checked_mul(height as usize)
        .filter(|&count| count <= MAX_PIXELS)
        .ok_or(FrameError::TooLarge {
            width,
            height,
            max: MAX_PIXELS,
        })?;
    Ok(count)
}

/// A plane of luminance, 0 black to 255 white, row after row.
#[derive(Clone, PartialEq, Eq)]
pub struct Luma {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for Luma {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Luma({}×{})", self.width, self.height)
    }
}

impl Luma {
    /// The plane, if `pixels` holds exactly `width`×`height` bytes.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, FrameError> {
        Frame::new(&pixels, width, height, PixelFormat::Luma8)?;
        Ok(Self {
            width: width as usize,
            height: height as usize,
            pixels,
        })
    }

    /// Built by the preprocessing steps, whose sizes are right by construction.
    pub(crate) fn from_parts(width: usize, height: usize, pixels: Vec<u8>) -> Self {
        debug_assert_eq!(pixels.len(), width * height);
        Self {
            width,
            height,
            pixels,
        }
    }

    /// The luminance of an image file (PNG, JPEG or GIF; the first frame of an animation).
    pub fn from_image_file(bytes: &[u8]) -> Result<Self, DecodeError> {
        let image = image::load_from_memory(bytes).map_err(DecodeError::ImageFile)?;
        let grey = image.into_luma8();
        let (width, height) = grey.dimensions();
        checked_pixel_count(width, height)?;
        Ok(Self {
            width: width as usize,
            height: height as usize,
            pixels: grey.into_raw(),
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub(crate) fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_shorter_than_its_size_is_refused() {
        let pixels = vec![0; 10 * 10 * 3 - 1];
        assert_eq!(
            Frame::new(&pixels, 10, 10, PixelFormat::Rgb8).unwrap_err(),
            FrameError::SizeMismatch {
                width: 10,
                height: 10,
                format: PixelFormat::Rgb8,
                expected: 300,
                actual: 299
            }
        );
    }

    #[test]
    fn a_frame_longer_than_its_size_is_refused() {
        let pixels = vec![0; 10 * 10 + 1];
        assert!(matches!(
            Frame::new(&pixels, 10, 10, PixelFormat::Luma8),
            Err(FrameError::SizeMismatch {
                expected: 100,
                actual: 101,
                ..
            })
        ));
    }

    #[test]
    fn an_empty_frame_is_refused() {
        assert_eq!(
            Frame::new(&[], 0, 10, PixelFormat::Luma8).unwrap_err(),
            FrameError::Empty {
                width: 0,
                height: 10
            }
        );
    }

    #[test]
    fn a_frame_too_large_to_read_is_refused_before_any_allocation() {
        assert!(matches!(
            Frame::new(&[], u32::MAX, u32::MAX, PixelFormat::Rgba8),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn rgb_and_rgba_become_luminance() {
        let rgb = [255, 255, 255, 0, 0, 0, 255, 0, 0];
        let frame = Frame::new(&rgb, 3, 1, PixelFormat::Rgb8).unwrap();
        assert_eq!(frame.to_luma().pixels(), &[255, 0, 76]);
        let rgba = [0, 255, 0, 9, 0, 0, 255, 9];
        let frame = Frame::new(&rgba, 2, 1, PixelFormat::Rgba8).unwrap();
        assert_eq!(frame.to_luma().pixels(), &[150, 29]);
    }
}
