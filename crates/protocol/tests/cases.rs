//! One table of cases for the protocol's decisions, run natively (the desktop client and the
//! CLI) and in headless Chromium under `wasm-bindgen-test` (the web page's wasm): both shells
//! call these functions, so this shows they accept and refuse the same inputs, with the same
//! codes.

use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope;
use caretrail_crypto::identity::{
    LoginDomain, card_hash, enrolment_signer, login_signer, sign_ticket,
};
use caretrail_crypto::policy::content_hash;
use caretrail_protocol::login;
use caretrail_protocol::password::{
    self, MAX_WRONG_PASSWORDS, WRONG_PASSWORD_PAUSE_SECS, WrongPasswords,
};
use caretrail_protocol::registration::{self, Form};
use caretrail_protocol::{backup, profile};
use caretrail_types::{
    Address, CardNumber, Citizen, Coverage, CoverageStatus, Enrolment, ErrorCode, FaceAttestation,
    Hash32, MAX_PHOTO_BYTES, NetworkInfo, Nid, PostalAddress, Profile, RegistrationRecord,
    Signature, TicketBody, TxId, UiError, Verified,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const FHIR_POLICY: &[u8] = include_bytes!("../../sandbox/data/policies/meridian-gold.json");
const PDF_POLICY: &[u8] = include_bytes!("../../sandbox/data/policies/meridian-basic.pdf");
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const NID: &str = "19710302-4411";
const CARD: &str = "MMH-1001-0001";

/// What a case must give: accepted, or refused with this code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Accepted,
    Refused(ErrorCode),
}
use Expect::{Accepted, Refused};

fn outcome<T>(result: &Result<T, UiError>) -> Expect {
    match result {
        Ok(_) => Accepted,
        Err(e) => Refused(e.code),
    }
}

fn form<'a>(nid: &'a str, card: &'a str, document: &'a [u8], photo: &'a [u8]) -> Form<'a> {
    Form {
        nid,
        card_number: card,
        policy_document: document,
        photo,
    }
}

fn held(nid: &str) -> Profile {
    Profile {
        nid: Nid::parse(nid).expect("nid"),
        card_number: CardNumber::parse(CARD).expect("card"),
        patient: Address([7; 20]),
        record: Hash32([1; 32]),
        tx_id: TxId([2; 32]),
    }
}

fn application() -> registration::Application {
    registration::apply(form(NID, CARD, FHIR_POLICY, JPEG), None).expect("a valid application")
}

