//! `envelope-bench`: streamed envelope encryption and decryption of one large file, against raw
//! AES-256-GCM from the same backend, `openssl speed` and the `rage` CLI, with the peak memory
//! of each. Every contender runs as its own child process so that its peak RSS is its own.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope::{CHUNK_SIZE, Decryptor, Encryptor};
use clap::{Parser, Subcommand};
use nix::sys::resource::{UsageWho, getrusage};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

#[derive(Parser)]
#[command(
    about = "Envelope encryption throughput and peak memory against raw AES-GCM, openssl and rage"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Step>,
    /// Size of the test file in MiB.
    #[arg(long, default_value_t = 256)]
    size_mib: u64,
    /// Where the test files go (removed afterwards); by default /dev/shm, so that the figures are
    /// the crypto's and not the disk's.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Runs per contender; the best is reported.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// The rage binary (`cargo install rage --locked`).
    #[arg(long, default_value = "rage")]
    rage: PathBuf,
    /// Input and output of a step (internal).
    #[arg(long, num_args = 2, value_names = ["IN", "OUT"], hide = true)]
    io: Vec<PathBuf>,
}

/// One contender's work, run in a child process.
#[derive(Subcommand, Clone, Copy, Debug)]
#[command(hide = true)]
enum Step {
    EnvelopeEncrypt,
    EnvelopeDecrypt,
    GcmEncrypt,
    GcmDecrypt,
    EnvelopeEncryptMemory,
    GcmEncryptMemory,
}

fn identity() -> SecretKey {
    SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(42))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("measure") {
        let program = args.get(2).context("measure PROGRAM ARGS...")?;
        return measure_child(program, &args[3..]);
    }
    let cli = Cli::parse();
    match cli.command {
        Some(step) => {
            let [input, output] = &cli.io[..] else {
                bail!("a step needs --io IN OUT");
            };
            run_step(step, input, output, cli.size_mib << 20)
        }
        None => compare(&cli),
    }
}

fn run_step(step: Step, input: &Path, output: &Path, size: u64) -> anyhow::Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    match step {
        Step::EnvelopeEncrypt => {
            // The envelope writes whole sealed chunks and reads straight into its chunk
            // buffer, so neither side needs a BufReader/BufWriter (each would add a copy).
            let mut writer = Encryptor::with_recipients(&mut rng, &[identity().public_key()])?
                .wrap_output(File::create(output)?)?;
            writer.copy_from(File::open(input)?)?;
            writer.finish()?;
        }
        Step::EnvelopeDecrypt => {
            Decryptor::new(File::open(input)?)?.decrypt_to(&identity(), File::create(output)?)?;
        }
        Step::GcmEncrypt | Step::GcmDecrypt => raw_gcm(step, input, output)?,
        Step::EnvelopeEncryptMemory => {
            let block = vec![0x5a; 1 << 20];
            let mut writer = Encryptor::with_recipients(&mut rng, &[identity().public_key()])?
                .wrap_output(io::sink())?;
            for _ in 0..size >> 20 {
                writer.write_all(&block)?;
            }
            writer.finish()?;
        }
        Step::GcmEncryptMemory => {
            let key = gcm_key();
            let mut chunk = vec![0x5a; CHUNK_SIZE];
            for i in 0..size / CHUNK_SIZE as u64 {
                let tag = key
                    .seal_in_place_separate_tag(nonce(i), Aad::empty(), &mut chunk)
                    .map_err(|_| anyhow::anyhow!("seal"))?;
                let _ = std::hint::black_box(tag);
            }
        }
    }
    Ok(())
}

fn gcm_key() -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7; 32]).expect("32-byte key"))
}

