//! Registration and login end to end (the paper's steps 1–5): a real anvil, the relay with its
//! verification unit (real dlib face match, SQLite), and the sandbox's EC registry, insurer and
//! government registry. The good paths, and every refusal, each leaving nothing half-written.

mod common;

use caretrail::stack::Stack;
use caretrail_chain::{is_nid_registered, is_registered, record_of};
use caretrail_client::{Client, ClientError, Progress, RegistrationForm};
use caretrail_crypto::identity::{LoginDomain, card_hash, nid_commitment, sign_login};
use caretrail_crypto::{SecretKey, envelope};
use caretrail_keystore::ExistingPassword;
use caretrail_types::{
    Address, CardNumber, Check, ErrorCode, Hash32, LoginChallenge, LoginRequest, Nid,
    RegistrationRecord, UiError,
};
use common::{existing, password, photo, policy_document, registration_stack, wallet};
use std::io::Cursor;

const ERIK: &str = "19710302-4411";
const ERIK_CARD: &str = "MMH-1001-0001"; // meridian-gold (FHIR), active
const HANNE: &str = "19680915-2284";
const HANNE_CARD: &str = "MMH-1001-0002"; // meridian-basic (PDF), active
const HANNE_EXPIRED_CARD: &str = "MMH-1001-0003";
const ERIK_CANCELLED_CARD: &str = "MMH-1001-0004";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn erik() -> RegistrationForm {
    RegistrationForm {
        nid: ERIK.into(),
        card_number: ERIK_CARD.into(),
        policy_document: policy_document("meridian-gold.json"),
        photo: photo("jesper_2.jpg"),
    }
}

/// Hanne's instant photo: her face cut out of a photo where she sits beside Erik (an adaptation
/// of kphotoalbum's bar55_2.jpg, CC BY-SA 4.0: cropped here, at run time).
fn hanne_photo() -> Vec<u8> {
    let image = image::load_from_memory(&photo("bar55_2.jpg")).expect("decode");
    let (left, top, side) = (270u32, 152u32, 109u32);
    let margin = side * 3 / 10;
    let crop = image.crop_imm(
        left - margin,
        top - margin,
        side + 2 * margin,
        side + 2 * margin,
    );
    let mut out = Cursor::new(Vec::new());
    crop.write_to(&mut out, image::ImageOutputFormat::Jpeg(92))
        .expect("encode");
    out.into_inner()
}

fn hanne() -> RegistrationForm {
    RegistrationForm {
        nid: HANNE.into(),
        card_number: HANNE_CARD.into(),
        policy_document: policy_document("meridian-basic.pdf"),
        photo: hanne_photo(),
    }
}

fn client(stack: &Stack) -> Client {
    Client::new(&stack.relay_url).expect("client")
}

fn refusal(result: Result<impl std::fmt::Debug, ClientError>) -> UiError {
    UiError::from(result.expect_err("refused"))
}

/// Nothing was written for `nid` on chain nor in the relay's database.
async fn nothing_written(stack: &Stack, nid: &str) {
    let relay = &stack.relay.config;
    let commitment = nid_commitment(relay.nid_salt.bytes(), &Nid::parse(nid).expect("nid"));
    assert!(
        !is_nid_registered(&stack.rpc_url(), relay.patient_registry, commitment)
            .await
            .expect("chain"),
        "{nid} is registered on chain"
    );
    assert_eq!(stack.relay.db.registration_count().await.expect("db"), 0);
}

