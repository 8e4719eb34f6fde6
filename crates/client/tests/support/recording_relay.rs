//! A stand-in relay for the pinned-network tests (the client's and the command line's): it
//! answers `GET /v1/network` with the network it was given, refuses everything else, and writes
//! down every request it hears. Included by path: `#[path = ...] mod recording_relay;`.

#![allow(dead_code)]

use caretrail_types::{Address, NetworkInfo};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A relay that announces `network` and writes down every request it hears.
pub struct RecordingRelay {
    pub url: String,
    heard: Arc<Mutex<Vec<String>>>,
}

impl RecordingRelay {
    pub fn start(network: &NetworkInfo) -> Self {
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

    pub fn heard(&self) -> Vec<String> {
        self.heard.lock().expect("log").clone()
    }
}

pub fn network(patient_registry: u8) -> NetworkInfo {
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
