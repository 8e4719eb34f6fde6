//! QR images of Caretrail's payloads: each kind renders as SVG, PNG and terminal text, and each
//! image holds exactly the code's modules.

use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::{self, CheckIn, Payload, SharedTestList, SignedKioskCode};
use caretrail_types::{Address, Hash32, KioskCode, TestListShare, VisitToken};
use caretrail_vision::encode::{EncodeError, MAX_VERSION, QUIET_ZONE, QrImage};
use rand_core::SeedableRng as _;

fn key(seed: u64) -> SecretKey {
    SecretKey::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed))
}

/// One payload text of each kind.
fn texts() -> Vec<(&'static str, String)> {
    let domain = RegistryDomain {
        chain_id: 31337,
        records: Address([0x5e; 20]),
    };
    let (patient, hospital) = (key(1), key(2));
    let token = VisitToken {
        patient: patient.address(),
        organization: hospital.address(),
        visit_id: Hash32([7; 32]),
        expires_at: 1_800_086_400,
        not_after: 1_800_000_600,
    };
    let share = TestListShare {
        patient: patient.address(),
        organization: hospital.address(),
        record_id: Hash32([8; 32]),
        expires_at: 1_800_003_600,
    };
    let kiosk = KioskCode {
        organization: hospital.address(),
        kiosk: 1,
        nonce: 42,
        expires_at: 1_800_000_300,
    };
    let visit = Some((Hash32([9; 32]), 1_800_086_400, 1_800_000_600));
    vec![
        (
            "check-in",
            Payload::CheckIn(CheckIn::sign(&patient, domain, token, Hash32([6; 32]))),
        ),
        (
            "test list",
            Payload::TestList(SharedTestList::sign(&patient, domain, share, None)),
        ),
        (
            "test list with visit",
            Payload::TestList(SharedTestList::sign(&patient, domain, share, visit)),
        ),
        (
            "kiosk",
            Payload::Kiosk(SignedKioskCode::sign(&hospital, domain, kiosk)),
        ),
    ]
    .into_iter()
    .map(|(name, payload)| (name, qr::encode(&payload)))
    .collect()
}

#[test]
fn each_kind_is_a_code_of_at_most_version_15() {
    for (name, text) in texts() {
        let image = QrImage::new(&text).expect(name);
        assert!((1..=MAX_VERSION).contains(&image.version()), "{name}");
        assert_eq!(image.modules(), 17 + 4 * image.version() as usize, "{name}");
        // The finder pattern's corner: a dark ring around a light ring around a dark core.
        assert!(image.is_dark(0, 0) && !image.is_dark(1, 1) && image.is_dark(3, 3));
        assert!(!image.is_dark(7, 7), "the separator is light");
    }
}

#[test]
fn the_png_decodes_as_an_image_of_the_codes_modules() {
    for (name, text) in texts() {
        let image = QrImage::new(&text).expect(name);
        for module_px in [1, 4, 10] {
            let file = image.to_png(module_px).expect("png");
            let decoder = png::Decoder::new(std::io::Cursor::new(&file));
            let mut reader = decoder.read_info().expect("a PNG");
            let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
            let info = reader.next_frame(&mut pixels).expect("a frame");
            let side = (image.modules() + 2 * QUIET_ZONE) * module_px as usize;
            assert_eq!(
                (info.width as usize, info.height as usize),
                (side, side),
                "{name} at {module_px} px"
            );
            assert_eq!(info.color_type, png::ColorType::Grayscale);
            assert_eq!(info.bit_depth, png::BitDepth::Eight);
            let px = |x: usize, y: usize| pixels[y * info.line_size + x];
            let scale = module_px as usize;
            // Every pixel: white in the quiet zone, the module's color inside.
            for y in 0..side {
                for x in 0..side {
                    let (mx, my) = (x / scale, y / scale);
                    let inside = (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&mx)
                        && (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&my);
                    let dark = inside && image.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
                    assert_eq!(px(x, y), if dark { 0 } else { 255 }, "{name} ({x}, {y})");
                }
            }
        }
    }
}

