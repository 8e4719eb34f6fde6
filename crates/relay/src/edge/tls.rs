//! The relay's own TLS: its certificate chain and private key from PEM files, and the rule that
//! plain HTTP stays on the loopback.
//!
//! The handshake is rustls (with aws-lc-rs, the provider reqwest and object_store already use),
//! through tokio-rustls, before hyper sees the connection; it is bounded by the same time limit
//! as a request's head (`EdgeLimits::header_read_timeout`). Only HTTP/1.1 is offered.

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the relay's certificate chain and private key are (`--tls-cert`, `--tls-key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate, then any intermediates, in PEM.
    pub cert: PathBuf,
    /// The certificate's private key in PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the relay's certificate or key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the relay's TLS {what} file {}: {source}", path.display())]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", .0.display())]
    NoCertificate(PathBuf),
    #[error("{} is not a PEM certificate chain: {reason}", path.display())]
    BadCertificate { path: PathBuf, reason: String },
    #[error("{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {reason}", path.display())]
    NoKey { path: PathBuf, reason: String },
    #[error("the relay's TLS certificate and key cannot be used together: {0}")]
    Rejected(#[from] rustls::Error),
}

/// The relay refuses to serve plain HTTP where others than this machine can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the relay will not serve plain HTTP on {0}, beyond the loopback: give it a certificate and \
     its key (--tls-cert FILE --tls-key FILE), or listen on 127.0.0.1 (e.g. behind a TLS proxy \
     on this machine)"
)]
pub struct PlainBeyondLoopback(pub SocketAddr);

/// Whether the relay may listen at `addr`: anywhere with TLS, only on the loopback without.
/// An unspecified address (`0.0.0.0`, `::`) is every interface, so it is beyond the loopback.
pub fn may_listen(addr: SocketAddr, tls: bool) -> Result<(), PlainBeyondLoopback> {
    if tls || addr.ip().to_canonical().is_loopback() {
        Ok(())
    } else {
        Err(PlainBeyondLoopback(addr))
    }
}

/// The relay's TLS configuration, from its certificate and key files.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs = certificates(&files.cert, &read(&files.cert, "certificate")?)?;
    let key =
        PrivateKeyDer::from_pem_slice(&read(&files.key, "key")?).map_err(|e| TlsError::NoKey {
            path: files.key.clone(),
            reason: e.to_string(),
        })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn certificates(path: &Path, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(path.to_path_buf()));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_served_on_the_loopback_alone() {
        let on = |text: &str| text.parse::<SocketAddr>().expect("an address");
        for loopback in [
            "127.0.0.1:7780",
            "127.8.9.10:0",
            "[::1]:7780",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert_eq!(may_listen(on(loopback), false), Ok(()), "{loopback}");
            assert_eq!(may_listen(on(loopback), true), Ok(()), "{loopback}");
        }
        for beyond in [
            "0.0.0.0:7780",
            "[::]:7780",
            "192.168.1.20:443",
            "[2001:db8::1]:443",
        ] {
            assert_eq!(
                may_listen(on(beyond), false),
                Err(PlainBeyondLoopback(on(beyond))),
                "{beyond}"
            );
            assert_eq!(may_listen(on(beyond), true), Ok(()), "{beyond}");
        }
        let message = PlainBeyondLoopback(on("0.0.0.0:7780")).to_string();
        assert!(message.contains("--tls-cert"), "{message}");
    }

    #[test]
    fn files_that_hold_no_certificate_or_key_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            path
        };
        let empty = write("empty.pem", "");
        let not_pem = write("notes.txt", "not a certificate\n");
        let missing = dir.path().join("missing.pem");
        let files = |cert: &Path, key: &Path| TlsFiles {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        };

        let Err(TlsError::Unreadable { what, path, .. }) = server_config(&files(&missing, &empty))
        else {
            panic!("a missing certificate file accepted");
        };
        assert_eq!((what, path), ("certificate", missing.clone()));
        for no_cert in [&empty, &not_pem] {
            let Err(TlsError::NoCertificate(path)) = server_config(&files(no_cert, &empty)) else {
                panic!("{} accepted as a certificate", no_cert.display());
            };
            assert_eq!(&path, no_cert);
        }
        let cert = write(
            "cert.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        );
        let Err(TlsError::NoKey { path, .. }) = server_config(&files(&cert, &not_pem)) else {
            panic!("a file without a key accepted as one");
        };
        assert_eq!(path, not_pem);
    }
}