#[tokio::test]
async fn a_citizen_registers_with_her_photo_and_logs_in() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = wallet(&dir);
    let mut steps = Vec::new();
    let started = std::time::Instant::now();
    let done = client(&stack)
        .register(&wallet, &erik(), &password(), |p| steps.push(p))
        .await
        .expect("registered");
    // Her NID and card are in the wallet's profile: readable by her account alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |path: &std::path::Path| {
            std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
        };
        assert_eq!(mode(&dir.path().join("profile.json")), 0o600);
    }
    println!(
        "registration: {:?} wall time, gas {}, face distance {:.3}",
        started.elapsed(),
        done.receipt.gas_used,
        done.receipt.face.distance()
    );
    // Every check ran, in order, and the progress ended with the submission.
    let Some(Progress::Verified { checks }) = steps
        .iter()
        .find(|p| matches!(p, Progress::Verified { .. }))
    else {
        panic!("no checks in {steps:?}")
    };
    assert_eq!(
        checks.iter().map(|c| c.check).collect::<Vec<_>>(),
        Check::ALL
    );
    assert!(matches!(steps.last(), Some(Progress::Submitting)));
    assert!(done.phrase.is_some(), "a new key shows its phrase once");
    assert!(done.receipt.face.distance() < 0.6);
    assert_eq!(done.citizen.family_name, "Lundqvist");

    // H is on chain, for her key; her data there is ciphertext only she can open.
    let relay = &stack.relay.config;
    let patient = done.receipt.patient;
    assert!(
        is_registered(
            &stack.rpc_url(),
            relay.patient_registry,
            patient,
            done.receipt.record
        )
        .await
        .expect("chain")
    );
    assert_eq!(
        record_of(&stack.rpc_url(), relay.patient_registry, patient)
            .await
            .expect("chain"),
        Some(done.receipt.record)
    );
    let profile = wallet.profile().expect("profile").expect("kept");
    assert_eq!(profile.record, done.receipt.record);
    assert_eq!(profile.tx_id, done.receipt.tx_id);
    assert_eq!(stack.relay.db.registration_count().await.expect("db"), 1);

    let session = client(&stack)
        .login(&wallet, ERIK, &existing(), &done.receipt.record.to_string())
        .await
        .expect("login");
    assert_eq!(session.patient, patient);
    assert_eq!(session.record, done.receipt.record);
    assert_eq!(session.token.len(), 64);
    stack.stop().await;
}

#[tokio::test]
async fn a_pdf_policy_registers_too_and_enc_ud_opens_only_with_her_key() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = wallet(&dir);
    let done = client(&stack)
        .register(&wallet, &hanne(), &password(), |_| {})
        .await
        .expect("registered");
    println!(
        "Hanne (cropped photo vs registry photo): face distance {:.3}",
        done.receipt.face.distance()
    );
    assert!(done.receipt.face.distance() > 0.0 && done.receipt.face.distance() < 0.6);

    // Enc(U_D) from the registration's event decrypts with her key to her FHIR Patient.
    let key: SecretKey = wallet.unlock(&existing()).expect("unlock");
    let encrypted = encrypted_data_of(&stack, done.receipt.record).await;
    let plain = envelope::decrypt(&key, &encrypted).expect("her key opens Enc(U_D)");
    let patient: serde_json::Value = serde_json::from_slice(&plain).expect("json");
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(patient["name"][0]["family"], "Berg");
    assert_eq!(patient["identifier"][0]["value"], HANNE);
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    assert!(envelope::decrypt(&stranger, &encrypted).is_err());
    stack.stop().await;
}

async fn encrypted_data_of(stack: &Stack, record: Hash32) -> Vec<u8> {
    use alloy::providers::ProviderBuilder;
    let provider = ProviderBuilder::new().connect_http(stack.rpc_url());
    let contract = caretrail_chain::PatientRegistry::new(
        alloy::primitives::Address::from(stack.relay.config.patient_registry.0),
        provider,
    );
    let logs = contract
        .PatientRegistered_filter()
        .topic2(alloy::primitives::B256::from(record.0))
        .from_block(0)
        .query()
        .await
        .expect("logs");
    logs[0].0.encryptedData.to_vec()
}

