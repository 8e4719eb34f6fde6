//! The cascade's attempts, each shown on generated pictures (tests/support/generated.rs, the
//! bench's seed and hard strength): a picture that it reads and no other attempt of the cascade
//! does, as the `qr` bench's fit finds them; and the order on frames that look light on dark.
//! No clock: scans get a fixed one or one that counts attempts.

mod support;

use std::time::Duration;

use caretrail_vision::decode::{
    Attempt, CASCADE, Luma, Options, Outcome, Polarity, Prep, Reader, in_order, polarity, scan,
};
use support::generated::{Degradation, SEED, Strength, generate, sample};

fn hard(degradation: Degradation, index: usize) -> (Luma, String) {
    let picture = sample(SEED, Strength::Hard, degradation, index);
    let luma = Luma::new(picture.width, picture.height, picture.luma).expect("sizes match");
    (luma, picture.payload)
}

fn reads(attempt: &Attempt, luma: &Luma, payload: &str) -> bool {
    match attempt.run(luma) {
        Outcome::Read(texts) => {
            assert_eq!(texts, vec![payload.to_owned()], "{}", attempt.name());
            true
        }
        _ => false,
    }
}

#[test]
fn inverted_attempts_come_second_on_a_frame_that_looks_light_on_dark() {
    let attempts = [
        Attempt::new(&[], Reader::Rxing),
        Attempt::new(&[Prep::Half], Reader::Rxing),
        Attempt::new(&[Prep::Inverted], Reader::Rxing),
        Attempt::new(&[Prep::Global], Reader::Rqrr),
        Attempt::new(&[Prep::Inverted, Prep::Half], Reader::Rxing),
    ];
    assert_eq!(
        in_order(&attempts, Polarity::DarkOnLight),
        attempts.to_vec()
    );
    let order = in_order(&attempts, Polarity::LightOnDark);
    let expected = [0, 2, 4, 1, 3].map(|i| attempts[i]);
    assert_eq!(order, expected.to_vec());
    assert!(in_order(&[], Polarity::LightOnDark).is_empty());
}

/// The mild set: every dark-mode picture looks light on dark, most others do not (the
/// histogram is a hint that orders attempts, never a reason to skip one).
#[test]
fn the_histogram_tells_dark_mode_from_paper() {
    let (mut dark, mut others, mut others_light_on_dark) = (0, 0, 0);
    for sample in generate(SEED, 3) {
        let luma = Luma::new(sample.width, sample.height, sample.luma).unwrap();
        let looks = polarity(&luma);
        if sample.degradation == Degradation::DarkMode {
            assert_eq!(looks, Polarity::LightOnDark, "{}", sample.name);
            dark += 1;
        } else {
            others += 1;
            others_light_on_dark += usize::from(looks == Polarity::LightOnDark);
        }
    }
    println!("light on dark: {dark} dark-mode pictures, {others_light_on_dark} of {others} others");
    assert_eq!(dark, 3);
    assert!(
        others_light_on_dark * 4 <= others,
        "{others_light_on_dark} of {others}"
    );
}

