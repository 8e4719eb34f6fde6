//! The scan view's verdict as one table, run natively and in headless Chromium (the web page's
//! worker gives the same verdicts in wasm): each decoder outcome and each kind of text, at `NOW`,
//! gives the kind read or a refusal with its own stable code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::scan::{Seen, is_caretrail, verdict};
use caretrail_protocol::qr::{self, CheckIn, Payload, SharedTestList, SignedKioskCode};
use caretrail_types::{
    Address, ErrorCode, Hash32, KioskCode, QrKind, ScannedCode, TestListShare, VisitToken,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NOW: u64 = 1_800_000_000;

fn domain() -> RegistryDomain {
    RegistryDomain {
        chain_id: 31337,
        records: Address([0x5e; 20]),
    }
}

fn key(seed: u64) -> SecretKey {
    SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(seed))
}

fn check_in(expires_at: u64, not_after: u64) -> Payload {
    let token = VisitToken {
        patient: key(1).address(),
        organization: key(2).address(),
        visit_id: Hash32([0x71; 32]),
        expires_at,
        not_after,
    };
    Payload::CheckIn(CheckIn::sign(&key(1), domain(), token, Hash32([0x48; 32])))
}

fn test_list(expires_at: u64, visit: Option<(u64, u64)>) -> Payload {
    let share = TestListShare {
        patient: key(1).address(),
        organization: key(3).address(),
        record_id: Hash32([0x7d; 32]),
        expires_at,
    };
    let visit = visit.map(|(expires, not_after)| (Hash32([0x72; 32]), expires, not_after));
    Payload::TestList(SharedTestList::sign(&key(1), domain(), share, visit))
}

fn kiosk(expires_at: u64) -> Payload {
    let code = KioskCode {
        organization: key(2).address(),
        kiosk: 3,
        nonce: 9,
        expires_at,
    };
    Payload::Kiosk(SignedKioskCode::sign(&key(2), domain(), code))
}

