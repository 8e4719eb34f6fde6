//! `caretrail up`: the run command's stack, with the demo policy published and the app opened.

use anyhow::Context as _;
use caretrail::stack::{
    SANDBOX_ADMIN_TOKEN_ENV, Stack, StackOptions, default_assets_dir, sandbox_admin_token_file,
};
use caretrail_chain::local::anvil_path;
use caretrail_sandbox::Publication;
use caretrail_types::TxId;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEMO_PLAN: &str = "meridian-gold";

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the chain state, the deployment and the sandbox keys are kept between runs.
    #[arg(long, env = "CARETRAIL_DATA_DIR", default_value = ".caretrail")]
    data_dir: PathBuf,
    /// The anvil binary (default: contracts/node_modules/.bin/anvil, as the setup installs it).
    #[arg(long, env = "CARETRAIL_ANVIL")]
    anvil: Option<PathBuf>,
    /// Address of the relay (and of the web UI); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:7780")]
    relay: SocketAddr,
    /// Address of the sandbox services; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:7781")]
    sandbox: SocketAddr,
    /// The built web UI that the relay serves.
    #[arg(long, default_value = "ui/dist")]
    ui_dir: PathBuf,
    /// The desktop app to open when there is a display.
    #[arg(long, env = "CARETRAIL_APP")]
    app: Option<PathBuf>,
    /// Do not open the desktop app even when there is a display.
    #[arg(long)]
    no_app: bool,
    /// Face models and citizen photos (installed by ./scripts/setup.sh).
    #[arg(long, env = "CARETRAIL_ASSETS")]
    assets: Option<PathBuf>,
    /// Start the sandbox insurer as the paper's fraudulent insurer: it serves altered policy
    /// documents, so registration must stop with a policy mismatch.
    #[arg(long)]
    fraudulent_insurer: bool,
    /// How often the relay anchors the Merkle root of its new read-log entries on chain, in
    /// seconds (a patient's reads show "verified" after the next anchor).
    #[arg(long, default_value_t = caretrail::stack::DEFAULT_AUDIT_INTERVAL.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    audit_interval: u64,
    #[command(flatten)]
    edge: crate::services::EdgeArgs,
}

