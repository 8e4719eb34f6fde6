//! A client pinned to one network and a relay announcing another: refused with `wrong_network`,
//! and the relay hears nothing but the question. The relay here is a recording stand-in that
//! answers `GET /v1/network` and refuses everything else.

use caretrail_client::{Client, ClientError, PinnedNetwork, Trust, Wallet};
use caretrail_keystore::{ExistingPassword, FileStore, Keystore, Password, RecoveryPhrase};
use caretrail_types::{ErrorCode, TxId};
use rand_core::OsRng;

#[path = "support/recording_relay.rs"]
mod recording_relay;

use recording_relay::{RecordingRelay, network};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn wrong_network(error: &ClientError) -> bool {
    error.code() == ErrorCode::WrongNetwork
        && error
            .to_string()
            .contains("patient registry: pinned 0x0303")
        && error.to_string().contains("nothing was sent to it")
}

#[test]
fn a_pinned_client_refuses_a_relay_of_another_network_and_sends_it_nothing() {
    let theirs = RecordingRelay::start(&network(0x66));
    let client = Client::trusting(&theirs.url, Trust::Pinned(PinnedNetwork::of(&network(3))))
        .expect("client");
    let refused = block_on(client.policy_show(&TxId([7; 32]).to_string())).expect_err("refused");
    assert!(wrong_network(&refused), "{refused}");
    assert_eq!(theirs.heard(), ["GET /v1/network"]);

    // Her own network's relay is asked on (here, it refuses the policy: it only knows the network).
    let ours = RecordingRelay::start(&network(3));
    let client =
        Client::trusting(&ours.url, Trust::Pinned(PinnedNetwork::of(&network(3)))).expect("client");
    assert_eq!(
        block_on(client.network()).map_err(|e| e.code()),
        Ok(network(3))
    );
    assert_eq!(ours.heard(), ["GET /v1/network"]);
}

#[test]
fn login_asks_no_challenge_of_a_relay_of_another_network() {
    let dir = tempfile::tempdir().expect("dir");
    let password = Password::new("correct horse battery staple").expect("password");
    let key = Keystore::new(FileStore::new(dir.path().join("keystore")))
        .restore_from_phrase(&RecoveryPhrase::generate(&mut OsRng), &password, &mut OsRng)
        .expect("a kept key");
    let record = format!("0x{}", "ab".repeat(32));
    let profile = serde_json::json!({
        "nid": "19710302-4411",
        "card_number": "MMH-1001-0001",
        "patient": key,
        "record": record,
        "tx_id": TxId([5; 32]),
    });
    std::fs::write(
        dir.path().join("profile.json"),
        serde_json::to_vec(&profile).expect("json"),
    )
    .expect("profile");
    let wallet = Wallet::new(FileStore::new(dir.path().join("keystore")), dir.path());

    let theirs = RecordingRelay::start(&network(0x66));
    let client = Client::trusting(
        &theirs.url,
        Trust::FirstUse(dir.path().join("network.json")),
    )
    .expect("client");
    std::fs::write(
        dir.path().join("network.json"),
        serde_json::to_vec(&PinnedNetwork::of(&network(3))).expect("json"),
    )
    .expect("pin");
    let entered = ExistingPassword::new("correct horse battery staple").expect("password");
    let refused =
        block_on(client.login(&wallet, "19710302-4411", &entered, &record)).expect_err("refused");
    assert!(wrong_network(&refused), "{refused}");
    assert!(refused.to_string().contains("network.json"), "{refused}");
    assert_eq!(
        theirs.heard(),
        ["GET /v1/network"],
        "no challenge was asked"
    );
}
