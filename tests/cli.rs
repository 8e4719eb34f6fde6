//! `caretrail policy show` as a user runs it: output, exit status and error messages.

mod common;

use caretrail_types::TxId;
use common::{DEMO_PLAN, dead_url, publish_demo, stack};
use std::process::Output;

async fn caretrail(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .env_remove("CARETRAIL_RELAY_URL")
        .output()
        .await
        .expect("caretrail runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn policy_show_prints_the_policy_and_checks_copies() {
    let stack = stack().await;
    let tx_id = publish_demo(&stack).await;
    let tx = tx_id.to_string();
    let relay = stack.relay_url.clone();

    let shown = caretrail(&["policy", "show", &tx, "--relay", &relay]).await;
    let out = text(&shown.stdout);
    assert_eq!(shown.status.code(), Some(0), "{out}{}", text(&shown.stderr));
    assert!(out.contains("Meridian Gold Care 2026"), "{out}");
    assert!(out.contains("VERIFIED"), "{out}");
    assert!(out.contains(&stack.insurer.address().to_string()), "{out}");

    let json = caretrail(&["policy", "show", &tx, "--relay", &relay, "--json"]).await;
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["policy"]["check"]["verified"], true);
    assert_eq!(value["policy"]["publication"]["version"], 1);
    // The insurer published it effective from the moment it signed.
    let effective = value["policy"]["publication"]["effective_at"]
        .as_u64()
        .expect("an effective date");
    assert!(
        out.contains(&caretrail_types::format_unix_utc(effective)),
        "effective date: {out}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let tampered = dir.path().join("policy.json");
    let original = &stack.insurer.plan(DEMO_PLAN).expect("plan").document;
    let mut changed = original.clone();
    let at = changed.iter().position(|b| *b == b'3').expect("a digit");
    changed[at] = b'4';
    std::fs::write(&tampered, &changed).expect("write");
    let compared = caretrail(&[
        "policy",
        "show",
        &tx,
        "--relay",
        &relay,
        "--compare",
        tampered.to_str().expect("utf8"),
    ])
    .await;
    let out = text(&compared.stdout);
    assert_eq!(compared.status.code(), Some(2), "{out}");
    assert!(out.contains("NOT MATCHING"), "{out}");

    let unknown = caretrail(&[
        "policy",
        "show",
        &TxId([7; 32]).to_string(),
        "--relay",
        &relay,
    ])
    .await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("[tx_not_found]"),
        "{}",
        text(&unknown.stderr)
    );

    let malformed = caretrail(&["policy", "show", "hello", "--relay", &relay]).await;
    assert_eq!(malformed.status.code(), Some(1));
    assert!(
        text(&malformed.stderr).contains("[invalid_input]"),
        "{}",
        text(&malformed.stderr)
    );
    stack.stop().await;
}

#[tokio::test]
async fn policy_show_says_when_the_relay_is_down() {
    let down = caretrail(&[
        "policy",
        "show",
        &TxId([7; 32]).to_string(),
        "--relay",
        &dead_url(),
    ])
    .await;
    let err = text(&down.stderr);
    assert_eq!(down.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[relay_unreachable]") && err.contains("is it running?"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn patient_register_and_login_from_the_command_line() {
    let stack = common::registration_stack().await;
    let relay = stack.relay_url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let photos = caretrail::stack::default_assets_dir().join("photos");
    let policy = common::root().join("crates/sandbox/data/policies/meridian-gold.json");
    let wallet = dir.path().join("wallet");
    let run = |args: Vec<String>, password: &'static str| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
            .args(&args)
            .env("CARETRAIL_PASSWORD", password)
            .env_remove("CARETRAIL_RELAY_URL")
            .env_remove("CARETRAIL_WALLET")
            .output()
            .await
            .expect("caretrail runs")
    };
    let register = |photo: &str| {
        [
            "patient",
            "register",
            "--nid",
            "19710302-4411",
            "--card",
            "MMH-1001-0001",
            "--policy",
            policy.to_str().expect("utf8"),
            "--photo",
            photos.join(photo).to_str().expect("utf8"),
            "--relay",
            &relay,
            "--wallet",
            wallet.to_str().expect("utf8"),
        ]
        .map(str::to_owned)
        .to_vec()
    };

    // A password the policy refuses: refused before anything is sent, with its reason.
    let weak = run(register("jesper_2.jpg"), "password123456").await;
    let err = text(&weak.stderr);
    assert_eq!(weak.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[weak_password]") && err.contains("too easy to guess"),
        "{err}"
    );
    assert!(!wallet.join("keystore").exists(), "no key is kept");

    // A face that is not hers: refused, with the code and no distance (that would let her
    // walk a photo towards his face), exit status 1.
    let refused = run(register("anne_helene.jpg"), "correct horse battery staple").await;
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("[face_mismatch]"), "{err}");
    assert!(!err.contains("distance"), "{err}");

    let done = run(register("jesper_2.jpg"), "correct horse battery staple").await;
    let (out, err) = (text(&done.stdout), text(&done.stderr));
    assert_eq!(done.status.code(), Some(0), "{out}{err}");
    for line in [
        "registered Erik Lundqvist",
        "H ",
        "tx id",
        "face       distance 0.5",
    ] {
        assert!(out.contains(line), "{line} in {out}");
    }
    // Each check is shown as it passes, and the new key's phrase once.
    assert!(
        err.contains("✓ Photo matches the national ID photo"),
        "{err}"
    );
    assert!(err.contains("recovery phrase"), "{err}");
    let h = out
        .lines()
        .find_map(|l| l.strip_prefix("H          "))
        .expect("H line")
        .to_owned();

    let login = |password: &'static str| {
        let args = [
            "patient",
            "login",
            "--id",
            "19710302-4411",
            "--h",
            &h,
            "--relay",
            &relay,
            "--wallet",
            wallet.to_str().expect("utf8"),
            "--json",
        ]
        .map(str::to_owned)
        .to_vec();
        run(args, password)
    };
    let ok = login("correct horse battery staple").await;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let session: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("json");
    assert_eq!(session["record"], h.as_str());
    let wrong = login("not the password").await;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong.stderr).contains("[wrong_password]"),
        "{}",
        text(&wrong.stderr)
    );
    stack.stop().await;
}

