//! `verify-bench`: the relay's memory while clients abandon registration requests. Starts the
//! local stack (`caretrail::stack`, the relay in this process, allocating with jemalloc as the
//! `caretrail` command does), waits `--settle-secs` for the start's freed memory to go back, then
//! sends `--requests` verify requests `--every-ms` apart, each from its own loopback address
//! (127.0.0.2, 127.0.0.3, ...: Linux routes all of 127/8 to the loopback) and for its own NID,
//! each carrying an instant photo padded to `--photo-mib` (a real face, then bytes after the
//! JPEG's end; its base64 made once and shared, so that the clients' buffers stay out of the
//! figures), and hangs up each connection as soon as its request is written. Meanwhile it
//! samples the process's RSS and the face queue's places in use every 20 ms, and prints the RSS
//! before, its peak (the kernel's high-water mark, reset just before), the RSS each second after
//! the last request, the most places ever in use against the configured number, and whether and
//! how long after the last request the RSS was back within 10% of where it began (the goal).

use anyhow::{Context as _, ensure};
use caretrail::stack::{Stack, StackOptions, default_assets_dir};
use caretrail_bench::{reset_peak, status_kib};
use clap::Parser;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;

#[derive(Parser)]
#[command(about = "The relay's peak RSS while clients abandon verify requests with large photos")]
struct Cli {
    /// Requests sent at once, each abandoned once written.
    #[arg(long, default_value_t = 80)]
    requests: u8,
    /// Size of each photo, in MiB (the relay takes up to 8 MiB).
    #[arg(long, default_value_t = 8)]
    photo_mib: usize,
    /// Milliseconds between two requests' starts (0: all at once). Spread out, the requests
    /// come in waves as places free up, instead of all but the first few being refused at the
    /// door.
    #[arg(long, default_value_t = 50)]
    every_ms: u64,
    /// How long to wait after the start before taking the RSS as the baseline, in seconds.
    #[arg(long, default_value_t = 5)]
    settle_secs: u64,
    /// How long to watch after the last request was written, in seconds.
    #[arg(long, default_value_t = 20)]
    watch_secs: u64,
}

/// The verify request's JSON for one abandoned client, around `photo` (the photo's base64, made
/// once and shared by every request, so that the clients' buffers do not count in the RSS
/// measured: the relay runs in this process).
fn body(photo: &Arc<String>, n: u8) -> Body {
    let fields = serde_json::json!({
        "nid": format!("19710302-{:04}", 5000 + u32::from(n)),
        "card_number": "MMH-1001-0001",
        "patient": format!("0x{:040x}", u32::from(n) + 1),
        "policy_hash": format!("0x{:064x}", 7),
    })
    .to_string();
    let head = format!("{},\"photo\":\"", fields.trim_end_matches('}'));
    Body {
        head: head.into_bytes(),
        photo: photo.clone(),
        tail: b"\"}",
    }
}

/// A request body in three pieces, the photo's base64 shared.
struct Body {
    head: Vec<u8>,
    photo: Arc<String>,
    tail: &'static [u8],
}

impl Body {
    fn len(&self) -> usize {
        self.head.len() + self.photo.len() + self.tail.len()
    }
}

/// Writes one request from `from` and hangs up without reading the answer.
async fn abandon(relay: SocketAddr, from: IpAddr, body: Body) -> anyhow::Result<()> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    let mut stream = socket.connect(relay).await?;
    let head = format!(
        "POST /v1/registrations/verify HTTP/1.1\r\nHost: {relay}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body.head).await?;
    stream.write_all(body.photo.as_bytes()).await?;
    stream.write_all(body.tail).await?;
    stream.flush().await?;
    // Hang up: the relay sees the connection close while it works on the request.
    drop(stream);
    Ok(())
}

