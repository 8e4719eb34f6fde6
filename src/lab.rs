//! `caretrail lab ...`: a lab's workstation, which holds the lab's staff key (`--wallet`) and its
//! organization's key (`--organization-wallet`). `fetch` takes in a patient's test-list code (its
//! text or a picture of it): the visit it carries opened, T_D fetched, checked and decrypted, the
//! lab assigned to the visit; the order is written to a file for `report`, which uploads the
//! report U_R and its files and has the organization anchor them.

use crate::doctor::organization_signer;
use crate::patient::{Common, password, wallet};
use crate::policy::{failed, invalid};
use crate::staff::read_certificate;
use anyhow::Context as _;
use caretrail_client::{LabFile, LabOrder, LabReport};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Takes in a patient's test-list code: the tests, and the order file for `report`.
    Fetch(FetchArgs),
    /// Sends the report on an order, with its files.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The code's text (`ct:/...`).
    #[arg(long, conflicts_with = "image", required_unless_present = "image")]
    code: Option<String>,
    /// A picture of the code (PNG, JPEG or GIF).
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    /// The certificate the organization gave this device's staff key (role lab).
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// Where the organization's key is kept on this workstation.
    #[arg(long, value_name = "DIR")]
    organization_wallet: PathBuf,
    /// Where to write the order (for `lab report`).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The order `lab fetch` wrote.
    #[arg(long, value_name = "FILE")]
    order: PathBuf,
    /// The report's conclusion.
    #[arg(long)]
    conclusion: String,
    /// A file to attach (a PDF, an image, an imaging file), as PATH or PATH=MIME-TYPE; repeat for
    /// several.
    #[arg(long = "attach", value_name = "FILE")]
    files: Vec<String>,
    /// Where the organization's key is kept on this workstation.
    #[arg(long, value_name = "DIR")]
    organization_wallet: PathBuf,
    #[command(flatten)]
    common: Common,
}

pub async fn run(command: LabCommand) -> anyhow::Result<ExitCode> {
    match command {
        LabCommand::Fetch(args) => fetch(args).await,
        LabCommand::Report(args) => report(args).await,
    }
}

fn scratch(common: &Common) -> PathBuf {
    common.wallet.join("scratch")
}

async fn fetch(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let certificate = read_certificate(&args.certificate)?;
    let organization = organization_signer(&args.organization_wallet)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let text = match (&args.code, &args.image) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => {
            let picture =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            caretrail_client::read_code(&picture).map_err(failed)?
        }
        (None, None) => unreachable!("clap requires one"),
    };
    let client = args.common.client().await?;
    let order = client
        .lab_fetch(
            &key,
            &certificate,
            organization,
            &text,
            &scratch(&args.common),
        )
        .await
        .map_err(failed)?;
    caretrail_fs::replace(&args.out, &serde_json::to_vec_pretty(&order)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&order)?);
    } else {
        println!(
            "visit {} of {}: tests ordered by {}",
            order.authority.assignment.assignment.visit_id,
            order.authority.assignment.assignment.patient,
            order.ordered_by
        );
        for test in &order.tests {
            println!("  {}  {}", test.loinc, test.name);
        }
        println!("order written to {}", args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The MIME type of a file named without one: by its extension.
fn content_type(path: &std::path::Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("dcm") => "application/dicom",
        _ => "application/octet-stream",
    }
}

async fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let order: LabOrder = serde_json::from_slice(
        &std::fs::read(&args.order)
            .with_context(|| format!("cannot read {}", args.order.display()))?,
    )
    .map_err(|e| invalid(format!("not an order `lab fetch` wrote: {e}")))?;
    let files: Vec<LabFile> = args
        .files
        .iter()
        .map(|f| {
            let (path, kind) = match f.split_once('=') {
                Some((path, kind)) => (PathBuf::from(path), kind.to_owned()),
                None => {
                    let path = PathBuf::from(f);
                    let kind = content_type(&path).to_owned();
                    (path, kind)
                }
            };
            LabFile {
                path,
                content_type: kind,
            }
        })
        .collect();
    let organization = organization_signer(&args.organization_wallet)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let progress = crate::records::progress(args.common.json);
    let written = client
        .lab_report(
            &key,
            organization,
            &order,
            &LabReport {
                conclusion: args.conclusion.clone(),
                files,
            },
            &scratch(&args.common),
            progress,
        )
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&written)?);
    } else {
        for record in &written {
            println!(
                "{} {} ({} bytes)",
                caretrail_protocol::records::kind_text(&record.kind),
                record.id,
                record.size
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
