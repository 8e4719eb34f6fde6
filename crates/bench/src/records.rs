//! `records-bench`: a large file's upload and download through the relay to each record store
//! (files under a data dir, and a real S3-compatible server), beside a plain copy of the same
//! file on the same disk, with the peak memory of the patient's CLI and of the relay; then the
//! time to list 1,000 records and verify their anchors. Prints figures; checks only that what
//! it sent came back.
//!
//! The patient's side is the real `caretrail` CLI in a child process, run under this binary's
//! `measure` step (whose only child it is), so that its peak RSS is its own. The relay runs in
//! this process, as `caretrail up` runs it: its peak during a transfer is the process's
//! high-water mark, reset just before (`/proc/self/clear_refs`). Each backend gets a process of
//! its own, so that both relays start from the same memory.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use caretrail::stack::{Stack, StackOptions, default_assets_dir};
use caretrail_bench::{reset_peak, status_kib};
use caretrail_client::{Client, Wallet};
use caretrail_keystore::{ExistingPassword, FileStore};
use caretrail_relay::storage::LocalS3;
use caretrail_types::{DOCUMENT_KIND, Hash32};
use clap::{Parser, ValueEnum};
use nix::sys::resource::{Usage, UsageWho, getrusage};
use nix::sys::time::TimeVal;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use ring::digest::{self, Digest};
use serde::{Deserialize, Serialize};

/// The peak memory each side may use, at any file size.
const GOAL_MIB: f64 = 64.0;
const PASSWORD: &str = "correct horse battery staple";

#[derive(Parser)]
#[command(
    about = "Records through the relay: transfers against a plain copy, peak memory, listing"
)]
struct Cli {
    /// Size of the file sent and read back, in MiB.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Small records stored for the patient, then listed with their anchors verified (0: none).
    #[arg(long, default_value_t = 1000)]
    records: usize,
    /// Which record stores.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    backend: Which,
    /// The caretrail CLI (release build); by default the one beside this binary.
    #[arg(long)]
    caretrail: Option<PathBuf>,
    /// The file to send, already written (internal: the run of one backend for `both`).
    #[arg(long, hide = true)]
    test_file: Option<PathBuf>,
    /// Print the figures as JSON instead of the table (internal, with `test_file`).
    #[arg(long, hide = true)]
    figures: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Local,
    S3,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Backend {
    Local,
    S3,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::S3 => "s3",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Local => "files under the relay's data dir (fsync on)",
            Self::S3 => "s3s-fs on loopback (multipart upload, then a create-only copy)",
        }
    }
}

/// Wall time, CPU time and peak RSS of one child process.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Run {
    wall: Duration,
    /// User plus system time.
    cpu: Duration,
    peak_kib: u64,
}

/// One transfer: the CLI's own figures, and the relay's memory around it.
#[derive(Serialize, Deserialize)]
struct Transfer {
    client: Run,
    /// This process's user plus system time during the transfer: the relay's (the sandbox and
    /// the bench itself idle meanwhile).
    relay_cpu: Duration,
    relay_before_kib: u64,
    relay_peak_kib: u64,
}

impl Transfer {
    fn relay_growth_kib(&self) -> u64 {
        self.relay_peak_kib.saturating_sub(self.relay_before_kib)
    }
}

/// The listing of her records, and what storing them took.
#[derive(Serialize, Deserialize)]
struct Listing {
    stored: usize,
    listed: usize,
    puts: Duration,
    /// Each timed `list_records` plus the check of every anchor.
    lists: Vec<Duration>,
}

/// What one backend's run measured.
#[derive(Serialize, Deserialize)]
struct Figures {
    backend: Backend,
    copy: Duration,
    copy_fsync: Duration,
    put: Transfer,
    get: Transfer,
    listing: Option<Listing>,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).map(OsString::as_os_str) == Some(OsStr::new("measure")) {
        let program = args.get(2).context("measure PROGRAM ARGS...")?;
        return measure_child(program, &args[3..]);
    }
    let cli = Cli::parse();
    match cli.backend {
        Which::Both => both(&cli),
        Which::Local => one(&cli, Backend::Local),
        Which::S3 => one(&cli, Backend::S3),
    }
}