#[tokio::test]
async fn every_bad_input_is_refused_with_its_own_code_and_nothing_is_written() {
    let stack = registration_stack().await;
    let client = client(&stack);
    let cases: Vec<(&str, RegistrationForm, ErrorCode, &str)> = vec![
        (
            "unknown NID",
            RegistrationForm {
                nid: "19000101-0000".into(),
                ..erik()
            },
            ErrorCode::UnknownCitizen,
            "knows no citizen",
        ),
        (
            "malformed NID",
            RegistrationForm {
                nid: "1971 0302".into(),
                ..erik()
            },
            ErrorCode::InvalidInput,
            "national ID",
        ),
        (
            "no face",
            RegistrationForm {
                photo: photo("skagen.jpg"),
                ..erik()
            },
            ErrorCode::PhotoRefused,
            "no face",
        ),
        (
            "two faces",
            RegistrationForm {
                photo: photo("bar55_2.jpg"),
                ..erik()
            },
            ErrorCode::PhotoRefused,
            "2 faces",
        ),
        (
            "another person's face",
            RegistrationForm {
                photo: photo("anne_helene.jpg"),
                ..erik()
            },
            ErrorCode::FaceMismatch,
            "does not match",
        ),
        (
            "expired card",
            RegistrationForm {
                card_number: HANNE_EXPIRED_CARD.into(),
                policy_document: policy_document("meridian-gold.json"),
                ..hanne()
            },
            ErrorCode::CardRefused,
            "expired",
        ),
        (
            "cancelled card",
            RegistrationForm {
                card_number: ERIK_CANCELLED_CARD.into(),
                policy_document: policy_document("meridian-basic.pdf"),
                ..erik()
            },
            ErrorCode::CardRefused,
            "cancelled",
        ),
        (
            "unknown card",
            RegistrationForm {
                card_number: "MMH-9999-0000".into(),
                ..erik()
            },
            ErrorCode::CardRefused,
            "no insurance card",
        ),
        (
            "a card of no known insurer",
            RegistrationForm {
                card_number: "ZZZ-1001-0001".into(),
                ..erik()
            },
            ErrorCode::CardRefused,
            "no insurer known",
        ),
        (
            "someone else's card",
            RegistrationForm {
                card_number: HANNE_CARD.into(),
                policy_document: policy_document("meridian-basic.pdf"),
                ..erik()
            },
            ErrorCode::CardRefused,
            "not held by",
        ),
        (
            "a policy document the insurer does not hold",
            RegistrationForm {
                policy_document: policy_document("meridian-basic.pdf"),
                ..erik()
            },
            ErrorCode::PolicyMismatch,
            "attach that document",
        ),
        (
            "a document that is no policy",
            RegistrationForm {
                policy_document: photo("jesper.jpg"),
                ..erik()
            },
            ErrorCode::InvalidInput,
            "neither a PDF nor",
        ),
        (
            "a non-image photo",
            RegistrationForm {
                photo: policy_document("meridian-basic.pdf"),
                ..erik()
            },
            ErrorCode::PhotoRefused,
            "not a JPEG or PNG",
        ),
        (
            "an oversized photo",
            RegistrationForm {
                photo: [&[0xFF, 0xD8, 0xFF][..], &vec![0; 8 * 1024 * 1024]].concat(),
                ..erik()
            },
            ErrorCode::PhotoRefused,
            "the most allowed",
        ),
    ];
    for (what, form, code, says) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let refused = refusal(
            client
                .register(&wallet(&dir), &form, &password(), |_| {})
                .await,
        );
        assert_eq!(refused.code, code, "{what}: {refused}");
        assert!(refused.message.contains(says), "{what}: {refused}");
    }
    nothing_written(&stack, ERIK).await;
    nothing_written(&stack, HANNE).await;
    assert!(stack.relay.db.mismatches().await.expect("db").is_empty());
    stack.stop().await;
}

#[tokio::test]
async fn the_relay_itself_refuses_photos_that_are_not_images_or_too_large() {
    let stack = registration_stack().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/registrations/verify", stack.relay_url);
    let body = |photo: &[u8]| {
        use base64::Engine as _;
        serde_json::json!({
            "nid": ERIK,
            "card_number": ERIK_CARD,
            "patient": "0x1111111111111111111111111111111111111111",
            "policy_hash": Hash32([1; 32]),
            "photo": base64::engine::general_purpose::STANDARD.encode(photo),
        })
    };
    // Not an image (the app's own check skipped): refused by the face match's checks.
    let response = http
        .post(&url)
        .json(&body(b"%PDF-1.4 not a photo"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 422);
    let error: UiError = response.json().await.expect("json");
    assert_eq!(error.code, ErrorCode::PhotoRefused, "{error}");
    // Larger than any photo: refused before it is read whole.
    let response = http
        .post(&url)
        .json(&body(&vec![0xFF; 9 * 1024 * 1024]))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 413);
    let error: UiError = response.json().await.expect("json");
    assert_eq!(error.code, ErrorCode::InvalidInput, "{error}");
    nothing_written(&stack, ERIK).await;
    stack.stop().await;
}