pub async fn run(args: UpArgs) -> anyhow::Result<ExitCode> {
    let anvil = args
        .anvil
        .clone()
        .unwrap_or_else(|| anvil_path(Path::new(".")));
    let ui_dir = args
        .ui_dir
        .join("index.html")
        .exists()
        .then(|| args.ui_dir.clone());
    if ui_dir.is_none() {
        tracing::warn!(
            "{} holds no built UI; the relay will serve the API only",
            args.ui_dir.display()
        );
    }
    eprintln!("starting the chain, the relay and the sandbox ...");
    let every = std::time::Duration::from_secs(args.audit_interval);
    let stack = Stack::start_anchoring_every(
        StackOptions {
            data_dir: Some(args.data_dir.clone()),
            anvil,
            relay_addr: args.relay,
            sandbox_addr: args.sandbox,
            ui_dir: ui_dir.clone(),
            assets: args.assets.clone().unwrap_or_else(default_assets_dir),
            fraudulent_insurer: args.fraudulent_insurer,
            publish_plans: true,
            storage: None,
            edge: args.edge.config(),
        },
        every,
    )
    .await?;

    let demo_tx = demo_policy_tx(&stack, &args.data_dir);
    print_summary(&stack, &args.data_dir, ui_dir.is_some(), demo_tx.as_ref());

    let app = match (&args.app, args.no_app, has_display()) {
        (Some(app), false, true) => Some(open_app(app, &stack.relay_url)?),
        (None, false, true) => {
            eprintln!("no desktop app given (--app); use the web UI above");
            None
        }
        (_, _, false) => {
            eprintln!(
                "no display: the app is served as a web page at {}",
                stack.relay_url
            );
            None
        }
        (_, true, true) => None,
    };
    // Caught from here on: a signal right after the line below stops everything cleanly.
    let stop = crate::shutdown::requested();
    eprintln!("press Ctrl-C to stop everything");
    match app {
        Some(mut child) => {
            tokio::select! {
                _ = stop => { let _ = child.kill().await; }
                status = child.wait() => eprintln!("the app closed ({})", status.map(|s| s.to_string()).unwrap_or_default()),
            }
        }
        None => stop.await,
    }
    eprintln!(
        "stopping; the chain state is kept in {}",
        args.data_dir.display()
    );
    stack.stop().await;
    Ok(ExitCode::SUCCESS)
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn open_app(app: &Path, relay_url: &str) -> anyhow::Result<tokio::process::Child> {
    tokio::process::Command::new(app)
        .env("CARETRAIL_RELAY_URL", relay_url)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot open the app {}", app.display()))
}

/// Publishes the sandbox insurer's demo plan (once per chain) and returns its transaction id,
/// kept in the data directory so later runs can show it again.
/// The demo policy's publication: this start's, or the one recorded by an earlier start.
fn demo_policy_tx(stack: &Stack, data_dir: &Path) -> Option<TxId> {
    let record = data_dir.join("sandbox/demo-policy-tx.txt");
    match stack
        .publications
        .iter()
        .find(|(slug, _)| slug == DEMO_PLAN)
    {
        Some((_, Publication::Published(receipt))) => {
            if let Err(e) = std::fs::write(&record, receipt.tx_id.to_string()) {
                tracing::warn!("cannot record the demo transaction: {e}");
            }
            Some(receipt.tx_id)
        }
        _ => std::fs::read_to_string(&record)
            .ok()
            .and_then(|t| t.parse().ok()),
    }
}

fn print_summary(stack: &Stack, data_dir: &Path, has_ui: bool, demo_tx: Option<&TxId>) {
    println!();
    println!("Caretrail is running");
    println!(
        "  chain (anvil)     {}  chain id {}",
        stack.rpc_url(),
        stack.deployment.chain_id
    );
    println!(
        "  policy registry   {}{}",
        stack.deployment.registries.policies,
        if stack.deployed_now {
            " (deployed now)"
        } else {
            " (reused)"
        }
    );
    println!("  relay             {}", stack.relay_url);
    if has_ui {
        println!("  web UI            {}/", stack.relay_url);
    }
    println!(
        "  sandbox insurer   {}/insurer/v1/plans{}",
        stack.sandbox_url,
        if stack.insurer.is_fraudulent() {
            "  (FRAUDULENT: serves altered policies)"
        } else {
            ""
        }
    );
    println!(
        "  EC registry       {}/ec/v1/citizens/lookup  (the relay's signed requests only)",
        stack.sandbox_url
    );
    println!(
        "  gov. registry     {}/gov/v1/licences/lookup",
        stack.sandbox_url
    );
    println!(
        "  sandbox admin     {}  (Bearer token: fraud switch, publish)",
        match std::env::var_os(SANDBOX_ADMIN_TOKEN_ENV) {
            Some(_) => SANDBOX_ADMIN_TOKEN_ENV.to_owned(),
            None => sandbox_admin_token_file(data_dir).display().to_string(),
        }
    );
    if let Some(tx) = demo_tx {
        println!("  demo policy tx    {tx}");
        println!();
        println!("Paste the demo policy tx into the app, or run:");
        println!("  caretrail policy show {tx} --relay {}", stack.relay_url);
    }
    println!();
    println!("Register a sandbox citizen (Register tab, or `caretrail patient register`):");
    println!("  national ID 19710302-4411, card MMH-1001-0001,");
    println!("  policy crates/sandbox/data/policies/meridian-gold.json,");
    println!(
        "  photo {}",
        stack.assets.join("photos/jesper_2.jpg").display()
    );
    println!();
}
