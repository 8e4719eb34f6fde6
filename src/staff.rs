//! `caretrail hospital ...` and `caretrail staff ...`: a health organization's workstation and
//! its staff. The organization's key is provisioned on the workstation from its recovery phrase
//! or its backup file into the same keystore a patient's wallet uses; it issues staff
//! certificates (a file for the staff member) and revokes staff keys at the relay. A staff
//! member makes her own key and shows the relay her certificate.

use crate::patient::{Common, new_password, password, wallet};
use crate::policy::{coded, failed, invalid};
use anyhow::Context as _;
use caretrail_keystore::{EncryptedKey, RecoveryPhrase};
use caretrail_types::{Address, ErrorCode, SignedStaffCertificate, StaffRole, UiError};
use clap::{Args, Subcommand};
use rand_core::OsRng;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum HospitalCommand {
    /// Keeps the organization's key on this workstation, from its recovery phrase (a file, or
    /// `CARETRAIL_PHRASE`) or its backup file, under a password (`CARETRAIL_PASSWORD`).
    Provision(ProvisionArgs),
    /// The organization's staff: certificates and revocations.
    #[command(subcommand)]
    Staff(StaffAdminCommand),
    /// TKN_D: assigns a doctor or a lab to the patient of a visit the organization opened; the
    /// relay pushes it to her queue.
    Assign(AssignArgs),
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The visit's id (0x and 64 hex digits), as the organization opened it on chain.
    #[arg(long)]
    visit_id: String,
    /// The staff member's key address.
    #[arg(long)]
    staff: String,
    /// doctor or lab.
    #[arg(long, default_value = "doctor")]
    role: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
pub enum StaffAdminCommand {
    /// Certifies a staff key for one role; writes the certificate for the staff member.
    Add(AddArgs),
    /// Revokes every certificate of a staff key (the relay refuses it from then on).
    Revoke(RevokeArgs),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Makes this device's staff key (its recovery phrase shown once) and prints its address.
    Init(InitArgs),
    /// Shows the relay this device's certificate: who it recognises, or why not.
    Check(CheckArgs),
    /// Follows this device's queue of assigned visits, one line per assignment as it arrives.
    Queue(QueueArgs),
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// The certificate the organization gave this device's key.
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// The role to act as.
    #[arg(long, default_value = "doctor")]
    role: String,
    /// Stop after this many assignments (default: follow until the certificate ends).
    #[arg(long)]
    count: Option<usize>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// A file holding the organization's 24-word recovery phrase (else `CARETRAIL_PHRASE`).
    #[arg(long, value_name = "FILE", conflicts_with = "backup")]
    phrase_file: Option<PathBuf>,
    /// The organization's backup file (V3 JSON), opened with `CARETRAIL_BACKUP_PASSWORD`.
    #[arg(long, value_name = "FILE")]
    backup: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The staff member's key address.
    #[arg(long)]
    staff: String,
    /// reception, doctor, lab or billing.
    #[arg(long)]
    role: String,
    /// How many days the certificate holds (at most 366).
    #[arg(long, default_value_t = 90)]
    days: u64,
    /// Where to write the certificate.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The staff member's key address.
    #[arg(long)]
    staff: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The certificate the organization gave this device's key.
    #[arg(long, value_name = "FILE")]
    certificate: PathBuf,
    /// The role to act as.
    #[arg(long)]
    role: String,
    #[command(flatten)]
    common: Common,
}

fn role(text: &str) -> anyhow::Result<StaffRole> {
    StaffRole::parse(text).ok_or_else(|| {
        invalid(format!(
            "{text:?} is not a role: reception, doctor, lab or billing"
        ))
    })
}

fn address(text: &str) -> anyhow::Result<Address> {
    text.parse()
        .map_err(|e| invalid(format!("{text:?} is not an address: {e}")))
}

pub async fn run_hospital(command: HospitalCommand) -> anyhow::Result<ExitCode> {
    match command {
        HospitalCommand::Provision(args) => provision(args),
        HospitalCommand::Staff(StaffAdminCommand::Add(args)) => add(args).await,
        HospitalCommand::Staff(StaffAdminCommand::Revoke(args)) => revoke(args).await,
        HospitalCommand::Assign(args) => assign(args).await,
    }
}

pub async fn run_staff(command: StaffCommand) -> anyhow::Result<ExitCode> {
    match command {
        StaffCommand::Init(args) => init(args),
        StaffCommand::Check(args) => check(args).await,
        StaffCommand::Queue(args) => queue(args).await,
    }
}

fn provision(args: ProvisionArgs) -> anyhow::Result<ExitCode> {
    let keystore = caretrail_keystore::Keystore::new(caretrail_keystore::FileStore::new(
        args.common.wallet.join("keystore"),
    ));
    let new = new_password()?;
    let address = if let Some(path) = &args.backup {
        let backup = EncryptedKey::read_backup(path).map_err(|e| invalid(e.to_string()))?;
        let opened = caretrail_keystore::ExistingPassword::new(
            std::env::var("CARETRAIL_BACKUP_PASSWORD")
                .context("CARETRAIL_BACKUP_PASSWORD must hold the backup's password")?,
        )
        .map_err(|e| invalid(e.to_string()))?;
        keystore
            .restore_from_backup(&backup, &opened, &new, &mut OsRng)
            .map_err(|e| invalid(e.to_string()))?
    } else {
        let text = match &args.phrase_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the phrase file {}", path.display()))?,
            None => std::env::var("CARETRAIL_PHRASE")
                .context("give --phrase-file, --backup or CARETRAIL_PHRASE")?,
        };
        let phrase = RecoveryPhrase::parse(&text)
            .map_err(|e| invalid(format!("not a recovery phrase: {e}")))?;
        keystore
            .restore_from_phrase(&phrase, &new, &mut OsRng)
            .map_err(|e| invalid(e.to_string()))?
    };
    println!("the organization's key {address} is kept on this workstation");
    Ok(ExitCode::SUCCESS)
}

async fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let (staff, role) = (address(&args.staff)?, role(&args.role)?);
    if args.days == 0 || args.days > 366 {
        return Err(invalid("--days is 1 to 366"));
    }
    let organization = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let valid_until = caretrail_client::unix_now() + args.days * 86_400;
    let certificate = client
        .issue_staff_certificate(&organization, staff, role, valid_until)
        .await
        .map_err(failed)?;
    caretrail_fs::replace(&args.out, &serde_json::to_vec_pretty(&certificate)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "certified {staff} as {} until {}; certificate written to {}",
        role.name(),
        caretrail_types::format_unix_utc(valid_until),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let staff = address(&args.staff)?;
    let organization = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    client
        .revoke_staff(&organization, staff)
        .await
        .map_err(failed)?;
    println!("revoked {staff}: the relay refuses its certificates from now on");
    Ok(ExitCode::SUCCESS)
}

fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let keystore = caretrail_keystore::Keystore::new(caretrail_keystore::FileStore::new(
        args.common.wallet.join("keystore"),
    ));
    let made = keystore
        .create(&new_password()?, &mut OsRng)
        .map_err(|e| invalid(e.to_string()))?;
    println!("{}", made.address);
    eprintln!("Your recovery phrase (write it down now; it is shown only once):");
    eprintln!("  {}", made.phrase.reveal());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn read_certificate(path: &std::path::Path) -> anyhow::Result<SignedStaffCertificate> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| invalid(format!("not a staff certificate: {e}")))
}

async fn assign(args: AssignArgs) -> anyhow::Result<ExitCode> {
    let (staff, role) = (address(&args.staff)?, role(&args.role)?);
    let visit_id = args
        .visit_id
        .parse()
        .map_err(|e| invalid(format!("not a visit id: {e}")))?;
    let organization = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let visit = client
        .visit(organization.address(), visit_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            coded(UiError::new(
                ErrorCode::UnknownVisit,
                format!("this organization opened no visit {visit_id}"),
            ))
        })?;
    let queued = client
        .assign_visit(&organization, &visit, staff, role)
        .await
        .map_err(failed)?;
    println!(
        "assigned {staff} as {} to the visit {visit_id} of {} until {}",
        role.name(),
        visit.patient,
        caretrail_types::format_unix_utc(queued.assignment.assignment.expires_at)
    );
    Ok(ExitCode::SUCCESS)
}

async fn queue(args: QueueArgs) -> anyhow::Result<ExitCode> {
    use futures_util::StreamExt as _;
    let role = role(&args.role)?;
    let certificate = read_certificate(&args.certificate)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let queue = client
        .staff_queue(&key, &certificate, role)
        .await
        .map_err(failed)?;
    let mut queue = std::pin::pin!(queue.take(args.count.unwrap_or(usize::MAX)));
    eprintln!(
        "following the queue of {} as {}",
        key.address(),
        role.name()
    );
    while let Some(queued) = queue.next().await {
        let a = queued.map_err(failed)?.assignment.assignment;
        if args.common.json {
            println!("{}", serde_json::to_string(&a)?);
        } else {
            println!(
                "visit {} of {} at {}, until {}",
                a.visit_id,
                a.patient,
                a.organization,
                caretrail_types::format_unix_utc(a.expires_at)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let role = role(&args.role)?;
    let certificate = read_certificate(&args.certificate)?;
    let key = wallet(&args.common.wallet)
        .unlock(&password()?)
        .map_err(failed)?;
    let client = args.common.client().await?;
    let member = client
        .staff_check(&key, &certificate, role)
        .await
        .map_err(failed)?;
    if args.common.json {
        println!("{}", serde_json::to_string_pretty(&member)?);
    } else {
        println!(
            "{} acts as {} for {} ({}) until {}",
            member.staff,
            member.role.name(),
            member.organization_name,
            member.organization,
            caretrail_types::format_unix_utc(member.valid_until)
        );
    }
    Ok(ExitCode::SUCCESS)
}