/// Each backend in a process of its own, so that each relay's memory starts from the same
/// place (a second stack in one process would start from what the first left), on one file.
fn both(cli: &Cli) -> anyhow::Result<()> {
    let load_before = load_average()?;
    let work = work_dir()?;
    let file = work.path().join("scan.bin");
    write_test_file(cli, &file)?;
    let mut all = Vec::new();
    for backend in ["local", "s3"] {
        let output = std::process::Command::new(std::env::current_exe()?)
            .args(["--backend", backend, "--figures", "--size-mib"])
            .arg(cli.size_mib.to_string())
            .arg("--records")
            .arg(cli.records.to_string())
            .arg("--test-file")
            .arg(&file)
            .args(
                cli.caretrail
                    .iter()
                    .flat_map(|c| [OsStr::new("--caretrail"), c.as_os_str()]),
            )
            .stderr(Stdio::inherit())
            .output()?;
        ensure!(output.status.success(), "the {backend} run failed");
        all.push(serde_json::from_slice::<Figures>(&output.stdout)?);
    }
    print_table(cli, &all, &load_before, &load_average()?);
    Ok(())
}

/// One backend, in this process.
fn one(cli: &Cli, backend: Backend) -> anyhow::Result<()> {
    let caretrail = match &cli.caretrail {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("caretrail"),
    };
    ensure!(
        caretrail.is_file(),
        "no caretrail CLI at {} (cargo build --release -p caretrail, or --caretrail PATH)",
        caretrail.display()
    );
    // Resetting the high-water mark needs Linux's clear_refs; find out before any work.
    reset_peak().context("cannot reset this process's peak RSS (/proc/self/clear_refs)")?;
    let load_before = load_average()?;
    let work = work_dir()?;
    let (file, sent) = match &cli.test_file {
        Some(file) => (file.clone(), sha256_file(file)?),
        None => {
            let file = work.path().join("scan.bin");
            (file.clone(), write_test_file(cli, &file)?)
        }
    };
    eprintln!("== {}: {}", backend.name(), backend.description());
    let figures = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run_backend(
            backend,
            cli,
            &caretrail,
            (&file, sent),
            work.path(),
        ))?;
    if cli.figures {
        println!("{}", serde_json::to_string(&figures)?);
    } else {
        print_table(cli, &[figures], &load_before, &load_average()?);
    }
    Ok(())
}

/// Everything goes under one temporary directory, on one disk: the file, its copy, the relay's
/// data dir, the patient's wallet (s3s-fs keeps its bucket under the same TMPDIR).
fn work_dir() -> anyhow::Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new()
        .prefix("caretrail-records-bench")
        .tempdir()?)
}

fn write_test_file(cli: &Cli, file: &Path) -> anyhow::Result<Digest> {
    eprintln!(
        "writing a {} MiB test file in {}",
        cli.size_mib,
        file.parent().unwrap_or(file).display()
    );
    write_random(file, cli.size_mib << 20)
}