#[tokio::test]
async fn a_second_registration_of_one_nid_is_refused() {
    let stack = registration_stack().await;
    let first = tempfile::tempdir().expect("tempdir");
    client(&stack)
        .register(&wallet(&first), &erik(), &password(), |_| {})
        .await
        .expect("first");
    let second = tempfile::tempdir().expect("tempdir");
    let refused = refusal(
        client(&stack)
            .register(&wallet(&second), &erik(), &password(), |_| {})
            .await,
    );
    assert_eq!(refused.code, ErrorCode::AlreadyRegistered, "{refused}");
    assert!(refused.message.contains(ERIK), "{refused}");
    // Whether a NID is registered is told only to the person whose face matched it.
    let stranger = tempfile::tempdir().expect("tempdir");
    let masked = refusal(
        client(&stack)
            .register(
                &wallet(&stranger),
                &RegistrationForm {
                    photo: photo("anne_helene.jpg"),
                    ..erik()
                },
                &password(),
                |_| {},
            )
            .await,
    );
    assert_eq!(masked.code, ErrorCode::FaceMismatch, "{masked}");
    // The same wallet cannot register twice either.
    let again = refusal(
        client(&stack)
            .register(&wallet(&first), &erik(), &password(), |_| {})
            .await,
    );
    assert_eq!(again.code, ErrorCode::AlreadyRegistered, "{again}");
    assert_eq!(stack.relay.db.registration_count().await.expect("db"), 1);
    stack.stop().await;
}

#[tokio::test]
async fn the_fraudulent_insurer_stops_registration_and_the_evidence_is_kept() {
    let stack = registration_stack().await;
    stack.insurer.set_fraud(true);
    let dir = tempfile::tempdir().expect("tempdir");
    let refused = refusal(
        client(&stack)
            .register(&wallet(&dir), &erik(), &password(), |_| {})
            .await,
    );
    assert_eq!(refused.code, ErrorCode::PolicyMismatch, "{refused}");
    let evidence = stack.relay.db.mismatches().await.expect("db");
    assert_eq!(evidence.len(), 1);
    let kept = &evidence[0];
    assert_eq!(kept.insurer, stack.insurer.address());
    assert_ne!(kept.insurer_hash, kept.chain_hash);
    assert_eq!(kept.patient_hash, kept.chain_hash);
    // The message names the insurer and both hashes.
    for part in [
        stack.insurer.name.clone(),
        kept.insurer_hash.to_string(),
        kept.chain_hash.to_string(),
    ] {
        assert!(refused.message.contains(&part), "{part} in {refused}");
    }
    assert!(refused.message.contains("evidence is kept"), "{refused}");
    nothing_written(&stack, ERIK).await;

    // The refused attempt left no key behind; she registers once the insurer serves the
    // published policy again, with a new key whose phrase she sees.
    let no_key = wallet(&dir).unlock(&existing()).expect_err("no key kept");
    assert_eq!(UiError::from(no_key).code, ErrorCode::NoKey);
    stack.insurer.set_fraud(false);
    let done = client(&stack)
        .register(&wallet(&dir), &erik(), &password(), |_| {})
        .await
        .expect("registered");
    assert!(done.phrase.is_some());
    stack.stop().await;
}

