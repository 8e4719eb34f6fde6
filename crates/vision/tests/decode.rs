//! The decoder on pictures made here (clean renders and the generated degraded set) and on one
//! committed photograph: reads, refusals and the panic guard. No clock: scans get a fixed one.

mod support;

use std::time::Duration;

use caretrail_vision::decode::{
    Attempt, CASCADE, DecodeError, Frame, FrameError, Luma, Options, Outcome, PixelFormat, Reader,
    decode_image_file, scan,
};
use support::generated::{Degradation, SEED, generate};
use support::{clean, png};

const PAYLOAD: &str =
    "ct:/AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QA";

/// A scan whose clock never moves: every attempt runs.
fn scan_all(luma: &Luma, options: &Options<'_>) -> Result<String, DecodeError> {
    scan(luma, options, &mut || Duration::ZERO).map(|read| read.text)
}

#[test]
fn a_clean_code_is_read_from_a_frame_and_from_a_png_file() {
    let luma = clean(&[PAYLOAD], 4);
    assert_eq!(scan_all(&luma, &Options::default()).unwrap(), PAYLOAD);
    let read = decode_image_file(&png(&luma), &Options::default()).unwrap();
    assert_eq!(read.text, PAYLOAD);
    assert_eq!(read.bytes(), PAYLOAD.as_bytes());
    assert_eq!(read.attempt, CASCADE[0]);
}

#[test]
fn an_rgb_frame_is_read() {
    let luma = clean(&[PAYLOAD], 3);
    let rgb: Vec<u8> = luma.pixels().iter().flat_map(|&p| [p, p, p]).collect();
    let frame = Frame::new(
        &rgb,
        luma.width() as u32,
        luma.height() as u32,
        PixelFormat::Rgb8,
    )
    .unwrap();
    assert_eq!(
        scan_all(&frame.to_luma(), &Options::default()).unwrap(),
        PAYLOAD
    );
}

#[test]
fn a_frame_with_no_code_says_so() {
    let blank = Luma::new(320, 240, vec![180; 320 * 240]).unwrap();
    assert!(matches!(
        scan_all(&blank, &Options::default()),
        Err(DecodeError::NoCode)
    ));
}

#[test]
fn a_frame_with_two_codes_names_both() {
    let other = "ct:/another-code-beside-the-first";
    let luma = clean(&[PAYLOAD, other], 4);
    match scan_all(&luma, &Options::default()) {
        Err(DecodeError::SeveralCodes(mut texts)) => {
            texts.sort();
            let mut expected = vec![PAYLOAD.to_owned(), other.to_owned()];
            expected.sort();
            assert_eq!(texts, expected);
        }
        other => panic!("expected two codes, got {other:?}"),
    }
}

#[test]
fn a_truncated_code_is_refused_not_misread() {
    let luma = clean(&[PAYLOAD], 4);
    // The bottom 40% of the code (and its quiet zone) cut off.
    let kept = luma.height() * 60 / 100;
    let cut = Luma::new(
        luma.width() as u32,
        kept as u32,
        luma.pixels()[..luma.width() * kept].to_vec(),
    )
    .unwrap();
    let outcome = scan_all(&cut, &Options::default());
    assert!(
        matches!(outcome, Err(DecodeError::NoCode | DecodeError::Unreadable)),
        "{outcome:?}"
    );
}

#[test]
fn a_corrupt_image_file_is_a_typed_error() {
    let file = png(&clean(&[PAYLOAD], 2));
    for corrupt in [
        &file[..file.len() / 2],
        b"not an image at all".as_slice(),
        &[],
    ] {
        assert!(matches!(
            decode_image_file(corrupt, &Options::default()),
            Err(DecodeError::ImageFile(_))
        ));
    }
}

#[test]
fn a_frame_of_the_wrong_size_is_refused() {
    let pixels = vec![255u8; 100 * 100 * 3];
    assert!(matches!(
        Frame::new(&pixels, 100, 101, PixelFormat::Rgb8),
        Err(FrameError::SizeMismatch {
            expected: 30_300,
            actual: 30_000,
            ..
        })
    ));
    assert!(matches!(
        Frame::new(&pixels, 100, 100, PixelFormat::Rgba8),
        Err(FrameError::SizeMismatch { .. })
    ));
    // Through the decode error too, as a caller meets it.
    let error: DecodeError = Luma::new(10, 10, vec![0; 99]).unwrap_err().into();
    assert!(matches!(
        error,
        DecodeError::Frame(FrameError::SizeMismatch { .. })
    ));
}

