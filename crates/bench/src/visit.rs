//! `visit-bench`: the whole visit, steps 6–15, on a local anvil, machine time only (no human in
//! the loop). Starts the local stack, registers a patient (not timed), admits a hospital and
//! certifies its doctor, lab and billing staff (not timed), then times each step of `--runs`
//! visits in turn: her check-in code, the kiosk opening the visit, TKN_D reaching the doctor's
//! live queue, the doctor's records written and batch-anchored, her test-list code, the lab's
//! fetch, the lab's report, the bill sent and filed, and the insurer's last answer reaching her
//! list (its claims desk follows the relay's queue). Prints each step's median and share, and the
//! whole median, against the issue's goal: 2 s.

use anyhow::{Context as _, ensure};
use caretrail::stack::{Stack, StackOptions, default_assets_dir};
use caretrail_chain::{admission_of, admit, secret_key};
use caretrail_client::{Client, LabFile, LabReport, RegistrationForm, Wallet};
use caretrail_crypto::SecretKey;
use caretrail_keystore::{FileStore, Password};
use caretrail_protocol::visit::bill::{Bill, BillLine, Outcome};
use caretrail_protocol::visit::orders::{Orders, Prescription, TestOrder};
use caretrail_relay::edge::{EdgeConfig, EdgeLimits};
use caretrail_types::{ParticipantKind, StaffRole, VisitAuthority};
use clap::Parser;
use futures_util::StreamExt as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "The whole visit, steps 6-15, timed step by step on a local anvil")]
struct Cli {
    /// Visits run, one after the other.
    #[arg(long, default_value_t = 10)]
    runs: usize,
}

