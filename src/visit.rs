//! `caretrail visit ...` (the patient) and `caretrail reception ...` (a health organization's
//! kiosk): check-in, step 6. Her check-in code for an admitted organization, shown in the
//! terminal and written as a PNG; the kiosk reads the code's text or a picture of it, checks it
//! offline and against the chain, and opens the visit.

use crate::patient::{Common, password, wallet};
use crate::policy::{coded, failed};
use anyhow::Context as _;
use caretrail_types::{ErrorCode, UiError};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// Shows her check-in code for a health organization (a QR in the terminal, its text, and a
    /// PNG with --png): valid to open the visit for 10 minutes.
    CheckinQr(CheckinArgs),
    /// Shows her test-list code for a lab (step 9): a doctor's test list of hers shared with the
    /// lab's organization (granted on chain first when it is not the doctor's).
    TestQr(TestQrArgs),
}

#[derive(Debug, Args)]
pub struct TestQrArgs {
    /// The test list's record id (see `caretrail records list`).
    #[arg(long)]
    record: String,
    /// The lab's organization's address.
    #[arg(long)]
    lab: String,
    /// Also write the code as a PNG image.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
pub enum ReceptionCommand {
    /// Opens the visit of a patient's check-in code (its text, or a picture of it).
    Open(OpenArgs),
}

#[derive(Debug, Args)]
pub struct CheckinArgs {
    /// The health organization's address.
    #[arg(long)]
    organization: String,
    /// Also write the code as a PNG image.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The code's text (`ct:/...`).
    #[arg(long, conflicts_with = "image", required_unless_present = "image")]
    code: Option<String>,
    /// A picture of the code (PNG, JPEG or GIF).
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

pub async fn run_visit(command: VisitCommand) -> anyhow::Result<ExitCode> {
    match command {
        VisitCommand::CheckinQr(args) => checkin_qr(args).await,
        VisitCommand::TestQr(args) => test_qr(args).await,
    }
}

pub async fn run_reception(command: ReceptionCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReceptionCommand::Open(args) => open(args).await,
    }
}

async fn checkin_qr(args: CheckinArgs) -> anyhow::Result<ExitCode> {
    let organization = args.organization.parse().map_err(|e| {
        coded(UiError::new(
            ErrorCode::InvalidInput,
            format!("{:?} is not an address: {e}", args.organization),
        ))
    })?;
    let wallet = wallet(&args.common.wallet);
    let profile = wallet.profile().map_err(failed)?.ok_or_else(|| {
        coded(UiError::new(
            ErrorCode::NoKey,
            "this wallet holds no registration: register first",
        ))
    })?;
    let key = wallet.unlock(&password()?).map_err(failed)?;
    let client = args.common.client().await?;
    let (code, text) = client
        .checkin_code(&key, profile.record, organization)
        .await
        .map_err(failed)?;
    show(&text, args.png.as_deref())?;
    eprintln!(
        "check-in code for {organization}: visit {}, to open before {}",
        code.token.visit_id,
        caretrail_types::format_unix_utc(code.token.not_after)
    );
    Ok(ExitCode::SUCCESS)
}

async fn open(args: OpenArgs) -> anyhow::Result<ExitCode> {
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let signer = caretrail_chain::PrivateKeySigner::from_bytes(&(*key.to_bytes()).into())
        .context("the organization's key")?;
    let client = args.common.client().await?;
    let visit = match (&args.code, &args.image) {
        (Some(text), _) => client.open_checkin(signer, text).await,
        (None, Some(path)) => {
            let picture =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            client.open_checkin_image(signer, &picture).await
        }
        (None, None) => unreachable!("clap requires one"),
    }
    .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&visit)?);
    } else {
        println!(
            "opened visit {} of {} until {}",
            visit.visit_id,
            visit.patient,
            caretrail_types::format_unix_utc(visit.expires_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A code shown in the terminal and printed as text, and written as a PNG when asked.
fn show(text: &str, png: Option<&std::path::Path>) -> anyhow::Result<()> {
    let image = caretrail_vision::encode::QrImage::new(text)
        .map_err(|e| coded(UiError::new(ErrorCode::Internal, e.to_string())))?;
    if let Some(path) = png {
        let png = image
            .to_png(8)
            .map_err(|e| coded(UiError::new(ErrorCode::Internal, e.to_string())))?;
        std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("{}", image.to_terminal());
    println!("{text}");
    Ok(())
}

async fn test_qr(args: TestQrArgs) -> anyhow::Result<ExitCode> {
    let invalid = |what: &str, e: String| {
        coded(UiError::new(
            ErrorCode::InvalidInput,
            format!("{what}: {e}"),
        ))
    };
    let record = args
        .record
        .parse()
        .map_err(|e: caretrail_types::ParseHexError| invalid("not a record id", e.to_string()))?;
    let lab = args
        .lab
        .parse()
        .map_err(|e: caretrail_types::ParseHexError| invalid("not an address", e.to_string()))?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let (code, text) = client
        .share_test_list(&key, record, lab)
        .await
        .map_err(failed)?;
    show(&text, args.png.as_deref())?;
    eprintln!(
        "test-list code for {lab}{}, valid until {}",
        if code.visit.is_some() {
            " (another organization than the doctor's: granted on chain, with a visit token)"
        } else {
            ""
        },
        caretrail_types::format_unix_utc(code.share.expires_at)
    );
    Ok(ExitCode::SUCCESS)
}