// As the `caretrail` command allocates, with freed memory given back by jemalloc's background
// thread (`caretrail::memory`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    caretrail::memory::give_back_freed_memory()
        .map_err(|e| anyhow::anyhow!("start jemalloc's background thread: {e}"))?;
    ensure!(
        cli.requests >= 1 && cli.requests <= 250,
        "--requests is 1 to 250"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("starting the stack (anvil, contracts, relay, sandbox)");
    let stack = Stack::start(StackOptions::throwaway(&root))
        .await
        .context("start the stack")?;
    let relay_addr: SocketAddr = stack
        .relay_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .context("the relay's address")?;
    let face = std::fs::read(default_assets_dir().join("photos/jesper_2.jpg"))
        .context("a photo (./scripts/setup.sh installs them)")?;
    // A real face, then padding after the JPEG's end marker, to the size asked; base64 and the
    // JSON around it must stay under the relay's 8 MiB photo limit.
    let size = (cli.photo_mib * 1024 * 1024).min(8 * 1024 * 1024 - 64 * 1024);
    let mut photo = face;
    photo.resize(size.max(photo.len()), 0);
    let places = stack.relay.config.verify_limits.face.places;
    let photo: Arc<String> = {
        use base64::Engine as _;
        Arc::new(base64::engine::general_purpose::STANDARD.encode(&photo))
    };
    // What the start freed goes back before the RSS is taken as the baseline.
    tokio::time::sleep(Duration::from_secs(cli.settle_secs)).await;

    reset_peak().context("reset the peak RSS")?;
    let before = status_kib("VmRSS")?;
    let most_in_use = Arc::new(AtomicUsize::new(0));
    let watching = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (relay, most, watching) = (stack.relay.clone(), most_in_use.clone(), watching.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let started = Instant::now();
            while watching.load(Ordering::Relaxed) {
                most.fetch_max(relay.face_work_in_flight(), Ordering::Relaxed);
                samples.push((started.elapsed(), status_kib("VmRSS").unwrap_or_default()));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            samples
        })
    };
    let started = Instant::now();
    let mut sends = Vec::new();
    for n in 0..cli.requests {
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + n));
        let body = body(&photo, n);
        sends.push(tokio::spawn(abandon(relay_addr, from, body)));
        tokio::time::sleep(Duration::from_millis(cli.every_ms)).await;
    }
    let mut written = 0;
    for send in sends {
        match send.await? {
            Ok(()) => written += 1,
            Err(e) => eprintln!("a request was not written whole: {e}"),
        }
    }
    let all_written = started.elapsed();
    tokio::time::sleep(Duration::from_secs(cli.watch_secs)).await;
    watching.store(false, Ordering::Relaxed);
    let samples = sampler.await?;
    let peak = status_kib("VmHWM")?;
    let after = status_kib("VmRSS")?;
    let back = samples
        .iter()
        .filter(|(at, _)| *at >= all_written)
        .find(|(_, rss)| *rss <= before + before / 10)
        .map(|(at, _)| at.saturating_sub(all_written));
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "{written} of {} verify requests written and abandoned, photos of {:.1} MiB, each from \
         its own address and NID, in {:.2} s",
        cli.requests,
        size as f64 / (1024.0 * 1024.0),
        all_written.as_secs_f64()
    );
    let (background, decay_ms) = caretrail::memory::giving_back();
    println!(
        "allocator: jemalloc, background thread {}, dirty pages given back after {decay_ms} ms",
        if background { "on" } else { "off" }
    );
    println!(
        "relay process RSS: before {:.0} MiB, peak {:.0} MiB, after {} s {:.0} MiB",
        mib(before),
        mib(peak),
        cli.watch_secs,
        mib(after)
    );
    match back {
        Some(at) => println!(
            "goal met: back within 10% of the RSS before {:.2} s after the last request was written",
            at.as_secs_f64()
        ),
        None => println!(
            "goal not met: not back within 10% of the RSS before in the {} s watched",
            cli.watch_secs
        ),
    }
    // The RSS each second after the last request was written: how fast memory goes back.
    let mut each_second = Vec::new();
    for second in 0..=cli.watch_secs {
        let at = all_written + Duration::from_secs(second);
        if let Some((_, rss)) = samples.iter().find(|(t, _)| *t >= at) {
            each_second.push(format!("{:.0}", mib(*rss)));
        }
    }
    println!(
        "RSS (MiB) each second from the last request written: {}",
        each_second.join(" ")
    );
    println!(
        "face queue: at most {} of {places} places in use at any sample",
        most_in_use.load(Ordering::Relaxed)
    );
    ensure!(
        most_in_use.load(Ordering::Relaxed) <= places,
        "more work in flight than the queue has places"
    );
    stack.stop().await;
    Ok(())
}