async fn run_backend(
    backend: Backend,
    cli: &Cli,
    caretrail: &Path,
    file: (&Path, Digest),
    dir: &Path,
) -> anyhow::Result<Figures> {
    let s3 = match backend {
        Backend::Local => None,
        Backend::S3 => Some(LocalS3::start("records").context("start s3s-fs")?),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let stack = Stack::start(StackOptions {
        data_dir: Some(dir.join("data")),
        publish_plans: true,
        storage: s3.as_ref().map(LocalS3::config),
        ..StackOptions::throwaway(&root)
    })
    .await
    .context("start the stack")?;
    let patient = Patient {
        caretrail: caretrail.to_owned(),
        relay: stack.relay_url.clone(),
        wallet: dir.join("wallet"),
    };
    let figures = transfers_and_listing(backend, cli, &stack, &patient, file, dir).await;
    stack.stop().await;
    drop(s3);
    figures
}

async fn transfers_and_listing(
    backend: Backend,
    cli: &Cli,
    stack: &Stack,
    patient: &Patient,
    (file, sent): (&Path, Digest),
    dir: &Path,
) -> anyhow::Result<Figures> {
    let size = std::fs::metadata(file)?.len();
    eprintln!("  registering the patient (caretrail patient register)");
    let policy =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sandbox/data/policies/meridian-gold.json");
    let photo = default_assets_dir().join("photos/jesper_2.jpg");
    patient
        .run(&[
            "patient".as_ref(),
            "register".as_ref(),
            "--nid".as_ref(),
            "19710302-4411".as_ref(),
            "--card".as_ref(),
            "MMH-1001-0001".as_ref(),
            "--policy".as_ref(),
            policy.as_os_str(),
            "--photo".as_ref(),
            photo.as_os_str(),
        ])
        .await
        .context("register the patient")?;

    eprintln!("  plain copies of the file on the same disk (best of 3 each)");
    let copy_time = best_copy(file, &dir.join("copy.bin"), false)?;
    let copy_fsync = best_copy(file, &dir.join("copy.bin"), true)?;

    eprintln!("  caretrail records put ({} MiB)", size >> 20);
    let (put, out) = patient
        .transfer(&["records".as_ref(), "put".as_ref(), file.as_os_str()])
        .await
        .context("upload the file")?;
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("stored"))
        .map(str::trim)
        .with_context(|| format!("records put printed no id: {out}"))?
        .to_owned();

    eprintln!("  caretrail records get {id}");
    let back = dir.join("back.bin");
    let (get, _) = patient
        .transfer(&[
            "records".as_ref(),
            "get".as_ref(),
            id.as_ref(),
            "--out".as_ref(),
            back.as_os_str(),
        ])
        .await
        .context("download the file")?;
    ensure!(
        sha256_file(&back)?.as_ref() == sent.as_ref(),
        "the file read back is not the file sent"
    );
    std::fs::remove_file(&back)?;

    let listing = match cli.records {
        0 => None,
        n => Some(listing(stack, patient, dir, n).await?),
    };
    Ok(Figures {
        backend,
        copy: copy_time,
        copy_fsync,
        put,
        get,
        listing,
    })
}

/// Stores `count` small records for her in-process (each anchored on chain), then times her
/// list (the chain's anchors joined with the relay's rows) and checks every anchor against the
/// body the relay holds.
async fn listing(
    stack: &Stack,
    patient: &Patient,
    dir: &Path,
    count: usize,
) -> anyhow::Result<Listing> {
    let wallet = Wallet::new(
        FileStore::new(patient.wallet.join("keystore")),
        &patient.wallet,
    );
    let key = wallet.unlock(&ExistingPassword::new(PASSWORD)?)?;
    let client = Client::new(&stack.relay_url)?;
    let scratch = dir.join("scratch");
    let small = dir.join("note.txt");
    let quiet: caretrail_client::TransferProgress = Arc::new(|_| {});

    eprintln!("  storing {count} small records (put_record, each anchored)");
    let mut ids = HashSet::new();
    let started = Instant::now();
    let mut lap = started;
    for i in 0..count {
        std::fs::write(
            &small,
            format!("Lab note {i}: HbA1c 5.{} %, taken at the clinic.\n", i % 10),
        )?;
        let stored = client
            .put_record(&key, &small, DOCUMENT_KIND, &scratch, quiet.clone())
            .await
            .with_context(|| format!("store record {i}"))?;
        ids.insert(stored.anchor.record_id);
        if (i + 1) % 100 == 0 {
            eprintln!(
                "    {} stored ({:.1} s since the last line)",
                i + 1,
                lap.elapsed().as_secs_f64()
            );
            lap = Instant::now();
        }
    }
    let puts = started.elapsed();

    eprintln!("  listing them and verifying their anchors (3 times)");
    let mut lists = Vec::new();
    let mut listed = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let records = client.list_records(&key).await?;
        let mut seen: HashSet<Hash32> = HashSet::new();
        for record in &records {
            let (anchor, _) = record
                .anchor
                .as_ref()
                .with_context(|| format!("record {} has no anchor on chain", record.id))?;
            let stored = record
                .stored
                .as_ref()
                .with_context(|| format!("the relay does not hold record {}", record.id))?;
            ensure!(
                anchor.record_id == record.id && anchor.ciphertext_hash == stored.body_hash,
                "record {}: anchored body hash {}, the relay holds {}",
                record.id,
                anchor.ciphertext_hash,
                stored.body_hash
            );
            seen.insert(record.id);
        }
        lists.push(started.elapsed());
        ensure!(
            ids.iter().all(|id| seen.contains(id)),
            "some records stored are not listed"
        );
        listed = records.len();
    }
    Ok(Listing {
        stored: count,
        listed,
        puts,
        lists,
    })
}