#[tokio::test]
async fn an_insurer_that_is_down_is_named() {
    let stack = registration_stack().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = caretrail_relay::RelayConfig {
        insurers: vec![caretrail_relay::InsurerRoute {
            card_prefix: "MMH".into(),
            url: common::dead_url(),
        }],
        database: None,
        ..stack.relay.config.clone()
    };
    let relay = caretrail_relay::Relay::open(config).await.expect("relay");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(caretrail_relay::serve(listener, relay, async {
        let _ = stopped.await;
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    let refused = refusal(
        Client::new(&url)
            .expect("client")
            .register(&wallet(&dir), &erik(), &password(), |_| {})
            .await,
    );
    assert_eq!(refused.code, ErrorCode::ServiceUnavailable, "{refused}");
    assert!(refused.message.contains("the insurer"), "{refused}");
    assert!(refused.message.contains("cannot be reached"), "{refused}");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
    nothing_written(&stack, ERIK).await;
    stack.stop().await;
}

#[tokio::test]
async fn login_refuses_each_failure_with_its_own_message_and_locks_out() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = wallet(&dir);
    let client = client(&stack);
    let done = client
        .register(&wallet, &erik(), &password(), |_| {})
        .await
        .expect("registered");
    let h = done.receipt.record;

    let wrong = refusal(
        client
            .login(
                &wallet,
                ERIK,
                &ExistingPassword::new("not her password").expect("pw"),
                &h.to_string(),
            )
            .await,
    );
    assert_eq!(wrong.code, ErrorCode::WrongPassword, "{wrong}");
    let no_key = refusal(
        client
            .login(&wallet, HANNE, &existing(), &h.to_string())
            .await,
    );
    assert_eq!(no_key.code, ErrorCode::NoKey, "{no_key}");

    // The relay's checks, driven directly: a foreign key, a replay, an expired challenge.
    let http = reqwest::Client::new();
    let relay = stack.relay_url.clone();
    let challenge = || async {
        http.post(format!("{relay}/v1/login/challenges"))
            .send()
            .await
            .expect("send")
            .json::<LoginChallenge>()
            .await
            .expect("json")
    };
    let login = |request: LoginRequest| {
        let http = http.clone();
        let relay = relay.clone();
        async move {
            let response = http
                .post(format!("{relay}/v1/login"))
                .json(&request)
                .send()
                .await
                .expect("send");
            (
                response.status().as_u16(),
                response.json::<serde_json::Value>().await.expect("json"),
            )
        }
    };
    let code = |body: &serde_json::Value| -> ErrorCode {
        serde_json::from_value(body["code"].clone()).expect("code")
    };
    let key = wallet.unlock(&existing()).expect("unlock");
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let domain = LoginDomain {
        chain_id: stack.relay.config.chain_id,
        patients: stack.relay.config.patient_registry,
    };
    let signed = |key: &SecretKey, h: Hash32, challenge: Hash32| {
        sign_login(key, domain, &relay, &h, &challenge)
    };

    // A stranger's key signing for her H is refused, and after five tries that key is locked
    // out; she is not: H is public, so failures count against the key that signed.
    for attempt in 1..=6 {
        let c = challenge().await;
        let (status, body) = login(signed(&stranger, h, c.challenge)).await;
        let expected = if attempt <= 5 {
            (403, ErrorCode::ForeignKey)
        } else {
            (429, ErrorCode::LockedOut)
        };
        assert_eq!((status, code(&body)), expected, "attempt {attempt}: {body}");
    }
    // Her signature is bound to this relay, this chain and this registry: passed on by another
    // relay, or made for another chain, it logs nobody in (and counts against nothing of hers).
    let c = challenge().await;
    let (status, body) = login(sign_login(
        &key,
        domain,
        "http://evil.example",
        &h,
        &c.challenge,
    ))
    .await;
    assert_eq!(
        (status, code(&body)),
        (401, ErrorCode::WrongRelay),
        "{body}"
    );
    let other_chain = LoginDomain {
        chain_id: domain.chain_id + 1,
        ..domain
    };
    let (status, body) = login(sign_login(&key, other_chain, &relay, &h, &c.challenge)).await;
    assert_eq!(
        (status, code(&body)),
        (403, ErrorCode::ForeignKey),
        "{body}"
    );
    let c = challenge().await;
    let good = signed(&key, h, c.challenge);
    assert_eq!(login(good.clone()).await.0, 200);
    let (status, body) = login(good.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (401, ErrorCode::ChallengeRefused),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .expect("text")
            .contains("already used"),
        "{body}"
    );
    // Whoever saw that login sends it again and again: each is refused, none counts against
    // her key, and she still logs in.
    for replay in 1..=6 {
        let (status, body) = login(good.clone()).await;
        assert_eq!(
            (status, code(&body)),
            (401, ErrorCode::ChallengeRefused),
            "replay {replay}: {body}"
        );
    }
    let c = challenge().await;
    let (status, body) = login(signed(&key, h, c.challenge)).await;
    assert_eq!(status, 200, "replays locked her out: {body}");

    let stale = Hash32([7; 32]);
    stack
        .relay
        .db
        .issue_challenge(stale, now() - 10, now() - 130, 10)
        .await
        .expect("db");
    let (status, body) = login(signed(&key, h, stale)).await;
    assert_eq!(
        (status, code(&body)),
        (401, ErrorCode::ChallengeRefused),
        "{body}"
    );
    assert!(
        body["message"].as_str().expect("text").contains("expired"),
        "{body}"
    );

    let unknown = Hash32([9; 32]);
    let (status, body) = login(LoginRequest {
        challenge: challenge().await.challenge,
        ..signed(&key, unknown, Hash32([0; 32]))
    })
    .await;
    // Signed over another challenge: the signer is some other key; H is unknown either way.
    assert_eq!(
        (status, code(&body)),
        (404, ErrorCode::UnknownRecord),
        "{body}"
    );
    let unknown_h = refusal(
        client
            .login(&wallet, ERIK, &existing(), &unknown.to_string())
            .await,
    );
    assert_eq!(unknown_h.code, ErrorCode::UnknownRecord, "{unknown_h}");

    // Since her last good login her key failed once under a fresh challenge (the unknown H; the
    // replays and the expired challenge do not count); four more lock it out, even with the
    // right H.
    for _ in 0..4 {
        let again = refusal(
            client
                .login(&wallet, ERIK, &existing(), &unknown.to_string())
                .await,
        );
        assert_eq!(again.code, ErrorCode::UnknownRecord, "{again}");
    }
    let locked = refusal(
        client
            .login(&wallet, ERIK, &existing(), &h.to_string())
            .await,
    );
    assert_eq!(locked.code, ErrorCode::LockedOut, "{locked}");
    assert!(locked.message.contains("locked"), "{locked}");
    stack.stop().await;
}

#[tokio::test]
async fn five_wrong_passwords_make_the_wallet_wait() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = wallet(&dir);
    let client = client(&stack);
    let done = client
        .register(&wallet, &erik(), &password(), |_| {})
        .await
        .expect("registered");
    let h = done.receipt.record.to_string();
    let wrong = ExistingPassword::new("not her password").expect("pw");
    for _ in 0..caretrail_client::MAX_WRONG_PASSWORDS {
        let refused = refusal(client.login(&wallet, ERIK, &wrong, &h).await);
        assert_eq!(refused.code, ErrorCode::WrongPassword);
    }
    // Even the right password waits now.
    let locked = refusal(client.login(&wallet, ERIK, &existing(), &h).await);
    assert_eq!(locked.code, ErrorCode::LockedOut, "{locked}");
    stack.stop().await;
}

#[tokio::test]
async fn a_registration_whose_answer_was_lost_is_restored_from_the_chain() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let done = client(&stack)
        .register(&wallet(&dir), &erik(), &password(), |_| {})
        .await
        .expect("registered");
    // As if the answer never arrived: the key is kept, the profile was never written.
    std::fs::remove_file(dir.path().join("profile.json")).expect("profile");
    let again = refusal(
        client(&stack)
            .register(&wallet(&dir), &erik(), &password(), |_| {})
            .await,
    );
    assert_eq!(again.code, ErrorCode::AlreadyRegistered, "{again}");
    assert!(
        again.message.contains(&done.receipt.record.to_string()),
        "{again}"
    );
    let profile = wallet(&dir).profile().expect("read").expect("restored");
    assert_eq!(profile.record, done.receipt.record);
    assert_eq!(profile.tx_id, done.receipt.tx_id);
    // The web page, which cannot read the chain, asks the relay: the same registration.
    let http = reqwest::Client::new();
    let ask = |address: String| {
        let http = http.clone();
        let url = format!("{}/v1/registrations/{address}", stack.relay_url);
        async move { http.get(url).send().await.expect("relay") }
    };
    let found: Option<RegistrationRecord> = ask(done.receipt.patient.to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        found,
        Some(RegistrationRecord {
            record: done.receipt.record,
            tx_id: done.receipt.tx_id,
            card_hash: card_hash(&CardNumber::parse(ERIK_CARD).expect("card")),
        })
    );
    let stranger: Option<RegistrationRecord> = ask(Address([9; 20]).to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stranger, None, "an address nobody registered");
    let malformed = ask("0x1234".into()).await;
    assert_eq!(malformed.status(), reqwest::StatusCode::BAD_REQUEST);
    client(&stack)
        .login(
            &wallet(&dir),
            ERIK,
            &existing(),
            &done.receipt.record.to_string(),
        )
        .await
        .expect("she logs in with the restored profile");
    stack.stop().await;
}

