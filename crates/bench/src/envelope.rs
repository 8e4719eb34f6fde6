//! `envelope-bench`: envelope encryption and decryption of one large file and of records held
//! in memory, against raw AES-256-GCM from the same backend, `openssl speed` and the `rage` CLI,
//! with the peak memory of each. Every contender runs as its own child process so that its peak
//! RSS is its own; each is run `--rounds` times and its median reported.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope::{self, CHUNK_SIZE, Decryptor, Encryptor};
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
    /// Runs per contender; the median is reported (and the highest peak RSS).
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Size in MiB of one record encrypted and decrypted in memory, repeated to make up
    /// `--size-mib`; each is a whole envelope, header included. 16 MiB amortizes the header's
    /// elliptic-curve work and stays under glibc's largest mmap threshold (32 MiB), so that the
    /// output buffers are reused rather than faulted in afresh for every record.
    #[arg(long, default_value_t = 16)]
    record_mib: u64,
    /// The rage binary (`cargo install rage --locked`).
    #[arg(long, default_value = "rage")]
    rage: PathBuf,
    /// Input and output of a step (internal).
    #[arg(long, num_args = 2, value_names = ["IN", "OUT"], hide = true)]
    io: Vec<PathBuf>,
}

/// One contender's work, run in a child process. The file steps are timed from outside, like
/// rage; the memory steps time only their work and print it (nanoseconds) for `measure`.
#[derive(Subcommand, Clone, Copy, Debug)]
#[command(hide = true)]
enum Step {
    /// File to file through `EnvelopeWriter::copy_from`.
    EnvelopeEncrypt,
    /// File to file through `Decryptor::decrypt_to`.
    EnvelopeDecrypt,
    /// File to file, the same chunks with ring and nothing else.
    GcmEncrypt,
    GcmDecrypt,
    /// File to file, no cipher: 64 KiB reads and writes, the ceiling of the file rows.
    Copy,
    /// Records of `--record-mib` written in 1 MiB blocks through `EnvelopeWriter` (`Write`) to a
    /// sink.
    EnvelopeEncryptStream,
    /// Such records read from memory through `Decryptor::decrypt_to` to a sink.
    EnvelopeDecryptStream,
    /// `envelope::encrypt` of records of `--record-mib`.
    EnvelopeEncryptMemory,
    /// `envelope::decrypt` of such records.
    EnvelopeDecryptMemory,
    /// ring sealing one 64 KiB buffer in place over and over: the cipher alone, no copy at all.
    GcmSealInPlace,
    /// ring over records of `--record-mib` into a new buffer, as `envelope::encrypt` does
    /// without its header: each chunk copied to the output, sealed there, its tag appended.
    GcmEncryptMemory,
    /// The same for opening: each sealed chunk copied to the output and opened there.
    GcmDecryptMemory,
    /// ring doing `EnvelopeWriter`'s job without the envelope: 1 MiB blocks copied 64 KiB at a
    /// time into one buffer, sealed there and written to a sink with their tags.
    GcmEncryptStream,
    /// ring doing `Decryptor::decrypt_to`'s job from memory: each sealed chunk copied into one
    /// buffer, opened there and written to a sink.
    GcmDecryptStream,
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
            run_step(
                step,
                input,
                output,
                cli.size_mib << 20,
                cli.record_mib << 20,
            )
        }
        None => compare(&cli),
    }
}

