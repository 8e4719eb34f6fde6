//! `caretrail qr show` and `caretrail qr read` as a user runs them, on pictures of codes drawn
//! with `caretrail_vision::encode`: each kind of picture gives the code's kind or a refusal with
//! its stable code, and never a panic.

use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::{self, Payload, SignedKioskCode};
use caretrail_types::{Address, KioskCode};
use caretrail_vision::encode::QrImage;
use std::path::{Path, PathBuf};
use std::process::Output;

fn caretrail(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .output()
        .expect("caretrail runs")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn kiosk_text(expires_at: u64) -> String {
    let key = SecretKey::from_bytes(&[9; 32]).expect("a key");
    let domain = RegistryDomain {
        chain_id: 31337,
        records: Address([0x5e; 20]),
    };
    let code = KioskCode {
        organization: key.address(),
        kiosk: 2,
        nonce: 77,
        expires_at,
    };
    qr::encode(&Payload::Kiosk(SignedKioskCode::sign(&key, domain, code)))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("written");
    path
}

fn png_of(text: &str) -> Vec<u8> {
    QrImage::new(text)
        .expect("encodes")
        .to_png(6)
        .expect("a PNG")
}

/// A JPEG, grey, of the codes of `texts` side by side (or a blank page for none).
fn jpeg_of(texts: &[&str]) -> Vec<u8> {
    let module = 5usize;
    let codes: Vec<QrImage> = texts
        .iter()
        .map(|t| QrImage::new(t).expect("encodes"))
        .collect();
    let side = codes.iter().map(|c| c.modules() + 8).max().unwrap_or(40) * module;
    let (width, height) = (side * codes.len().max(1), side);
    let mut pixels = vec![255u8; width * height];
    for (i, code) in codes.iter().enumerate() {
        for y in 0..code.modules() {
            for x in 0..code.modules() {
                if code.is_dark(x, y) {
                    for dy in 0..module {
                        let row = (y + 4) * module + dy;
                        let col = i * side + (x + 4) * module;
                        pixels[row * width + col..row * width + col + module].fill(0);
                    }
                }
            }
        }
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode(&pixels, width as u32, height as u32, image::ColorType::L8)
        .expect("a JPEG");
    jpeg
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn qr_show_draws_the_code_in_the_terminal() {
    let shown = caretrail(&["qr", "show", &kiosk_text(now() + 60)]);
    let out = text(&shown.stdout);
    assert_eq!(shown.status.code(), Some(0), "{out}{}", text(&shown.stderr));
    assert!(out.contains('█') || out.contains('▀'), "{out}");
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("QR version ") && last.ends_with(", error correction M"),
        "{out}"
    );
    let refused = caretrail(&["qr", "show", &"x".repeat(700)]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("version 15"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn qr_read_names_the_kind_of_a_caretrail_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expires_at = now() + 3_600;
    let code = kiosk_text(expires_at);
    let file = write(dir.path(), "kiosk.png", &png_of(&code));
    let read = caretrail(&["qr", "read", file.to_str().expect("utf-8")]);
    let out = text(&read.stdout);
    assert_eq!(read.status.code(), Some(0), "{out}{}", text(&read.stderr));
    assert_eq!(
        out,
        format!(
            "kiosk code\nexpires {}\n{code}\n",
            caretrail_types::format_unix_utc(expires_at)
        )
    );
    let json = caretrail(&["qr", "read", file.to_str().expect("utf-8"), "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["kind"], "kiosk");
    assert_eq!(value["text"], code.as_str());
    assert_eq!(value["expires_at"], expires_at);
}

#[test]
fn qr_read_refuses_each_bad_picture_with_its_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let live = kiosk_text(now() + 3_600);
    let bytes = qr::decode(&live)
        .map(|p| qr::to_bytes(&p))
        .expect("decodes");
    let text_of = |bytes: &[u8]| {
        use base64::Engine as _;
        format!(
            "ct:/{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    };
    let mut newer = bytes.clone();
    newer[0] = 2;
    let newer = text_of(&newer);
    let cut = text_of(&bytes[..bytes.len() - 6]);
    let png = png_of(&live);
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "expired.png",
            png_of(&kiosk_text(now() - 1)),
            "code_expired",
            "expired at",
        ),
        (
            "menu.png",
            png_of("https://example.com/menu"),
            "not_caretrail",
            "not a Caretrail code",
        ),
        ("newer.png", png_of(&newer), "newer_code", "newer version"),
        ("cut.png", png_of(&cut), "damaged_code", "cut short"),
        (
            "corrupt.png",
            png[..png.len() / 2].to_vec(),
            "bad_picture",
            "image file could not be read",
        ),
        (
            "text.png",
            b"not an image at all".to_vec(),
            "bad_picture",
            "image file",
        ),
        ("blank.jpg", jpeg_of(&[]), "no_qr_code", "no QR code"),
        (
            "two.jpg",
            jpeg_of(&[&live, "https://example.com"]),
            "several_codes",
            "2 QR codes",
        ),
    ];
    for (name, bytes, code, words) in cases {
        let file = write(dir.path(), name, &bytes);
        let read = caretrail(&["qr", "read", file.to_str().expect("utf-8")]);
        let err = text(&read.stderr);
        assert_eq!(read.status.code(), Some(1), "{name}: {err}");
        assert!(read.stdout.is_empty(), "{name}: {}", text(&read.stdout));
        assert!(err.contains(&format!("[{code}]")), "{name}: {err}");
        assert!(err.contains(words), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let missing = caretrail(&["qr", "read", "/nonexistent/code.png"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot be read"));
}
