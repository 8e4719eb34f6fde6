//! `caretrail patient ...`: registration and login from the command line, for scripting and the
//! end-to-end tests. The key is kept in a V3 keystore file in the wallet directory (the desktop
//! app keeps it in the OS keyring); the password comes from `CARETRAIL_PASSWORD` or a prompt.

use crate::policy::coded;
use crate::trust::{self, NetworkArg};
use anyhow::Context as _;
use caretrail_client::{Client, ClientError, Progress, RegistrationForm, Wallet};
use caretrail_keystore::{ExistingPassword, FileStore, Password, PasswordError, RecoveryPhrase};
use caretrail_types::{ErrorCode, UiError};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum PatientCommand {
    /// Registers a patient: national ID, insurance card, policy document and an instant photo.
    Register(RegisterArgs),
    /// Logs in with the national ID, the password and H.
    Login(LoginArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// The relay.
    #[arg(
        long,
        env = "CARETRAIL_RELAY_URL",
        default_value = "http://127.0.0.1:7780"
    )]
    pub(crate) relay: String,
    /// Where the patient's key and profile are kept.
    #[arg(long, env = "CARETRAIL_WALLET", default_value = ".caretrail/wallet")]
    pub(crate) wallet: PathBuf,
    #[command(flatten)]
    pub(crate) network: NetworkArg,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

impl Common {
    /// A client of her relay, on the network `--network` or her wallet pins.
    pub(crate) async fn client(&self) -> anyhow::Result<Client> {
        trust::client(
            &self.relay,
            self.network.trust(Some(&self.wallet))?,
            self.network.ca_file.as_deref(),
        )
        .await
    }
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// National ID number (NID).
    #[arg(long)]
    nid: String,
    /// Insurance card number (I_ID).
    #[arg(long)]
    card: String,
    /// The policy document you hold (FHIR/JSON or PDF).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Your instant photo (JPEG or PNG).
    #[arg(long, value_name = "FILE")]
    photo: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your ID (the national ID you registered with).
    #[arg(long)]
    id: String,
    /// H, as registration gave it (0x followed by 64 hex digits).
    #[arg(long = "h", value_name = "H")]
    record: String,
    #[command(flatten)]
    common: Common,
}

pub async fn run(command: PatientCommand) -> anyhow::Result<ExitCode> {
    match command {
        PatientCommand::Register(args) => register(args).await,
        PatientCommand::Login(args) => login(args).await,
    }
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}

fn password_text() -> anyhow::Result<String> {
    match std::env::var("CARETRAIL_PASSWORD") {
        Ok(text) => Ok(text),
        Err(_) => rpassword::prompt_password("Password: ").context("cannot read the password"),
    }
}

fn password_refused(error: PasswordError) -> anyhow::Error {
    let code = match error {
        PasswordError::Empty => ErrorCode::InvalidInput,
        PasswordError::Weak(_) => ErrorCode::WeakPassword,
    };
    coded(UiError::new(code, error.to_string()))
}

/// A password to keep a new key under: the password policy must accept it.
pub(crate) fn new_password() -> anyhow::Result<Password> {
    Password::new(password_text()?).map_err(password_refused)
}

/// The password of the key already kept.
pub(crate) fn password() -> anyhow::Result<ExistingPassword> {
    ExistingPassword::new(password_text()?).map_err(password_refused)
}

pub(crate) fn wallet(dir: &Path) -> Wallet<FileStore> {
    Wallet::new(FileStore::new(dir.join("keystore")), dir)
}

async fn register(args: RegisterArgs) -> anyhow::Result<ExitCode> {
    let form = RegistrationForm {
        nid: args.nid,
        card_number: args.card,
        policy_document: read(&args.policy, "policy document")?,
        photo: read(&args.photo, "photo")?,
    };
    let password = new_password()?;
    let client = args.common.client().await?;
    let json = args.common.json;
    let show = |step: Progress| {
        if json {
            return;
        }
        match step {
            Progress::PolicyHashed { media_type, hash } => {
                eprintln!("✓ policy document hashed ({media_type}): {hash}")
            }
            Progress::KeyReady { address, created } => eprintln!(
                "✓ key {} {address}",
                if created {
                    "made and kept:"
                } else {
                    "from the earlier attempt:"
                }
            ),
            Progress::Verifying => eprintln!("… the verification unit is checking"),
            Progress::Verified { checks } => {
                for check in checks {
                    eprintln!("✓ {}: {}", check.check.label(), check.detail);
                }
            }
            Progress::Submitting => eprintln!("… writing the registration on chain"),
        }
    };
    let done = match client
        .register(&wallet(&args.common.wallet), &form, &password, show)
        .await
    {
        Ok(done) => done,
        Err(ClientError::KeyKept { phrase, error }) => {
            show_phrase(&phrase);
            return Err(coded(UiError::from(ClientError::KeyKept { phrase, error })));
        }
        Err(e) => return Err(coded(UiError::from(e))),
    };
    let r = &done.receipt;
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        println!(
            "registered {} {}",
            done.citizen.given_name, done.citizen.family_name
        );
        println!("H          {}", r.record);
        println!("tx id      {}", r.tx_id);
        println!("patient    {}", r.patient);
        println!("gas        {}", r.gas_used);
        println!(
            "face       distance {:.3} (match below {:.2}, {})",
            r.face.distance(),
            r.face.threshold(),
            r.face.model
        );
    }
    if let Some(phrase) = &done.phrase {
        show_phrase(phrase);
    }
    Ok(ExitCode::SUCCESS)
}

fn show_phrase(phrase: &RecoveryPhrase) {
    eprintln!();
    eprintln!("Your recovery phrase (write it down now; it is shown only once):");
    eprintln!("  {}", phrase.reveal());
}

async fn login(args: LoginArgs) -> anyhow::Result<ExitCode> {
    let password = password()?;
    let client = args.common.client().await?;
    let session = client
        .login(
            &wallet(&args.common.wallet),
            &args.id,
            &password,
            &args.record,
        )
        .await
        .map_err(UiError::from)
        .map_err(coded)?;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({ "patient": session.patient, "record": session.record, "expires_at": session.expires_at })
        );
    } else {
        println!("logged in as {} (H {})", session.patient, session.record);
    }
    Ok(ExitCode::SUCCESS)
}
