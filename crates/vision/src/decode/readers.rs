//! The two QR readers behind the cascade, each call guarded by `catch_unwind`: rqrr asserts in
//! its geometry code on some photographs (upstream issue #54), and a reader's panic must cost one
//! attempt, not the scan.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Exceptions, Luma8Source,
    MultiFormatReader, Reader as _,
};

use super::bent::{Binary, Projective, sample_bent};
use super::frame::Luma;
use super::text::text_from_bytes;

/// A QR reader, with the binarization it applies itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    /// rxing's QR readers (its port of zxing-cpp's, then its port of ZXing-Java's) with its
    /// hybrid (block) binarizer, trying harder: what rxing's own helpers do; then, where they
    /// locate a code but fail to decode it, rxing's finder patterns and a grid that follows a
    /// bent sheet ([`super::bent`]).
    Rxing,
    /// The same with rxing's global histogram binarizer: for frames already binarized.
    RxingGlobal,
    /// rqrr (a port of quirc), every grid it finds.
    Rqrr,
}

impl Reader {
    pub fn name(self) -> &'static str {
        match self {
            Self::Rxing => "rxing",
            Self::RxingGlobal => "rxing-global",
            Self::Rqrr => "rqrr",
        }
    }
}

/// What one reader made of one picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The texts of the codes read, distinct, in the order found (at least one).
    Read(Vec<String>),
    /// A code was located but its contents failed to decode.
    Seen,
    /// No code was located.
    Nothing,
    /// The reader panicked (caught).
    Panicked,
}

/// Runs `reader` on `luma`, a panic becoming [`Outcome::Panicked`].
pub fn read(reader: Reader, luma: &Luma) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| match reader {
        Reader::Rxing => rxing_hybrid(luma),
        Reader::RxingGlobal => rxing_global(luma),
        Reader::Rqrr => rqrr(luma),
    }))
    .unwrap_or(Outcome::Panicked)
}

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    }
}

fn source(luma: &Luma) -> Option<Luma8Source<'_>> {
    let width = u32::try_from(luma.width()).ok()?;
    let height = u32::try_from(luma.height()).ok()?;
    Luma8Source::new_with_slice(luma.pixels(), width, height).ok()
}

fn rxing_hybrid(luma: &Luma) -> Outcome {
    let Some(source) = source(luma) else {
        return Outcome::Nothing;
    };
    rxing_read(&mut BinaryBitmap::new(HybridBinarizer::new(source)))
}

fn rxing_read<B: Binarizer>(bitmap: &mut BinaryBitmap<B>) -> Outcome {
    let flat = match MultiFormatReader::default().decode_with_hints(bitmap, &hints()) {
        Ok(result) => return texts([result.getText().to_owned()]),
        Err(error) => failure(&error),
    };
    match bent(bitmap.get_black_matrix()) {
        read @ Outcome::Read(_) => read,
        Outcome::Seen => Outcome::Seen,
        _ => flat,
    }
}

/// Every code rxing's multiple-code reader (its port of zxing-cpp's) finds in `luma`: it checks
/// a frame that the cascade has read for a second code.
pub fn all_codes(luma: &Luma) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| {
        let Some(source) = source(luma) else {
            return Outcome::Nothing;
        };
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        match QrReader.decode_multiple_with_hints(&mut bitmap, &hints()) {
            Ok(results) => texts(results.iter().map(|r| r.getText().to_owned())),
            Err(error) => failure(&error),
        }
    }))
    .unwrap_or(Outcome::Panicked)
}

fn rxing_global(luma: &Luma) -> Outcome {
    let Some(source) = source(luma) else {
        return Outcome::Nothing;
    };
    rxing_read(&mut BinaryBitmap::new(GlobalHistogramBinarizer::new(
        source,
    )))
}

/// Finder pattern sets sampled on a bent grid, largest patterns first.
const BENT_SETS: usize = 4;

struct Matrix<'a>(&'a BitMatrix);

impl Binary for Matrix<'_> {
    fn size(&self) -> (usize, usize) {
        (self.0.width() as usize, self.0.height() as usize)
    }

    fn black(&self, x: usize, y: usize) -> bool {
        self.0.get(x as u32, y as u32)
    }
}

/// The code whose finder patterns rxing finds in `binary`, where rxing's flat grid reads its
/// format and version but its data fail their error correction, sampled again by the grid that
/// follows a bent sheet from the flat grid's corners.
fn bent(binary: &BitMatrix) -> Outcome {
    let mut patterns = FindFinderPatterns(binary, true, 0);
    let sets = GenerateFinderPatternSets(&mut patterns);
    let mut seen = false;
    for set in sets.iter().take(BENT_SETS) {
        let Ok(detected) = SampleQR(binary, set) else {
            continue;
        };
        seen = true;
        // Only a grid whose format and version read, and whose data fail their error
        // correction, is worth following: a real code, sampled slightly off.
        match Decode(detected.getBits()) {
            Ok(result) if result.isValid() => return texts([result.text()]),
            Err(Exceptions::ChecksumException(_) | Exceptions::ReedSolomonException(_)) => {}
            _ => continue,
        }
        let dimension = detected.getBits().width() as usize;
        let &[tl, tr, bl, br, ..] = detected.getPoints() else {
            continue;
        };
        let corner = |p: rxing::Point| (f64::from(p.x), f64::from(p.y));
        let corners = [corner(tl), corner(tr), corner(bl), corner(br)];
        let Some(map) = Projective::square_to(dimension as f64, corners) else {
            continue;
        };
        let modules = sample_bent(&Matrix(binary), &map, dimension);
        let Ok(mut bits) = BitMatrix::new(dimension as u32, dimension as u32) else {
            continue;
        };
        for (index, _) in modules.iter().enumerate().filter(|(_, black)| **black) {
            bits.set((index % dimension) as u32, (index / dimension) as u32);
        }
        if let Ok(result) = Decode(&bits)
            && result.isValid()
        {
            return texts([result.text()]);
        }
    }
    if seen {
        Outcome::Seen
    } else {
        Outcome::Nothing
    }
}

fn failure(error: &Exceptions) -> Outcome {
    match error {
        Exceptions::ChecksumException(_)
        | Exceptions::FormatException(_)
        | Exceptions::ReedSolomonException(_) => Outcome::Seen,
        _ => Outcome::Nothing,
    }
}

fn rqrr(luma: &Luma) -> Outcome {
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(luma.width(), luma.height(), |x, y| {
            luma.at(x, y)
        });
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Outcome::Nothing;
    }
    let mut found = Vec::new();
    for grid in grids {
        let mut bytes = Vec::new();
        if grid.decode_to(&mut bytes).is_ok() {
            found.push(text_from_bytes(&bytes).0);
        }
    }
    if found.is_empty() {
        Outcome::Seen
    } else {
        texts(found)
    }
}

fn texts(found: impl IntoIterator<Item = String>) -> Outcome {
    let mut distinct: Vec<String> = Vec::new();
    for text in found {
        if !distinct.contains(&text) {
            distinct.push(text);
        }
    }
    if distinct.is_empty() {
        Outcome::Nothing
    } else {
        Outcome::Read(distinct)
    }
}