/// rqrr asserts on this ZXing photograph (upstream issue #54): the guard makes it an outcome.
#[test]
fn a_reader_that_panics_gives_an_outcome_not_a_panic() {
    let photo = Luma::from_image_file(include_bytes!("data/q6_7.png")).unwrap();
    assert_eq!(
        Attempt::new(&[], Reader::Rqrr).run(&photo),
        Outcome::Panicked
    );
    // The whole cascade, rqrr included, still answers (rxing reads this one).
    let only_rqrr = [Attempt::new(&[], Reader::Rqrr)];
    let options = Options {
        attempts: &only_rqrr,
        ..Options::default()
    };
    assert!(matches!(
        scan_all(&photo, &options),
        Err(DecodeError::NoCode)
    ));
    assert_eq!(scan_all(&photo, &Options::default()).unwrap(), "1234567890");
}

#[test]
fn a_code_not_accepted_is_reported_with_its_text() {
    let is_caretrail = |bytes: &[u8]| bytes.starts_with(b"ct:/");
    let options = Options::accepting(&is_caretrail);
    match scan_all(&clean(&["https://example.org/"], 4), &options) {
        Err(DecodeError::NotAccepted(read)) => assert_eq!(read.text, "https://example.org/"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(scan_all(&clean(&[PAYLOAD], 4), &options).unwrap(), PAYLOAD);
}

/// Generated dark-mode pictures: rxing alone reads none; the cascade's inverted attempts read
/// them, but only while the budget lasts.
#[test]
fn the_budget_stops_the_cascade_before_its_later_attempts() {
    let samples: Vec<_> = generate(SEED, 1)
        .into_iter()
        .filter(|s| s.degradation == Degradation::DarkMode)
        .collect();
    assert!(!samples.is_empty());
    for sample in samples {
        let luma = Luma::new(sample.width, sample.height, sample.luma).unwrap();
        assert!(!matches!(
            Attempt::new(&[], Reader::Rxing).run(&luma),
            Outcome::Read(_)
        ));
        assert_eq!(
            scan_all(&luma, &Options::default()).unwrap(),
            sample.payload
        );
        // A clock that reports the budget spent as soon as it is asked: one attempt only.
        let options = Options::default();
        let outcome = scan(&luma, &options, &mut || options.budget);
        assert!(
            matches!(outcome, Err(DecodeError::OutOfTime { budget_ms: 100 })),
            "{outcome:?}"
        );
    }
}

/// Two mild pictures of each degradation of the generated set: the cascade reads more than rxing
/// alone, and never a wrong text.
#[test]
fn generated_degraded_pictures_are_read() {
    let samples = generate(SEED, 2);
    let total = samples.len();
    assert_eq!(total, 2 * Degradation::ALL.len());
    let (mut cascade, mut rxing) = (0, 0);
    for sample in samples {
        let luma = Luma::new(sample.width, sample.height, sample.luma.clone()).unwrap();
        match scan_all(&luma, &Options::default()) {
            Ok(text) => {
                assert_eq!(text, sample.payload, "{}", sample.name);
                cascade += 1;
            }
            Err(error) => println!("{}: {error}", sample.name),
        }
        if let Outcome::Read(texts) = Attempt::new(&[], Reader::Rxing).run(&luma) {
            assert_eq!(texts, vec![sample.payload.clone()]);
            rxing += 1;
        }
    }
    println!("cascade {cascade}, rxing alone {rxing} of {total}");
    assert!(cascade >= total - 3, "cascade read {cascade} of {total}");
    assert!(cascade > rxing, "cascade {cascade}, rxing alone {rxing}");
}

#[test]
fn the_generated_set_is_the_same_for_the_same_seed() {
    let first = generate(SEED, 1);
    let again = generate(SEED, 1);
    assert_eq!(first.len(), Degradation::ALL.len());
    for (a, b) in first.iter().zip(&again) {
        assert_eq!((&a.payload, &a.luma), (&b.payload, &b.luma));
        assert!(a.payload.starts_with("ct:/"));
        let body = a.payload.len() - 4;
        // base64url of 60–250 bytes, unpadded.
        assert!((80..=334).contains(&body), "{body}");
    }
    assert_ne!(generate(SEED + 1, 1)[0].payload, first[0].payload);
}
