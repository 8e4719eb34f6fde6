//! Prints the wall time of whole registrations (the app's side included: hashing, key, the
//! verification unit with its face match, Enc(U_D), the chain) on a fresh local stack each, and
//! of the face match alone.
//!
//! `cargo run --release --example registration_bench [-- RUNS]` (default 5 runs).

use caretrail::stack::{Stack, StackOptions, default_assets_dir};
use caretrail_client::{Client, RegistrationForm, Wallet};
use caretrail_face::FaceModel;
use caretrail_keystore::{FileStore, Password};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(5);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let assets = default_assets_dir();
    let photo = std::fs::read(assets.join("photos/jesper_2.jpg"))?;
    let reference = std::fs::read(assets.join("photos/jesper.jpg"))?;

    let model = FaceModel::load(&assets.join("face-models"))?;
    let mut face = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let found = model.compare(&photo, &reference)?;
        face.push(started.elapsed());
        assert!(found.is_match());
    }
    println!(
        "face match alone (two photos, detect + landmarks + embed): median {:?} of {runs}",
        median(face)
    );

    let form = RegistrationForm {
        nid: "19710302-4411".into(),
        card_number: "MMH-1001-0001".into(),
        policy_document: std::fs::read(
            root.join("crates/sandbox/data/policies/meridian-gold.json"),
        )?,
        photo,
    };
    let password = Password::new("correct horse battery staple")?;
    let mut whole = Vec::new();
    let mut gas = 0;
    for _ in 0..runs {
        let stack = Stack::start(StackOptions {
            assets: assets.clone(),
            publish_plans: true,
            ..StackOptions::throwaway(&root)
        })
        .await?;
        let dir = tempfile::tempdir()?;
        let wallet = Wallet::new(FileStore::new(dir.path().join("keystore")), dir.path());
        let client = Client::new(&stack.relay_url)?;
        let started = Instant::now();
        let done = client.register(&wallet, &form, &password, |_| {}).await?;
        whole.push(started.elapsed());
        gas = done.receipt.gas_used;
        stack.stop().await;
    }
    println!(
        "one registration, end to end: median {:?} of {runs} (min {:?}, max {:?}); gas {gas}",
        median(whole.clone()),
        whole.iter().min().copied().unwrap_or_default(),
        whole.iter().max().copied().unwrap_or_default()
    );
    Ok(())
}
