//! `edge-bench`: the relay's latency while one client address floods it. Starts the local stack
//! (`caretrail::stack`, the relay with its default edge limits), then, from 127.0.0.1, floods
//! `GET /v1/health` and `POST /v1/login/challenges` in turn, first paced within the address's
//! rate limit, then unpaced from many connections (most of it refused with 429); meanwhile a
//! second client, from 127.0.0.2 (Linux routes all of 127/8 to the loopback), asks the same at a
//! modest pace. Prints, per phase, client and endpoint, the answers by status and the p50/p99
//! latency. Checks only that the second client was served throughout.

use anyhow::{Context as _, ensure};
use caretrail::stack::{Stack, StackOptions};
use clap::Parser;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "The relay's p50/p99 for health and login under a flood from one address")]
struct Cli {
    /// Seconds each phase lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Requests a second from the flooding address in the paced phase (the default limit lets
    /// an address send 100 a second after a burst of 200).
    #[arg(long, default_value_t = 90)]
    flood_rate: u32,
    /// Connections the flooding address keeps busy in the unpaced phase.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Requests a second from the second address.
    #[arg(long, default_value_t = 10)]
    other_rate: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Endpoint {
    Health,
    Challenge,
}

impl Endpoint {
    fn of(n: u64) -> Self {
        if n.is_multiple_of(2) {
            Self::Health
        } else {
            Self::Challenge
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Health => "GET /v1/health",
            Self::Challenge => "POST /v1/login/challenges",
        }
    }

    async fn call(self, client: &reqwest::Client, relay: &str) -> reqwest::Result<u16> {
        let request = match self {
            Self::Health => client.get(format!("{relay}/v1/health")),
            Self::Challenge => client.post(format!("{relay}/v1/login/challenges")),
        };
        let response = request.send().await?;
        let status = response.status().as_u16();
        // The whole answer, as a client reads it.
        response.bytes().await?;
        Ok(status)
    }
}

/// One answer: which endpoint, its status (0: no answer), how long it took.
type Sample = (Endpoint, u16, Duration);

#[derive(Clone, Default)]
struct Samples(Arc<Mutex<Vec<Sample>>>);

impl Samples {
    fn push(&self, sample: Sample) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(sample);
    }

    fn take(&self) -> Vec<Sample> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

fn client_from(ip: [u8; 4]) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn timed(client: &reqwest::Client, relay: &str, endpoint: Endpoint, samples: &Samples) {
    let start = Instant::now();
    let status = endpoint.call(client, relay).await.unwrap_or(0);
    samples.push((endpoint, status, start.elapsed()));
}

/// `rate` requests a second for `length`, each sent on time whatever the others' latency.
async fn paced(
    client: reqwest::Client,
    relay: String,
    rate: u32,
    length: Duration,
    samples: Samples,
) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    let end = Instant::now() + length;
    let mut sent = 0u64;
    let mut running = tokio::task::JoinSet::new();
    while Instant::now() < end {
        ticks.tick().await;
        let (client, relay, samples) = (client.clone(), relay.clone(), samples.clone());
        let endpoint = Endpoint::of(sent);
        running.spawn(async move { timed(&client, &relay, endpoint, &samples).await });
        sent += 1;
    }
    running.join_all().await;
}

/// `connections` loops, each sending its next request as soon as the last is answered.
async fn unpaced(
    client: reqwest::Client,
    relay: String,
    connections: usize,
    length: Duration,
    samples: Samples,
) {
    let end = Instant::now() + length;
    let mut loops = tokio::task::JoinSet::new();
    for first in 0..connections {
        let (client, relay, samples) = (client.clone(), relay.clone(), samples.clone());
        loops.spawn(async move {
            let mut n = first as u64;
            while Instant::now() < end {
                timed(&client, &relay, Endpoint::of(n), &samples).await;
                n += 1;
            }
        });
    }
    loops.join_all().await;
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Prints one row per endpoint and status; returns the share of the endpoint's answers that
/// were 200.
fn report(phase: &str, who: &str, samples: &[Sample]) -> f64 {
    let mut by: BTreeMap<(Endpoint, u16), Vec<Duration>> = BTreeMap::new();
    for (endpoint, status, took) in samples {
        by.entry((*endpoint, *status)).or_default().push(*took);
    }
    for ((endpoint, status), mut took) in by {
        took.sort();
        println!(
            "{phase:<8} {who:<22} {:<26} {:>6} {:>7} {:>9} {:>9}",
            endpoint.name(),
            if status == 0 {
                "none".to_owned()
            } else {
                status.to_string()
            },
            took.len(),
            ms(percentile(&took, 50.0)),
            ms(percentile(&took, 99.0)),
        );
    }
    let ok = samples
        .iter()
        .filter(|(_, status, _)| *status == 200)
        .count();
    ok as f64 / samples.len().max(1) as f64
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("starting the stack (anvil, contracts, relay, sandbox)");
    let stack = Stack::start(StackOptions::throwaway(&root))
        .await
        .context("start the stack")?;
    let relay = stack.relay_url.clone();
    let limits = stack.relay.config.edge.limits;
    println!(
        "relay {relay}: per address a burst of {} then one request every {:?}; {} in flight",
        limits.burst, limits.replenish_every, limits.in_flight
    );
    let length = Duration::from_secs(cli.seconds);
    let flooder = client_from([127, 0, 0, 1])?;
    let other = client_from([127, 0, 0, 2])?;
    // Connections open and the relay warm before anything is timed.
    for endpoint in [Endpoint::Health, Endpoint::Challenge] {
        ensure!(
            endpoint.call(&flooder, &relay).await? == 200,
            "the relay answers"
        );
        ensure!(
            endpoint.call(&other, &relay).await? == 200,
            "the relay answers"
        );
    }

    println!(
        "\n{:<8} {:<22} {:<26} {:>6} {:>7} {:>9} {:>9}",
        "phase", "client", "endpoint", "status", "answers", "p50 ms", "p99 ms"
    );
    let mut served = Vec::new();
    for phase in ["paced", "unpaced"] {
        let (flood, second) = (Samples::default(), Samples::default());
        let flooding = match phase {
            "paced" => tokio::spawn(paced(
                flooder.clone(),
                relay.clone(),
                cli.flood_rate,
                length,
                flood.clone(),
            )),
            _ => tokio::spawn(unpaced(
                flooder.clone(),
                relay.clone(),
                cli.connections,
                length,
                flood.clone(),
            )),
        };
        paced(
            other.clone(),
            relay.clone(),
            cli.other_rate,
            length,
            second.clone(),
        )
        .await;
        flooding.await?;
        let who = match phase {
            "paced" => format!("127.0.0.1 {}/s", cli.flood_rate),
            _ => format!("127.0.0.1 x{}", cli.connections),
        };
        report(phase, &who, &flood.take());
        served.push(report(
            phase,
            &format!("127.0.0.2 {}/s", cli.other_rate),
            &second.take(),
        ));
        // The flooding address's quota fills up again before the next phase.
        tokio::time::sleep(limits.replenish_every * limits.burst).await;
    }
    stack.stop().await;
    ensure!(
        served.iter().all(|share| *share == 1.0),
        "the second address was not always served: {served:?}"
    );
    Ok(())
}
