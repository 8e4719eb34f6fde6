//! `caretrail`: the command line of Caretrail, for patients, insurers and operators.

mod authority;
mod billing;
mod doctor;
mod lab;
mod patient;
mod policy;
mod qr;
mod records;
mod services;
mod shutdown;
mod staff;
mod trust;
mod up;
mod visit;

use clap::{Parser, Subcommand};

// jemalloc, so that memory freed by the relay goes back to the OS (`caretrail::memory`).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use std::io::IsTerminal as _;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "caretrail",
    version,
    about = "Caretrail: a patient-held health and insurance wallet"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Insurance policies published on chain.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Patients: registration and login.
    #[command(subcommand)]
    Patient(patient::PatientCommand),
    /// A patient's records: list, put, get, grant, revoke, and the access log.
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// QR codes: draw one in the terminal, read one from an image file.
    #[command(subcommand)]
    Qr(qr::QrCommand),
    /// The health authority: admission and blocking of health organizations.
    #[command(subcommand)]
    Authority(authority::AuthorityCommand),
    /// A health organization's workstation: its key, and its staff's certificates.
    #[command(subcommand)]
    Hospital(staff::HospitalCommand),
    /// A health organization's staff member: her key, and her certificate checked at the relay.
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// A patient's visit: her check-in code for a health organization.
    #[command(subcommand)]
    Visit(visit::VisitCommand),
    /// A health organization's reception kiosk: opens the visit of a check-in code.
    #[command(subcommand)]
    Reception(visit::ReceptionCommand),
    /// A doctor's workstation: writes a visit's prescription and test list.
    #[command(subcommand)]
    Doctor(doctor::DoctorCommand),
    /// A lab's workstation: takes in a patient's test list and reports on it.
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// A hospital's billing desk: sends a visit's bill to the patient's insurer.
    #[command(subcommand)]
    Billing(billing::BillingCommand),
    /// Runs the whole local stack: anvil, contracts, sandbox services, relay, and the app.
    Up(up::UpArgs),
    /// Runs the relay alone, against an existing chain and registry (operators).
    Relay(services::RelayArgs),
    /// Runs the sandbox services alone (the insurer), against a relay.
    Sandbox(services::SandboxArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,caretrail=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    #[cfg(unix)]
    if let Err(e) = caretrail::memory::give_back_freed_memory() {
        tracing::warn!("freed memory will not go back to the OS on its own: {e}");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Policy(command) => policy::run(command).await,
            Command::Patient(command) => patient::run(command).await,
            Command::Records(command) => records::run(command).await,
            Command::Authority(command) => authority::run(command).await,
            Command::Hospital(command) => staff::run_hospital(command).await,
            Command::Staff(command) => staff::run_staff(command).await,
            Command::Visit(command) => visit::run_visit(command).await,
            Command::Reception(command) => visit::run_reception(command).await,
            Command::Doctor(command) => doctor::run(command).await,
            Command::Lab(command) => lab::run(command).await,
            Command::Billing(command) => billing::run(command).await,
            Command::Qr(command) => qr::run(command),
            Command::Up(args) => up::run(args).await,
            Command::Relay(args) => services::relay(args).await,
            Command::Sandbox(args) => services::sandbox(args).await,
        }
    });
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory as _;

    /// Every subcommand's arguments are well formed (unique names among flattened groups).
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
