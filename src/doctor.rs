//! `caretrail doctor ...`: a doctor's workstation, which holds her staff key (`--wallet`) and the
//! organization's key (`--organization-wallet`, provisioned with `caretrail hospital
//! provision`). She writes a visit's prescription (U_P) and test list (T_D) under the
//! assignment reception gave her: encrypted here for the patient and the organization, uploaded
//! with her signature, anchored by the organization in one batch.

use crate::patient::{Common, password, wallet};
use crate::policy::{coded, failed, invalid};
use crate::staff::read_certificate;
use anyhow::Context as _;
use caretrail_protocol::visit::orders::{Orders, Prescription, TestOrder};
use caretrail_types::StaffRole;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// Writes a visit's prescription and test list (steps 8–9).
    Write(WriteArgs),
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The visit's id (0x and 64 hex digits), from her queue.
    #[arg(long)]
    visit_id: String,
    /// The certificate the organization gave this device's staff key.
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// Where the organization's key is kept on this workstation (its password in
    /// `CARETRAIL_ORGANIZATION_PASSWORD`, else `CARETRAIL_PASSWORD`).
    #[arg(long, value_name = "DIR")]
    organization_wallet: PathBuf,
    /// The medication prescribed (U_P), e.g. "Amoxicillin 500 mg capsule".
    #[arg(long, requires = "dosage")]
    medication: Option<String>,
    /// How to take it, e.g. "1 capsule 3 times a day for 7 days".
    #[arg(long, requires = "medication")]
    dosage: Option<String>,
    /// A test ordered (T_D), as LOINC-CODE=NAME, e.g. "58410-2=Complete blood count"; repeat
    /// for several.
    #[arg(long = "test", value_name = "CODE=NAME")]
    tests: Vec<String>,
    #[command(flatten)]
    common: Common,
}

pub async fn run(command: DoctorCommand) -> anyhow::Result<ExitCode> {
    match command {
        DoctorCommand::Write(args) => write(args).await,
    }
}

/// The organization's key on this workstation, as a chain signer.
pub(crate) fn organization_signer(dir: &Path) -> anyhow::Result<caretrail_chain::PrivateKeySigner> {
    let text = match std::env::var("CARETRAIL_ORGANIZATION_PASSWORD") {
        Ok(text) => {
            caretrail_keystore::ExistingPassword::new(text).map_err(|e| invalid(e.to_string()))?
        }
        Err(_) => password()?,
    };
    let key = wallet(dir).unlock(&text).map_err(failed)?;
    caretrail_chain::PrivateKeySigner::from_bytes(&(*key.to_bytes()).into())
        .context("the organization's key")
}

fn orders(args: &WriteArgs) -> anyhow::Result<Orders> {
    let prescription = match (&args.medication, &args.dosage) {
        (Some(medication), Some(dosage)) => Some(Prescription {
            medication: medication.clone(),
            dosage: dosage.clone(),
        }),
        _ => None,
    };
    let tests = args
        .tests
        .iter()
        .map(|t| t.parse::<TestOrder>().map_err(coded))
        .collect::<anyhow::Result<_>>()?;
    Ok(Orders {
        prescription,
        tests,
    })
}

async fn write(args: WriteArgs) -> anyhow::Result<ExitCode> {
    let orders = orders(&args)?;
    let visit_id = args
        .visit_id
        .parse()
        .map_err(|e| invalid(format!("not a visit id: {e}")))?;
    let certificate = read_certificate(&args.certificate)?;
    let organization = organization_signer(&args.organization_wallet)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let authority = client
        .assignment_to(
            &key,
            &certificate,
            StaffRole::Doctor,
            visit_id,
            Duration::from_secs(5),
        )
        .await
        .map_err(failed)?;
    let written = client
        .write_orders(&key, organization, &authority, &orders)
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&written)?);
    } else {
        for record in &written {
            println!(
                "{} {} ({} bytes){}",
                caretrail_protocol::records::kind_text(&record.kind),
                record.id,
                record.size,
                if record.batch.is_some() {
                    ", anchored in the visit's batch"
                } else {
                    ", anchored"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