/// A payload's bytes written as text, altered by `change`.
fn altered(payload: &Payload, change: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = qr::to_bytes(payload);
    change(&mut bytes);
    format!("ct:/{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn read(payload: &Payload) -> Result<ScannedCode, ErrorCode> {
    verdict(Seen::Text(&qr::encode(payload)), NOW).map_err(|e| e.code)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn each_kind_read_in_time_shows_its_kind_and_earliest_expiry() {
    let cases = [
        (check_in(NOW + 900, NOW + 600), QrKind::CheckIn, NOW + 601),
        (check_in(NOW + 300, NOW + 600), QrKind::CheckIn, NOW + 300),
        (test_list(NOW + 3_600, None), QrKind::TestList, NOW + 3_600),
        (
            test_list(NOW + 3_600, Some((NOW + 7_200, NOW + 1_200))),
            QrKind::TestListWithVisit,
            NOW + 1_201,
        ),
        (kiosk(NOW + 1), QrKind::Kiosk, NOW + 1),
    ];
    for (payload, kind, expires_at) in cases {
        let text = qr::encode(&payload);
        assert_eq!(
            verdict(Seen::Text(&text), NOW),
            Ok(ScannedCode {
                kind,
                text: text.clone(),
                expires_at
            }),
            "{text}"
        );
        assert!(is_caretrail(text.as_bytes()));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn an_expired_code_is_refused_at_its_expiry_and_not_before() {
    let cases = [
        (kiosk(NOW), "kiosk code expired"),
        (check_in(NOW, NOW + 600), "visit token expired"),
        (
            check_in(NOW + 900, NOW - 1),
            "could open the visit only until",
        ),
        (test_list(NOW, None), "test-list share expired"),
        (
            test_list(NOW + 3_600, Some((NOW, NOW + 600))),
            "visit token expired",
        ),
        (
            test_list(NOW + 3_600, Some((NOW + 900, NOW - 1))),
            "could open the visit only until",
        ),
    ];
    for (payload, words) in cases {
        let e = verdict(Seen::Text(&qr::encode(&payload)), NOW).expect_err("expired");
        assert_eq!(e.code, ErrorCode::CodeExpired, "{e}");
        assert!(e.message.contains(words), "{e}");
        assert!(e.message.contains("ask for a fresh code"), "{e}");
        // A second earlier, every one of them still held.
        assert!(verdict(Seen::Text(&qr::encode(&payload)), NOW - 1).is_ok());
    }
    // Still read at the last second of its deadline to open.
    assert!(read(&check_in(NOW + 900, NOW)).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_code_that_is_not_caretrails_damaged_truncated_or_newer_is_refused_with_its_code() {
    let payload = kiosk(NOW + 300);
    let text = qr::encode(&payload);
    let cases: Vec<(String, ErrorCode, &str)> = vec![
        (
            "https://example.com/menu".into(),
            ErrorCode::NotCaretrail,
            "not a Caretrail code",
        ),
        (String::new(), ErrorCode::NotCaretrail, "not a Caretrail"),
        (
            "CT:/".to_owned() + &text[4..],
            ErrorCode::NotCaretrail,
            "not a Caretrail",
        ),
        (format!("{text}*"), ErrorCode::DamagedCode, "damaged"),
        ("ct:/".into(), ErrorCode::DamagedCode, "cut short"),
        (
            text[..text.len() - 8].to_owned(),
            ErrorCode::DamagedCode,
            "cut short",
        ),
        (
            altered(&payload, |b| b.push(0)),
            ErrorCode::DamagedCode,
            "too many",
        ),
        (
            altered(&payload, |b| b[0] = 2),
            ErrorCode::NewerCode,
            "newer version of Caretrail",
        ),
        (
            altered(&payload, |b| b[1] = 9),
            ErrorCode::NewerCode,
            "unknown kind",
        ),
    ];
    for (text, code, words) in cases {
        let e = verdict(Seen::Text(&text), NOW).expect_err("refused");
        assert_eq!(e.code, code, "{text:?}: {e}");
        assert!(e.message.contains(words), "{text:?}: {e}");
        assert!(!is_caretrail(text.as_bytes()), "{text:?}");
    }
    assert!(!is_caretrail(&[0xff, 0xfe]), "not UTF-8");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn each_decoder_outcome_without_a_code_has_its_own_refusal() {
    let cases = [
        (Seen::NoCode, ErrorCode::NoQrCode, "no QR code was found"),
        (Seen::OutOfTime, ErrorCode::NoQrCode, "in time"),
        (
            Seen::Unreadable,
            ErrorCode::UnreadableCode,
            "could not be read",
        ),
        (Seen::SeveralCodes(2), ErrorCode::SeveralCodes, "2 QR codes"),
        (
            Seen::BadPicture("the image file could not be read: bad PNG"),
            ErrorCode::BadPicture,
            "bad PNG",
        ),
    ];
    for (seen, code, words) in cases {
        let e = verdict(seen, NOW).expect_err("refused");
        assert_eq!(e.code, code, "{seen:?}: {e}");
        assert!(e.message.contains(words), "{seen:?}: {e}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_new_codes_have_stable_names() {
    let names = [
        (ErrorCode::NoQrCode, "no_qr_code"),
        (ErrorCode::UnreadableCode, "unreadable_code"),
        (ErrorCode::SeveralCodes, "several_codes"),
        (ErrorCode::NotCaretrail, "not_caretrail"),
        (ErrorCode::DamagedCode, "damaged_code"),
        (ErrorCode::NewerCode, "newer_code"),
        (ErrorCode::CodeExpired, "code_expired"),
        (ErrorCode::BadPicture, "bad_picture"),
        (ErrorCode::CameraLost, "camera_lost"),
    ];
    for (code, name) in names {
        assert_eq!(
            serde_json::to_string(&code).expect("serializes"),
            format!("\"{name}\"")
        );
    }
}
