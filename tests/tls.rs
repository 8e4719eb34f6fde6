//! The whole login over HTTPS: the stack's relay serves TLS with a certificate this test makes
//! (a CA of its own, and a certificate it issued for 127.0.0.1 and localhost); a client that
//! trusts that CA registers and logs in, one that does not refuses the relay; and the stack
//! refuses to serve plain HTTP beyond the loopback.

#[path = "../crates/relay/tests/support/certificates.rs"]
mod certificates;
mod common;

use caretrail::stack::{Stack, StackOptions};
use caretrail_client::{Client, ClientError, RegistrationForm, Wallet};
use caretrail_keystore::{ExistingPassword, FileStore, Password};
use caretrail_relay::edge::EdgeConfig;
use caretrail_relay::edge::tls::TlsFiles;
use common::{options, photo, policy_document};

/// The test CA in PEM, and the relay's certificate and key files (the certificate file holds the
/// chain: the relay's certificate, then the CA's).
struct Certificates {
    _dir: tempfile::TempDir,
    ca: String,
    files: TlsFiles,
}

fn certificates() -> Certificates {
    let issued = certificates::issue();
    let dir = tempfile::tempdir().expect("tempdir");
    let files = TlsFiles {
        cert: dir.path().join("relay.crt"),
        key: dir.path().join("relay.key"),
    };
    std::fs::write(&files.cert, format!("{}{}", issued.cert_pem, issued.ca_pem)).expect("write");
    std::fs::write(&files.key, &issued.key_pem).expect("write");
    Certificates {
        _dir: dir,
        ca: issued.ca_pem,
        files,
    }
}

#[tokio::test]
async fn the_whole_login_runs_over_https_and_an_untrusted_relay_is_refused() {
    let certs = certificates();
    let stack = Stack::start(StackOptions {
        publish_plans: true,
        edge: EdgeConfig {
            tls: Some(certs.files.clone()),
            ..EdgeConfig::default()
        },
        ..options(None)
    })
    .await
    .expect("the stack starts with its relay on TLS");
    assert!(
        stack.relay_url.starts_with("https://127.0.0.1:"),
        "{}",
        stack.relay_url
    );

    // A client that trusts only the system's roots refuses the relay's certificate.
    match Client::new(&stack.relay_url)
        .expect("client")
        .network()
        .await
    {
        Err(ClientError::RelayUnreachable { reason, .. }) => {
            assert!(reason.contains("certificate"), "{reason}");
        }
        other => panic!("a relay with an untrusted certificate was used: {other:?}"),
    }

    // One that trusts the test CA registers Erik, then he logs in: every call over HTTPS.
    let client = Client::with_ca(&stack.relay_url, certs.ca.as_bytes()).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let wallet = Wallet::new(FileStore::new(dir.path().join("keystore")), dir.path());
    let password = Password::new("correct horse battery staple").expect("password");
    let entered = ExistingPassword::new("correct horse battery staple").expect("password");
    let done = client
        .register(
            &wallet,
            &RegistrationForm {
                nid: "19710302-4411".into(),
                card_number: "MMH-1001-0001".into(),
                policy_document: policy_document("meridian-gold.json"),
                photo: photo("jesper_2.jpg"),
            },
            &password,
            |_| {},
        )
        .await
        .expect("registered over https");
    let session = client
        .login(
            &wallet,
            "19710302-4411",
            &entered,
            &done.receipt.record.to_string(),
        )
        .await
        .expect("logged in over https");
    assert_eq!(session.patient, done.receipt.patient);
    assert_eq!(session.record, done.receipt.record);
    assert_eq!(session.token.len(), 64);

    // The command line reaches it only told to trust the CA (`--ca-file`): without, the
    // certificate is refused; with, the relay answers (here: no such transaction).
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &certs.ca).expect("write");
    let show = |ca: Option<&std::path::Path>| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"));
        command.args(["policy", "show", "--relay", &stack.relay_url]);
        if let Some(ca) = ca {
            command.arg("--ca-file").arg(ca);
        }
        command.arg(format!("0x{}", "12".repeat(32)));
        command
            .env_remove("CARETRAIL_CA_FILE")
            .env_remove("CARETRAIL_NETWORK");
        async move {
            let out = command.output().await.expect("caretrail runs");
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    let untrusted = show(None).await;
    assert!(
        untrusted.contains("[relay_unreachable]") && untrusted.contains("certificate"),
        "{untrusted}"
    );
    let trusted = show(Some(&ca_file)).await;
    assert!(trusted.contains("[tx_not_found]"), "{trusted}");

    // The relay's port answers no plain HTTP.
    let plain = stack.relay_url.replacen("https://", "http://", 1);
    assert!(
        Client::new(&plain)
            .expect("client")
            .network()
            .await
            .is_err(),
        "plain HTTP answered at {plain}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_stack_refuses_a_relay_beyond_the_loopback_without_tls() {
    let started = Stack::start(StackOptions {
        relay_addr: "0.0.0.0:0".parse().expect("addr"),
        ..options(None)
    })
    .await;
    let message = match started {
        Err(error) => error.to_string(),
        Ok(stack) => {
            stack.stop().await;
            panic!("the stack served plain HTTP on every interface");
        }
    };
    assert!(
        message.contains("plain HTTP on 0.0.0.0:0") && message.contains("--tls-cert"),
        "{message}"
    );
}