#[test]
fn the_svg_draws_each_dark_module_once_at_the_codes_size() {
    for (name, text) in texts() {
        let image = QrImage::new(&text).expect(name);
        let svg = image.to_svg();
        let side = image.modules() + 2 * QUIET_ZONE;
        assert!(svg.starts_with("<?xml"), "{name}");
        assert!(
            svg.contains(&format!(
                r#"width="{side}" height="{side}" viewBox="0 0 {side} {side}""#
            )),
            "{svg}"
        );
        assert!(svg.contains(r##"fill="#ffffff""##) && svg.contains(r##"fill="#000000""##));
        assert!(svg.trim_end().ends_with("</svg>"));
        let dark = (0..image.modules())
            .flat_map(|y| (0..image.modules()).map(move |x| (x, y)))
            .filter(|&(x, y)| image.is_dark(x, y))
            .count();
        assert_eq!(svg.matches('M').count(), dark, "{name}");
        // The top-left module is drawn at the quiet zone's edge.
        assert!(
            svg.contains(&format!("M{QUIET_ZONE} {QUIET_ZONE}h1v1")),
            "{name}"
        );
    }
}

#[test]
fn the_terminal_text_is_two_rows_of_modules_a_line() {
    for (name, text) in texts() {
        let image = QrImage::new(&text).expect(name);
        let terminal = image.to_terminal();
        let side = image.modules() + 2 * QUIET_ZONE;
        let lines: Vec<Vec<char>> = terminal.lines().map(|l| l.chars().collect()).collect();
        assert_eq!(lines.len(), side.div_ceil(2), "{name}");
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(line.len(), side, "{name} line {i}");
            assert!(line.iter().all(|c| " ▀▄█".contains(*c)), "{name} line {i}");
        }
        // Light modules are blocks: each line's character is the pair of modules above it.
        let light = |x: usize, y: usize| {
            let inside = |v: usize| (QUIET_ZONE..QUIET_ZONE + image.modules()).contains(&v);
            y >= side || !(inside(x) && inside(y)) || !image.is_dark(x - QUIET_ZONE, y - QUIET_ZONE)
        };
        for (i, line) in lines.iter().enumerate() {
            for (x, &c) in line.iter().enumerate() {
                let expected = match (light(x, 2 * i), light(x, 2 * i + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                };
                // The last line of an odd side has no second row: the renderer leaves it dark.
                if 2 * i + 1 >= side {
                    assert_eq!(c, if light(x, 2 * i) { '▀' } else { ' ' }, "{name}");
                } else {
                    assert_eq!(c, expected, "{name} line {i} column {x}");
                }
            }
        }
    }
}

#[test]
fn a_text_beyond_version_15_or_any_qr_is_refused() {
    // 413 bytes: one more than version 15 holds at M in byte mode.
    match QrImage::new(&"a".repeat(413)) {
        Err(EncodeError::TooDense { version: 16 }) => {}
        other => panic!("expected version 16 refused, got {other:?}"),
    }
    assert_eq!(QrImage::new(&"a".repeat(412)).expect("412").version(), 15);
    assert!(matches!(
        QrImage::new(&"a".repeat(3000)),
        Err(EncodeError::TooLong)
    ));
    let image = QrImage::new("ct:/AQ").expect("a small code");
    for module_px in [0, 65] {
        match image.to_png(module_px) {
            Err(EncodeError::ModuleSize(px)) => assert_eq!(px, module_px),
            other => panic!("{module_px} px: {other:?}"),
        }
    }
    assert_eq!(
        EncodeError::TooDense { version: 16 }.to_string(),
        "the text needs QR version 16; Caretrail's codes stay at version 15 or below to be read off a screen"
    );
}
