//! Where the relay keeps record objects, and how large they may be.

use caretrail_crypto::record::envelope_body_len;
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The record store's backend.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// Files under `dir` (the default: `<data-dir>/objects`).
    Local { dir: PathBuf },
    /// An S3-compatible bucket.
    S3 {
        /// The service's URL (`http://127.0.0.1:9000`, `https://s3.example.org`); `None` is
        /// Amazon S3 itself, in `region`.
        endpoint: Option<String>,
        bucket: String,
        region: String,
        /// Static credentials; `None` uses the environment's (instance metadata, web identity).
        access_key_id: Option<String>,
        secret_access_key: Option<S3Secret>,
        /// Whether a plain `http://` endpoint is allowed (test servers, a store on loopback).
        allow_http: bool,
    },
    /// In memory, gone with the process: for tests, like an in-memory database.
    Memory,
}

impl StorageConfig {
    /// Files under `<data_dir>/objects`.
    pub fn local_under(data_dir: &Path) -> Self {
        Self::Local {
            dir: data_dir.join("objects"),
        }
    }
}

/// An S3 secret access key: zeroized on drop, never printed.
#[derive(Clone)]
pub struct S3Secret(Zeroizing<String>);

impl S3Secret {
    pub fn new(secret: String) -> Self {
        Self(Zeroizing::new(secret))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for S3Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Secret(<redacted>)")
    }
}

/// How large each object may be, in bytes. Callers pick the body cap by what they store. The
/// caps are stated for what the patient stores (a 64 KiB FHIR record, a 1 GiB file) and apply to
/// its envelope body, 16 bytes longer per 64 KiB chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageLimits {
    /// A FHIR JSON record's envelope body.
    pub record_body: u64,
    /// An attachment's envelope body (a PDF, an image, an imaging study).
    pub attachment_body: u64,
    /// An envelope header: 58 + 162 bytes per reader, 1,024 readers at most (166 KB).
    pub header: u64,
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self {
            record_body: envelope_body_len(64 * 1024),
            attachment_body: envelope_body_len(1024 * 1024 * 1024),
            header: 256 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_key_is_not_printed() {
        let config = StorageConfig::S3 {
            endpoint: None,
            bucket: "records".into(),
            region: "eu-central-1".into(),
            access_key_id: Some("AKID".into()),
            secret_access_key: Some(S3Secret::new("very-secret".into())),
            allow_http: false,
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }
}
