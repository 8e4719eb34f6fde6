//! The client's connection to the relay: HTTPS checked against the system's roots and, when given,
//! a CA of the caller's; a redirect from the relay is a failure, never followed.

use caretrail_client::{Client, ClientError};
use caretrail_types::{Address, ErrorCode, NetworkInfo};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

fn network() -> NetworkInfo {
    NetworkInfo {
        chain_id: 31337,
        rpc_url: "http://127.0.0.1:8545".into(),
        policy_registry: Address([0x11; 20]),
        participant_registry: Address([0x22; 20]),
        patient_registry: Address([0x33; 20]),
        record_registry: Address([0x44; 20]),
        relay: Address([0x55; 20]),
    }
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}content-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Reads a request's head (these GETs have no body) and writes `answer`.
async fn answer(mut stream: impl AsyncRead + AsyncWrite + Unpin, answer: &str) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A plain HTTP server on a free loopback port that answers every request with `answer_with`,
/// and counts its connections. Returns its URL.
async fn plain(answer_with: String) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let answer_with = answer_with.clone();
            tokio::spawn(async move { answer(stream, &answer_with).await });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn a_redirect_from_the_relay_is_not_followed() {
    let body = serde_json::to_string(&network()).expect("json");
    let (target, target_calls) = plain(response("200 OK", "", &body)).await;
    assert_eq!(
        Client::new(&target)
            .expect("client")
            .network()
            .await
            .expect("network"),
        network()
    );
    let before = target_calls.load(Ordering::SeqCst);
    let (redirecting, _) = plain(response(
        "307 Temporary Redirect",
        &format!("location: {target}/v1/network\r\n"),
        "",
    ))
    .await;

    match Client::new(&redirecting).expect("client").network().await {
        Err(ClientError::Relay(error)) => {
            assert_eq!(error.code, ErrorCode::RelayError);
            assert!(error.message.contains("307"), "{}", error.message);
        }
        other => panic!("the redirect was followed: {other:?}"),
    }
    assert_eq!(target_calls.load(Ordering::SeqCst), before);
}

/// A CA (in PEM) and a certificate it issued for 127.0.0.1 (DER), with its key (DER, PKCS#8).
fn issued_for_127_0_0_1() -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("the CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("a key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("a certificate");
    (ca.pem(), cert.der().to_vec(), key.serialize_der())
}

#[tokio::test]
async fn a_relay_is_trusted_only_with_a_certificate_from_a_trusted_root_for_its_name() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let (ca, cert, key) = issued_for_127_0_0_1();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert)],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
    )
    .expect("a TLS configuration");
    let tls = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let body = serde_json::to_string(&network()).expect("json");
    let ok = response("200 OK", "", &body);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tls, ok) = (tls.clone(), ok.clone());
            tokio::spawn(async move {
                if let Ok(stream) = tls.accept(stream).await {
                    answer(stream, &ok).await;
                }
            });
        }
    });
    let relay = format!("https://127.0.0.1:{port}");
    let unreachable = |result: Result<NetworkInfo, ClientError>| match result {
        Err(ClientError::RelayUnreachable { reason, .. }) => reason,
        other => panic!("an untrusted relay was trusted: {other:?}"),
    };

    // By default the system's roots alone: the test CA is not one of them.
    let reason = unreachable(Client::new(&relay).expect("client").network().await);
    assert!(reason.contains("certificate"), "{reason}");
    // Another CA than the one that issued it.
    let (other_ca, _, _) = issued_for_127_0_0_1();
    let reason = unreachable(
        Client::with_ca(&relay, other_ca.as_bytes())
            .expect("client")
            .network()
            .await,
    );
    assert!(reason.contains("certificate"), "{reason}");
    // Its CA, but a name the certificate is not for.
    let reason = unreachable(
        Client::with_ca(&format!("https://localhost:{port}"), ca.as_bytes())
            .expect("client")
            .network()
            .await,
    );
    assert!(reason.contains("certificate"), "{reason}");
    // Its CA and its name.
    assert_eq!(
        Client::with_ca(&relay, ca.as_bytes())
            .expect("client")
            .network()
            .await
            .expect("the relay's network"),
        network()
    );
    // Something that holds no certificate is not a CA.
    for not_a_ca in [&b""[..], b"not a certificate"] {
        match Client::with_ca(&relay, not_a_ca) {
            Err(e @ ClientError::BadCertificate(_)) => {
                assert_eq!(e.code(), ErrorCode::InvalidInput)
            }
            other => panic!("{not_a_ca:?} taken as a CA: {other:?}"),
        }
    }
}
