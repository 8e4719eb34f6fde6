//! `caretrail patient ...`: registration and login from the command line, for scripting and the
//! end-to-end tests. The key is kept in a V3 keystore file in the wallet directory (the desktop
//! app keeps it in the OS keyring); the password comes from `CARETRAIL_PASSWORD` or a prompt.

use crate::policy::coded;
use crate::trust::{self, NetworkArg};
use anyhow::Context as _;
use caretrail_client::{
    Client, ClientError, Progress, RecoveryForm, RecoveryStatus, RegistrationForm, Wallet,
};
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
    /// Recovers your registration to a new key on this device (a lost key, or a national ID
    /// someone else registered): the verification unit re-verifies you (national ID, photo, card)
    /// and proposes it; it waits out a 7-day timelock in which the key that holds it may cancel.
    Recover(RecoverArgs),
    /// Shows the recovery of this device's registration that is pending, if any; cancels it
    /// (`--cancel`) or executes it once its timelock has passed (`--finish`).
    Recovery(RecoveryArgs),
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// National ID number (NID).
    #[arg(long)]
    nid: String,
    /// Insurance card number (I_ID).
    #[arg(long)]
    card: String,
    /// Your instant photo (JPEG or PNG).
    #[arg(long, value_name = "FILE")]
    photo: PathBuf,
    /// Do not propose it through the relay: write the signed recovery to FILE for the health
    /// authority (`caretrail authority recover FILE`), whose proposal the current key cannot
    /// cancel.
    #[arg(long, value_name = "FILE")]
    for_authority: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct RecoveryArgs {
    /// Cancel the pending recovery of the registration this device's key holds.
    #[arg(long, conflicts_with = "finish")]
    cancel: bool,
    /// Execute the pending recovery to this device's key (after its timelock).
    #[arg(long)]
    finish: bool,
    #[command(flatten)]
    common: Common,
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
        PatientCommand::Recover(args) => recover(args).await,
        PatientCommand::Recovery(args) => recovery(args).await,
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

async fn recover(args: RecoverArgs) -> anyhow::Result<ExitCode> {
    let form = RecoveryForm {
        nid: args.nid,
        card_number: args.card,
        photo: read(&args.photo, "photo")?,
    };
    let password = new_password()?;
    let client = args.common.client().await?;
    let wallet = wallet(&args.common.wallet);
    let failed = |e: ClientError| match e {
        ClientError::KeyKept { phrase, error } => {
            show_phrase(&phrase);
            coded(UiError::from(ClientError::KeyKept { phrase, error }))
        }
        e => coded(UiError::from(e)),
    };
    if let Some(out) = &args.for_authority {
        let signed = client
            .sign_recovery(&wallet, &form, &password)
            .await
            .map_err(failed)?;
        let text = serde_json::to_vec_pretty(&signed.signed)?;
        caretrail_fs::replace(out, &text)
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!(
            "signed recovery of {} to {} written to {}: take it to the health authority",
            signed.signed.ticket.body.record,
            signed.signed.ticket.body.recovery.to,
            out.display()
        );
        if let Some(phrase) = &signed.phrase {
            show_phrase(phrase);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let done = client
        .recover(&wallet, &form, &password)
        .await
        .map_err(failed)?;
    let p = &done.proposal;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(p)?);
    } else {
        println!(
            "re-verified {} {}",
            done.citizen.given_name, done.citizen.family_name
        );
        println!("{}", caretrail_protocol::recovery::proposed(p));
    }
    if let Some(phrase) = &done.phrase {
        show_phrase(phrase);
    }
    Ok(ExitCode::SUCCESS)
}

async fn recovery(args: RecoveryArgs) -> anyhow::Result<ExitCode> {
    let client = args.common.client().await?;
    let wallet = wallet(&args.common.wallet);
    let fail = |e: ClientError| coded(UiError::from(e));
    if args.cancel {
        let password = password()?;
        let sent = client
            .cancel_recovery(&wallet, &password)
            .await
            .map_err(fail)?;
        println!("cancelled; tx id {}", sent.tx_id);
        return Ok(ExitCode::SUCCESS);
    }
    if args.finish {
        let sent = client.finish_recovery(&wallet).await.map_err(fail)?;
        println!(
            "recovered: this device's key holds the registration; tx id {}",
            sent.tx_id
        );
        return Ok(ExitCode::SUCCESS);
    }
    let status = client.recovery_status(&wallet).await.map_err(fail)?;
    if args.common.json {
        let pending = status.as_ref().map(|(pending, _)| pending);
        println!("{}", serde_json::to_string_pretty(&pending)?);
        return Ok(ExitCode::SUCCESS);
    }
    match status {
        None => println!("no recovery of this device's registration is pending"),
        Some((
            _,
            RecoveryStatus::Incoming {
                executable_at,
                ready,
            },
        )) => println!(
            "your registration is being recovered to this device's key: {}",
            if ready {
                "its timelock has passed; finish it with --finish".to_owned()
            } else {
                format!("it can be executed from unix time {executable_at}")
            }
        ),
        Some((
            _,
            RecoveryStatus::Outgoing {
                to,
                executable_at,
                may_cancel,
            },
        )) => println!(
            "WARNING: a recovery moves your registration to the key {to} from unix time \
             {executable_at}. {}",
            if may_cancel {
                "If you did not ask for it, cancel it now with --cancel."
            } else {
                "The health authority proposed it; only the health authority may cancel it."
            }
        ),
    }
    Ok(ExitCode::SUCCESS)
}
