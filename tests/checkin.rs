//! Check-in, step 6, end to end: the patient's check-in code for an admitted hospital (the
//! command line writes it as a PNG), the hospital's kiosk reads the picture (the command line,
//! with the hospital's key provisioned from its backup file), checks it offline and against the
//! chain, and opens the visit on chain. And the refusals: the same code twice, another hospital's
//! kiosk, a code of someone not registered, a hospital not admitted, a picture with no code.

mod common;

use alloy::providers::{Provider as _, ProviderBuilder};
use caretrail_chain::{admit, secret_key, visit_of};
use caretrail_client::{Client, RegistrationForm};
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::{checkin, qr};
use caretrail_types::{Admission, ErrorCode, Hash32, ParticipantKind};
use common::{
    PASSWORD, existing, password, photo, policy_document, refused_as, registration_stack, wallet,
};
use tempfile::TempDir;

async fn caretrail(args: &[&str], wallet: &TempDir, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"));
    command
        .args(args)
        .env("CARETRAIL_PASSWORD", PASSWORD)
        .env("CARETRAIL_WALLET", wallet.path())
        .env_remove("CARETRAIL_RELAY_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("caretrail runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A check-in code's text with its last bytes gone (still base64url: a whole number of them).
fn fresh_text_cut(code: &str) -> String {
    let payload = code.strip_prefix("ct:/").expect("a Caretrail code");
    let keep = (payload.len() / 4 - 2) * 4;
    format!("ct:/{}", &payload[..keep])
}

/// A photograph of her, no code in it, as a file.
fn erik_photo(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, photo("jesper_2.jpg")).expect("write");
    path
}

#[tokio::test]
async fn her_code_opens_a_visit_at_the_hospitals_kiosk_once() {
    let stack = registration_stack().await;
    let relay = stack.relay_url.as_str();
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let client = Client::new(relay).expect("client");

    // Erik registers.
    let erik = TempDir::new().expect("dir");
    let form = RegistrationForm {
        nid: "19710302-4411".into(),
        card_number: "MMH-1001-0001".into(),
        policy_document: policy_document("meridian-gold.json"),
        photo: photo("jesper_2.jpg"),
    };
    let record = client
        .register(&wallet(&erik), &form, &password(), |_| {})
        .await
        .expect("registered")
        .receipt
        .record;

    // Two admitted hospitals (funded accounts: they pay for opening visits).
    let admitted = |index: usize, licence: &'static str| {
        let signer = stack.node().dev_signer(index);
        let (rpc, authority) = (rpc.clone(), stack.node().dev_signer(0));
        async move {
            let key = secret_key(&signer);
            admit(
                &rpc,
                authority,
                registries.participants,
                &Admission {
                    signer: key.address(),
                    kind: ParticipantKind::HealthOrganization,
                    licence_id: licence.into(),
                    name: format!("Hospital {licence}"),
                    encryption_key: key.public_key().to_compressed().to_vec(),
                },
            )
            .await
            .expect("admitted");
            signer
        }
    };
    let hospital = admitted(5, "HO-LIC-1001").await;
    let other = admitted(6, "HO-LIC-1002").await;
    let elsewhere_address = secret_key(&other).address();
    let hospital_address = secret_key(&hospital).address().to_string();

    // Her code, as a PNG, from the command line.
    let png = erik.path().join("checkin.png");
    let out = caretrail(
        &[
            "visit",
            "checkin-qr",
            "--organization",
            &hospital_address,
            "--png",
            png.to_str().expect("path"),
            "--relay",
            relay,
        ],
        &erik,
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let code_text = text(&out.stdout).trim().to_owned();
    assert!(code_text.starts_with("ct:/"), "{code_text}");

    // Another hospital's kiosk refuses it offline; the hospital's kiosk (its key provisioned from
    // its backup file) reads the picture and opens the visit.
    refused_as(
        client.open_checkin(other, &code_text).await,
        ErrorCode::WrongOrganization,
    );
    let kiosk = TempDir::new().expect("dir");
    let backup = kiosk.path().join("hospital-backup.json");
    let file = caretrail_protocol::backup::backup_file(
        &secret_key(&hospital),
        "hospital backup passphrase 2026",
        &mut rand_core::OsRng,
    )
    .expect("backup");
    std::fs::write(&backup, file).expect("write");
    let out = caretrail(
        &[
            "hospital",
            "provision",
            "--backup",
            backup.to_str().expect("path"),
            "--relay",
            relay,
        ],
        &kiosk,
        &[(
            "CARETRAIL_BACKUP_PASSWORD",
            "hospital backup passphrase 2026",
        )],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = caretrail(
        &[
            "reception",
            "open",
            "--image",
            png.to_str().expect("path"),
            "--relay",
            relay,
            "--json",
        ],
        &kiosk,
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let opened: caretrail_types::Visit = serde_json::from_slice(&out.stdout).expect("the visit");
    let patient = wallet(&erik)
        .unlock(&existing())
        .expect("her key")
        .address();
    assert_eq!(opened.patient, patient);
    let held = visit_of(
        &rpc,
        registries.records,
        secret_key(&hospital).address(),
        opened.visit_id,
    )
    .await
    .expect("asks")
    .expect("open on chain");
    assert_eq!(held, opened);

    // The same code again: the chain refuses a visit opened twice.
    let again = caretrail(
        &["reception", "open", "--code", &code_text, "--relay", relay],
        &kiosk,
        &[],
    )
    .await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("[chain_refused]"),
        "{}",
        text(&again.stderr)
    );

    // At the kiosk's command line, each bad code is refused with its own code and words, and
    // the kiosk sends nothing on chain (its account's transaction count stays).
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    let kiosk_account = hospital.address();
    let sent = provider
        .get_transaction_count(kiosk_account)
        .await
        .expect("its count");
    let domain = RegistryDomain {
        chain_id: stack.relay.config.chain_id,
        records: registries.records,
    };
    let her = wallet(&erik).unlock(&existing()).expect("her key");
    let here = secret_key(&hospital).address();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut rng = rand_core::OsRng;
    let (fresh, _) = checkin::code(&her, domain, here, record, now, &mut rng);
    let mut altered = fresh.clone();
    altered.token.expires_at += 1;
    let forged = qr::encode(&qr::Payload::CheckIn(altered));
    let (_, expired) = checkin::code(&her, domain, here, record, now - 2 * 86_400, &mut rng);
    let (_, elsewhere) = checkin::code(&her, domain, elsewhere_address, record, now, &mut rng);
    let someone = SecretKey::generate(&mut rng);
    let (_, unregistered) = checkin::code(&someone, domain, here, Hash32([5; 32]), now, &mut rng);
    let cut = fresh_text_cut(&checkin::code(&her, domain, here, record, now, &mut rng).1);
    for (name, code, expect, words) in [
        (
            "not Caretrail",
            "hello kiosk",
            "[invalid_input]",
            "not a Caretrail code",
        ),
        ("damaged", "ct:/!!!!", "[invalid_input]", "damaged"),
        ("cut short", cut.as_str(), "[invalid_input]", "cut short"),
        ("forged", forged.as_str(), "[bad_signature]", "forged"),
        (
            "expired",
            expired.as_str(),
            "[signature_expired]",
            "ask for a fresh code",
        ),
        (
            "another hospital's",
            elsewhere.as_str(),
            "[wrong_organization]",
            "not this one",
        ),
        (
            "not registered",
            unregistered.as_str(),
            "[unknown_record]",
            "not a registered patient",
        ),
    ] {
        let out = caretrail(
            &["reception", "open", "--code", code, "--relay", relay],
            &kiosk,
            &[],
        )
        .await;
        let said = text(&out.stderr);
        assert!(!out.status.success(), "{name}: accepted");
        assert!(
            said.contains(expect) && said.contains(words),
            "{name}: {said}"
        );
    }
    let out = caretrail(
        &[
            "reception",
            "open",
            "--image",
            erik_photo(&erik).to_str().expect("path"),
            "--relay",
            relay,
        ],
        &kiosk,
        &[],
    )
    .await;
    assert!(
        !out.status.success() && text(&out.stderr).contains("[invalid_input]"),
        "a picture with no code: {}",
        text(&out.stderr)
    );
    assert_eq!(
        provider
            .get_transaction_count(kiosk_account)
            .await
            .expect("its count"),
        sent,
        "a refused code sent nothing on chain"
    );

    // A code from someone not registered; a code for a hospital not admitted; no code at all.
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let (_, stranger_code) = client
        .checkin_code(&stranger, Hash32([5; 32]), secret_key(&hospital).address())
        .await
        .expect("a code");
    refused_as(
        client
            .open_checkin(stack.node().dev_signer(5), &stranger_code)
            .await,
        ErrorCode::UnknownRecord,
    );
    refused_as(
        client
            .checkin_code(&stranger, record, stranger.address())
            .await,
        ErrorCode::NotAdmitted,
    );
    refused_as(
        client
            .open_checkin_image(stack.node().dev_signer(5), &photo("jesper_2.jpg"))
            .await,
        ErrorCode::InvalidInput,
    );

    // The hospitals she may pick, as the app reads them from the chain and as the web page asks
    // the relay: both admitted ones by name (the stack's insurer is no health organization), and
    // no longer one that the authority suspended.
    let listed = || async {
        let from_chain: Vec<String> = client
            .health_organizations()
            .await
            .expect("from the chain")
            .into_iter()
            .map(|a| a.name)
            .collect();
        let from_relay: Vec<Admission> = reqwest::get(format!("{relay}/v1/organizations"))
            .await
            .expect("the relay answers")
            .error_for_status()
            .expect("a list")
            .json()
            .await
            .expect("JSON");
        let from_relay: Vec<String> = from_relay.into_iter().map(|a| a.name).collect();
        assert_eq!(from_chain, from_relay);
        from_relay
    };
    assert_eq!(
        listed().await,
        ["Hospital HO-LIC-1001", "Hospital HO-LIC-1002"]
    );
    caretrail_chain::set_status(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        secret_key(&stack.node().dev_signer(6)).address(),
        caretrail_types::ParticipantStatus::Suspended,
    )
    .await
    .expect("suspended");
    assert_eq!(listed().await, ["Hospital HO-LIC-1001"]);
}
