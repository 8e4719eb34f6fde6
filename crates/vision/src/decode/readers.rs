//! The two QR readers behind the cascade, each call guarded by `catch_unwind`: rqrr asserts in
//! its geometry code on some photographs (upstream issue #54), and a reader's panic must cost one
//! attempt, not the scan.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Exceptions, Luma8Source,
    MultiFormatReader, Reader as _,
};

use super::frame::Luma;
use super::text::text_from_bytes;

/// A QR reader, with the binarization it applies itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    /// rxing's QR readers (its port of zxing-cpp's, then its port of ZXing-Java's) with its
    /// hybrid (block) binarizer, trying harder: what rxing's own helpers do.
    Rxing,
    /// The same readers with rxing's global histogram binarizer: for frames already binarized.
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
    match MultiFormatReader::default().decode_with_hints(bitmap, &hints()) {
        Ok(result) => texts([result.getText().to_owned()]),
        Err(error) => failure(&error),
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
