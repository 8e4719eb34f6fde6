//! Pictures for the tests: clean renders of codes, and the generated set of degraded ones.

#![allow(dead_code)]

pub mod generated;

use caretrail_vision::decode::Luma;
use qrcode::{Color, EcLevel, QrCode};

/// `texts` as clean codes side by side on white, `scale` pixels per module, 4 modules of quiet
/// zone each.
pub fn clean(texts: &[&str], scale: usize) -> Luma {
    let codes: Vec<QrCode> = texts
        .iter()
        .map(|t| {
            QrCode::with_error_correction_level(t.as_bytes(), EcLevel::M).expect("fits a QR code")
        })
        .collect();
    let span = |c: &QrCode| (c.width() + 8) * scale;
    let width: usize = codes.iter().map(span).sum();
    let height = codes.iter().map(span).max().expect("at least one code");
    let mut pixels = vec![255u8; width * height];
    let mut left = 0;
    for code in &codes {
        let modules = code.width();
        let colors = code.to_colors();
        for y in 0..modules * scale {
            for x in 0..modules * scale {
                if colors[(y / scale) * modules + x / scale] == Color::Dark {
                    pixels[(y + 4 * scale) * width + left + x + 4 * scale] = 0;
                }
            }
        }
        left += span(code);
    }
    Luma::new(width as u32, height as u32, pixels).expect("sizes match")
}

/// The luminance as a PNG file.
pub fn png(luma: &Luma) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_raw(
        luma.width() as u32,
        luma.height() as u32,
        luma.pixels().to_vec(),
    )
    .expect("sizes match")
    .write_to(&mut out, image::ImageFormat::Png)
    .expect("PNG encodes");
    out.into_inner()
}
