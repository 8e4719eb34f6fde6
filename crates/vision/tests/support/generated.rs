//! The generated set: photograph-like pictures of Caretrail-like payloads (`ct:/` and the
//! base64url of 60–250 random bytes, error correction M), rendered and then degraded, from a
//! fixed seed. Shared by the tests and the `qr` bench (which can also write them out).
//!
//! Every picture is a code on a sheet, seen at a mild angle (a perspective of a few percent and
//! a rotation) with mild sensor noise; each then gets one strong degradation, its category, at a
//! [`Strength`]: mild (the first set: most readers read most of it) or hard (the bench's set: the
//! ranges chosen, before the cascade was changed, so that zxing-cpp alone reads roughly 40–80% of
//! each degradation; measured on seed 15, reported on seed 14).
//!
//! Each picture draws from its own stream of the seed (by index and degradation), so a picture
//! stays the same when others are added.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qrcode::{Color, EcLevel, QrCode};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The seed of the set the bench reports.
pub const SEED: u64 = 14;

/// The strong degradation a picture gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Degradation {
    Rotation,
    Perspective,
    Defocus,
    MotionBlur,
    Noise,
    LowContrast,
    UnevenLight,
    Jpeg,
    FewPixels,
    DarkMode,
    Warp,
}

/// How strong the degradations are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Mild,
    Hard,
}

impl Strength {
    pub fn name(self) -> &'static str {
        match self {
            Self::Mild => "mild",
            Self::Hard => "hard",
        }
    }

    /// `mild` or `hard`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Mild, Self::Hard]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The range of a degradation's parameter: `mild` or `hard`.
    fn pick(self, mild: (f64, f64), hard: (f64, f64)) -> (f64, f64) {
        match self {
            Self::Mild => mild,
            Self::Hard => hard,
        }
    }
}

impl Degradation {
    pub const ALL: [Self; 11] = [
        Self::Rotation,
        Self::Perspective,
        Self::Defocus,
        Self::MotionBlur,
        Self::Noise,
        Self::LowContrast,
        Self::UnevenLight,
        Self::Jpeg,
        Self::FewPixels,
        Self::DarkMode,
        Self::Warp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Rotation => "rotation",
            Self::Perspective => "perspective",
            Self::Defocus => "defocus blur",
            Self::MotionBlur => "motion blur",
            Self::Noise => "noise",
            Self::LowContrast => "low contrast",
            Self::UnevenLight => "uneven light",
            Self::Jpeg => "JPEG",
            Self::FewPixels => "few px/module",
            Self::DarkMode => "dark mode",
            Self::Warp => "warped sheet",
        }
    }
}

/// One generated picture.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub degradation: Degradation,
    pub payload: String,
    pub width: u32,
    pub height: u32,
    /// Luminance, row after row.
    pub luma: Vec<u8>,
}

impl Sample {
    /// The picture as a PNG file.
    pub fn png(&self) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::GrayImage::from_raw(self.width, self.height, self.luma.clone())
            .expect("sizes match")
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("PNG encodes");
        out.into_inner()
    }
}

struct Rng(ChaCha8Rng);