/// The patient's CLI, with her wallet and password, against this stack's relay.
struct Patient {
    caretrail: PathBuf,
    relay: String,
    wallet: PathBuf,
}

impl Patient {
    /// Runs `caretrail WORDS --relay R --wallet W` under the `measure` step: its own figures,
    /// and what it printed.
    async fn run(&self, words: &[&OsStr]) -> anyhow::Result<(Run, String)> {
        let output = tokio::process::Command::new(std::env::current_exe()?)
            .arg("measure")
            .arg(&self.caretrail)
            .args(words)
            .arg("--relay")
            .arg(&self.relay)
            .arg("--wallet")
            .arg(&self.wallet)
            .env("CARETRAIL_PASSWORD", PASSWORD)
            .env_remove("CARETRAIL_RELAY_URL")
            .env_remove("CARETRAIL_WALLET")
            .stdin(Stdio::null())
            .output()
            .await?;
        if !output.status.success() {
            // What it said, without its progress lines.
            let log = String::from_utf8_lossy(&output.stderr);
            let said: Vec<&str> = log
                .lines()
                .filter(|l| {
                    let first = l.split_whitespace().next().unwrap_or_default();
                    !["", "encrypting", "uploading", "downloading"].contains(&first)
                })
                .collect();
            bail!(
                "caretrail {words:?} failed:\n{}",
                said[said.len().saturating_sub(8)..].join("\n")
            );
        }
        let text = String::from_utf8(output.stdout)?;
        let (printed, figures) = text
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", text.trim_end()));
        let mut fields = figures.split_whitespace();
        let mut next = |what: &str| -> anyhow::Result<u64> {
            Ok(fields
                .next()
                .with_context(|| format!("no {what}"))?
                .parse()?)
        };
        let run = Run {
            wall: Duration::from_nanos(next("wall time")?),
            cpu: Duration::from_nanos(next("CPU time")?),
            peak_kib: next("peak RSS")?,
        };
        Ok((run, printed.to_owned()))
    }

    /// [`Patient::run`] with the relay's memory watched: its RSS before, and its peak during.
    async fn transfer(&self, words: &[&OsStr]) -> anyhow::Result<(Transfer, String)> {
        let relay_before_kib = status_kib("VmRSS")?;
        let relay_cpu = cpu_time(&getrusage(UsageWho::RUSAGE_SELF)?);
        reset_peak()?;
        let (client, printed) = self.run(words).await?;
        let relay_peak_kib = status_kib("VmHWM")?;
        let relay_cpu = cpu_time(&getrusage(UsageWho::RUSAGE_SELF)?).saturating_sub(relay_cpu);
        Ok((
            Transfer {
                client,
                relay_cpu,
                relay_before_kib,
                relay_peak_kib,
            },
            printed,
        ))
    }
}

