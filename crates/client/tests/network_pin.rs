//! A client pinned to one network and a relay announcing another: refused with `wrong_network`,
//! and the relay hears nothing but the question. The relay here is a recording stand-in that
//! answers `GET /v1/network` and refuses everything else.

use caretrail_client::{Client, ClientError, PinnedNetwork, Trust, Wallet};
use caretrail_keystore::{ExistingPassword, FileStore, Keystore, Password, RecoveryPhrase};
use caretrail_types::{Address, ErrorCode, NetworkInfo, TxId};
use rand_core::OsRng;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A relay that announces `network` and writes down every request it hears.
struct RecordingRelay {
    url: String,
    heard: Arc<Mutex<Vec<String>>>,
}

impl RecordingRelay {
    fn start(network: &NetworkInfo) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let announced = serde_json::to_string(network).expect("json");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let request: Vec<&str> = line.split_whitespace().take(2).collect();
                let request = request.join(" ");
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                log.lock().expect("log").push(request.clone());
                let (status, answer) = if request == "GET /v1/network" {
                    ("200 OK", announced.clone())
                } else {
                    (
                        "404 Not Found",
                        r#"{"code":"invalid_input","message":"not here"}"#.to_owned(),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Self { url, heard }
    }

    fn heard(&self) -> Vec<String> {
        self.heard.lock().expect("log").clone()
    }
}

fn network(patient_registry: u8) -> NetworkInfo {
    NetworkInfo {
        chain_id: 31337,
        rpc_url: "http://127.0.0.1:1".into(),
        policy_registry: Address([1; 20]),
        participant_registry: Address([2; 20]),
        patient_registry: Address([patient_registry; 20]),
        record_registry: Address([4; 20]),
        relay: Address([9; 20]),
    }
}

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