#[tokio::test]
async fn one_nid_is_looked_up_only_a_few_times_an_hour() {
    let stack = registration_stack().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = caretrail_relay::RelayConfig {
        verify_limits: caretrail_relay::VerifyLimits {
            nid_lookups_per_hour: std::num::NonZeroU32::new(2).expect("2"),
            ..Default::default()
        },
        database: None,
        ..stack.relay.config.clone()
    };
    let relay = caretrail_relay::Relay::open(config).await.expect("relay");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(caretrail_relay::serve(listener, relay, async {
        let _ = stopped.await;
    }));
    // Someone tries Erik's NID with faces that are not his: twice the registry is asked...
    let stranger = RegistrationForm {
        photo: photo("anne_helene.jpg"),
        ..erik()
    };
    for _ in 0..2 {
        let dir = tempfile::tempdir().expect("tempdir");
        let refused = refusal(
            Client::new(&url)
                .expect("client")
                .register(&wallet(&dir), &stranger, &password(), |_| {})
                .await,
        );
        assert_eq!(refused.code, ErrorCode::FaceMismatch, "{refused}");
    }
    // ...then the NID's quota is spent, whoever asks, and nothing about it is told.
    for form in [stranger, erik()] {
        let dir = tempfile::tempdir().expect("tempdir");
        let refused = refusal(
            Client::new(&url)
                .expect("client")
                .register(&wallet(&dir), &form, &password(), |_| {})
                .await,
        );
        assert_eq!(refused.code, ErrorCode::RateLimited, "{refused}");
        assert!(refused.message.contains("try again later"), "{refused}");
    }
    // Another NID is not held up.
    let dir = tempfile::tempdir().expect("tempdir");
    let other = refusal(
        Client::new(&url)
            .expect("client")
            .register(
                &wallet(&dir),
                &RegistrationForm {
                    nid: "19000101-0000".into(),
                    ..erik()
                },
                &password(),
                |_| {},
            )
            .await,
    );
    assert_eq!(other.code, ErrorCode::UnknownCitizen, "{other}");
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
    nothing_written(&stack, ERIK).await;
    stack.stop().await;
}