/// The `measure` step: runs the command (its only child), prints what it printed, then a last
/// line `wall_ns cpu_ns peak_kib`, from `getrusage(RUSAGE_CHILDREN)` but the wall time.
fn measure_child(program: &OsStr, args: &[OsString]) -> anyhow::Result<()> {
    let started = Instant::now();
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start {}", program.to_string_lossy()))?;
    let wall = started.elapsed();
    if !output.status.success() {
        // It said why on stderr (unless a signal ended it); pass its status on.
        eprintln!("{} ended: {}", program.to_string_lossy(), output.status);
        std::process::exit(output.status.code().unwrap_or(1));
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&output.stdout)?;
    writeln!(out)?;
    writeln!(
        out,
        "{} {} {}",
        wall.as_nanos(),
        cpu_time(&usage).as_nanos(),
        usage.max_rss()
    )?;
    Ok(())
}

fn cpu_time(usage: &Usage) -> Duration {
    let time = |t: TimeVal| {
        Duration::from_secs(t.tv_sec().unsigned_abs())
            + Duration::from_micros(t.tv_usec().unsigned_abs())
    };
    time(usage.user_time()) + time(usage.system_time())
}

/// The fastest of three `std::fs::copy` of `file` to `to` (then `fsync`, when asked).
fn best_copy(file: &Path, to: &Path, fsync: bool) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        std::fs::copy(file, to)?;
        if fsync {
            File::open(to)?.sync_all()?;
        }
        best = best.min(started.elapsed());
        std::fs::remove_file(to)?;
    }
    Ok(best)
}

