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
    assert!(
        out.contains("2027-01-15 08:00:00 UTC"),
        "effective date: {out}"
    );

    let json = caretrail(&["policy", "show", &tx, "--relay", &relay, "--json"]).await;
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value["policy"]["check"]["verified"], true);
    assert_eq!(value["policy"]["publication"]["version"], 1);

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

    // A face that is not hers: refused, with the code and the distance, exit status 1.
    let refused = run(register("anne_helene.jpg"), "correct horse battery staple").await;
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("[face_mismatch]"), "{err}");
    assert!(err.contains("distance"), "{err}");

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