impl Rng {
    /// Uniform in [low, high).
    fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * (f64::from(self.0.next_u32()) / 4_294_967_296.0)
    }

    /// Uniform in a range given as a pair.
    fn within(&mut self, (low, high): (f64, f64)) -> f64 {
        self.range(low, high)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.range(0.0, n as f64) as usize).min(n - 1)
    }

    fn sign(&mut self) -> f64 {
        if self.0.next_u32() & 1 == 0 {
            -1.0
        } else {
            1.0
        }
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.range(f64::MIN_POSITIVE, 1.0);
        let v = self.range(0.0, 1.0);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `per_category` pictures of each degradation, mild, the same for the same seed.
pub fn generate(seed: u64, per_category: usize) -> Vec<Sample> {
    generate_at(seed, per_category, Strength::Mild)
}

/// `per_category` pictures of each degradation at `strength`, the same for the same seed.
pub fn generate_at(seed: u64, per_category: usize, strength: Strength) -> Vec<Sample> {
    let mut samples = Vec::new();
    for index in 0..per_category {
        for degradation in Degradation::ALL {
            samples.push(sample(seed, strength, degradation, index));
        }
    }
    samples
}

/// The picture number `index` of `degradation` in the set of `seed` at `strength` (named
/// `<degradation>-<index>` by the bench), drawn alone.
pub fn sample(seed: u64, strength: Strength, degradation: Degradation, index: usize) -> Sample {
    let number = Degradation::ALL
        .iter()
        .position(|&d| d == degradation)
        .expect("every degradation is in ALL");
    let mut stream = ChaCha8Rng::seed_from_u64(seed);
    stream.set_stream((index * 64 + number) as u64);
    render(&mut Rng(stream), degradation, strength, index)
}

/// A payload like Caretrail's: `ct:/` and the base64url of 60–250 random bytes.
fn payload(rng: &mut Rng) -> String {
    let mut bytes = vec![0u8; 60 + rng.below(191)];
    rng.0.fill_bytes(&mut bytes);
    format!("ct:/{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn render(rng: &mut Rng, degradation: Degradation, strength: Strength, index: usize) -> Sample {
    let payload = payload(rng);
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .expect("a payload of at most 338 characters fits a QR code at M");
    let modules = code.width();
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    let quiet = 4.0;
    let span = modules as f64 + 2.0 * quiet;

    let pixels_per_module = match degradation {
        Degradation::FewPixels => rng.within(strength.pick((2.2, 3.6), (1.2, 1.8))),
        // Hard: turned at few pixels per module, where the sampling aliases.
        Degradation::Rotation => rng.within(strength.pick((4.0, 6.5), (1.4, 2.0))),
        // Hard: compressed at few pixels per module, where its 8×8 blocks span modules.
        Degradation::Jpeg => rng.within(strength.pick((4.0, 6.5), (2.4, 3.4))),
        _ => rng.range(4.0, 6.5),
    };
    let side = span * pixels_per_module;
    let (width, height) = (
        (side * rng.range(1.3, 1.7)) as usize,
        (side * rng.range(1.3, 1.7)) as usize,
    );
    let angle = match degradation {
        Degradation::Rotation => rng.range(15.0, 45.0) * rng.sign(),
        _ => rng.range(-6.0, 6.0),
    }
    .to_radians();
    let skew = match degradation {
        Degradation::Perspective => rng.within(strength.pick((0.12, 0.24), (0.22, 0.34))),
        _ => rng.range(0.0, 0.04),
    };
    // The sheet's corners (code space: 0..span) in the picture, rotated about the centre and
    // each moved by up to `skew` of the side.
    let (cx, cy) = (
        width as f64 / 2.0 + rng.range(-0.05, 0.05) * side,
        height as f64 / 2.0 + rng.range(-0.05, 0.05) * side,
    );
    let corners: Vec<(f64, f64)> = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
        .iter()
        .map(|&(u, v)| {
            let (u, v) = (u + rng.range(-skew, skew), v + rng.range(-skew, skew));
            let (x, y) = (u * side, v * side);
            (
                cx + x * angle.cos() - y * angle.sin(),
                cy + x * angle.sin() + y * angle.cos(),
            )
        })
        .collect();
    let square = [(0.0, 0.0), (span, 0.0), (span, span), (0.0, span)];
    let to_code = homography(&corners, &square);
    // A sheet that is not flat (cloth, a bent card): code space displaced by smooth waves, by
    // up to `bend` of the span.
    let (bend, waves, phase_u, phase_v) = match degradation {
        Degradation::Warp => (
            rng.within(strength.pick((0.008, 0.016), (0.01, 0.025))),
            rng.range(0.5, 1.2),
            rng.range(0.0, std::f64::consts::TAU),
            rng.range(0.0, std::f64::consts::TAU),
        ),
        _ => (0.0, 0.0, 0.0, 0.0),
    };
    let warp = |(u, v): (f64, f64)| {
        if bend == 0.0 {
            return (u, v);
        }
        let turn = std::f64::consts::TAU * waves / span;
        (
            u + bend * span * (turn * v + phase_u).sin(),
            v + bend * span * (turn * u + phase_v).sin(),
        )
    };

    let (ink, paper, background) = (
        rng.range(15.0, 50.0),
        rng.range(200.0, 240.0),
        rng.range(90.0, 160.0),
    );
    let mut picture = vec![0f64; width * height];
    // 3×3 samples per pixel: the edges of modules are grey, as through a lens.
    for y in 0..height {
        for x in 0..width {
            let mut sum = 0.0;
            for sy in 0..3 {
                for sx in 0..3 {
                    let px = x as f64 + (f64::from(sx) + 0.5) / 3.0;
                    let py = y as f64 + (f64::from(sy) + 0.5) / 3.0;
                    let (u, v) = warp(apply(&to_code, px, py));
                    sum += if (0.0..span).contains(&u) && (0.0..span).contains(&v) {
                        let (mu, mv) = (u - quiet, v - quiet);
                        let inside = (0.0..modules as f64).contains(&mu)
                            && (0.0..modules as f64).contains(&mv);
                        if inside && dark[mv as usize * modules + mu as usize] {
                            ink
                        } else {
                            paper
                        }
                    } else {
                        // A faintly textured table around the sheet.
                        background + 12.0 * ((px * 0.05).sin() * (py * 0.07).cos())
                    };
                }
            }
            picture[y * width + x] = sum / 9.0;
        }
    }

    match degradation {
        Degradation::Defocus => {
            let radius = (pixels_per_module * rng.within(strength.pick((0.3, 0.6), (0.3, 0.55))))
                .round() as usize;
            picture = box_blur(&picture, width, height, radius.max(1));
            picture = box_blur(&picture, width, height, radius.max(1));
        }
        Degradation::MotionBlur => {
            let length = pixels_per_module * rng.within(strength.pick((1.0, 1.8), (1.2, 2.0)));
            let direction = rng.range(0.0, std::f64::consts::PI);
            picture = motion_blur(&picture, width, height, length, direction);
        }
        Degradation::LowContrast => {
            let low = rng.range(90.0, 130.0);
            let range = rng.within(strength.pick((18.0, 35.0), (14.0, 28.0)));
            for p in &mut picture {
                *p = low + (*p / 255.0) * range;
            }
        }
        Degradation::UnevenLight => {
            // A light falling off from one side into deep shade, and a highlight.
            let (dx, dy) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
            // Hard: a steeper fall, half the sheet in deep shade.
            let steep = match strength {
                Strength::Mild => 1.0,
                Strength::Hard => rng.range(1.2, 1.8),
            };
            let (dx, dy) = (dx * steep, dy * steep);
            let shade = rng.within(strength.pick((0.15, 0.3), (0.005, 0.04)));
            let (hx, hy) = (rng.range(0.0, width as f64), rng.range(0.0, height as f64));
            let spot = rng.within(strength.pick((40.0, 90.0), (200.0, 320.0)));
            for y in 0..height {
                for x in 0..width {
                    let along = (dx * (x as f64 / width as f64 - 0.5)
                        + dy * (y as f64 / height as f64 - 0.5))
                        .clamp(-0.5, 0.5)
                        + 0.5;
                    let gain = shade + (1.0 - shade) * along;
                    let d2 =
                        ((x as f64 - hx).powi(2) + (y as f64 - hy).powi(2)) / (side * side * 0.08);
                    let p = &mut picture[y * width + x];
                    *p = *p * gain + spot * (-d2).exp();
                }
            }
        }
        Degradation::DarkMode => {
            // Hard: a screen photographed, its levels squeezed and slightly out of focus.
            let (squeeze, radius) = match strength {
                Strength::Mild => (1.0, 0),
                Strength::Hard => (
                    rng.range(0.1, 0.25),
                    (pixels_per_module * rng.range(0.3, 0.55)).round() as usize,
                ),
            };
            for p in &mut picture {
                *p = 40.0 + (255.0 - *p - 40.0) * squeeze;
            }
            if radius > 0 {
                picture = box_blur(&picture, width, height, radius);
            }
        }
        _ => {}
    }
    let sigma = match degradation {
        Degradation::Noise => rng.within(strength.pick((25.0, 45.0), (45.0, 75.0))),
        _ => rng.range(2.0, 6.0),
    };
    let mut luma: Vec<u8> = picture
        .iter()
        .map(|&p| (p + sigma * rng.normal()).round().clamp(0.0, 255.0) as u8)
        .collect();
    if degradation == Degradation::Jpeg {
        let quality = rng.within(strength.pick((5.0, 20.0), (1.0, 6.0)));
        luma = jpeg_round_trip(luma, width, height, quality as u8);
    }
    Sample {
        name: format!(
            "{}-{index:02}",
            degradation.name().split(' ').next().unwrap_or("x")
        ),
        degradation,
        payload,
        width: width as u32,
        height: height as u32,
        luma,
    }
}

fn jpeg_round_trip(luma: Vec<u8>, width: usize, height: usize, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode(
            &luma,
            width as u32,
            height as u32,
            image::ExtendedColorType::L8,
        )
        .expect("JPEG encodes");
    image::load_from_memory(&bytes)
        .expect("JPEG decodes")
        .into_luma8()
        .into_raw()
}

fn box_blur(picture: &[f64], width: usize, height: usize, radius: usize) -> Vec<f64> {
    let pass = |input: &[f64], horizontal: bool| -> Vec<f64> {
        let mut out = vec![0.0; input.len()];
        for y in 0..height {
            for x in 0..width {
                let (mut sum, mut count) = (0.0, 0.0);
                for d in 0..=2 * radius {
                    let (sx, sy) = if horizontal {
                        ((x + d).checked_sub(radius), Some(y))
                    } else {
                        (Some(x), (y + d).checked_sub(radius))
                    };
                    if let (Some(sx), Some(sy)) = (sx, sy)
                        && sx < width
                        && sy < height
                    {
                        sum += input[sy * width + sx];
                        count += 1.0;
                    }
                }
                out[y * width + x] = sum / count;
            }
        }
        out
    };
    pass(&pass(picture, true), false)
}

fn motion_blur(
    picture: &[f64],
    width: usize,
    height: usize,
    length: f64,
    direction: f64,
) -> Vec<f64> {
    let steps = (length.ceil() as usize).max(2);
    let (dx, dy) = (direction.cos(), direction.sin());
    let mut out = vec![0.0; picture.len()];
    for y in 0..height {
        for x in 0..width {
            let (mut sum, mut count) = (0.0, 0.0);
            for step in 0..=steps {
                let t = (step as f64 / steps as f64 - 0.5) * length;
                let (sx, sy) = ((x as f64 + t * dx).round(), (y as f64 + t * dy).round());
                if sx >= 0.0 && sy >= 0.0 && (sx as usize) < width && (sy as usize) < height {
                    sum += picture[sy as usize * width + sx as usize];
                    count += 1.0;
                }
            }
            out[y * width + x] = sum / count;
        }
    }
    out
}

/// The projective map taking each of `from` to the matching point of `to`.
fn homography(from: &[(f64, f64)], to: &[(f64, f64)]) -> [f64; 9] {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (from[i], to[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gauss–Jordan with partial pivoting on the 8×8 system.
    for column in 0..8 {
        let pivot = (column..8)
            .max_by(|&i, &j| a[i][column].abs().total_cmp(&a[j][column].abs()))
            .unwrap_or(column);
        a.swap(column, pivot);
        let lead = a[column][column];
        a[column].iter_mut().for_each(|value| *value /= lead);
        let pivot_row = a[column];
        for (row, values) in a.iter_mut().enumerate() {
            if row != column {
                let factor = values[column];
                for (value, pivot) in values.iter_mut().zip(pivot_row) {
                    *value -= factor * pivot;
                }
            }
        }
    }
    let h: Vec<f64> = a.iter().map(|row| row[8]).collect();
    [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]
}

fn apply(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}