fn run_step(step: Step, input: &Path, output: &Path, size: u64, record: u64) -> anyhow::Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let reader = identity();
    let recipients = [reader.public_key()];
    match step {
        Step::EnvelopeEncrypt => {
            // The envelope writes whole sealed chunks and reads straight into its chunk
            // buffer, so neither side needs a BufReader/BufWriter (each would add a copy).
            let mut writer = Encryptor::with_recipients(&mut rng, &recipients)?
                .wrap_output(File::create(output)?)?;
            writer.copy_from(File::open(input)?)?;
            writer.finish()?;
        }
        Step::EnvelopeDecrypt => {
            Decryptor::new(File::open(input)?)?.decrypt_to(&reader, File::create(output)?)?;
        }
        Step::GcmEncrypt | Step::GcmDecrypt => raw_gcm(step, input, output)?,
        Step::Copy => {
            let (mut reader, mut writer) = (File::open(input)?, File::create(output)?);
            let mut buffer = vec![0u8; CHUNK_SIZE];
            loop {
                let n = read_full(&mut reader, &mut buffer)?;
                if n == 0 {
                    break;
                }
                writer.write_all(&buffer[..n])?;
            }
        }
        Step::EnvelopeEncryptStream => {
            let block = vec![0x5a; 1 << 20];
            let start = Instant::now();
            for _ in 0..size / record {
                let mut writer =
                    Encryptor::with_recipients(&mut rng, &recipients)?.wrap_output(io::sink())?;
                for _ in 0..record >> 20 {
                    writer.write_all(&block)?;
                }
                writer.finish()?;
            }
            report(start);
        }
        Step::EnvelopeDecryptStream => {
            let sealed = envelope::encrypt(&mut rng, &recipients, &vec![0x5a; record as usize])?;
            let start = Instant::now();
            for _ in 0..size / record {
                Decryptor::new(&sealed[..])?.decrypt_to(&reader, io::sink())?;
            }
            report(start);
        }
        Step::EnvelopeEncryptMemory => {
            let plaintext = vec![0x5a; record as usize];
            let start = Instant::now();
            for _ in 0..size / record {
                std::hint::black_box(envelope::encrypt(&mut rng, &recipients, &plaintext)?);
            }
            report(start);
        }
        Step::EnvelopeDecryptMemory => {
            let sealed = envelope::encrypt(&mut rng, &recipients, &vec![0x5a; record as usize])?;
            let start = Instant::now();
            for _ in 0..size / record {
                std::hint::black_box(envelope::decrypt(&reader, &sealed)?);
            }
            report(start);
        }
        Step::GcmSealInPlace => {
            let key = gcm_key();
            let mut chunk = vec![0x5a; CHUNK_SIZE];
            let start = Instant::now();
            for i in 0..size / CHUNK_SIZE as u64 {
                let tag = key
                    .seal_in_place_separate_tag(nonce(i), Aad::empty(), &mut chunk)
                    .map_err(|_| anyhow::anyhow!("seal"))?;
                let _ = std::hint::black_box(tag);
            }
            report(start);
        }
        Step::GcmEncryptMemory => {
            let key = gcm_key();
            let plaintext = vec![0x5a; record as usize];
            let start = Instant::now();
            for _ in 0..size / record {
                std::hint::black_box(gcm_seal_record(&key, &plaintext)?);
            }
            report(start);
        }
        Step::GcmEncryptStream => {
            let key = gcm_key();
            let block = vec![0x5a; 1 << 20];
            let mut buffer = vec![0u8; CHUNK_SIZE + 16];
            let mut sink = io::sink();
            let start = Instant::now();
            for i in 0..size >> 20 {
                for (j, piece) in (0..).zip(block.chunks(CHUNK_SIZE)) {
                    buffer[..CHUNK_SIZE].copy_from_slice(piece);
                    let tag = key
                        .seal_in_place_separate_tag(
                            nonce(i << 4 | j),
                            Aad::empty(),
                            &mut buffer[..CHUNK_SIZE],
                        )
                        .map_err(|_| anyhow::anyhow!("seal"))?;
                    buffer[CHUNK_SIZE..].copy_from_slice(tag.as_ref());
                    sink.write_all(&buffer)?;
                }
            }
            report(start);
        }
        Step::GcmDecryptStream => {
            let key = gcm_key();
            let sealed = gcm_seal_record(&key, &vec![0x5a; record as usize])?;
            let mut buffer = vec![0u8; CHUNK_SIZE + 16];
            let mut sink = io::sink();
            let start = Instant::now();
            for _ in 0..size / record {
                for (i, piece) in (0..).zip(sealed.chunks(CHUNK_SIZE + 16)) {
                    let buffer = &mut buffer[..piece.len()];
                    buffer.copy_from_slice(piece);
                    let plain = key
                        .open_in_place(nonce(i), Aad::empty(), buffer)
                        .map_err(|_| anyhow::anyhow!("chunk {i} does not open"))?;
                    sink.write_all(plain)?;
                }
            }
            report(start);
        }
        Step::GcmDecryptMemory => {
            let key = gcm_key();
            let sealed = gcm_seal_record(&key, &vec![0x5a; record as usize])?;
            let start = Instant::now();
            for _ in 0..size / record {
                std::hint::black_box(gcm_open_record(&key, &sealed)?);
            }
            report(start);
        }
    }
    Ok(())
}

