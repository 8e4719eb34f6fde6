//! What every end-to-end test needs: a whole stack on free loopback ports, torn down after.

#![allow(dead_code)]

use caretrail::stack::{Stack, StackOptions, default_assets_dir};
use caretrail_sandbox::Publication;
use caretrail_types::TxId;
use std::path::{Path, PathBuf};

pub const DEMO_PLAN: &str = "meridian-gold";

/// The password the tests' wallets keep their keys under.
pub const PASSWORD: &str = "correct horse battery staple";

pub fn password() -> caretrail_keystore::Password {
    caretrail_keystore::Password::new(PASSWORD).expect("password")
}

pub fn existing() -> caretrail_keystore::ExistingPassword {
    caretrail_keystore::ExistingPassword::new(PASSWORD).expect("password")
}

/// A wallet in `dir`, its key in a keystore file there, as the command line keeps it.
pub fn wallet(dir: &tempfile::TempDir) -> caretrail_client::Wallet<caretrail_keystore::FileStore> {
    caretrail_client::Wallet::new(
        caretrail_keystore::FileStore::new(dir.path().join("keystore")),
        dir.path(),
    )
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn options(data_dir: Option<&Path>) -> StackOptions {
    StackOptions {
        data_dir: data_dir.map(Path::to_path_buf),
        ..StackOptions::throwaway(&root())
    }
}

pub async fn stack() -> Stack {
    Stack::start(options(None)).await.expect("the stack starts")
}

/// A stack whose insurer has published its plans, ready for registrations.
pub async fn registration_stack() -> Stack {
    Stack::start(StackOptions {
        publish_plans: true,
        ..options(None)
    })
    .await
    .expect("the stack starts")
}

/// A photo installed by `scripts/assets.sh`.
pub fn photo(name: &str) -> Vec<u8> {
    let path = default_assets_dir().join("photos").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run ./scripts/setup.sh)", path.display()))
}

/// A sandbox plan's policy document, as the insurer gave it to its patients.
pub fn policy_document(file: &str) -> Vec<u8> {
    std::fs::read(root().join("crates/sandbox/data/policies").join(file)).expect("policy document")
}

/// A loopback URL where nothing listens.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// Publishes the sandbox insurer's demo plan, which must be new on this chain.
pub async fn publish_demo(stack: &Stack) -> TxId {
    match stack.insurer.publish_now(DEMO_PLAN).await.expect("publish") {
        Publication::Published(receipt) => receipt.tx_id,
        other => panic!("expected a new publication, got {other:?}"),
    }
}

/// Erik, registered through the client with his wallet in `dir`, and anvil's account 3 admitted
/// as a hospital: where the records tests start.
pub struct Parties {
    pub client: caretrail_client::Client,
    pub patient: caretrail_crypto::SecretKey,
    pub hospital: caretrail_crypto::SecretKey,
    /// The hospital's key as its kiosk sends transactions with it (a funded account).
    pub kiosk: caretrail_chain::PrivateKeySigner,
    /// Erik's registration, H.
    pub record: caretrail_types::Hash32,
}

pub async fn register_and_admit(stack: &caretrail::stack::Stack, dir: &Path) -> Parties {
    use caretrail_client::{Client, RegistrationForm, Wallet};
    use caretrail_keystore::{FileStore, Password};
    let wallet = Wallet::new(FileStore::new(dir.join("keystore")), dir);
    let client = Client::new(&stack.relay_url).expect("client");
    let password = Password::new("correct horse battery staple").expect("password");
    let registered = client
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
        .expect("registered");
    let patient = wallet.unlock(password.as_existing()).expect("her key");
    let kiosk = stack.node().dev_signer(3);
    let hospital = caretrail_chain::secret_key(&kiosk);
    caretrail_chain::admit(
        &stack.rpc_url(),
        stack.node().dev_signer(0),
        stack.relay.config.participant_registry,
        &caretrail_chain::admission_of(
            &hospital,
            caretrail_types::ParticipantKind::HealthOrganization,
            "HO-LIC-1001",
            "Sankt Göran Hospital",
        ),
    )
    .await
    .expect("admitted");
    Parties {
        client,
        patient,
        hospital,
        kiosk,
        record: registered.receipt.record,
    }
}

impl Parties {
    /// A staff key of the hospital's, certified for `role` for an hour.
    pub async fn staff(
        &self,
        role: caretrail_types::StaffRole,
    ) -> (
        caretrail_crypto::SecretKey,
        caretrail_types::SignedStaffCertificate,
    ) {
        let key = caretrail_crypto::SecretKey::generate(&mut rand_core::OsRng);
        let certificate = self
            .client
            .issue_staff_certificate(
                &self.hospital,
                key.address(),
                role,
                caretrail_client::unix_now() + 3_600,
            )
            .await
            .expect("certified");
        (key, certificate)
    }

