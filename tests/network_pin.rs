//! The command line's pinned network: a patient's commands pin the first relay's network in her
//! wallet (`network.json`) and refuse a relay announcing another, printing why; `--network FILE`
//! pins one explicitly. The relays here are recording stand-ins that answer `GET /v1/network`
//! and refuse everything else, so each test also shows what a refused relay heard: nothing but
//! the question.

mod common;

use caretrail_types::{Address, NetworkInfo, TxId};
use std::path::Path;
use std::process::Output;

#[path = "../crates/client/tests/support/recording_relay.rs"]
mod recording_relay;

use recording_relay::{RecordingRelay, network};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn caretrail(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .env("CARETRAIL_PASSWORD", "correct horse battery staple")
        .env_remove("CARETRAIL_RELAY_URL")
        .env_remove("CARETRAIL_WALLET")
        .env_remove("CARETRAIL_NETWORK")
        .output()
        .await
        .expect("caretrail runs")
}

/// `caretrail patient register` of a sandbox citizen at `relay`, with the wallet in `wallet`.
async fn register(relay: &str, wallet: &Path, photo: &Path) -> Output {
    let policy = common::root().join("crates/sandbox/data/policies/meridian-gold.json");
    caretrail(&[
        "patient",
        "register",
        "--nid",
        "19710302-4411",
        "--card",
        "MMH-1001-0001",
        "--policy",
        policy.to_str().expect("utf8"),
        "--photo",
        photo.to_str().expect("utf8"),
        "--relay",
        relay,
        "--wallet",
        wallet.to_str().expect("utf8"),
    ])
    .await
}

#[tokio::test]
async fn a_patients_commands_pin_the_first_network_and_refuse_another() {
    let dir = tempfile::tempdir().expect("dir");
    let wallet = dir.path().join("wallet");
    // Only its first bytes are looked at before the relay is asked.
    let photo = dir.path().join("photo.jpg");
    std::fs::write(
        &photo,
        [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'],
    )
    .expect("photo");

    let first = RecordingRelay::start(&network(3));
    let pinned = register(&first.url, &wallet, &photo).await;
    let err = text(&pinned.stderr);
    assert!(
        err.contains("pinned the relay's network on first use")
            && err.contains("chain 31337")
            && err.contains(&Address([3; 20]).to_string()),
        "{err}"
    );
    let pin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wallet.join("network.json")).expect("the pin"))
            .expect("json");
    assert_eq!(pin["chain_id"], 31337);
    assert_eq!(pin["patient_registry"], Address([3; 20]).to_string());
    // That relay was asked on (and refused the verification: it only knows its network).
    assert!(
        first
            .heard()
            .contains(&"POST /v1/registrations/verify".to_owned()),
        "{:?}",
        first.heard()
    );

    let other = RecordingRelay::start(&network(0x66));
    let refused = register(&other.url, &wallet, &photo).await;
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[wrong_network]")
            && err.contains(&format!(
                "patient registry: pinned {}, announced {}",
                Address([3; 20]),
                Address([0x66; 20])
            ))
            && err.contains("nothing was sent to it")
            && err.contains("network.json"),
        "{err}"
    );
    assert_eq!(other.heard(), ["GET /v1/network"]);
    assert_eq!(
        std::fs::read(wallet.join("network.json"))
            .map(|b| b.len())
            .ok(),
        serde_json::to_vec_pretty(&pin).map(|b| b.len() + 1).ok(),
        "the pin is left as it was"
    );
}

#[tokio::test]
async fn policy_show_with_a_network_file_refuses_another_network() {
    let dir = tempfile::tempdir().expect("dir");
    let pin = dir.path().join("network.json");
    std::fs::write(
        &pin,
        serde_json::json!({
            "chain_id": 31337,
            "policy_registry": Address([1; 20]),
            "participant_registry": Address([2; 20]),
            "patient_registry": Address([3; 20]),
            "record_registry": Address([4; 20]),
        })
        .to_string(),
    )
    .expect("pin");
    let other = RecordingRelay::start(&NetworkInfo {
        chain_id: 1,
        ..network(3)
    });
    let tx = TxId([7; 32]).to_string();
    let shown = caretrail(&[
        "policy",
        "show",
        &tx,
        "--relay",
        &other.url,
        "--network",
        pin.to_str().expect("utf8"),
    ])
    .await;
    let err = text(&shown.stderr);
    assert_eq!(shown.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[wrong_network]") && err.contains("chain id: pinned 31337, announced 1"),
        "{err}"
    );
    assert_eq!(other.heard(), ["GET /v1/network"]);

    let missing = dir.path().join("nowhere.json");
    let unusable = caretrail(&[
        "policy",
        "show",
        &tx,
        "--relay",
        &other.url,
        "--network",
        missing.to_str().expect("utf8"),
    ])
    .await;
    let err = text(&unusable.stderr);
    assert!(
        err.contains("[invalid_input]") && err.contains("no such file"),
        "{err}"
    );
    assert_eq!(other.heard(), ["GET /v1/network"], "nothing more was asked");
}
