//! `queue-bench`: how long a visit assigned by reception takes to reach the doctor's queue.
//! Starts the local stack (`caretrail::stack`), admits a hospital (anvil's account 5), certifies a
//! doctor, opens `--visits` visits with a patient's tokens, follows the doctor's queue (the
//! relay's server-sent events, through `Client::staff_queue`), then assigns each visit in turn and
//! times from just before the assignment is sent to its arrival in the queue. Prints the median,
//! p90 and the largest, against the issue's goal: within a second.

use anyhow::{Context as _, ensure};
use caretrail::stack::{Stack, StackOptions};
use caretrail_chain::{admit, open_visit, secret_key, sign_visit_token};
use caretrail_client::Client;
use caretrail_crypto::SecretKey;
use caretrail_types::{Admission, Hash32, ParticipantKind, StaffRole, Visit, VisitToken};
use clap::Parser;
use futures_util::StreamExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Latency from a visit's assignment to its arrival in the doctor's queue")]
struct Cli {
    /// Visits opened and assigned, one at a time.
    #[arg(long, default_value_t = 50)]
    visits: u8,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("starting the stack (anvil, contracts, relay, sandbox)");
    let stack = Stack::start(StackOptions::throwaway(&root))
        .await
        .context("start the stack")?;
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let chain_id = stack.deployment.chain_id;
    let hospital_signer = stack.node().dev_signer(5);
    let hospital = secret_key(&hospital_signer);
    admit(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        &Admission {
            signer: hospital.address(),
            kind: ParticipantKind::HealthOrganization,
            licence_id: "HO-LIC-1001".into(),
            name: "Bench Hospital".into(),
            encryption_key: hospital.public_key().to_compressed().to_vec(),
        },
    )
    .await?;
    let client = Client::new(&stack.relay_url)?;
    let mut rng = rand_core::OsRng;
    let (doctor, patient) = (SecretKey::generate(&mut rng), SecretKey::generate(&mut rng));
    let now = caretrail_client::unix_now();
    let certificate = client
        .issue_staff_certificate(&hospital, doctor.address(), StaffRole::Doctor, now + 3_600)
        .await?;
    let mut visits = Vec::new();
    for n in 0..cli.visits {
        let token = VisitToken {
            patient: patient.address(),
            organization: hospital.address(),
            visit_id: Hash32([n.wrapping_add(1); 32]),
            expires_at: now + 3_600,
            not_after: now + 600,
        };
        let signature = sign_visit_token(&patient, chain_id, registries.records, &token);
        open_visit(
            &rpc,
            hospital_signer.clone(),
            registries.records,
            &token,
            &signature,
        )
        .await?;
        visits.push(Visit {
            patient: token.patient,
            organization: token.organization,
            visit_id: token.visit_id,
            expires_at: token.expires_at,
        });
    }
    let mut queue = Box::pin(
        client
            .staff_queue(&doctor, &certificate, StaffRole::Doctor)
            .await?,
    );
    let mut latencies = Vec::new();
    for visit in &visits {
        let sent = Instant::now();
        client
            .assign_visit(&hospital, visit, doctor.address(), StaffRole::Doctor)
            .await?;
        let arrived = tokio::time::timeout(Duration::from_secs(10), queue.next())
            .await
            .context("the assignment never reached the queue")?
            .context("the queue ended")??;
        ensure!(
            arrived.assignment.assignment.visit_id == visit.visit_id,
            "the queue delivered another visit"
        );
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{} assignments: median {:.1} ms, p90 {:.1} ms, largest {:.1} ms (goal: within 1,000 ms): {}",
        latencies.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        if at(1.0) <= Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
