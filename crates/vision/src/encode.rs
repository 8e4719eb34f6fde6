//! A payload's text as a QR code, at error correction M and at most version 15 (a code a phone
//! screen shows large enough to read), drawn as SVG for the UI, PNG for files and Unicode
//! half-blocks for the terminal. Pure computation: no IO, builds for wasm32.

use qrcode::render::{svg, unicode};
use qrcode::{Color, EcLevel, QrCode, Version};

/// The largest QR version Caretrail writes: every payload fits (`crates/protocol/tests/qr.rs`),
/// and a denser code is harder to read off a screen.
pub const MAX_VERSION: i16 = 15;

/// Light modules around the code, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// The PNG module sizes this encodes, in pixels.
pub const PNG_MODULE_PX: std::ops::RangeInclusive<u32> = 1..=64;

/// Why a text is not drawn as a QR code.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the text is too long for any QR code")]
    TooLong,
    #[error(
        "the text needs QR version {version}; Caretrail's codes stay at version {MAX_VERSION} or below to be read off a screen"
    )]
    TooDense { version: i16 },
    #[error("a QR module of {0} pixels: the PNG's module size is from 1 to 64 pixels")]
    ModuleSize(u32),
    #[error("the PNG could not be written: {0}")]
    Png(#[from] png::EncodingError),
}

/// A text's QR code, ready to draw.
#[derive(Clone)]
pub struct QrImage {
    code: QrCode,
}

impl std::fmt::Debug for QrImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrImage")
            .field("version", &self.version())
            .field("modules", &self.modules())
            .finish()
    }
}

impl QrImage {
    /// The QR code of `text` at error correction M, in the smallest version that holds it.
    pub fn new(text: &str) -> Result<Self, EncodeError> {
        // With the version left to the encoder and a fixed level, the length is all that fails.
        let code = QrCode::with_error_correction_level(text, EcLevel::M)
            .map_err(|_| EncodeError::TooLong)?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        };
        if version > MAX_VERSION {
            return Err(EncodeError::TooDense { version });
        }
        Ok(Self { code })
    }

    /// The QR version (1 to [`MAX_VERSION`]).
    pub fn version(&self) -> i16 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        }
    }

    /// Modules on a side, without the quiet zone.
    pub fn modules(&self) -> usize {
        self.code.width()
    }

    /// Whether the module at column `x`, row `y` (quiet zone excluded) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.code[(x, y)] == Color::Dark
    }

    /// Modules on a side with the quiet zone.
    fn side(&self) -> usize {
        self.modules() + 2 * QUIET_ZONE
    }

    /// An SVG document, black on white with its quiet zone, one user unit per module: it scales
    /// to any size without blurring (`shape-rendering="crispEdges"`).
    pub fn to_svg(&self) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(1, 1)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
    }

    /// A PNG file, 8-bit grey, black on white with its quiet zone, `module_px` pixels a module.
    pub fn to_png(&self, module_px: u32) -> Result<Vec<u8>, EncodeError> {
        if !PNG_MODULE_PX.contains(&module_px) {
            return Err(EncodeError::ModuleSize(module_px));
        }
        let scale = module_px as usize;
        let side_px = self.side() * scale;
        let mut pixels = vec![0xffu8; side_px * side_px];
        for y in 0..self.modules() {
            for x in 0..self.modules() {
                if !self.is_dark(x, y) {
                    continue;
                }
                for row in 0..scale {
                    let start =
                        ((y + QUIET_ZONE) * scale + row) * side_px + (x + QUIET_ZONE) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
        let mut file = Vec::new();
        // At most (57 + 8) × 64 = 4,160 pixels a side.
        let side = u32::try_from(side_px).map_err(|_| EncodeError::ModuleSize(module_px))?;
        let mut encoder = png::Encoder::new(&mut file, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(file)
    }

    /// Text for a terminal: two rows of modules a line, in Unicode half-blocks (`▀`, `▄`, `█`),
    /// with its quiet zone. A block is a light module, drawn in the text's color, so the code
    /// reads on the usual light-on-dark terminal, where the background is the dark modules.
    pub fn to_terminal(&self) -> String {
        self.code
            .render::<unicode::Dense1x2>()
            .quiet_zone(true)
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .build()
    }
}
