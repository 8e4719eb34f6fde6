//! The JSON-RPC transport: a redirect from the endpoint is a failure, never followed.

use caretrail_chain::{ChainError, chain_id, rpc_url};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A server on a free loopback port that answers every connection's first request with `answer`
/// (a whole HTTP/1.1 response), and counts the connections. Returns its URL.
async fn answering(answer: String) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                // The request's head and its small JSON body arrive together on the loopback.
                let mut request = vec![0; 64 * 1024];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, connections)
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}content-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_redirect_from_the_rpc_endpoint_is_not_followed() {
    // Where the redirect leads: an endpoint that answers any call with chain id 31337.
    let (target, target_calls) = answering(response(
        "200 OK",
        "",
        r#"{"jsonrpc":"2.0","id":0,"result":"0x7a69"}"#,
    ))
    .await;
    assert_eq!(
        chain_id(&rpc_url(&target).expect("url"))
            .await
            .expect("it answers"),
        31337
    );
    let before = target_calls.load(Ordering::SeqCst);

    let (redirecting, redirected) = answering(response(
        "307 Temporary Redirect",
        &format!("location: {target}\r\n"),
        "",
    ))
    .await;
    let rpc = rpc_url(&redirecting).expect("url");
    match chain_id(&rpc).await {
        Err(ChainError::Unreachable { url, reason }) => {
            assert_eq!(url, rpc.to_string());
            assert!(reason.contains("307"), "{reason}");
        }
        other => panic!("the redirect was followed or misread: {other:?}"),
    }
    assert_eq!(redirected.load(Ordering::SeqCst), 1);
    assert_eq!(target_calls.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn an_https_rpc_endpoint_is_reached_over_tls_and_its_certificate_is_checked() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    // An endpoint with a certificate for 127.0.0.1 that no root the system trusts has signed.
    let key = rcgen::KeyPair::generate().expect("a key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("a certificate");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .expect("a TLS configuration");
    let tls = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (handshakes, mut refused) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let outcome = tls
                .accept(stream)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
            let _ = handshakes.send(outcome).await;
        }
    });

    let rpc = rpc_url(&format!("https://127.0.0.1:{}/", addr.port())).expect("url");
    match chain_id(&rpc).await {
        Err(ChainError::Unreachable { reason, .. }) => {
            assert!(reason.contains("certificate"), "{reason}");
        }
        other => panic!("an untrusted certificate was not refused: {other:?}"),
    }
    // The client spoke TLS, and ended the handshake on the certificate.
    let handshake = refused.recv().await.expect("a handshake");
    let error = handshake.expect_err("the client completed the handshake");
    assert!(error.to_lowercase().contains("unknown"), "{error}");
}