    /// Erik checks in at the hospital (his code, its kiosk opens the visit) and reception
    /// assigns `staff` as `role`: the authority `staff` writes under.
    pub async fn checked_in(
        &self,
        staff: &caretrail_crypto::SecretKey,
        certificate: caretrail_types::SignedStaffCertificate,
        role: caretrail_types::StaffRole,
    ) -> caretrail_types::VisitAuthority {
        let (_, code) = self
            .client
            .checkin_code(&self.patient, self.record, self.hospital.address())
            .await
            .expect("his code");
        let visit = self
            .client
            .open_checkin(self.kiosk.clone(), &code)
            .await
            .expect("opened");
        let queued = self
            .client
            .assign_visit(&self.hospital, &visit, staff.address(), role)
            .await
            .expect("assigned");
        caretrail_types::VisitAuthority {
            certificate,
            assignment: queued.assignment,
        }
    }
}

/// A server on a free loopback port that answers every request with a redirect to the same path
/// under `target` (a 307, which keeps a POST and its body). Returns its URL.
pub async fn redirecting_to(target: String) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split(' ').nth(1).unwrap_or("/");
                let answer = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}{path}\r\n\
                     content-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

/// Asserts that a client call was refused with `code`.
pub fn refused_as<T: std::fmt::Debug>(
    result: Result<T, caretrail_client::ClientError>,
    code: caretrail_types::ErrorCode,
) {
    match result {
        Ok(v) => panic!("accepted: {v:?}"),
        Err(e) => {
            let e = caretrail_types::UiError::from(e);
            assert_eq!(e.code, code, "{e}");
        }
    }
}

/// Runs the command line with the tests' password and `wallet`, and `env` on top.
pub async fn cli(args: &[&str], wallet: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"));
    command
        .args(args)
        .env("CARETRAIL_PASSWORD", PASSWORD)
        .env("CARETRAIL_WALLET", wallet)
        .env_remove("CARETRAIL_RELAY_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("caretrail runs")
}

/// The standard output of a command that succeeded (else its outputs, in the panic).
pub fn succeeded(out: &std::process::Output) -> String {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A staff member's workstation as the command line sets it up: her key made with `staff init`,
/// the organization's key provisioned from its backup file, and her certificate for `role`
/// issued with `hospital staff add`.
pub struct Workstation {
    pub staff_dir: tempfile::TempDir,
    pub organization_dir: tempfile::TempDir,
    pub certificate_file: PathBuf,
    pub certificate: caretrail_types::SignedStaffCertificate,
    pub staff: caretrail_crypto::SecretKey,
}

impl Workstation {
    pub async fn new(relay: &str, organization: &caretrail_crypto::SecretKey, role: &str) -> Self {
        let staff_dir = tempfile::TempDir::new().expect("dir");
        let address = succeeded(&cli(&["staff", "init"], staff_dir.path(), &[]).await)
            .trim()
            .to_owned();
        let organization_dir = tempfile::TempDir::new().expect("dir");
        let backup = organization_dir.path().join("backup.json");
        std::fs::write(
            &backup,
            caretrail_protocol::backup::backup_file(
                organization,
                "organization backup passphrase 2026",
                &mut rand_core::OsRng,
            )
            .expect("backup"),
        )
        .expect("write");
        succeeded(
            &cli(
                &[
                    "hospital",
                    "provision",
                    "--backup",
                    backup.to_str().expect("path"),
                ],
                organization_dir.path(),
                &[(
                    "CARETRAIL_BACKUP_PASSWORD",
                    "organization backup passphrase 2026",
                )],
            )
            .await,
        );
        let certificate_file = staff_dir.path().join("certificate.json");
        succeeded(
            &cli(
                &[
                    "hospital",
                    "staff",
                    "add",
                    "--staff",
                    &address,
                    "--role",
                    role,
                    "--out",
                    certificate_file.to_str().expect("path"),
                    "--relay",
                    relay,
                ],
                organization_dir.path(),
                &[],
            )
            .await,
        );
        let certificate = serde_json::from_slice(&std::fs::read(&certificate_file).expect("read"))
            .expect("a certificate");
        let staff = wallet(&staff_dir).unlock(&existing()).expect("her key");
        Self {
            staff_dir,
            organization_dir,
            certificate_file,
            certificate,
            staff,
        }
    }

    /// The arguments every workstation command takes: the certificate, the organization's
    /// wallet and the relay.
    pub fn args<'a>(&'a self, relay: &'a str) -> [&'a str; 6] {
        [
            "--certificate",
            self.certificate_file.to_str().expect("path"),
            "--organization-wallet",
            self.organization_dir.path().to_str().expect("path"),
            "--relay",
            relay,
        ]
    }
}

/// Every file under `dir`, relative, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if let Ok(relative) = path.strip_prefix(base) {
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