/// Hard dark-mode pictures whose histogram says light on dark, and that the cascade's first
/// inverted attempt reads, are read within two attempts: the second is that inverted one, not
/// the cascade's second (which reads none of them).
#[test]
fn a_dark_mode_picture_is_read_within_two_attempts() {
    let inverted = CASCADE
        .iter()
        .find(|a| a.inverts())
        .expect("the cascade inverts");
    let mut checked = 0;
    for index in 0..6 {
        let (luma, payload) = hard(Degradation::DarkMode, index);
        if polarity(&luma) != Polarity::LightOnDark || !reads(inverted, &luma, &payload) {
            continue;
        }
        assert!(!reads(&CASCADE[0], &luma, &payload));
        assert!(!reads(&CASCADE[1], &luma, &payload));
        let options = Options::default();
        let mut asked = 0;
        let two_attempts = &mut || {
            asked += 1;
            if asked < 2 {
                Duration::ZERO
            } else {
                options.budget
            }
        };
        match scan(&luma, &options, two_attempts) {
            Ok(read) => {
                assert_eq!(read.text, payload);
                assert!(read.attempt.inverts(), "{}", read.attempt.name());
            }
            Err(error) => panic!("dark-{index:02}: {error}"),
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "{checked} dark-mode pictures looked light on dark"
    );
}

/// Each attempt new to the cascade (and rxing's bent-grid fallback), with a hard picture of
/// the generated set that it reads and no other attempt of the cascade reads, as the `qr`
/// bench's fit lists them ("the only attempt of the cascade that reads").
#[test]
fn each_new_attempt_reads_a_picture_no_other_attempt_of_the_cascade_reads() {
    use Degradation::{DarkMode, LowContrast, MotionBlur, Perspective};
    use Prep::{Adaptive, Global, Half, Inverted, LocalBlocks, Smooth, Stretch};
    let cases = [
        (
            Attempt::new(&[Inverted, Half, LocalBlocks], Reader::RxingGlobal),
            DarkMode,
            0,
        ),
        (Attempt::new(&[Adaptive(8)], Reader::Rqrr), Perspective, 4),
        // Of the 50 a degradation the fit ran on (the bench's set is the first 25).
        (Attempt::new(&[Half, Global], Reader::Rqrr), MotionBlur, 41),
        (
            Attempt::new(&[Stretch, LocalBlocks], Reader::RxingGlobal),
            MotionBlur,
            0,
        ),
        (
            Attempt::new(&[Smooth(1), Stretch], Reader::Rxing),
            LowContrast,
            24,
        ),
        (Attempt::new(&[Smooth(1)], Reader::Rxing), MotionBlur, 13),
    ];
    for (attempt, degradation, index) in cases {
        assert!(CASCADE.contains(&attempt), "{}", attempt.name());
        let (luma, payload) = hard(degradation, index);
        let name = format!("{}-{index:02}", degradation.name());
        assert!(
            reads(&attempt, &luma, &payload),
            "{name}: {}",
            attempt.name()
        );
        for other in CASCADE.iter().filter(|&&other| other != attempt) {
            assert!(!reads(other, &luma, &payload), "{name}: {}", other.name());
        }
    }
}

/// rxing's reader falls back on the grid that follows a bent sheet where its flat grid fails
/// the checksum: a hard motion-blurred picture that only the first attempt reads, and that
/// rxing's own reader does not.
#[test]
fn the_bent_grid_reads_a_picture_rxing_alone_does_not() {
    let (luma, payload) = hard(Degradation::MotionBlur, 2);
    let plain = rxing::helpers::detect_in_luma_slice(
        luma.pixels(),
        luma.width() as u32,
        luma.height() as u32,
        Some(rxing::BarcodeFormat::QR_CODE),
    );
    assert!(
        plain.is_err(),
        "{:?}",
        plain.map(|r| r.getText().to_owned())
    );
    assert!(reads(&CASCADE[0], &luma, &payload));
    for other in &CASCADE[1..] {
        assert!(!reads(other, &luma, &payload), "{}", other.name());
    }
}

/// The new attempts that no picture of the bench's set is read by alone are in the cascade for
/// the pictures they read first (the fit's reads added): a hard picture that each reads and no
/// attempt before it does, as the `qr` bench's fit lists them ("the first to read").
#[test]
fn each_other_new_attempt_reads_a_picture_before_any_earlier_attempt() {
    use Prep::{Half, Stretch};
    let cases = [(
        Attempt::new(&[Half, Stretch], Reader::Rxing),
        Degradation::Noise,
        0,
    )];
    for (attempt, degradation, index) in cases {
        let position = CASCADE
            .iter()
            .position(|&a| a == attempt)
            .unwrap_or_else(|| panic!("{} is in the cascade", attempt.name()));
        let (luma, payload) = hard(degradation, index);
        let name = format!("{}-{index:02}", degradation.name());
        assert!(
            reads(&attempt, &luma, &payload),
            "{name}: {}",
            attempt.name()
        );
        for earlier in &CASCADE[..position] {
            assert!(
                !reads(earlier, &luma, &payload),
                "{name}: {}",
                earlier.name()
            );
        }
    }
}