const STEPS: [&str; 9] = [
    "6 check-in code (patient)",
    "6 visit opened (kiosk)",
    "7 TKN_D to the doctor's queue",
    "8-9 U_P, T_D written and anchored",
    "9 test-list code (patient)",
    "10-11 lab fetches T_D",
    "12-14 U_R written and anchored",
    "15 bill sent, anchored, filed",
    "15 insurer's answer in her list",
];

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    ensure!(cli.runs > 0, "--runs must be at least 1");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("starting the stack (anvil, contracts, relay, sandbox)");
    // Every party here sends from this one address, where each would be its own: the relay's
    // per-address rate limit is lifted, so that the figures are the machine's time alone (with
    // it, the 10th visit waited a second for the relay's Retry-After).
    let edge = EdgeConfig {
        limits: EdgeLimits {
            burst: 1_000_000,
            ..EdgeLimits::default()
        },
        ..EdgeConfig::default()
    };
    let stack = Stack::start(StackOptions {
        publish_plans: true,
        edge,
        ..StackOptions::throwaway(&root)
    })
    .await
    .context("start the stack")?;
    let client = Client::new(&stack.relay_url)?;
    let dir = tempfile::TempDir::new()?;

    // Not timed: the patient registers, the hospital is admitted, its staff certified.
    let wallet = Wallet::new(FileStore::new(dir.path().join("keystore")), dir.path());
    let password = Password::new("correct horse battery staple")?;
    let photo = std::fs::read(default_assets_dir().join("photos/jesper_2.jpg"))
        .context("the assets' photos (run ./scripts/setup.sh)")?;
    let registered = client
        .register(
            &wallet,
            &RegistrationForm {
                nid: "19710302-4411".into(),
                card_number: "MMH-1001-0001".into(),
                policy_document: std::fs::read(
                    root.join("crates/sandbox/data/policies/meridian-gold.json"),
                )?,
                photo,
            },
            &password,
            |_| {},
        )
        .await?;
    let record = registered.receipt.record;
    let patient = wallet.unlock(password.as_existing())?;
    let kiosk = stack.node().dev_signer(5);
    let hospital = secret_key(&kiosk);
    admit(
        &stack.rpc_url(),
        stack.node().dev_signer(0),
        stack.deployment.registries.participants,
        &admission_of(
            &hospital,
            ParticipantKind::HealthOrganization,
            "HO-LIC-1001",
            "Bench Hospital",
        ),
    )
    .await?;
    let until = caretrail_client::unix_now() + 3_600;
    let mut rng = rand_core::OsRng;
    let mut certified = Vec::new();
    for role in [StaffRole::Doctor, StaffRole::Lab, StaffRole::Billing] {
        let key = SecretKey::generate(&mut rng);
        let certificate = client
            .issue_staff_certificate(&hospital, key.address(), role, until)
            .await?;
        certified.push((key, certificate));
    }
    let [
        (doctor, doctor_cert),
        (lab, lab_cert),
        (billing, billing_cert),
    ] = <[_; 3]>::try_from(certified).map_err(|_| anyhow::anyhow!("three staff"))?;
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% bench\n%%EOF\n")?;
    let scratch = dir.path().join("scratch");
    let mut queue = Box::pin(
        client
            .staff_queue(&doctor, &doctor_cert, StaffRole::Doctor)
            .await?,
    );

    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); STEPS.len()];
    let mut wholes = Vec::new();
    for run in 0..cli.runs {
        let start = Instant::now();
        let mut lap = Instant::now();
        let step = |n: usize, times: &mut Vec<Vec<Duration>>, lap: &mut Instant| {
            times[n].push(lap.elapsed());
            *lap = Instant::now();
        };
        let (_, code) = client
            .checkin_code(&patient, record, hospital.address())
            .await?;
        step(0, &mut times, &mut lap);
        let visit = client.open_checkin(kiosk.clone(), &code).await?;
        step(1, &mut times, &mut lap);
        client
            .assign_visit(&hospital, &visit, doctor.address(), StaffRole::Doctor)
            .await?;
        let queued = loop {
            let q = tokio::time::timeout(Duration::from_secs(10), queue.next())
                .await
                .context("the doctor's queue")?
                .context("the queue ended")??;
            if q.assignment.assignment.visit_id == visit.visit_id {
                break q;
            }
        };
        step(2, &mut times, &mut lap);
        let orders = client
            .write_orders(
                &doctor,
                kiosk.clone(),
                &VisitAuthority {
                    certificate: doctor_cert,
                    assignment: queued.assignment,
                },
                &Orders {
                    prescription: Some(Prescription {
                        medication: "Metformin 500 mg tablet".into(),
                        dosage: "1 tablet twice a day".into(),
                    }),
                    tests: vec![TestOrder {
                        loinc: "4548-4".into(),
                        name: "Hemoglobin A1c".into(),
                    }],
                },
            )
            .await?;
        step(3, &mut times, &mut lap);
        let (_, share) = client
            .share_test_list(&patient, orders[2].id, hospital.address())
            .await?;
        step(4, &mut times, &mut lap);
        let order = client
            .lab_fetch(&lab, &lab_cert, kiosk.clone(), &share, &scratch)
            .await?;
        step(5, &mut times, &mut lap);
        let report = client
            .lab_report(
                &lab,
                kiosk.clone(),
                &order,
                &LabReport {
                    conclusion: "Within range.".into(),
                    files: vec![LabFile {
                        path: pdf.clone(),
                        content_type: "application/pdf".into(),
                    }],
                },
                &scratch,
                Arc::new(|_| {}),
            )
            .await?;
        step(6, &mut times, &mut lap);
        let assigned = client
            .assign_visit(&hospital, &visit, billing.address(), StaffRole::Billing)
            .await?;
        let mut billed: Vec<_> = orders.iter().map(|r| r.id).collect();
        billed.extend(report.iter().map(|r| r.id));
        let (claim, _) = client
            .send_bill(
                &billing,
                kiosk.clone(),
                &VisitAuthority {
                    certificate: billing_cert,
                    assignment: assigned.assignment,
                },
                None,
                &Bill {
                    lines: vec![
                        BillLine {
                            service: "Doctor consultation".into(),
                            amount: 600,
                        },
                        BillLine {
                            service: "Laboratory tests".into(),
                            amount: 900,
                        },
                    ],
                    records: billed,
                },
                &scratch,
            )
            .await?;
        step(7, &mut times, &mut lap);
        // Her list shows the insurer's last answer once it is anchored: asked of the chain
        // every 20 ms (the bench's clock, not the app's: her app follows no such loop).
        let rpc = stack.rpc_url();
        let records = stack.deployment.registries.records;
        let answered = loop {
            if let Some(c) =
                caretrail_chain::claim_of(&rpc, records, hospital.address(), claim.id).await?
            {
                let answers = caretrail_chain::claim_answers(&rpc, records, &c).await?;
                if answers.len() >= 2 {
                    break answers.len();
                }
            }
            ensure!(lap.elapsed() < Duration::from_secs(30), "no answer in 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        step(8, &mut times, &mut lap);
        wholes.push(start.elapsed());
        eprintln!(
            "visit {}: {:.0} ms ({answered} answers)",
            run + 1,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    // The last answer's outcome, read as she reads it.
    let bills = client.bills(&patient, &scratch).await?;
    ensure!(
        bills.iter().all(|b| b
            .answers
            .last()
            .is_some_and(|a| a.outcome == Outcome::Complete)
            && b.differences.is_empty()),
        "every bill is answered in full, as her policy says"
    );

    let whole = median(&mut wholes);
    println!(
        "visit-bench: {} visits, steps 6-15 on a local anvil",
        cli.runs
    );
    let total: f64 = times.iter_mut().map(|t| median(t).as_secs_f64()).sum();
    for (name, t) in STEPS.iter().zip(times.iter_mut()) {
        let m = median(t);
        println!(
            "  {name:<36} median {:>7.1} ms  {:>5.1} %",
            m.as_secs_f64() * 1e3,
            100.0 * m.as_secs_f64() / total
        );
    }
    println!(
        "  whole visit                          median {:>7.1} ms  (largest {:.1} ms; goal <= 2000 ms: {})",
        whole.as_secs_f64() * 1e3,
        wholes.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        if whole <= Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );
    stack.stop().await;
    Ok(())
}