#[tokio::test]
async fn patient_records_from_the_command_line() {
    use caretrail_chain::{admission_of, admit, secret_key};
    use caretrail_types::ParticipantKind;
    let stack = common::registration_stack().await;
    let relay = stack.relay_url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = dir.path().join("wallet");
    let wallet_arg = wallet.to_str().expect("utf8").to_owned();
    let run = |args: Vec<String>| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
            .args(&args)
            .env("CARETRAIL_PASSWORD", "correct horse battery staple")
            .env_remove("CARETRAIL_RELAY_URL")
            .env_remove("CARETRAIL_WALLET")
            .output()
            .await
            .expect("caretrail runs")
    };
    let args = |words: &[&str]| {
        let mut all: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        all.extend([
            "--relay".into(),
            relay.clone(),
            "--wallet".into(),
            wallet_arg.clone(),
        ]);
        all
    };
    let photos = caretrail::stack::default_assets_dir().join("photos");
    let policy = common::root().join("crates/sandbox/data/policies/meridian-gold.json");
    let registered = run(args(&[
        "patient",
        "register",
        "--nid",
        "19710302-4411",
        "--card",
        "MMH-1001-0001",
        "--policy",
        policy.to_str().expect("utf8"),
        "--photo",
        photos.join("jesper_2.jpg").to_str().expect("utf8"),
    ]))
    .await;
    assert_eq!(
        registered.status.code(),
        Some(0),
        "{}",
        text(&registered.stderr)
    );

    // A 3 MiB file: stored with progress on stderr, anchored.
    let file = dir.path().join("scan.pdf");
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..3 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(&file, &bytes).expect("write");
    let put = run(args(&["records", "put", file.to_str().expect("utf8")])).await;
    let (out, err) = (text(&put.stdout), text(&put.stderr));
    assert_eq!(put.status.code(), Some(0), "{out}{err}");
    let steps = err.lines().filter(|l| l.starts_with("uploading")).count();
    assert!(steps >= 5, "the upload's progress on stderr: {err}");
    assert!(err.contains("uploading 100%"), "{err}");
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("stored     "))
        .expect("the id")
        .to_owned();

    let list = run(args(&["records", "list"])).await;
    let out = text(&list.stdout);
    assert!(
        out.contains(&id) && out.contains("Document") && out.contains("written by"),
        "{out}"
    );

    let back = dir.path().join("back.pdf");
    let get = run(args(&[
        "records",
        "get",
        &id,
        "--out",
        back.to_str().expect("utf8"),
    ]))
    .await;
    assert_eq!(get.status.code(), Some(0), "{}", text(&get.stderr));
    assert_eq!(std::fs::read(&back).expect("read"), bytes);

    // Grants go to admitted participants only.
    let refused = run(args(&[
        "records",
        "grant",
        "0x5555555555555555555555555555555555555555",
        "--record",
        &id,
        "--for",
        "1h",
    ]))
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("[not_admitted]"),
        "{}",
        text(&refused.stderr)
    );
    let hospital = secret_key(&stack.node().dev_signer(3));
    admit(
        &stack.rpc_url(),
        stack.node().dev_signer(0),
        stack.relay.config.participant_registry,
        &admission_of(
            &hospital,
            ParticipantKind::HealthOrganization,
            "HO-LIC-1001",
            "Sankt Göran Hospital",
        ),
    )
    .await
    .expect("admitted");
    let reader = hospital.address().to_string();
    let grant = run(args(&[
        "records", "grant", &reader, "--kind", "Document", "--for", "7d",
    ]))
    .await;
    assert_eq!(grant.status.code(), Some(0), "{}", text(&grant.stderr));
    assert!(
        text(&grant.stdout).contains("may read until"),
        "{}",
        text(&grant.stdout)
    );
    let revoke = run(args(&["records", "revoke", &reader, "--kind", "Document"])).await;
    assert_eq!(revoke.status.code(), Some(0), "{}", text(&revoke.stderr));
    assert!(text(&revoke.stdout).contains("cannot be taken back"));

    // The access log: her read, pending, then verified once the relay anchored its root.
    let pending = run(args(&["records", "audit"])).await;
    assert!(
        text(&pending.stdout).contains("pending"),
        "{}",
        text(&pending.stdout)
    );
    caretrail_relay::audit::anchor_pending(&stack.relay)
        .await
        .expect("anchor")
        .expect("a run");
    let audit = run(args(&["records", "audit", "--json"])).await;
    assert_eq!(audit.status.code(), Some(0), "{}", text(&audit.stderr));
    let reads: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("json");
    assert_eq!(reads.as_array().map(Vec::len), Some(1));
    assert_eq!(reads[0]["mark"], "verified");
    assert_eq!(reads[0]["read"]["entry"]["ground"], "patient");

    // A record that is not anchored is not trusted, and nothing is written.
    let missing = dir.path().join("missing.pdf");
    let unknown = run(args(&[
        "records",
        "get",
        &format!("0x{}", "ab".repeat(32)),
        "--out",
        missing.to_str().expect("utf8"),
    ]))
    .await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("[unknown_record]"),
        "{}",
        text(&unknown.stderr)
    );
    assert!(!missing.exists());
    stack.stop().await;
}
