//! The QR payload codec and its offline checks, run natively and in headless Chromium (the web
//! page decodes and checks the same codes in wasm): every kind round-trips, fits QR version 15 at
//! error correction M at its largest, and every malformed or refused code has its own error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caretrail_crypto::SecretKey;
use caretrail_crypto::sign::SignatureError;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::{
    self, CheckError, CheckIn, DecodeError, Payload, SharedTestList, Signed, SignedKioskCode,
};
use caretrail_types::{Address, Hash32, KioskCode, Signature, TestListShare, VisitToken};
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

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

fn patient() -> SecretKey {
    key(1)
}

fn hospital() -> SecretKey {
    key(2)
}

fn lab() -> SecretKey {
    key(3)
}

fn token() -> VisitToken {
    VisitToken {
        patient: patient().address(),
        organization: hospital().address(),
        visit_id: Hash32([0x71; 32]),
        expires_at: NOW + 86_400,
        not_after: NOW + 600,
    }
}

fn check_in() -> CheckIn {
    CheckIn::sign(&patient(), domain(), token(), Hash32([0x48; 32]))
}

fn share() -> TestListShare {
    TestListShare {
        patient: patient().address(),
        organization: lab().address(),
        record_id: Hash32([0x7d; 32]),
        expires_at: NOW + 3_600,
    }
}

fn shared(with_visit: bool) -> SharedTestList {
    let visit = with_visit.then_some((Hash32([0x72; 32]), NOW + 86_400, NOW + 600));
    SharedTestList::sign(&patient(), domain(), share(), visit)
}

fn kiosk() -> SignedKioskCode {
    let code = KioskCode {
        organization: hospital().address(),
        kiosk: 3,
        nonce: 0x0123_4567_89ab_cdef,
        expires_at: NOW + 300,
    };
    SignedKioskCode::sign(&hospital(), domain(), code)
}

/// One payload of each kind, with its byte length from the table in the module's docs.
fn every_kind() -> Vec<(Payload, usize)> {
    vec![
        (Payload::CheckIn(check_in()), 187),
        (Payload::TestList(shared(false)), 147),
        (Payload::TestList(shared(true)), 260),
        (Payload::Kiosk(kiosk()), 107),
    ]
}

