//! `keystore-bench`: the time to unlock the patient's key, at the scrypt cost the keystore writes
//! now (n = 2^17, r = 8, p = 1) beside the cost it wrote before (n = 2^13, eth-keystore's and
//! `cast`'s), and the web page's sealed key (PBKDF2-HMAC-SHA256, 600,000 rounds) for comparison.
//! Prints the median of `--runs` unlocks of each; checks nothing.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use caretrail_crypto::{SecretKey, sealed_key, v3};
use caretrail_keystore::{ExistingPassword, Keystore, MemoryStore, Password, Store};
use clap::Parser;
use rand_core::OsRng;

#[derive(Parser)]
#[command(about = "Unlock time of the patient's key at each key-derivation cost")]
struct Cli {
    /// Unlocks timed per cost; the median is printed.
    #[arg(long, default_value_t = 7)]
    runs: usize,
}

const PASSWORD: &str = "correct horse battery staple";

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.runs > 0, "--runs must be at least 1");
    let password = Password::new(PASSWORD).context("the bench password passes the policy")?;
    let key = SecretKey::generate(&mut OsRng);

    // What the keystore writes now, through its own create path.
    let now = Keystore::new(MemoryStore::new());
    let started = Instant::now();
    now.create(&password, &mut OsRng).context("create")?;
    let create = started.elapsed();

    // What it wrote before: the same format at eth-keystore's n = 2^13.
    let before = Keystore::new(MemoryStore::new());
    let earlier = v3::seal_with(
        &key.to_bytes(),
        Some(key.address()),
        PASSWORD.as_bytes(),
        v3::Kdf::Scrypt {
            log_n: 13,
            r: 8,
            p: 1,
        },
        &mut OsRng,
    );
    before
        .store()
        .save(&earlier)
        .context("keep the n = 2^13 keystore")?;

    let web = sealed_key::seal(&key, PASSWORD, sealed_key::ROUNDS, &mut OsRng)
        .context("the web page's seal")?;

    let existing = password.as_existing();
    let n13 = median(cli.runs, || unlock(&before, existing))?;
    let n17 = median(cli.runs, || unlock(&now, existing))?;
    let pbkdf2 = median(cli.runs, || {
        sealed_key::open(&web, PASSWORD).context("open the web page's seal")?;
        Ok(())
    })?;

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "Unlock of the patient's key ({profile} build, {} threads available), median of {} runs:",
        std::thread::available_parallelism().map_or(1, usize::from),
        cli.runs
    );
    println!("  {:<52} {:>10}", "key derivation", "unlock");
    println!(
        "  {:<52} {:>10}",
        "V3 keystore, scrypt n = 2^13, r = 8, p = 1 (before)",
        ms(n13)
    );
    println!(
        "  {:<52} {:>10}",
        "V3 keystore, scrypt n = 2^17, r = 8, p = 1 (now)",
        ms(n17)
    );
    println!(
        "  {:<52} {:>10}",
        "web page's sealed key, PBKDF2-SHA256 600,000 rounds",
        ms(pbkdf2)
    );
    println!(
        "  n = 2^17 is {:.1}x n = 2^13; creating a key at n = 2^17 took {}",
        n17.as_secs_f64() / n13.as_secs_f64(),
        ms(create)
    );
    Ok(())
}

fn unlock(keystore: &Keystore<MemoryStore>, password: &ExistingPassword) -> anyhow::Result<()> {
    keystore.unlock(password).context("unlock")?;
    Ok(())
}

fn median(runs: usize, mut run: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}