/// The first three fields of `/proc/loadavg`.
fn load_average() -> anyhow::Result<String> {
    let text = std::fs::read_to_string("/proc/loadavg")?;
    Ok(text
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}

/// Incompressible bytes (a fixed seed), written a MiB at a time; returns their SHA-256.
fn write_random(path: &Path, size: u64) -> anyhow::Result<Digest> {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut file = File::create(path)?;
    let mut hash = digest::Context::new(&digest::SHA256);
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        rng.fill_bytes(&mut block[..n]);
        hash.update(&block[..n]);
        file.write_all(&block[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    Ok(hash.finish())
}

/// SHA-256 of a file, read a MiB at a time.
fn sha256_file(path: &Path) -> anyhow::Result<Digest> {
    let mut file = File::open(path)?;
    let mut hash = digest::Context::new(&digest::SHA256);
    let mut block = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut block)? {
            0 => return Ok(hash.finish()),
            n => hash.update(&block[..n]),
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn print_table(cli: &Cli, all: &[Figures], load_before: &str, load_after: &str) {
    let size = cli.size_mib << 20;
    let mb_s = |wall: Duration| size as f64 / wall.as_secs_f64() / 1e6;
    let command = std::env::args()
        .skip(1)
        .fold("./scripts/bench-records.sh".to_owned(), |line, arg| {
            line + " " + &arg
        });
    println!();
    println!("Records through the relay, printed by `{command}`");
    println!(
        "{} MiB file of random bytes; MB/s = 10^6 bytes of the file per second of the whole CLI \
         command (key unlock, encryption, transfer, hashing, the anchor or its check); \
         load average {load_before} before, {load_after} after, {} cores.",
        size >> 20,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!();
    println!(
        "{:<7} {:<26} {:>7} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "", "", "", "", "", "client", "", "relay", "", "", ""
    );
    println!(
        "{:<7} {:<26} {:>7} {:>6} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "backend",
        "step",
        "wall s",
        "MB/s",
        "×copy",
        "peak",
        "CPU s",
        "before",
        "peak",
        "grew",
        "CPU s"
    );
    for f in all {
        let row = |step: &str, wall: Duration, memory: Option<&Transfer>| {
            let memory = memory.map_or_else(String::new, |t| {
                format!(
                    "{:>7.1} {:>7.2} {:>7.1} {:>7.1} {:>7.1} {:>7.2}",
                    mib(t.client.peak_kib),
                    t.client.cpu.as_secs_f64(),
                    mib(t.relay_before_kib),
                    mib(t.relay_peak_kib),
                    mib(t.relay_growth_kib()),
                    t.relay_cpu.as_secs_f64()
                )
            });
            println!(
                "{:<7} {:<26} {:>7.2} {:>6.0} {:>6.2} {memory}",
                f.backend.name(),
                step,
                wall.as_secs_f64(),
                mb_s(wall),
                mb_s(wall) / mb_s(f.copy)
            );
        };
        row("plain copy (std::fs::copy)", f.copy, None);
        row("plain copy, then fsync", f.copy_fsync, None);
        row("records put (upload)", f.put.client.wall, Some(&f.put));
        row("records get (download)", f.get.client.wall, Some(&f.get));
    }
    println!(
        "(MiB and CPU seconds, user + system. Client: `caretrail records put|get`, its own \
         process, peak RSS from getrusage(RUSAGE_CHILDREN). Relay: this process, its RSS just \
         before the transfer (face models loaded), its peak during it (VmHWM after clear_refs), \
         how much that grew, and its CPU time. Plain copies: best of 3.)"
    );

    if all.iter().any(|f| f.listing.is_some()) {
        println!();
        println!(
            "{:<7} {:>8} {:>8} {:>22} {:>14} {:>12}",
            "backend", "stored", "listed", "list + verify s (3×)", "puts s", "ms per put"
        );
        for f in all {
            let Some(l) = &f.listing else { continue };
            let mut lists = l.lists.clone();
            lists.sort();
            let median = lists[lists.len() / 2].as_secs_f64();
            println!(
                "{:<7} {:>8} {:>8} {:>22} {:>14.1} {:>12.1}",
                f.backend.name(),
                l.stored,
                l.listed,
                format!(
                    "{median:.3} ({:.3}–{:.3})",
                    lists[0].as_secs_f64(),
                    lists[lists.len() - 1].as_secs_f64()
                ),
                l.puts.as_secs_f64(),
                l.puts.as_secs_f64() * 1e3 / l.stored as f64
            );
        }
        println!(
            "(list + verify = Client::list_records, which reads her anchors from the chain and \
             joins the relay's rows, then a check that each record's anchored ciphertext hash is \
             the body hash the relay holds; median of 3, range; puts = Client::put_record one \
             after another, each encrypted, uploaded and anchored)"
        );
    }

    let transfers = || all.iter().flat_map(|f| [&f.put, &f.get]);
    let client = transfers().map(|t| t.client.peak_kib).max().unwrap_or(0);
    // Over the RSS before a backend's first transfer, so that what the upload kept and the
    // download reused counts too.
    let growth = all
        .iter()
        .map(|f| {
            f.put
                .relay_peak_kib
                .max(f.get.relay_peak_kib)
                .saturating_sub(f.put.relay_before_kib)
        })
        .max()
        .unwrap_or(0);
    let relay = transfers().map(|t| t.relay_peak_kib).max().unwrap_or(0);
    let relay_base = transfers().map(|t| t.relay_before_kib).min().unwrap_or(0);
    println!();
    println!(
        "Goals (≤ {GOAL_MIB} MiB each, at any file size), at {} MiB:",
        cli.size_mib
    );
    println!(
        "  client peak RSS, highest of put and get: {:.1} MiB: {}",
        mib(client),
        verdict(mib(client) <= GOAL_MIB)
    );
    println!(
        "  relay's growth over its RSS before the upload, highest: {:.1} MiB: {}",
        mib(growth),
        verdict(mib(growth) <= GOAL_MIB)
    );
    println!(
        "  relay's absolute peak RSS, highest: {:.1} MiB: {} (its RSS before any transfer, \
         face models loaded, was already {:.1} MiB)",
        mib(relay),
        verdict(mib(relay) <= GOAL_MIB),
        mib(relay_base)
    );
}