/// The smallest QR version that holds `text` at error correction M when every character is
/// written in byte mode, the most a text of this length can take.
fn byte_mode_version(text: &str) -> Option<i16> {
    (1..=40).find(|&v| {
        let mut bits = Bits::new(Version::Normal(v));
        bits.push_byte_data(text.as_bytes()).is_ok() && bits.push_terminator(EcLevel::M).is_ok()
    })
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn every_kind_round_trips_through_its_bytes_and_text() {
    for (payload, len) in every_kind() {
        let bytes = qr::to_bytes(&payload);
        assert_eq!(bytes.len(), len, "{}", payload.kind_name());
        assert_eq!(bytes[0], qr::VERSION);
        assert_eq!(qr::from_bytes(&bytes).as_ref(), Ok(&payload));
        let text = qr::encode(&payload);
        assert!(text.starts_with("ct:/"), "{text}");
        assert_eq!(text.len(), 4 + (len * 4).div_ceil(3), "no padding");
        assert_eq!(qr::decode(&text).as_ref(), Ok(&payload));
        assert_eq!(qr::encode(&qr::decode(&text).expect("decodes")), text);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn each_kind_at_its_largest_fits_qr_version_15_at_m() {
    // Every field is fixed, so a kind's largest text is its only length; the worst case is that
    // every character goes in byte mode (all-lowercase base64url), which `byte_mode_version`
    // measures, beside the version the encoder picks for this very text.
    for (payload, _) in every_kind() {
        let text = qr::encode(&payload);
        let worst = byte_mode_version(&text).expect("fits some version");
        let code = QrCode::with_error_correction_level(&text, EcLevel::M).expect("encodes");
        let Version::Normal(picked) = code.version() else {
            panic!("a micro QR for {}", payload.kind_name());
        };
        let with_visit = matches!(&payload, Payload::TestList(t) if t.visit.is_some());
        println!(
            "{:<28} {:>3} bytes, {:>3} characters: QR version {picked} at M ({worst} if all in byte mode)",
            format!(
                "{}{}",
                payload.kind_name(),
                if with_visit { " with visit token" } else { "" }
            ),
            qr::to_bytes(&payload).len(),
            text.len(),
        );
        assert!(picked <= worst);
        assert!(worst <= 15, "{} needs version {worst}", payload.kind_name());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn texts_that_are_not_caretrail_payloads_are_refused() {
    let b64 = |bytes: &[u8]| format!("ct:/{}", URL_SAFE_NO_PAD.encode(bytes));
    let check_in = qr::encode(&Payload::CheckIn(check_in()));
    let cases: Vec<(String, DecodeError)> = vec![
        (
            "https://example.org/ct:/AQE".into(),
            DecodeError::NotCaretrail,
        ),
        ("CT:/AQE".into(), DecodeError::NotCaretrail),
        (String::new(), DecodeError::NotCaretrail),
        ("ct:/not base64!".into(), DecodeError::NotBase64),
        // Standard base64's alphabet, and padding, are not base64url without padding.
        ("ct:/AQE+".into(), DecodeError::NotBase64),
        ("ct:/AQE=".into(), DecodeError::NotBase64),
        // "AR" decodes to 0x01 only if its stray low bits are ignored: not canonical.
        ("ct:/AR".into(), DecodeError::NotBase64),
        (format!("{check_in}\n"), DecodeError::NotBase64),
        ("ct:/".into(), DecodeError::Empty),
        (b64(&[1]), DecodeError::Empty),
        (b64(&[2, 1]), DecodeError::UnknownVersion(2)),
        (b64(&[0, 1]), DecodeError::UnknownVersion(0)),
        (b64(&[1, 0]), DecodeError::UnknownKind(0)),
        (b64(&[1, 5]), DecodeError::UnknownKind(5)),
        (b64(&[1, 255, 0, 0]), DecodeError::UnknownKind(255)),
        // Cut short on a whole base64 quantum (cut anywhere else, the text is not canonical
        // base64url and reads as damaged).
        (
            check_in[..4 + 244].to_string(),
            DecodeError::Truncated {
                kind: "check-in",
                expected: 187,
                found: 183,
            },
        ),
        (
            check_in[..check_in.len() - 3].to_string(),
            DecodeError::NotBase64,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(qr::decode(&text), Err(expected), "{text:?}");
    }
    // The messages say what happened in words, without bytes to interpret.
    assert_eq!(
        DecodeError::UnknownVersion(2).to_string(),
        "this code was made by a newer version of Caretrail (payload version 2; this app reads version 1): update the app"
    );
    assert_eq!(
        DecodeError::NotCaretrail.to_string(),
        "this is not a Caretrail code (it does not start with \"ct:/\")"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn every_kind_refuses_a_short_payload_and_trailing_bytes() {
    for (payload, len) in every_kind() {
        let bytes = qr::to_bytes(&payload);
        let kind = match bytes[1] {
            1 => "check-in",
            2 | 3 => "test-list",
            _ => "kiosk",
        };
        for cut in [2, len / 2, len - 1] {
            assert_eq!(
                qr::from_bytes(&bytes[..cut]),
                Err(DecodeError::Truncated {
                    kind,
                    expected: len,
                    found: cut
                }),
                "{kind} cut to {cut}"
            );
        }
        for extra in [1, 65, 1000] {
            let mut longer = bytes.clone();
            longer.resize(len + extra, 0);
            assert_eq!(
                qr::from_bytes(&longer),
                Err(DecodeError::TrailingBytes { kind, extra }),
                "{kind} with {extra} more"
            );
            let text = format!("ct:/{}", URL_SAFE_NO_PAD.encode(&longer));
            assert_eq!(
                qr::decode(&text),
                Err(DecodeError::TrailingBytes { kind, extra })
            );
        }
    }
    // A share with a visit token is its own kind: a plain share's kind with the token's bytes
    // after it is refused, not read as the longer kind.
    let mut plain_with_more = qr::to_bytes(&Payload::TestList(shared(true)));
    plain_with_more[1] = 2;
    assert_eq!(
        qr::from_bytes(&plain_with_more),
        Err(DecodeError::TrailingBytes {
            kind: "test-list",
            extra: 113
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn any_accepted_bytes_encode_back_to_themselves() {
    // Random fields under each known header: every one decodes (no field is validated at this
    // layer; the checks come after) and writes back the same bytes.
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    for (kind, len) in [(1u8, 187usize), (2, 147), (3, 260), (4, 107)] {
        for _ in 0..200 {
            let mut bytes = vec![0u8; len];
            rng.fill_bytes(&mut bytes);
            bytes[0] = 1;
            bytes[1] = kind;
            let payload = qr::from_bytes(&bytes).expect("a known kind at its length");
            assert_eq!(qr::to_bytes(&payload), bytes);
        }
    }
}

fn here() -> Address {
    hospital().address()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_check_in_is_checked_offline_with_each_refusal() {
    let code = check_in();
    assert_eq!(code.check(domain(), here(), NOW), Ok(()));
    // Up to and including its notAfter, never after.
    assert_eq!(code.check(domain(), here(), NOW + 600), Ok(()));
    assert_eq!(
        code.check(domain(), here(), NOW + 601),
        Err(CheckError::OpeningClosed {
            not_after: NOW + 600
        })
    );
    // Expired (checked before notAfter, as the contract does).
    assert_eq!(
        code.check(domain(), here(), NOW + 86_400),
        Err(CheckError::Expired {
            what: Signed::VisitToken,
            expires_at: NOW + 86_400
        })
    );
    // Shown at another organization's kiosk.
    assert_eq!(
        code.check(domain(), lab().address(), NOW),
        Err(CheckError::NotForThisOrganization {
            what: Signed::VisitToken,
            named: here(),
            here: lab().address()
        })
    );
    // Signed by someone other than the patient it names.
    let forged = CheckIn::sign(&key(9), domain(), token(), code.record);
    assert_eq!(
        forged.check(domain(), here(), NOW),
        Err(CheckError::WrongSigner {
            what: Signed::VisitToken,
            claimed: patient().address(),
            signer: key(9).address()
        })
    );
    // A later notAfter written over the signed one recovers someone else.
    let stretched = CheckIn {
        token: VisitToken {
            not_after: NOW + 86_000,
            ..token()
        },
        ..code.clone()
    };
    assert!(matches!(
        stretched.check(domain(), here(), NOW + 601),
        Err(CheckError::WrongSigner { .. })
    ));
    // Signed for another chain.
    let elsewhere = RegistryDomain {
        chain_id: 1,
        ..domain()
    };
    assert!(matches!(
        code.check(elsewhere, here(), NOW),
        Err(CheckError::WrongSigner { .. })
    ));
    // Not a signature at all.
    let mut broken = code.clone();
    broken.signature = Signature([0; 65]);
    assert_eq!(
        broken.check(domain(), here(), NOW),
        Err(CheckError::BadSignature {
            what: Signed::VisitToken,
            reason: SignatureError::BadRecoveryByte(0)
        })
    );
    // One bit changed in transit: still a well-formed code, no longer hers.
    let mut bytes = qr::to_bytes(&Payload::CheckIn(code));
    bytes[2 + 20] ^= 1;
    let Ok(Payload::CheckIn(altered)) = qr::from_bytes(&bytes) else {
        panic!("still a check-in");
    };
    assert!(matches!(
        altered.check(domain(), altered.token.organization, NOW),
        Err(CheckError::WrongSigner { .. })
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_test_list_is_checked_offline_with_each_refusal() {
    let at_lab = lab().address();
    for with_visit in [false, true] {
        let code = shared(with_visit);
        assert_eq!(code.check(domain(), at_lab, NOW), Ok(()), "{with_visit}");
        assert_eq!(
            code.check(domain(), at_lab, NOW + 3_600),
            Err(CheckError::Expired {
                what: Signed::TestListShare,
                expires_at: NOW + 3_600
            })
        );
        assert_eq!(
            code.check(domain(), here(), NOW),
            Err(CheckError::NotForThisOrganization {
                what: Signed::TestListShare,
                named: at_lab,
                here: here()
            })
        );
        let forged = SharedTestList::sign(&key(9), domain(), share(), None);
        assert_eq!(
            forged.check(domain(), at_lab, NOW),
            Err(CheckError::WrongSigner {
                what: Signed::TestListShare,
                claimed: patient().address(),
                signer: key(9).address()
            })
        );
    }
    // The visit token it carries is the share's patient's, for the share's organization, and
    // checked as a check-in's is.
    let code = shared(true);
    let token = code.visit_token().expect("a visit token");
    assert_eq!(
        (token.patient, token.organization),
        (patient().address(), at_lab)
    );
    assert_eq!(
        code.check(domain(), at_lab, NOW + 601),
        Err(CheckError::OpeningClosed {
            not_after: NOW + 600
        })
    );
    assert_eq!(shared(false).check(domain(), at_lab, NOW + 601), Ok(()));
    let mut visit = code.visit.expect("a visit");
    visit.signature = SharedTestList::sign(
        &key(9),
        domain(),
        share(),
        Some((visit.visit_id, visit.expires_at, visit.not_after)),
    )
    .visit
    .expect("a visit")
    .signature;
    let foreign = SharedTestList {
        visit: Some(visit),
        ..code
    };
    assert_eq!(
        foreign.check(domain(), at_lab, NOW),
        Err(CheckError::WrongSigner {
            what: Signed::VisitToken,
            claimed: patient().address(),
            signer: key(9).address()
        })
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_kiosk_code_is_checked_offline_with_each_refusal() {
    let code = kiosk();
    assert_eq!(code.check(domain(), NOW + 299), Ok(()));
    assert_eq!(
        code.check(domain(), NOW + 300),
        Err(CheckError::Expired {
            what: Signed::KioskCode,
            expires_at: NOW + 300
        })
    );
    // Another key's "here I am" in this organization's name.
    let impostor = SignedKioskCode::sign(&key(9), domain(), code.code);
    assert_eq!(
        impostor.check(domain(), NOW),
        Err(CheckError::WrongSigner {
            what: Signed::KioskCode,
            claimed: here(),
            signer: key(9).address()
        })
    );
    let mut broken = code;
    broken.signature.0[64] = 29;
    assert_eq!(
        broken.check(domain(), NOW),
        Err(CheckError::BadSignature {
            what: Signed::KioskCode,
            reason: SignatureError::BadRecoveryByte(29)
        })
    );
    assert_eq!(
        CheckError::Expired {
            what: Signed::KioskCode,
            expires_at: NOW + 300
        }
        .to_string(),
        "the kiosk code expired at 2027-01-15 08:05:00 UTC: ask for a fresh code"
    );
}