/// Tells `measure` how long the step's own work took.
fn report(start: Instant) {
    println!("{}", start.elapsed().as_nanos());
}

/// Raw AES-256-GCM of a record into a new buffer, 64 KiB chunks with their tags: ring seals
/// only in place, so this copy of the plaintext is the least any caller whose input stays
/// intact can do.
fn gcm_seal_record(key: &LessSafeKey, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
    let chunks = plaintext.len().div_ceil(CHUNK_SIZE);
    let mut out = Vec::with_capacity(plaintext.len() + chunks * 16);
    for (i, piece) in (0..).zip(plaintext.chunks(CHUNK_SIZE)) {
        let start = out.len();
        out.extend_from_slice(piece);
        let tag = key
            .seal_in_place_separate_tag(nonce(i), Aad::empty(), &mut out[start..])
            .map_err(|_| anyhow::anyhow!("seal"))?;
        out.extend_from_slice(tag.as_ref());
    }
    Ok(out)
}

/// The inverse of [`gcm_seal_record`], into a new buffer.
fn gcm_open_record(key: &LessSafeKey, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(sealed.len());
    for (i, piece) in (0..).zip(sealed.chunks(CHUNK_SIZE + 16)) {
        let start = out.len();
        out.extend_from_slice(piece);
        let len = key
            .open_in_place(nonce(i), Aad::empty(), &mut out[start..])
            .map_err(|_| anyhow::anyhow!("chunk {i} does not open"))?
            .len();
        out.truncate(start + len);
    }
    Ok(out)
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

/// Wall time (or the step's own timing of its work) and peak resident memory of one child
/// process.
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

/// The `measure` step: run the command, print `wall_ns peak_kib`. A command that prints a
/// single number (a memory step's timing of its own work) has that taken for its time.
fn measure_child(program: &str, args: &[String]) -> anyhow::Result<()> {
    let start = Instant::now();
    let output = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot start {program}"))?;
    let wall = start.elapsed();
    ensure!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        output.status
    );
    let own: Option<u128> = String::from_utf8_lossy(&output.stdout).trim().parse().ok();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    println!("{} {}", own.unwrap_or(wall.as_nanos()), usage.max_rss());
    Ok(())
}

/// One row of the table: what it measures and how to run it once.
struct Contender<'a> {
    label: &'static str,
    run: Box<dyn Fn() -> Command + 'a>,
}