fn nonce(i: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&i.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

/// The baseline: the same backend and the same chunking with nothing else (no header, no
/// STREAM bookkeeping), file to file.
fn raw_gcm(step: Step, input: &Path, output: &Path) -> anyhow::Result<()> {
    let key = gcm_key();
    let mut reader = File::open(input)?;
    let mut writer = File::create(output)?;
    let sealed = matches!(step, Step::GcmDecrypt);
    let mut buffer = vec![0u8; CHUNK_SIZE + 16];
    let want = if sealed { CHUNK_SIZE + 16 } else { CHUNK_SIZE };
    for i in 0.. {
        let n = read_full(&mut reader, &mut buffer[..want])?;
        if n == 0 {
            break;
        }
        if sealed {
            let plain = key
                .open_in_place(nonce(i), Aad::empty(), &mut buffer[..n])
                .map_err(|_| anyhow::anyhow!("chunk {i} does not open"))?;
            writer.write_all(plain)?;
        } else {
            let tag = key
                .seal_in_place_separate_tag(nonce(i), Aad::empty(), &mut buffer[..n])
                .map_err(|_| anyhow::anyhow!("seal"))?;
            buffer[n..n + 16].copy_from_slice(tag.as_ref());
            writer.write_all(&buffer[..n + 16])?;
        }
    }
    Ok(())
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Wall time and peak resident memory of one child process.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    peak_kib: i64,
}

/// Runs `command` under this binary's `measure` step, whose only child it is, so that
/// `getrusage(RUSAGE_CHILDREN)` there is that command's own peak memory.
fn measure(command: &Command) -> anyhow::Result<Run> {
    let output = Command::new(std::env::current_exe()?)
        .arg("measure")
        .arg(command.get_program())
        .args(command.get_args())
        .stderr(std::process::Stdio::inherit())
        .output()?;
    ensure!(output.status.success(), "{command:?} failed");
    let text = String::from_utf8(output.stdout)?;
    let mut fields = text.split_whitespace();
    let wall_ns: u64 = fields.next().context("no wall time")?.parse()?;
    let peak_kib: i64 = fields.next().context("no peak memory")?.parse()?;
    Ok(Run {
        wall: Duration::from_nanos(wall_ns),
        peak_kib,
    })
}

/// The `measure` step: run the command, print `wall_ns peak_kib`.
fn measure_child(program: &str, args: &[String]) -> anyhow::Result<()> {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    let wall = start.elapsed();
    ensure!(status.success(), "{program} {args:?} failed: {status}");
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    println!("{} {}", wall.as_nanos(), usage.max_rss());
    Ok(())
}

fn best_of(rounds: u32, mut make: impl FnMut() -> Command) -> anyhow::Result<Run> {
    let mut best: Option<Run> = None;
    for _ in 0..rounds {
        let run = measure(&make())?;
        best = Some(match best {
            Some(b) if b.wall <= run.wall => Run {
                peak_kib: b.peak_kib.max(run.peak_kib),
                ..b
            },
            Some(b) => Run {
                peak_kib: b.peak_kib.max(run.peak_kib),
                ..run
            },
            None => run,
        });
    }
    best.context("no rounds")
}

fn compare(cli: &Cli) -> anyhow::Result<()> {
    let size = cli.size_mib << 20;
    let dir = cli.dir.clone().unwrap_or_else(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        base.join("caretrail-envelope-bench")
    });
    std::fs::create_dir_all(&dir)?;
    let plain = dir.join("plain.bin");
    let sealed = dir.join("sealed.ctenv");
    let opened = dir.join("opened.bin");
    eprintln!(
        "writing a {} MiB test file in {}",
        cli.size_mib,
        dir.display()
    );
    write_random(&plain, size)?;
    let me = std::env::current_exe()?;
    let step = |step: &str, input: &Path, output: &Path| {
        let mut c = Command::new(&me);
        c.args(["--size-mib", &cli.size_mib.to_string(), "--io"])
            .arg(input)
            .arg(output)
            .arg(step);
        c
    };

    let mut rows: Vec<(String, Run)> = Vec::new();
    let mut row = |name: &str, run: Run| {
        eprintln!("  {name}: done");
        rows.push((name.to_owned(), run));
    };
    let r = cli.rounds;
    row(
        "envelope encrypt, file to file",
        best_of(r, || step("envelope-encrypt", &plain, &sealed))?,
    );
    row(
        "envelope decrypt, file to file",
        best_of(r, || step("envelope-decrypt", &sealed, &opened))?,
    );
    ensure!(
        same_file(&plain, &opened)?,
        "the envelope did not round-trip"
    );
    row(
        "raw AES-256-GCM encrypt, file to file",
        best_of(r, || step("gcm-encrypt", &plain, &sealed))?,
    );
    row(
        "raw AES-256-GCM decrypt, file to file",
        best_of(r, || step("gcm-decrypt", &sealed, &opened))?,
    );
    ensure!(
        same_file(&plain, &opened)?,
        "raw AES-GCM did not round-trip"
    );
    row(
        "envelope encrypt, memory to sink",
        best_of(r, || step("envelope-encrypt-memory", &plain, &sealed))?,
    );
    row(
        "raw AES-256-GCM encrypt, memory",
        best_of(r, || step("gcm-encrypt-memory", &plain, &sealed))?,
    );

    let rage = rage_rows(cli, &dir, &plain, &sealed, &opened)?;
    let openssl = openssl_speed()?;

    println!();
    println!(
        "{} MiB file, best of {} runs; MB/s = 10^6 bytes per second of plaintext.",
        cli.size_mib, r
    );
    println!("{:<42} {:>10} {:>14}", "contender", "MB/s", "peak RSS MiB");
    let mb_s = |run: &Run| size as f64 / run.wall.as_secs_f64() / 1e6;
    for (name, run) in rows.iter().chain(rage.iter()) {
        println!(
            "{:<42} {:>10.0} {:>14.1}",
            name,
            mb_s(run),
            run.peak_kib as f64 / 1024.0
        );
    }
    println!(
        "{:<42} {:>10.0} {:>14.1}",
        "openssl speed -evp aes-256-gcm (64 KiB)",
        openssl.0,
        openssl.1 as f64 / 1024.0
    );
    let envelope_enc = mb_s(&rows[0].1);
    let envelope_dec = mb_s(&rows[1].1);
    let envelope_mem = mb_s(&rows[4].1);
    println!();
    println!(
        "envelope / openssl: encrypt {:.2} (file), {:.2} (memory); decrypt {:.2} (file)",
        envelope_enc / openssl.0,
        envelope_mem / openssl.0,
        envelope_dec / openssl.0
    );
    if rage.len() == 2 {
        println!(
            "envelope / rage: encrypt {:.2}x, decrypt {:.2}x",
            envelope_enc / mb_s(&rage[0].1),
            envelope_dec / mb_s(&rage[1].1)
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn rage_rows(
    cli: &Cli,
    dir: &Path,
    plain: &Path,
    sealed: &Path,
    opened: &Path,
) -> anyhow::Result<Vec<(String, Run)>> {
    let keygen = cli.rage.with_file_name("rage-keygen");
    let key_file = dir.join("age.key");
    let _ = std::fs::remove_file(&key_file);
    let status = Command::new(&keygen)
        .arg("-o")
        .arg(&key_file)
        .status()
        .with_context(|| {
            format!(
                "cannot run {} (install it with `cargo install rage --locked`)",
                keygen.display()
            )
        })?;
    ensure!(status.success(), "rage-keygen failed");
    let recipient = std::fs::read_to_string(&key_file)?
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .context("rage-keygen wrote no public key")?;
    let encrypt = best_of(cli.rounds, || {
        let mut c = Command::new(&cli.rage);
        let _ = std::fs::remove_file(sealed);
        c.args(["-e", "-r", &recipient, "-o"])
            .arg(sealed)
            .arg(plain);
        c
    })?;
    let decrypt = best_of(cli.rounds, || {
        let mut c = Command::new(&cli.rage);
        let _ = std::fs::remove_file(opened);
        c.args(["-d", "-i"])
            .arg(&key_file)
            .arg("-o")
            .arg(opened)
            .arg(sealed);
        c
    })?;
    ensure!(same_file(plain, opened)?, "rage did not round-trip");
    Ok(vec![
        ("rage encrypt, file to file".to_owned(), encrypt),
        ("rage decrypt, file to file".to_owned(), decrypt),
    ])
}

/// `openssl speed` over 64 KiB blocks (the envelope's chunk): MB/s and its peak RSS.
fn openssl_speed() -> anyhow::Result<(f64, i64)> {
    let output = Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            "3",
            "-bytes",
            "65536",
            "-evp",
            "aes-256-gcm",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .context("cannot run openssl")?;
    ensure!(output.status.success(), "openssl speed failed");
    let text = String::from_utf8(output.stdout)?;
    // The last line: "AES-256-GCM  4960000.00k" (thousands of bytes per second).
    let figure = text
        .lines()
        .rev()
        .find(|l| l.to_ascii_uppercase().starts_with("AES-256-GCM"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|f| f.strip_suffix('k'))
        .and_then(|f| f.parse::<f64>().ok());
    let Some(thousands) = figure else {
        bail!("cannot read openssl's figure from:\n{text}");
    };
    // Its memory, from a second, shorter run under `measure`.
    let mut short = Command::new("openssl");
    short.args([
        "speed",
        "-seconds",
        "1",
        "-bytes",
        "65536",
        "-evp",
        "aes-256-gcm",
    ]);
    let peak = measure(&short)?.peak_kib;
    Ok((thousands * 1000.0 / 1e6, peak))
}

fn write_random(path: &Path, size: u64) -> anyhow::Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut out = BufWriter::new(File::create(path)?);
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..size >> 20 {
        rng.fill_bytes(&mut block);
        out.write_all(&block)?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> anyhow::Result<bool> {
    let (mut a, mut b) = (
        BufReader::new(File::open(a)?),
        BufReader::new(File::open(b)?),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = read_full(&mut a, &mut x)?;
        let m = read_full(&mut b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}
