//! Check-in's code, made by the patient's app and read by a kiosk, with no network, natively and
//! in headless Chromium: what the kiosk accepts and each refusal with its code.

use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::checkin::{OPENING_SECS, VISIT_SECS, code, read};
use caretrail_protocol::qr::{self, Payload, SignedKioskCode};
use caretrail_types::{Address, ErrorCode, Hash32, KioskCode};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NOW: u64 = 1_800_000_000;
const DOMAIN: RegistryDomain = RegistryDomain {
    chain_id: 31337,
    records: Address([3; 20]),
};
const HERE: Address = Address([6; 20]);
const H: Hash32 = Hash32([7; 32]);

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_kiosk_reads_her_code_and_refuses_what_it_must() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let patient = SecretKey::generate(&mut rng);
    let (checkin, text) = code(&patient, DOMAIN, HERE, H, NOW, &mut rng);
    assert!(text.starts_with("ct:/"));
    assert_eq!(checkin.token.expires_at, NOW + VISIT_SECS);
    assert_eq!(checkin.token.not_after, NOW + OPENING_SECS);
    let read_back = read(&text, DOMAIN, HERE, NOW + 60).expect("the kiosk reads it");
    assert_eq!(read_back, checkin);
    assert_eq!(
        (read_back.token.patient, read_back.record),
        (patient.address(), H)
    );
    // A second code has another visit id.
    let (again, _) = code(&patient, DOMAIN, HERE, H, NOW, &mut rng);
    assert_ne!(again.token.visit_id, checkin.token.visit_id);

    let mut tampered = checkin.clone();
    tampered.token.expires_at += 1;
    let tampered = qr::encode(&Payload::CheckIn(tampered));
    let kiosk = qr::encode(&Payload::Kiosk(SignedKioskCode::sign(
        &patient,
        DOMAIN,
        KioskCode {
            organization: HERE,
            kiosk: 1,
            nonce: 7,
            expires_at: NOW + 60,
        },
    )));
    let cases = [
        (
            "another organization's kiosk",
            text.clone(),
            Address([9; 20]),
            NOW,
            ErrorCode::WrongOrganization,
        ),
        (
            "after its notAfter",
            text.clone(),
            HERE,
            NOW + OPENING_SECS + 1,
            ErrorCode::SignatureExpired,
        ),
        (
            "altered after she signed",
            tampered,
            HERE,
            NOW,
            ErrorCode::BadSignature,
        ),
        (
            "not a Caretrail code",
            "https://example.org/".to_owned(),
            HERE,
            NOW,
            ErrorCode::InvalidInput,
        ),
        (
            "cut short",
            text[..text.len() - 8].to_owned(),
            HERE,
            NOW,
            ErrorCode::InvalidInput,
        ),
        (
            "another kind of code",
            kiosk,
            HERE,
            NOW,
            ErrorCode::InvalidInput,
        ),
    ];
    for (name, text, here, now, expected) in cases {
        let error = read(&text, DOMAIN, here, now).expect_err(name);
        assert_eq!(error.code, expected, "{name}: {error}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn her_app_makes_codes_only_for_an_admitted_health_organization() {
    use caretrail_protocol::checkin::{check_organization, shown};
    use caretrail_types::{Admission, Participant, ParticipantKind, ParticipantStatus};
    let registered = |kind, status| Participant {
        admission: Admission {
            signer: HERE,
            kind,
            licence_id: "HO-LIC-1001".into(),
            name: "St. Olav".into(),
            encryption_key: vec![2; 33],
        },
        status,
        admitted_at: NOW,
    };
    let admitted = registered(
        ParticipantKind::HealthOrganization,
        ParticipantStatus::Admitted,
    );
    check_organization(HERE, Some(&admitted)).expect("an admitted hospital");
    for refused in [
        None,
        Some(registered(
            ParticipantKind::Insurer,
            ParticipantStatus::Admitted,
        )),
        Some(registered(
            ParticipantKind::HealthOrganization,
            ParticipantStatus::Suspended,
        )),
        Some(registered(
            ParticipantKind::HealthOrganization,
            ParticipantStatus::Blocked,
        )),
        Some(Participant {
            admission: Admission {
                signer: Address([9; 20]),
                ..admitted.admission.clone()
            },
            ..admitted.clone()
        }),
    ] {
        let e = check_organization(HERE, refused.as_ref()).expect_err("refused");
        assert_eq!(e.code, ErrorCode::NotAdmitted, "{refused:?}");
        assert!(e.message.contains(&HERE.to_string()), "{}", e.message);
    }

    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let patient = SecretKey::generate(&mut rng);
    let (checkin, text) = code(&patient, DOMAIN, HERE, H, NOW, &mut rng);
    let on_screen = shown(&checkin, text.clone());
    assert_eq!(
        (
            on_screen.organization,
            on_screen.visit_id,
            on_screen.not_after,
            on_screen.text
        ),
        (HERE, checkin.token.visit_id, NOW + OPENING_SECS, text)
    );
}
