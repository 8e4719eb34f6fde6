//! `caretrail billing send`: a hospital's billing desk, which holds its billing staff key
//! (`--wallet`) and the hospital's key (`--organization-wallet`). It assigns itself to the visit
//! with the hospital's key and sends the bill U_B (step 15) for the insurer her enrolment names,
//! checked first against the policy version it pinned and the hospital's earlier bills for her.

use crate::doctor::organization_signer;
use crate::patient::{Common, password, wallet};
use crate::policy::{coded, failed, invalid};
use crate::staff::read_certificate;
use caretrail_protocol::visit::bill::{Bill, BillLine};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Sends a visit's bill to the patient's insurer.
    Send(SendArgs),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The visit's id (0x and 64 hex digits).
    #[arg(long)]
    visit_id: String,
    /// A line of the bill, as SERVICE=AMOUNT (the service as her policy names it, the amount in
    /// whole units of its currency), e.g. "Doctor consultation=800"; repeat for several.
    #[arg(long = "line", value_name = "SERVICE=AMOUNT", required = true)]
    lines: Vec<String>,
    /// An anchored record of the visit the bill is for; repeat for several.
    #[arg(long = "record", value_name = "ID", required = true)]
    records: Vec<String>,
    /// The insurer to bill (default: the one her enrolment names; another is refused).
    #[arg(long)]
    insurer: Option<String>,
    /// The certificate the hospital gave this device's staff key (role billing).
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// Where the hospital's key is kept on this workstation.
    #[arg(long, value_name = "DIR")]
    organization_wallet: PathBuf,
    #[command(flatten)]
    common: Common,
}

pub async fn run(command: BillingCommand) -> anyhow::Result<ExitCode> {
    match command {
        BillingCommand::Send(args) => send(args).await,
    }
}

fn bill(args: &SendArgs) -> anyhow::Result<Bill> {
    let lines = args
        .lines
        .iter()
        .map(|l| l.parse::<BillLine>().map_err(coded))
        .collect::<anyhow::Result<_>>()?;
    let records = args
        .records
        .iter()
        .map(|r| {
            r.parse()
                .map_err(|e| invalid(format!("{r:?} is not a record id: {e}")))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Bill { lines, records })
}

async fn send(args: SendArgs) -> anyhow::Result<ExitCode> {
    let bill = bill(&args)?;
    let visit_id = args
        .visit_id
        .parse()
        .map_err(|e| invalid(format!("not a visit id: {e}")))?;
    let insurer = args
        .insurer
        .as_deref()
        .map(|a| {
            a.parse()
                .map_err(|e| invalid(format!("{a:?} is not an address: {e}")))
        })
        .transpose()?;
    let certificate = read_certificate(&args.certificate)?;
    let organization = organization_signer(&args.organization_wallet)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let (claim, notice) = client
        .bill_visit(
            &key,
            &certificate,
            organization,
            visit_id,
            insurer,
            &bill,
            &args.common.wallet.join("scratch"),
        )
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&notice)?);
    } else {
        println!(
            "claim {} sent to {} for {}, anchored and filed",
            claim.id, notice.insurer, notice.patient
        );
    }
    Ok(ExitCode::SUCCESS)
}
