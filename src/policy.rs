//! `caretrail policy ...`: read a published policy by transaction id and check documents against it.

use crate::trust::{self, NetworkArg};
use anyhow::Context as _;
use caretrail_types::{PolicyCheck, PolicyView, UiError, format_unix_utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status when the policy on chain, or the compared file, does not match its signed hash.
const MISMATCH: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Shows the policy published by a transaction, and whether it matches the hash on chain.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The transaction id (0x followed by 64 hex digits).
    tx_id: String,
    /// The relay that names the chain and registry.
    #[arg(
        long,
        env = "CARETRAIL_RELAY_URL",
        default_value = "http://127.0.0.1:7780"
    )]
    relay: String,
    #[command(flatten)]
    network: NetworkArg,
    /// Also check this file (the policy as you hold it) against the published version.
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Show(args) => show(args).await,
    }
}

async fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let compared = match &args.compare {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        None => None,
    };
    // No wallet here: the network in --network, or the relay's word.
    let client = trust::client(
        &args.relay,
        args.network.trust(None)?,
        args.network.ca_file.as_deref(),
    )
    .await?;
    let (view, comparison) = match &compared {
        Some(document) => {
            let (view, check) = client
                .policy_compare(&args.tx_id, document)
                .await
                .map_err(UiError::from)
                .map_err(coded)?;
            (view, Some(check))
        }
        None => (
            client
                .policy_show(&args.tx_id)
                .await
                .map_err(UiError::from)
                .map_err(coded)?,
            None,
        ),
    };
    if args.json {
        let out = serde_json::json!({ "policy": view, "comparison": comparison });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_view(&view, comparison.as_ref());
    }
    let all_match = view.check.verified && comparison.is_none_or(|c| c.verified);
    Ok(if all_match {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(MISMATCH)
    })
}

/// Keeps the stable code in what a script sees on stderr.
pub(crate) fn coded(e: UiError) -> anyhow::Error {
    let code = serde_json::to_value(e.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    anyhow::anyhow!("[{code}] {}", e.message)
}

/// A client call's failure, as the command line reports it.
pub(crate) fn failed(e: caretrail_client::ClientError) -> anyhow::Error {
    coded(UiError::from(e))
}

/// Bad input on the command line (`[invalid_input]`).
pub(crate) fn invalid(message: impl Into<String>) -> anyhow::Error {
    coded(UiError::new(
        caretrail_types::ErrorCode::InvalidInput,
        message,
    ))
}

fn print_view(view: &PolicyView, comparison: Option<&PolicyCheck>) {
    let p = &view.publication;
    let row = |label: &str, value: &str| println!("{label:<14}{value}");
    row("Policy", view.title.as_deref().unwrap_or("(untitled)"));
    row("Signed by", &p.insurer.to_string());
    row(
        "Insurer",
        &format!(
            "{} (as the document names it)",
            view.insurer_name.as_deref().unwrap_or("not named")
        ),
    );
    row(
        "Version",
        &format!("{} of policy {}", p.signed.version, p.signed.policy_id),
    );
    row(
        "Published",
        &format!(
            "{}, block {}",
            format_unix_utc(p.block_time),
            p.block_number
        ),
    );
    row("Effective", &format_unix_utc(p.signed.effective_at));
    row("Transaction", &p.tx_id.to_string());
    row("Content hash", &p.signed.content_hash.to_string());
    row("Check", &check_line(&view.check, "the document on chain"));
    if let Some(check) = comparison {
        row("Your copy", &check_line(check, "your file"));
    }
    println!(
        "--- document ({}, {} bytes) ---",
        p.signed.media_type,
        p.document.len()
    );
    match &view.text {
        Some(text) => println!("{text}"),
        None => println!("(binary document; use --json to get it as base64)"),
    }
}

fn check_line(check: &PolicyCheck, what: &str) -> String {
    if check.verified {
        format!("VERIFIED: {what} matches the hash the insurer signed")
    } else {
        format!(
            "NOT MATCHING: {}",
            check.problem.as_deref().unwrap_or("unknown reason")
        )
    }
}