fn compare(cli: &Cli) -> anyhow::Result<()> {
    ensure!(
        cli.record_mib >= 1 && cli.size_mib.is_multiple_of(cli.record_mib),
        "--size-mib must be a multiple of --record-mib"
    );
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
    let file = |name: &str| dir.join(name);
    let plain = file("plain.bin");
    eprintln!(
        "writing a {} MiB test file in {}",
        cli.size_mib,
        dir.display()
    );
    write_random(&plain, size)?;
    let me = std::env::current_exe()?;
    let step = |step: &'static str, input: PathBuf, output: PathBuf| -> Box<dyn Fn() -> Command> {
        let me = me.clone();
        let (size, record) = (cli.size_mib.to_string(), cli.record_mib.to_string());
        Box::new(move || {
            // Every contender writes a new file, as rage (which refuses to overwrite) does:
            // truncating the last round's output would otherwise be timed too.
            let _ = std::fs::remove_file(&output);
            let mut c = Command::new(&me);
            c.args(["--size-mib", &size, "--record-mib", &record, "--io"])
                .arg(&input)
                .arg(&output)
                .arg(step);
            c
        })
    };
    let contender = |label, run| Contender { label, run };
    let (age_key, recipient) = rage_key(cli, &dir)?;
    let rage = |args: Vec<String>, output: PathBuf, input: PathBuf| -> Box<dyn Fn() -> Command> {
        let rage = cli.rage.clone();
        Box::new(move || {
            // rage refuses to overwrite its output.
            let _ = std::fs::remove_file(&output);
            let mut c = Command::new(&rage);
            c.args(&args).arg("-o").arg(&output).arg(&input);
            c
        })
    };
    let key_path = age_key.display().to_string();

    // Encryptions first: each writes the file its decryption reads.
    let file_rows = [
        contender(
            "plain copy, no cipher (the ceiling)",
            step("copy", plain.clone(), file("copied.bin")),
        ),
        contender(
            "envelope encrypt",
            step("envelope-encrypt", plain.clone(), file("sealed.ctenv")),
        ),
        contender(
            "raw AES-256-GCM encrypt",
            step("gcm-encrypt", plain.clone(), file("sealed.gcm")),
        ),
        contender(
            "rage encrypt",
            rage(
                vec!["-e".into(), "-r".into(), recipient],
                file("sealed.age"),
                plain.clone(),
            ),
        ),
        contender(
            "envelope decrypt",
            step(
                "envelope-decrypt",
                file("sealed.ctenv"),
                file("opened.ctenv"),
            ),
        ),
        contender(
            "raw AES-256-GCM decrypt",
            step("gcm-decrypt", file("sealed.gcm"), file("opened.gcm")),
        ),
        contender(
            "rage decrypt",
            rage(
                vec!["-d".into(), "-i".into(), key_path],
                file("opened.age"),
                file("sealed.age"),
            ),
        ),
    ];
    let none = || (plain.clone(), file("unused"));
    let memory = |label, name| {
        let (i, o) = none();
        contender(label, step(name, i, o))
    };
    let memory_rows = [
        memory(
            "raw AES-256-GCM seal in place, no copy",
            "gcm-seal-in-place",
        ),
        memory(
            "raw AES-256-GCM encrypt, record to new Vec",
            "gcm-encrypt-memory",
        ),
        memory(
            "envelope::encrypt, record to new Vec",
            "envelope-encrypt-memory",
        ),
        memory(
            "raw AES-256-GCM, 1 MiB writes via 64 KiB",
            "gcm-encrypt-stream",
        ),
        memory(
            "EnvelopeWriter, 1 MiB writes to a sink",
            "envelope-encrypt-stream",
        ),
        memory(
            "raw AES-256-GCM decrypt, record to new Vec",
            "gcm-decrypt-memory",
        ),
        memory(
            "envelope::decrypt, record to new Vec",
            "envelope-decrypt-memory",
        ),
        memory(
            "raw AES-256-GCM, record via 64 KiB to sink",
            "gcm-decrypt-stream",
        ),
        memory(
            "Decryptor::decrypt_to, memory to a sink",
            "envelope-decrypt-stream",
        ),
    ];

    // Round after round of every contender in turn, so that a noisy spell on this machine
    // slows all of them rather than one.
    let rounds = |contenders: &[Contender]| -> anyhow::Result<Vec<Run>> {
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); contenders.len()];
        for round in 1..=cli.rounds {
            eprintln!("  round {round} of {}", cli.rounds);
            for (c, runs) in contenders.iter().zip(&mut runs) {
                runs.push(measure(&(c.run)())?);
            }
        }
        runs.into_iter().map(median).collect()
    };
    eprintln!("file to file");
    let files = rounds(&file_rows)?;
    for opened in ["copied.bin", "opened.ctenv", "opened.gcm", "opened.age"] {
        ensure!(
            same_file(&plain, &file(opened))?,
            "{opened} is not the plaintext"
        );
    }
    eprintln!("in memory");
    let memory = rounds(&memory_rows)?;
    let openssl = openssl_speed()?;

    let mb_s = |run: &Run| size as f64 / run.wall.as_secs_f64() / 1e6;
    println!();
    println!(
        "{} MiB, median of {} runs (contenders taken in turn each round); in memory, records of \
         {} MiB; MB/s = 10^6 bytes of plaintext per second.",
        cli.size_mib, cli.rounds, cli.record_mib
    );
    println!("{:<46} {:>8} {:>14}", "", "MB/s", "peak RSS MiB");
    for (title, rows, runs) in [
        (
            format!("file to file, in {}", dir.display()),
            &file_rows[..],
            &files,
        ),
        (
            "in memory (only the work is timed)".to_owned(),
            &memory_rows[..],
            &memory,
        ),
    ] {
        println!("{title}");
        for (c, run) in rows.iter().zip(runs) {
            println!(
                "  {:<44} {:>8.0} {:>14.1}",
                c.label,
                mb_s(run),
                run.peak_kib as f64 / 1024.0
            );
        }
    }
    println!(
        "  {:<44} {:>8.0} {:>14.1}",
        "openssl speed -evp aes-256-gcm (64 KiB)",
        openssl.0,
        openssl.1 as f64 / 1024.0
    );
    let ratio = |a: &Run, b: &Run| mb_s(a) / mb_s(b);
    let [copy, enc, raw_enc, rage_enc, dec, raw_dec, rage_dec] = &files[..] else {
        bail!("seven file rows");
    };
    let [
        in_place,
        raw_mem_enc,
        mem_enc,
        raw_writer,
        writer,
        raw_mem_dec,
        mem_dec,
        raw_reader,
        reader,
    ] = &memory[..]
    else {
        bail!("nine memory rows");
    };
    println!();
    println!(
        "envelope / rage, file to file:        encrypt {:.2}x, decrypt {:.2}x",
        ratio(enc, rage_enc),
        ratio(dec, rage_dec)
    );
    println!(
        "envelope / raw AES-GCM, file to file: encrypt {:.2}x, decrypt {:.2}x",
        ratio(enc, raw_enc),
        ratio(dec, raw_dec)
    );
    println!(
        "envelope / plain copy, file to file:  encrypt {:.2}x, decrypt {:.2}x",
        ratio(enc, copy),
        ratio(dec, copy)
    );
    println!(
        "envelope / raw AES-GCM doing the same job in memory: envelope::encrypt {:.2}x, \
         EnvelopeWriter {:.2}x, envelope::decrypt {:.2}x, Decryptor {:.2}x",
        ratio(mem_enc, raw_mem_enc),
        ratio(writer, raw_writer),
        ratio(mem_dec, raw_mem_dec),
        ratio(reader, raw_reader)
    );
    println!(
        "envelope / raw AES-GCM seal in place (no copy): envelope::encrypt {:.2}x, \
         EnvelopeWriter {:.2}x, envelope::decrypt {:.2}x, Decryptor {:.2}x",
        ratio(mem_enc, in_place),
        ratio(writer, in_place),
        ratio(mem_dec, in_place),
        ratio(reader, in_place)
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The median time of `runs`, with the highest peak memory of any.
fn median(mut runs: Vec<Run>) -> anyhow::Result<Run> {
    ensure!(!runs.is_empty(), "no rounds");
    runs.sort_by_key(|r| r.wall);
    Ok(Run {
        wall: runs[runs.len() / 2].wall,
        peak_kib: runs.iter().map(|r| r.peak_kib).max().unwrap_or(0),
    })
}

/// A new age identity for rage in `dir`: its file and its public key.
fn rage_key(cli: &Cli, dir: &Path) -> anyhow::Result<(PathBuf, String)> {
    let keygen = cli.rage.with_file_name("rage-keygen");
    let key_file = dir.join("age.key");
    let _ = std::fs::remove_file(&key_file);
    let status = Command::new(&keygen)
        .arg("-o")
        .arg(&key_file)
        .status()
        .with_context(|| {
            format!(
                "cannot run {} (scripts/bench-envelope.sh installs it: cargo install rage \
                 --version 0.12.1 --locked)",
                keygen.display()
            )
        })?;
    ensure!(status.success(), "rage-keygen failed");
    let recipient = std::fs::read_to_string(&key_file)?
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .context("rage-keygen wrote no public key")?;
    Ok((key_file, recipient))
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