/// Registration's first step: what she entered.
fn apply_cases() {
    let big_photo = {
        let mut photo = vec![0u8; MAX_PHOTO_BYTES + 1];
        photo[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        photo
    };
    let profile = held(NID);
    let cases: Vec<(&str, Form<'_>, Option<Hash32>, Expect)> = vec![
        (
            "FHIR policy, JPEG",
            form(NID, CARD, FHIR_POLICY, JPEG),
            None,
            Accepted,
        ),
        (
            "PDF policy, PNG",
            form(NID, CARD, PDF_POLICY, PNG),
            None,
            Accepted,
        ),
        (
            "NID too short",
            form("123", CARD, FHIR_POLICY, JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "NID empty",
            form("", CARD, FHIR_POLICY, JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "card too short",
            form(NID, "MMH", FHIR_POLICY, JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "device holds a registration",
            form(NID, CARD, FHIR_POLICY, JPEG),
            Some(profile.record),
            Refused(ErrorCode::AlreadyRegistered),
        ),
        (
            "no photo",
            form(NID, CARD, FHIR_POLICY, b""),
            None,
            Refused(ErrorCode::PhotoRefused),
        ),
        (
            "GIF photo",
            form(NID, CARD, FHIR_POLICY, b"GIF89a....."),
            None,
            Refused(ErrorCode::PhotoRefused),
        ),
        (
            "photo over 8 MiB",
            form(NID, CARD, FHIR_POLICY, &big_photo),
            None,
            Refused(ErrorCode::PhotoRefused),
        ),
        (
            "no policy document",
            form(NID, CARD, b"", JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "policy neither PDF nor JSON",
            form(NID, CARD, b"GIF89a", JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "policy JSON with a duplicate member",
            form(
                NID,
                CARD,
                br#"{"resourceType":"InsurancePlan","a":1,"a":2}"#,
                JPEG,
            ),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "policy JSON cut short",
            form(NID, CARD, br#"{"resourceType":"Insur"#, JPEG),
            None,
            Refused(ErrorCode::InvalidInput),
        ),
    ];
    for (name, form, held, expect) in cases {
        let got = registration::apply(form, held);
        assert_eq!(outcome(&got), expect, "{name}: {:?}", got.as_ref().err());
    }
    // The hash is her side of PU: the canonical hash of the document she holds.
    let fhir = application();
    assert_eq!(fhir.media_type, "application/fhir+json");
    assert_eq!(
        fhir.policy_hash,
        content_hash("application/fhir+json", FHIR_POLICY).expect("hash")
    );
    let pdf = registration::apply(form(NID, CARD, PDF_POLICY, PNG), None).expect("pdf");
    assert_eq!(pdf.media_type, "application/pdf");
}

fn password_cases() {
    // To open a kept key: any non-empty password.
    assert_eq!(
        outcome(&password::check_entered("")),
        Refused(ErrorCode::InvalidInput)
    );
    assert_eq!(outcome(&password::check_entered("pw")), Accepted);
    // To keep a new key: the password policy, with its reason.
    for (new, expect, says) in [
        ("", Refused(ErrorCode::WeakPassword), "too short"),
        ("hunter2", Refused(ErrorCode::WeakPassword), "too short"),
        (
            "password123456",
            Refused(ErrorCode::WeakPassword),
            "too easy to guess",
        ),
        ("correct horse battery staple", Accepted, ""),
    ] {
        let checked = password::check_new(new);
        assert_eq!(outcome(&checked), expect, "{new:?}");
        if let Err(refusal) = checked {
            assert!(
                refusal.message.contains(says),
                "{new:?}: {}",
                refusal.message
            );
        }
    }

    let start = 1_700_000_000;
    let mut wrong = WrongPasswords::default();
    for n in 1..MAX_WRONG_PASSWORDS {
        assert_eq!(outcome(&wrong.may_try(start)), Accepted, "try {n}");
        assert_eq!(wrong.wrong(start).code, ErrorCode::WrongPassword);
    }
    assert_eq!(
        outcome(&wrong.may_try(start)),
        Accepted,
        "the last try before the pause"
    );
    assert_eq!(wrong.wrong(start).code, ErrorCode::WrongPassword);
    assert_eq!(
        outcome(&wrong.may_try(start)),
        Refused(ErrorCode::LockedOut)
    );
    assert_eq!(
        outcome(&wrong.may_try(start + WRONG_PASSWORD_PAUSE_SECS - 1)),
        Refused(ErrorCode::LockedOut)
    );
    assert_eq!(
        outcome(&wrong.may_try(start + WRONG_PASSWORD_PAUSE_SECS)),
        Accepted
    );
    // The count survives a round trip through whatever the shell keeps it in.
    let kept: WrongPasswords =
        serde_json::from_str(&serde_json::to_string(&wrong).expect("json")).expect("parse");
    assert_eq!(kept, wrong);
}

fn login_cases() {
    let h = Hash32([1; 32]).to_string();
    let mine = held(NID);
    let other = held("19680915-2284");
    let cases: Vec<(&str, &str, &str, Option<&Profile>, Expect)> = vec![
        ("her ID and H", NID, &h, Some(&mine), Accepted),
        (
            "H with spaces around it",
            NID,
            " 0x0101010101010101010101010101010101010101010101010101010101010101 ",
            Some(&mine),
            Accepted,
        ),
        (
            "ID malformed",
            "12",
            &h,
            Some(&mine),
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "H not hex",
            NID,
            "0xnothex",
            Some(&mine),
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "H too short",
            NID,
            "0x0101",
            Some(&mine),
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "no registration on this device",
            NID,
            &h,
            None,
            Refused(ErrorCode::NoKey),
        ),
        (
            "another ID's registration",
            NID,
            &h,
            Some(&other),
            Refused(ErrorCode::NoKey),
        ),
    ];
    for (name, id, record, held, expect) in cases {
        let got = login::attempt(id, record, held);
        assert_eq!(outcome(&got), expect, "{name}: {:?}", got.as_ref().err());
        // The web page parses first and checks the held registration once her key opened it:
        // the same decisions, in two steps.
        let split = login::parse(id, record).and_then(|attempt| attempt.held_by(held));
        assert_eq!(outcome(&split), expect, "{name}, in two steps");
    }
    let key = SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
    let attempt = login::attempt(NID, &h, Some(&mine)).expect("attempt");
    let challenge = Hash32([9; 32]);
    let network = NetworkInfo {
        chain_id: 31337,
        rpc_url: "http://127.0.0.1:8545".into(),
        policy_registry: Address([10; 20]),
        participant_registry: Address([11; 20]),
        patient_registry: Address([12; 20]),
        record_registry: Address([15; 20]),
        relay: Address([16; 20]),
    };
    let request = login::request(
        &key,
        &attempt,
        &challenge,
        "http://127.0.0.1:7780",
        &network,
    );
    assert_eq!(request.record, Hash32([1; 32]));
    assert_eq!(request.relay, "http://127.0.0.1:7780");
    let domain = LoginDomain {
        chain_id: 31337,
        patients: Address([12; 20]),
    };
    assert_eq!(
        login_signer(domain, &request).expect("signer"),
        key.address()
    );
    // Signed for this relay, this chain and this registry only.
    assert_ne!(
        login_signer(
            LoginDomain {
                chain_id: 1,
                ..domain
            },
            &request
        ),
        Ok(key.address())
    );
}

fn recover_cases() {
    let application = application();
    let patient = Address([3; 20]);
    assert_eq!(registration::recover(&application, patient, None), Ok(()));
    let found = |card: &str| RegistrationRecord {
        record: Hash32([4; 32]),
        tx_id: TxId([5; 32]),
        card_hash: card_hash(&CardNumber::parse(card).expect("card")),
    };
    let same = registration::recover(&application, patient, Some(found(CARD))).expect_err("known");
    assert_eq!(same.error.code, ErrorCode::AlreadyRegistered);
    let profile = same.profile.expect("her registration is restored");
    assert_eq!(
        (profile.patient, profile.record, profile.tx_id),
        (patient, Hash32([4; 32]), TxId([5; 32]))
    );
    assert_eq!(profile.nid.as_str(), NID);
    let other = registration::recover(&application, patient, Some(found("MMH-1001-0002")))
        .expect_err("known");
    assert_eq!(other.error.code, ErrorCode::AlreadyRegistered);
    assert_eq!(
        other.profile, None,
        "another card's registration is not hers to restore"
    );
}

fn verified_for(
    application: &registration::Application,
    patient: Address,
    card: &str,
    policy_hash: Hash32,
) -> Verified {
    let verifier = SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(2));
    let citizen = Citizen {
        nid: application.nid.clone(),
        given_name: "Erik".into(),
        family_name: "Lundqvist".into(),
        birth_date: "1971-03-02".into(),
        address: PostalAddress {
            line: "Storgatan 1".into(),
            city: "Uppsala".into(),
            postal_code: "753 10".into(),
            country: "SE".into(),
        },
    };
    let enrolment = Enrolment {
        patient,
        insurer: Address([8; 20]),
        policy_id: Hash32([6; 32]),
        version: 1,
        card_hash: card_hash(&CardNumber::parse(card).expect("card")),
        deadline: 1_900_000_000,
    };
    let ticket = sign_ticket(
        &verifier,
        TicketBody {
            nid_commitment: Hash32([7; 32]),
            enrolment,
            insurer_signature: Signature([0; 65]),
            face: FaceAttestation {
                distance_millionths: 300_000,
                threshold_millionths: 600_000,
                model: "dlib".into(),
                at: 1_700_000_000,
            },
            policy_hash,
            expires_at: 1_900_000_000,
            verifier: verifier.address(),
        },
    );
    Verified {
        citizen,
        coverage: Coverage {
            card_number: application.card_number.clone(),
            status: CoverageStatus::Active,
            valid_until: "2030-12-31".into(),
            insurer: Address([8; 20]),
            insurer_name: "Meridian".into(),
            plan: "meridian-gold".into(),
            policy_id: Hash32([6; 32]),
            media_type: "application/fhir+json".into(),
        },
        checks: Vec::new(),
        ticket,
    }
}

/// She signs only the enrolment she asked for, and Enc(U_D) opens with her key only.
fn submission_cases() {
    let application = application();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let key = SecretKey::generate(&mut rng);
    let network = NetworkInfo {
        chain_id: 31337,
        rpc_url: "http://127.0.0.1:8545".into(),
        policy_registry: Address([10; 20]),
        participant_registry: Address([11; 20]),
        patient_registry: Address([12; 20]),
        record_registry: Address([15; 20]),
        relay: Address([16; 20]),
    };
    let hers = application.policy_hash;
    let cases = [
        (
            "her key, card and policy",
            key.address(),
            CARD,
            hers,
            Accepted,
        ),
        (
            "another key",
            Address([13; 20]),
            CARD,
            hers,
            Refused(ErrorCode::RelayError),
        ),
        (
            "another card",
            key.address(),
            "MMH-1001-0002",
            hers,
            Refused(ErrorCode::RelayError),
        ),
        (
            "another policy",
            key.address(),
            CARD,
            Hash32([14; 32]),
            Refused(ErrorCode::RelayError),
        ),
    ];
    for (name, patient, card, policy, expect) in cases {
        let verified = verified_for(&application, patient, card, policy);
        let got = registration::submission(&application, &key, &network, &verified, &mut rng);
        assert_eq!(outcome(&got), expect, "{name}: {:?}", got.as_ref().err());
        let Ok(request) = got else { continue };
        let data =
            envelope::decrypt(&key, &request.encrypted_data).expect("Enc(U_D) opens with her key");
        let patient_json: serde_json::Value = serde_json::from_slice(&data).expect("FHIR JSON");
        assert_eq!(patient_json["resourceType"], "Patient");
        let stranger = SecretKey::generate(&mut rng);
        assert!(envelope::decrypt(&stranger, &request.encrypted_data).is_err());
        assert_eq!(
            enrolment_signer(
                network.chain_id,
                network.policy_registry,
                &request.ticket.body.enrolment,
                &request.patient_signature
            )
            .expect("signer"),
            key.address()
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn registration_inputs_are_accepted_and_refused_alike() {
    apply_cases();
    recover_cases();
    submission_cases();
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_kept_profile_holds_no_id_or_card_in_clear() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let key = SecretKey::generate(&mut rng);
    let mine = Profile {
        patient: key.address(),
        ..held(NID)
    };
    let sealed = profile::seal(&mine, &key, &mut rng).expect("sealed");
    // What the web page writes to the browser's storage.
    let stored = serde_json::to_string(&sealed).expect("json");
    for secret in [NID, CARD, "19710302", "4411", "1001-0001"] {
        assert!(!stored.contains(secret), "{secret} in clear: {stored}");
    }
    assert!(
        stored.contains(&mine.record.to_string()),
        "H stays readable"
    );
    let back: profile::SealedProfile = serde_json::from_str(&stored).expect("read back");
    assert_eq!(profile::open(&back, &key), Ok(mine.clone()));
    // Only her key opens it, and only her own registration is sealed.
    let other = SecretKey::generate(&mut rng);
    assert_eq!(
        outcome(&profile::open(&back, &other)),
        Refused(ErrorCode::NoKey)
    );
    assert_eq!(
        outcome(&profile::seal(&held(NID), &key, &mut rng)),
        Refused(ErrorCode::Internal)
    );
    let mut tampered = back;
    tampered.identity.replace_range(..2, "00");
    assert_eq!(
        outcome(&profile::open(&tampered, &key)),
        Refused(ErrorCode::Internal)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_restored_key_finds_her_registration_alike() {
    let patient = Address([3; 20]);
    let found = |card: &str| RegistrationRecord {
        record: Hash32([4; 32]),
        tx_id: TxId([5; 32]),
        card_hash: card_hash(&CardNumber::parse(card).expect("card")),
    };
    let profile = registration::restored(NID, CARD, patient, Some(found(CARD)))
        .expect("hers")
        .expect("registered");
    assert_eq!(
        (profile.nid.as_str(), profile.patient, profile.record),
        (NID, patient, Hash32([4; 32]))
    );
    assert_eq!(registration::restored(NID, CARD, patient, None), Ok(None));
    for (nid, card, found, expect) in [
        ("123", CARD, None, Refused(ErrorCode::InvalidInput)),
        (NID, "MMH", None, Refused(ErrorCode::InvalidInput)),
        (
            NID,
            CARD,
            Some(found("MMH-1001-0002")),
            Refused(ErrorCode::CardRefused),
        ),
    ] {
        let got = registration::restored(nid, card, patient, found);
        assert_eq!(outcome(&got), expect, "{nid} {card}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_key_comes_back_from_its_phrase_or_backup_file_alike() {
    use caretrail_crypto::v3;
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let (key, phrase) = backup::new_key(&mut rng);
    assert_eq!(phrase.words().count(), 24);
    let typed = format!("  {}\n", phrase.reveal().to_uppercase());
    assert_eq!(backup::key_from_phrase(&typed), Ok(key.clone()));
    // BIP-39's all-zero vector at m/44'/60'/0'/0/0, as MetaMask and `cast` derive it.
    let zero = format!("{} art", ["abandon"; 23].join(" "));
    assert_eq!(
        backup::key_from_phrase(&zero).map(|k| k.address().to_string()),
        Ok("0xf278cf59f82edcf871d630f28ecc8056f25c1cdb".to_owned())
    );
    for (text, says) in [
        ("abandon art", "24 words"),
        (&zero.replace(" art", " able") as &str, "checksum"),
        (&zero.replacen("abandon", "abandonn", 1), "word 1"),
    ] {
        let refused = backup::key_from_phrase(text).expect_err("refused");
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{text}");
        assert!(refused.message.contains(says), "{}", refused.message);
        assert!(!refused.message.contains("abandonn"), "{}", refused.message);
    }

    // A backup file another wallet wrote (cheap PBKDF2 here), and the refusals.
    let written = v3::seal_with(
        &key.to_bytes(),
        Some(key.address()),
        b"backup password",
        v3::Kdf::Pbkdf2 { c: 2 },
        &mut rng,
    );
    assert_eq!(
        backup::key_from_backup(&written, "backup password"),
        Ok(key.clone())
    );
    assert_eq!(
        outcome(&backup::key_from_backup(&written, "not it")),
        Refused(ErrorCode::WrongPassword)
    );
    assert_eq!(
        outcome(&backup::key_from_backup("{}", "backup password")),
        Refused(ErrorCode::InvalidInput)
    );
    let zero_key = v3::seal_with(&[0; 32], None, b"pw", v3::Kdf::Pbkdf2 { c: 2 }, &mut rng);
    assert_eq!(
        outcome(&backup::key_from_backup(&zero_key, "pw")),
        Refused(ErrorCode::InvalidInput)
    );

    // The backup file this page writes: scrypt n = 2^17, under a password the policy accepts.
    let password = "correct horse battery staple";
    let file = backup::backup_file(&key, password, &mut rng).expect("written");
    let parsed = v3::V3Keystore::parse(&file).expect("a V3 keystore");
    assert_eq!(
        parsed.kdf,
        v3::Kdf::Scrypt {
            log_n: 17,
            r: 8,
            p: 1
        }
    );
    assert_eq!(backup::key_from_backup(&file, password), Ok(key.clone()));
    assert_eq!(
        outcome(&backup::backup_file(&key, "hunter2", &mut rng)),
        Refused(ErrorCode::WeakPassword)
    );
    assert!(backup::backup_file_name(&key).ends_with(".json"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn passwords_pause_alike() {
    password_cases();
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn login_inputs_are_accepted_and_refused_alike() {
    login_cases();
}

fn request_cases() {
    use caretrail_protocol::request::{self, Ask, Domain, MAX_TTL_SECS, TTL_SECS};
    use caretrail_types::RelayAction;
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let key = SecretKey::generate(&mut rng);
    let domain = Domain {
        chain_id: 31337,
        records: Address([20; 20]),
    };
    let now = 1_800_000_000;
    let ask = Ask {
        action: RelayAction::RecordGet,
        patient: key.address(),
        subject: Hash32([21; 32]),
        content: Hash32::ZERO,
    };
    let good = request::sign(&key, domain, ask, now, &mut rng);
    let mut other_chain = good.clone();
    other_chain.chain_id = 1;
    let mut other_registry = good.clone();
    other_registry.records = Address([22; 20]);
    let mut tampered = good.clone();
    tampered.request.subject = Hash32([23; 32]);
    let mut claimed = good.clone();
    claimed.request.signer = Address([24; 20]);
    let far = request::sign(&key, domain, ask, now + MAX_TTL_SECS, &mut rng);
    let cases = [
        ("fresh", &good, RelayAction::RecordGet, now, Accepted),
        (
            "at its deadline",
            &good,
            RelayAction::RecordGet,
            now + TTL_SECS,
            Accepted,
        ),
        (
            "after its deadline",
            &good,
            RelayAction::RecordGet,
            now + TTL_SECS + 1,
            Refused(ErrorCode::SignatureExpired),
        ),
        (
            "deadline too far ahead",
            &far,
            RelayAction::RecordGet,
            now,
            Refused(ErrorCode::SignatureExpired),
        ),
        (
            "signed for another chain",
            &other_chain,
            RelayAction::RecordGet,
            now,
            Refused(ErrorCode::WrongChain),
        ),
        (
            "signed for another registry",
            &other_registry,
            RelayAction::RecordGet,
            now,
            Refused(ErrorCode::WrongChain),
        ),
        (
            "used for another action",
            &good,
            RelayAction::RecordPut,
            now,
            Refused(ErrorCode::InvalidInput),
        ),
        (
            "a field changed",
            &tampered,
            RelayAction::RecordGet,
            now,
            Refused(ErrorCode::BadSignature),
        ),
        (
            "claims another signer",
            &claimed,
            RelayAction::RecordGet,
            now,
            Refused(ErrorCode::BadSignature),
        ),
    ];
    for (name, signed, action, at, expect) in cases {
        let got = request::check(signed, domain, action, at);
        assert_eq!(outcome(&got), expect, "{name}: {:?}", got.as_ref().err());
    }
    let fresh = request::check(&good, domain, RelayAction::RecordGet, now).expect("fresh");
    assert_eq!(fresh.signer, key.address());
    assert_eq!(fresh.keep_until, now + TTL_SECS);
    let again = request::sign(&key, domain, ask, now, &mut rng);
    let second = request::check(&again, domain, RelayAction::RecordGet, now).expect("fresh");
    assert_ne!(
        fresh.nonce, second.nonce,
        "each signature has its own nonce"
    );
    assert_eq!(request::replayed().code, ErrorCode::Replayed);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn signed_requests_are_accepted_and_refused_alike() {
    request_cases();
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_rate_limited_request_is_sent_again_alike_after_the_wait_the_relay_names() {
    use caretrail_protocol::request::{RATE_LIMIT_RETRIES, retry_wait};
    for (name, status, header, retries, expect) in [
        ("names 2 s", 429, Some("2"), 0, Some(2)),
        ("spaces", 429, Some(" 3 "), 1, Some(3)),
        ("\"0\" is less than a second", 429, Some("0"), 0, Some(1)),
        ("names none", 429, None, 0, Some(1)),
        ("not whole seconds", 429, Some("soon"), 0, Some(1)),
        ("the longest wait", 429, Some("5"), 0, Some(5)),
        ("longer: the user's to decide", 429, Some("6"), 0, None),
        ("tried enough", 429, Some("1"), RATE_LIMIT_RETRIES, None),
        (
            "the last try",
            429,
            Some("1"),
            RATE_LIMIT_RETRIES - 1,
            Some(1),
        ),
        ("another refusal", 400, Some("1"), 0, None),
        ("unavailable", 503, Some("1"), 0, None),
        ("answered", 200, None, 0, None),
    ] {
        assert_eq!(retry_wait(status, header, retries), expect, "{name}");
    }
}

fn access_cases() {
    use caretrail_protocol::access::why_not;
    use caretrail_types::{ConsentEvent, ConsentScope};
    let reader = Address([30; 20]);
    let record = Hash32([31; 32]);
    let kind = caretrail_crypto::record::record_kind("Document").expect("kind");
    let now = 1_800_000_000;
    let granted = |scope, target, expires_at| ConsentEvent::Granted {
        patient: Address([32; 20]),
        grantee: reader,
        scope,
        target,
        expires_at,
        block: 1,
    };
    let revoked = |scope, target| ConsentEvent::Revoked {
        patient: Address([32; 20]),
        grantee: reader,
        scope,
        target,
        block: 2,
    };
    let other_kind = caretrail_crypto::record::record_kind("Claim").expect("kind");
    let cases: Vec<(&str, Vec<ConsentEvent>, ErrorCode)> = vec![
        ("no consent at all", vec![], ErrorCode::NotAReader),
        (
            "a consent for another kind",
            vec![granted(ConsentScope::Kind, other_kind, now + 60)],
            ErrorCode::NotAReader,
        ),
        (
            "a consent for another record",
            vec![granted(ConsentScope::Record, Hash32([33; 32]), now + 60)],
            ErrorCode::NotAReader,
        ),
        (
            "the record's consent expired",
            vec![granted(ConsentScope::Record, record, now)],
            ErrorCode::ConsentExpired,
        ),
        (
            "the kind's consent expired",
            vec![granted(ConsentScope::Kind, kind, now - 1)],
            ErrorCode::ConsentExpired,
        ),
        (
            "granted then revoked",
            vec![
                granted(ConsentScope::Record, record, now + 60),
                revoked(ConsentScope::Record, record),
            ],
            ErrorCode::ConsentRevoked,
        ),
        (
            "revoked then expired again",
            vec![
                revoked(ConsentScope::Kind, kind),
                granted(ConsentScope::Kind, kind, now - 5),
            ],
            ErrorCode::ConsentExpired,
        ),
    ];
    for (name, events, code) in cases {
        assert_eq!(
            why_not(&events, &[], reader, record, kind, now).code,
            code,
            "{name}"
        );
    }

    // A health organization reads while a visit she opened to it is open.
    use caretrail_protocol::access::open_visit;
    use caretrail_types::Visit;
    let patient = Address([32; 20]);
    let visit = |organization, id: u8, expires_at| Visit {
        patient,
        organization,
        visit_id: Hash32([id; 32]),
        expires_at,
    };
    let visit_cases: Vec<(&str, Vec<Visit>, Option<u8>)> = vec![
        ("no visit", vec![], None),
        ("an open visit", vec![visit(reader, 1, now + 60)], Some(1)),
        (
            "a visit that expires now",
            vec![visit(reader, 1, now)],
            None,
        ),
        (
            "a visit closed early (its expiry moved back)",
            vec![visit(reader, 1, now - 30)],
            None,
        ),
        (
            "another organization's open visit",
            vec![visit(Address([35; 20]), 1, now + 60)],
            None,
        ),
        (
            "another patient's open visit",
            vec![Visit {
                patient: Address([36; 20]),
                ..visit(reader, 1, now + 60)
            }],
            None,
        ),
        (
            "an ended visit and an open one: the open one",
            vec![visit(reader, 1, now - 30), visit(reader, 2, now + 60)],
            Some(2),
        ),
        (
            "two open visits: the one that lasts longer",
            vec![visit(reader, 1, now + 600), visit(reader, 2, now + 60)],
            Some(1),
        ),
    ];
    for (name, visits, open) in visit_cases {
        assert_eq!(
            open_visit(&visits, patient, reader, now).map(|v| v.visit_id),
            open.map(|id| Hash32([id; 32])),
            "{name}"
        );
    }
    // Refused after its visit ended, the reader is told when; with no visit, that it has none.
    let ended = why_not(
        &[],
        &[visit(reader, 1, now - 30)],
        reader,
        record,
        kind,
        now,
    );
    assert_eq!(ended.code, ErrorCode::NotAReader);
    assert!(
        ended.message.contains("visit with the patient ended at"),
        "{ended}"
    );
    let never = why_not(&[], &[], reader, record, kind, now);
    assert!(never.message.contains("no open visit"), "{never}");
    // A revoked consent is still the reason, visit or not.
    let revoked_too = why_not(
        &[
            granted(ConsentScope::Record, record, now + 60),
            revoked(ConsentScope::Record, record),
        ],
        &[visit(reader, 1, now - 30)],
        reader,
        record,
        kind,
        now,
    );
    assert_eq!(revoked_too.code, ErrorCode::ConsentRevoked);

    // Who a new record of a kind is encrypted for, besides her.
    use caretrail_protocol::access::kind_readers;
    let other = Address([34; 20]);
    let to = |grantee, expires_at| ConsentEvent::Granted {
        patient: Address([32; 20]),
        grantee,
        scope: ConsentScope::Kind,
        target: kind,
        expires_at,
        block: 1,
    };
    let off = |grantee| ConsentEvent::Revoked {
        patient: Address([32; 20]),
        grantee,
        scope: ConsentScope::Kind,
        target: kind,
        block: 2,
    };
    let readers: Vec<(&str, Vec<ConsentEvent>, Vec<Address>)> = vec![
        ("nobody", vec![], vec![]),
        (
            "a live kind grant",
            vec![to(reader, now + 60)],
            vec![reader],
        ),
        ("an expired one", vec![to(reader, now)], vec![]),
        ("revoked", vec![to(reader, now + 60), off(reader)], vec![]),
        (
            "revoked then granted again",
            vec![to(reader, now + 60), off(reader), to(reader, now + 90)],
            vec![reader],
        ),
        (
            "another kind",
            vec![granted(ConsentScope::Kind, other_kind, now + 60)],
            vec![],
        ),
        (
            "one record only",
            vec![granted(ConsentScope::Record, record, now + 60)],
            vec![],
        ),
        (
            "two readers, one revoked",
            vec![to(reader, now + 60), to(other, now + 60), off(reader)],
            vec![other],
        ),
    ];
    for (name, events, expected) in readers {
        assert_eq!(kind_readers(&events, kind, now), expected, "{name}");
    }
}

fn audit_cases() {
    use caretrail_crypto::{audit::audit_leaf, merkle};
    use caretrail_protocol::audit::{Mark, mark};
    use caretrail_types::{AuditAnchor, AuditEntry, AuditedRead, ReadGround};
    let entries: Vec<AuditEntry> = (0..5)
        .map(|seq| AuditEntry {
            seq,
            reader: Address([40; 20]),
            patient: Address([41; 20]),
            record: Hash32([seq as u8; 32]),
            ground: ReadGround::Consent,
            at: 1_800_000_000 + seq,
        })
        .collect();
    let leaves: Vec<Hash32> = entries.iter().map(audit_leaf).collect();
    let root = merkle::root(&leaves).expect("root");
    let on_chain = |r: &Hash32| *r == root;
    let read = |i: usize| AuditedRead {
        entry: entries[i].clone(),
        anchor: Some(AuditAnchor {
            root,
            proof: merkle::proof(&leaves, i).expect("proof"),
        }),
    };
    assert_eq!(mark(&read(2), on_chain), Mark::Verified);
    let mut forged = read(2);
    forged.entry.reader = Address([42; 20]);
    assert_eq!(
        mark(&forged, on_chain),
        Mark::NotVerified,
        "a changed entry"
    );
    let mut wrong_proof = read(2);
    wrong_proof.anchor = Some(AuditAnchor {
        root,
        proof: merkle::proof(&leaves, 3).expect("proof"),
    });
    assert_eq!(
        mark(&wrong_proof, on_chain),
        Mark::NotVerified,
        "another entry's proof"
    );
    assert_eq!(
        mark(&read(2), |_: &Hash32| false),
        Mark::NotVerified,
        "a root not on chain"
    );
    let pending = AuditedRead {
        entry: entries[4].clone(),
        anchor: None,
    };
    assert_eq!(mark(&pending, on_chain), Mark::Pending);
    // Dropping an entry after the anchor changes the root: the rest no longer verify.
    let mut dropped = leaves.clone();
    dropped.remove(1);
    let rebuilt = AuditedRead {
        entry: entries[2].clone(),
        anchor: Some(AuditAnchor {
            root: merkle::root(&dropped).expect("root"),
            proof: merkle::proof(&dropped, 1).expect("proof"),
        }),
    };
    assert_eq!(mark(&rebuilt, on_chain), Mark::NotVerified);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn readers_and_reads_are_judged_alike() {
    access_cases();
    audit_cases();
}

fn id_of_one() -> Hash32 {
    Hash32([1; 32])
}

/// Her records: kinds, her list, what a grant covers, the consents she signs, what she trusts.
fn records_cases() {
    use caretrail_crypto::record::{consent_grant_signer, record_kind, sign_consent_grant};
    use caretrail_protocol::records::{
        self, CHAIN_SIGNATURE_SECS, Listed, Share, check_body, check_expiry, join, kind_text,
        own_anchor, reader_key, trusted_anchor,
    };
    use caretrail_types::{
        Admission, ConsentScope, Participant, ParticipantKind, ParticipantStatus, RecordAnchor,
        StoredRecord,
    };
    let now = 1_800_000_000;
    let patient = SecretKey::from_bytes(&[3; 32]).expect("key");
    let her = patient.address();
    let document = record_kind("Document").expect("kind");
    let report = record_kind("DiagnosticReport").expect("kind");

    // Kinds: a name the registry keeps, shown back by name (or as hex when it is no name).
    for (name, expect) in [
        ("Document", Accepted),
        ("DiagnosticReport", Accepted),
        ("", Refused(ErrorCode::InvalidInput)),
        ("two words", Refused(ErrorCode::InvalidInput)),
        ("Ä", Refused(ErrorCode::InvalidInput)),
    ] {
        assert_eq!(outcome(&records::kind(name)), expect, "kind {name:?}");
    }
    assert_eq!(kind_text(&document), "Document");
    assert_eq!(
        kind_text(&Hash32([0xff; 32])),
        Hash32([0xff; 32]).to_string()
    );

    // Her list: anchored ones in the chain's order with the relay's row; stored-only ones after.
    let anchor = |n: u8, kind: Hash32| RecordAnchor {
        record_id: Hash32([n; 32]),
        patient: her,
        author: her,
        kind,
        ciphertext_hash: Hash32([n + 100; 32]),
    };
    let stored = |n: u8, kind: Hash32| StoredRecord {
        id: Hash32([n; 32]),
        patient: her,
        kind,
        author: her,
        body_hash: Hash32([n + 100; 32]),
        size: 10,
        stored_at: now,
        submission: None,
        batch: None,
    };
    let listed = join(
        vec![],
        vec![
            (anchor(1, document), TxId([1; 32])),
            (anchor(2, report), TxId([2; 32])),
        ],
        vec![stored(3, document), stored(1, document)],
    );
    let ids: Vec<Hash32> = listed.iter().map(|l| l.id).collect();
    assert_eq!(ids, [Hash32([1; 32]), Hash32([2; 32]), Hash32([3; 32])]);
    // An id in a verified batch and also anchored alone is listed once, in the chain's order,
    // with its batch's anchor; one only in a batch comes after the single anchors.
    let twice = join(
        vec![
            (anchor(4, report), TxId([8; 32])),
            (anchor(1, document), TxId([7; 32])),
        ],
        vec![
            (anchor(2, report), TxId([2; 32])),
            (anchor(1, document), TxId([1; 32])),
            (anchor(2, report), TxId([3; 32])),
        ],
        vec![stored(1, document)],
    );
    assert_eq!(
        twice
            .iter()
            .map(|l| (l.id, l.anchor.as_ref().map(|(_, tx)| *tx)))
            .collect::<Vec<_>>(),
        [
            (Hash32([2; 32]), Some(TxId([2; 32]))),
            (Hash32([1; 32]), Some(TxId([7; 32]))),
            (Hash32([4; 32]), Some(TxId([8; 32])))
        ]
    );
    assert_eq!(listed[0].stored, Some(stored(1, document)), "joined by id");
    assert_eq!(listed[1].stored, None, "anchored, not held");
    assert_eq!(listed[1].kind, "DiagnosticReport");
    assert_eq!(listed[2].anchor, None, "held, not anchored yet");

    // What a grant covers: one record, or every held record of the kind (a header exists only
    // where the relay holds the record).
    let covered = |share: Share, listed: &[Listed]| share.covered(listed);
    assert_eq!(
        covered(Share::Record(Hash32([9; 32])), &listed),
        Ok(vec![Hash32([9; 32])])
    );
    assert_eq!(
        covered(Share::Kind("Document".into()), &listed),
        Ok(vec![Hash32([1; 32]), Hash32([3; 32])])
    );
    assert_eq!(
        covered(Share::Kind("DiagnosticReport".into()), &listed),
        Ok(vec![])
    );
    assert_eq!(
        outcome(&covered(Share::Kind("not a kind".into()), &listed)),
        Refused(ErrorCode::InvalidInput)
    );

    // The reader: an admitted participant with a usable key, and no one else.
    let hospital = SecretKey::from_bytes(&[4; 32]).expect("key");
    let participant = |status, key: Vec<u8>| Participant {
        admission: Admission {
            signer: hospital.address(),
            kind: ParticipantKind::HealthOrganization,
            licence_id: "HO-LIC-1001".into(),
            name: "Sankt Göran".into(),
            encryption_key: key,
        },
        status,
        admitted_at: now,
    };
    let good_key = hospital.public_key().to_compressed().to_vec();
    let reader = hospital.address();
    for (name, found, expect) in [
        (
            "admitted",
            Some(participant(ParticipantStatus::Admitted, good_key.clone())),
            Accepted,
        ),
        ("unknown", None, Refused(ErrorCode::NotAdmitted)),
        (
            "suspended",
            Some(participant(ParticipantStatus::Suspended, good_key.clone())),
            Refused(ErrorCode::NotAdmitted),
        ),
        (
            "blocked",
            Some(participant(ParticipantStatus::Blocked, good_key.clone())),
            Refused(ErrorCode::NotAdmitted),
        ),
        (
            "a key that is no key",
            Some(participant(ParticipantStatus::Admitted, vec![2; 5])),
            Refused(ErrorCode::ChainError),
        ),
    ] {
        assert_eq!(
            outcome(&reader_key(reader, found.as_ref())),
            expect,
            "{name}"
        );
    }
    assert_eq!(
        reader_key(
            reader,
            Some(&participant(ParticipantStatus::Admitted, good_key))
        )
        .map(|k| k.address()),
        Ok(reader)
    );

    // A header gains the reader once; only a reader of it can add one.
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let sealed =
        envelope::encrypt(&mut rng, &[patient.public_key()], b"a lab report").expect("env");
    let header_len = envelope::Header::parse(&sealed).expect("header").len();
    let (header, hash) = records::with_reader(
        id_of_one(),
        &patient,
        &sealed[..header_len],
        &hospital.public_key(),
        &mut rng,
    )
    .expect("rewrapped")
    .expect("a new reader");
    assert_eq!(hash, caretrail_crypto::record::body_hash(&header));
    let mut envelope_after = header.clone();
    envelope_after.extend_from_slice(&sealed[header_len..]);
    assert_eq!(
        envelope::decrypt(&hospital, &envelope_after).expect("the hospital reads it"),
        b"a lab report"
    );
    assert_eq!(
        records::with_reader(
            id_of_one(),
            &patient,
            &header,
            &hospital.public_key(),
            &mut rng
        ),
        Ok(None),
        "already a reader"
    );
    assert_eq!(
        outcome(&records::with_reader(
            id_of_one(),
            &hospital,
            &sealed[..header_len],
            &patient.public_key(),
            &mut rng
        )),
        Refused(ErrorCode::HashMismatch),
        "not a reader of it"
    );

    // The consent she signs: its fields, its deadline, an expiry that lies ahead.
    let share = Share::Kind("Document".into());
    let grant = records::grant(her, reader, &share, now + 3600, 7, now).expect("a grant");
    assert_eq!(
        (grant.scope, grant.target, grant.nonce, grant.deadline),
        (ConsentScope::Kind, document, 7, now + CHAIN_SIGNATURE_SECS)
    );
    let signature = sign_consent_grant(&patient, 31337, Address([9; 20]), &grant);
    assert_eq!(
        consent_grant_signer(31337, Address([9; 20]), &grant, &signature),
        Ok(her),
        "signed here, recovered as the registry does"
    );
    for (name, expires_at, expect) in [
        ("ahead", now + 1, Accepted),
        ("now", now, Refused(ErrorCode::InvalidInput)),
        ("past", now - 1, Refused(ErrorCode::InvalidInput)),
    ] {
        assert_eq!(outcome(&check_expiry(expires_at, now)), expect, "{name}");
        assert_eq!(
            outcome(&records::grant(her, reader, &share, expires_at, 0, now)),
            expect,
            "grant {name}"
        );
    }
    let one = Share::Record(Hash32([1; 32]));
    let revocation = records::revocation(her, reader, &one, 8, now).expect("a revocation");
    assert_eq!(
        (revocation.scope, revocation.target, revocation.deadline),
        (
            ConsentScope::Record,
            Hash32([1; 32]),
            now + CHAIN_SIGNATURE_SECS
        )
    );
    assert_eq!(
        outcome(&records::revocation(
            her,
            reader,
            &Share::Kind(String::new()),
            8,
            now
        )),
        Refused(ErrorCode::InvalidInput)
    );
    assert_eq!(
        own_anchor(her, document, Hash32([5; 32]), now).deadline,
        now + CHAIN_SIGNATURE_SECS
    );

    // A record read back is trusted only when anchored, by the author expected, with that body.
    let id = Hash32([1; 32]);
    let found = Some((anchor(1, document), TxId([1; 32])));
    for (name, found, author, expect) in [
        ("anchored, any author", found.clone(), None, Accepted),
        ("anchored by her", found.clone(), Some(her), Accepted),
        (
            "anchored by someone else",
            found.clone(),
            Some(reader),
            Refused(ErrorCode::HashMismatch),
        ),
        (
            "not anchored",
            None,
            None,
            Refused(ErrorCode::UnknownRecord),
        ),
    ] {
        assert_eq!(
            outcome(&trusted_anchor(id, found, author)),
            expect,
            "{name}"
        );
    }
    let pending = caretrail_types::AuditedRead {
        entry: caretrail_types::AuditEntry {
            seq: 0,
            reader: her,
            patient: her,
            record: id,
            ground: caretrail_types::ReadGround::Patient,
            at: now,
        },
        anchor: None,
    };
    let checked = records::check_reads(vec![pending], &[]);
    assert_eq!(
        checked[0].mark,
        caretrail_protocol::audit::Mark::Pending,
        "logged after the last anchor"
    );
    assert_eq!(
        outcome(&check_body(Hash32([7; 32]), Hash32([7; 32]))),
        Accepted
    );
    assert_eq!(
        outcome(&check_body(Hash32([7; 32]), Hash32([8; 32]))),
        Refused(ErrorCode::HashMismatch)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn records_are_decided_alike() {
    records_cases();
}
