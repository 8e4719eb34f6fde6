//! A real S3-compatible server on this machine: `s3s-fs` (from crates.io; `scripts/setup.sh`
//! installs it) serving a directory on a loopback port. The test command runs the record store's
//! tests and the records' end-to-end test against it; `caretrail up` could put records in it
//! the same way.

use super::{S3Secret, StorageConfig};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ACCESS_KEY: &str = "caretrail-local";
const SECRET_KEY: &str = "caretrail-local-secret";

/// An `s3s-fs` process serving a fresh directory with one bucket, killed on drop.
#[derive(Debug)]
pub struct LocalS3 {
    root: tempfile::TempDir,
    bucket: String,
    port: u16,
    child: Option<Child>,
}

/// Where `scripts/setup.sh` installs `s3s-fs` (`scripts/lib.sh` exports `CARETRAIL_S3S_FS`).
pub fn s3s_fs() -> PathBuf {
    match std::env::var_os("CARETRAIL_S3S_FS") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo/bin/s3s-fs"),
    }
}

impl LocalS3 {
    /// Starts a server on a free loopback port with an empty `bucket`.
    pub fn start(bucket: &str) -> std::io::Result<Self> {
        let binary = s3s_fs();
        if !binary.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "the S3 server is missing: no s3s-fs at {} (CARETRAIL_S3S_FS); run \
                     ./scripts/setup.sh, which installs it",
                    binary.display()
                ),
            ));
        }
        let root = tempfile::tempdir()?;
        // s3s-fs keeps each bucket as a directory under its root.
        std::fs::create_dir(root.path().join(bucket))?;
        let mut server = Self {
            root,
            bucket: bucket.to_owned(),
            port: 0,
            child: None,
        };
        server.restart()?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The directory it serves (a bucket is a directory under it).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The record store's configuration for this server's bucket.
    pub fn config(&self) -> StorageConfig {
        StorageConfig::S3 {
            endpoint: Some(self.url()),
            bucket: self.bucket.clone(),
            region: "us-east-1".into(),
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(S3Secret::new(SECRET_KEY.into())),
            allow_http: true,
        }
    }

    /// Starts the server on its port (any free one the first time), on the same directory.
    pub fn restart(&mut self) -> std::io::Result<()> {
        let mut child = Command::new(s3s_fs())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .env("RUST_LOG", "s3s_fs=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("s3s-fs has no stdout"))?;
        let (tell, told) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads the address it listens on, then keeps draining its log.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((_, rest)) = line.split_once("server is running at http://") {
                    let _ = tell.send(rest.trim().to_owned());
                }
            }
        });
        let address = match told.recv_timeout(Duration::from_secs(20)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other(format!(
                    "s3s-fs did not start on port {}",
                    self.port
                )));
            }
        };
        self.port = address
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("s3s-fs listens on {address:?}")))?;
        self.child = Some(child);
        Ok(())
    }

    /// Stops the server (its directory stays, for a restart).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        self.stop();
    }
}