#[tokio::test]
async fn login_finds_h_in_the_relays_index_of_the_log_not_by_scanning_the_chain() {
    let stack = registration_stack().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let done = client(&stack)
        .register(&wallet(&dir), &erik(), &password(), |_| {})
        .await
        .expect("registered");
    let h = done.receipt.record;
    let stranger = &SecretKey::generate(&mut rand_core::OsRng);
    let try_login = |relay: std::sync::Arc<caretrail_relay::Relay>| async move {
        let challenge = caretrail_relay::login::challenge(&relay)
            .await
            .expect("challenge")
            .challenge;
        caretrail_relay::login::login(
            &relay,
            sign_login(
                stranger,
                LoginDomain {
                    chain_id: relay.config.chain_id,
                    patients: relay.config.patient_registry,
                },
                "http://127.0.0.1:7780",
                &h,
                &challenge,
            ),
            Some("127.0.0.1:7780"),
        )
        .await
        .expect_err("a stranger's key")
        .to_string()
    };
    // The stack's relay follows the log from the deployment block: H is someone else's key.
    let said = try_login(stack.relay.clone()).await;
    assert!(said.contains("registered to another key"), "{said}");
    let indexed = stack
        .relay
        .db
        .indexed_patient(h)
        .await
        .expect("db")
        .expect("indexed");
    assert_eq!(indexed.holder, done.receipt.patient);
    assert_eq!(indexed.registered_tx, done.receipt.tx_id);
    let latest = caretrail_chain::latest_block(&stack.rpc_url())
        .await
        .expect("block");
    assert_eq!(
        stack.relay.db.patient_log_cursor().await.expect("db"),
        Some(latest + 1),
        "read up to the latest block, and no further"
    );
    // A relay told the registry was deployed after her registration never reads that far back,
    // so it does not know H: the look-up is the index, not a scan of the chain from block 0.
    let late = caretrail_relay::Relay::open(caretrail_relay::RelayConfig {
        patients_from_block: latest + 1,
        database: None,
        ..stack.relay.config.clone()
    })
    .await
    .expect("relay");
    let said = try_login(late).await;
    assert!(said.contains("no patient is registered with H"), "{said}");
    stack.stop().await;
}
