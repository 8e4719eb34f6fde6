//! The relay's own TLS, on a real socket: HTTPS with the certificate and key from its files, on
//! any address; plain HTTP refused beyond the loopback; a handshake that never comes cut off; and
//! files that cannot serve refused when the relay opens.

#[path = "support/certificates.rs"]
mod certificates;
mod common;

use caretrail_relay::edge::tls::{PlainBeyondLoopback, TlsError, TlsFiles};
use caretrail_relay::edge::{EdgeConfig, EdgeLimits};
use caretrail_relay::{Relay, RelayConfig, StartError};
use common::config;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncReadExt as _;

/// A test CA, and a certificate it issued for 127.0.0.1 and localhost, in PEM files.
struct Certificates {
    dir: tempfile::TempDir,
    ca: reqwest::Certificate,
    files: TlsFiles,
}

fn certificates() -> Certificates {
    let issued = certificates::issue();
    let dir = tempfile::tempdir().expect("tempdir");
    let files = TlsFiles {
        cert: dir.path().join("relay.crt"),
        key: dir.path().join("relay.key"),
    };
    std::fs::write(&files.cert, &issued.cert_pem).expect("write");
    std::fs::write(&files.key, &issued.key_pem).expect("write");
    Certificates {
        dir,
        ca: reqwest::Certificate::from_pem(issued.ca_pem.as_bytes()).expect("the CA in PEM"),
        files,
    }
}

fn with_tls(files: &TlsFiles, limits: EdgeLimits) -> RelayConfig {
    RelayConfig {
        edge: EdgeConfig {
            tls: Some(files.clone()),
            limits,
            ..EdgeConfig::default()
        },
        ..config()
    }
}

/// The relay served on `listener`'s address; dropping the sender stops it.
async fn serve(config: RelayConfig, bind: &str) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let relay = Relay::open(config).await.expect("the relay opens");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(caretrail_relay::serve(listener, relay, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// A client that trusts the test CA alone.
fn trusting(ca: &reqwest::Certificate) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([ca.clone()])
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_relay_with_a_certificate_serves_https_beyond_the_loopback_and_no_plain_http() {
    let certs = certificates();
    // Every interface: allowed, since the relay has a certificate.
    let (addr, _stop) = serve(with_tls(&certs.files, EdgeLimits::default()), "0.0.0.0:0").await;
    let port = addr.port();
    let client = trusting(&certs.ca);
    for host in ["127.0.0.1", "localhost"] {
        let response = client
            .get(format!("https://{host}:{port}/v1/health"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("https to {host}: {e:?}"));
        assert_eq!(response.status(), 200, "{host}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{host}");
    }
    // The same port answers no plain HTTP.
    let plain = client
        .get(format!("http://127.0.0.1:{port}/v1/health"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP answered: {plain:?}");
}

#[tokio::test]
async fn a_relay_beyond_the_loopback_without_tls_refuses_to_start() {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let relay = Relay::open(config()).await.expect("the relay opens");
    assert_eq!(relay.may_listen_on(addr), Err(PlainBeyondLoopback(addr)));
    assert_eq!(relay.scheme(), "http");
    // Asked to stop at once, a relay that may serve returns Ok: this one refuses first.
    let error = caretrail_relay::serve(listener, relay, async {})
        .await
        .expect_err("plain HTTP on every interface");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    let message = error.to_string();
    assert!(
        message.contains("plain HTTP") && message.contains("--tls-cert"),
        "{message}"
    );

    // On the loopback, plain HTTP is served.
    let loopback = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let relay = Relay::open(config()).await.expect("the relay opens");
    caretrail_relay::serve(loopback, relay, async {})
        .await
        .expect("plain HTTP on the loopback");
}

#[tokio::test]
async fn a_tls_handshake_that_never_comes_is_cut_off() {
    let certs = certificates();
    let (addr, _stop) = serve(
        with_tls(
            &certs.files,
            EdgeLimits {
                header_read_timeout: Duration::from_secs(1),
                ..EdgeLimits::default()
            },
        ),
        "127.0.0.1:0",
    )
    .await;
    // A client that connects and says nothing: the relay hangs up on it, long before the 30 s
    // this test would wait.
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), silent.read_to_end(&mut answer))
        .await
        .expect("the relay waited for a handshake that never came");
    assert!(answer.is_empty(), "{answer:?}");
    // The relay still serves a client that does shake hands.
    let response = trusting(&certs.ca)
        .get(format!("https://127.0.0.1:{}/v1/health", addr.port()))
        .send()
        .await
        .expect("https");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn certificate_files_that_cannot_serve_refuse_the_relay_when_it_opens() {
    let certs = certificates();
    let other = certificates();
    let open = |files: TlsFiles| Relay::open(with_tls(&files, EdgeLimits::default()));

    // A key that is not the certificate's.
    let mismatched = TlsFiles {
        cert: certs.files.cert.clone(),
        key: other.files.key.clone(),
    };
    match open(mismatched).await {
        Err(StartError::Tls(TlsError::Rejected(_))) => {}
        other => panic!("a key that is not the certificate's: {other:?}"),
    }
    // A missing file, and the certificate given as the key.
    let missing = certs.dir.path().join("missing.key");
    match open(TlsFiles {
        cert: certs.files.cert.clone(),
        key: missing.clone(),
    })
    .await
    {
        Err(StartError::Tls(TlsError::Unreadable { what, path, .. })) => {
            assert_eq!((what, path), ("key", missing));
        }
        other => panic!("a missing key file: {other:?}"),
    }
    match open(TlsFiles {
        cert: certs.files.cert.clone(),
        key: certs.files.cert.clone(),
    })
    .await
    {
        Err(StartError::Tls(TlsError::NoKey { path, .. })) => assert_eq!(path, certs.files.cert),
        other => panic!("a certificate given as the key: {other:?}"),
    }
    // The right pair opens, and the relay says its URLs are https.
    let relay = open(certs.files.clone()).await.expect("the relay opens");
    assert_eq!(relay.scheme(), "https");
}
