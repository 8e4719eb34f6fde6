//! `caretrail up`, the run command's stack, as a process: it comes up, stops everything it started
//! on Ctrl-C (SIGINT) or SIGTERM, and a second run reuses the chain.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// Processes whose command line mentions `needle` (to find an anvil left behind).
fn processes_mentioning(needle: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(needle))
        .count()
}

/// Runs `caretrail up` until it is ready, sends `signal`, and returns its stdout and exit code.
async fn up_then(signal: &str, data_dir: &Path) -> (String, Option<i32>) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args([
            "up",
            "--relay",
            "127.0.0.1:0",
            "--sandbox",
            "127.0.0.1:0",
            "--no-app",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--anvil")
        .arg(caretrail_chain::local::anvil_path(&common::root()))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("caretrail up starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stderr.next_line().await.expect("read") {
            if line.contains("press Ctrl-C") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "caretrail up did not come up");
    let pid = child.id().expect("pid").to_string();
    let status = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it stops within 30 s")
        .expect("wait");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .await
        .expect("stdout");
    (out, exit.code())
}

#[tokio::test]
async fn up_stops_everything_on_a_signal_and_a_second_run_reuses_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let needle = data.to_string_lossy().into_owned();

    let (first, code) = up_then("-INT", &data).await;
    assert_eq!(code, Some(0), "{first}");
    assert!(first.contains("(deployed now)"), "{first}");
    assert!(first.contains("demo policy tx"), "{first}");
    assert_eq!(processes_mentioning(&needle), 0, "anvil was left running");
    assert!(data.join("chain/anvil-state.json").exists());

    let (second, code) = up_then("-TERM", &data).await;
    assert_eq!(code, Some(0), "{second}");
    assert!(second.contains("(reused)"), "{second}");
    let tx = |out: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with("demo policy tx"))
            .map(str::to_owned)
    };
    assert_eq!(
        tx(&first),
        tx(&second),
        "the demo policy is not published twice"
    );
    assert_eq!(processes_mentioning(&needle), 0, "anvil was left running");
}

#[tokio::test]
async fn up_refuses_plain_http_beyond_the_loopback_and_a_certificate_without_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // Each run must end by itself: one that comes up instead is killed after a minute.
    let run = |extra: &[&str]| {
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
            .args(["up", "--sandbox", "127.0.0.1:0", "--no-app"])
            .args(extra)
            .arg("--data-dir")
            .arg(&data)
            .arg("--anvil")
            .arg(caretrail_chain::local::anvil_path(&common::root()))
            .env_remove("CARETRAIL_TLS_CERT")
            .env_remove("CARETRAIL_TLS_KEY")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("caretrail up runs");
        async move {
            let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
                .await
                .expect("caretrail up came up instead of refusing")
                .expect("its output");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };

    // Every interface without TLS: refused before anything starts.
    let (code, err) = run(&["--relay", "0.0.0.0:0"]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("will not serve plain HTTP on 0.0.0.0:0") && err.contains("--tls-cert"),
        "{err}"
    );
    assert!(!data.join("chain").exists(), "the chain was started");

    // A certificate without its key, or a key without its certificate.
    for (half, other) in [
        (["--tls-cert", "relay.crt"], "--tls-key"),
        (["--tls-key", "relay.key"], "--tls-cert"),
    ] {
        let (code, err) = run(&["--relay", "127.0.0.1:0", half[0], half[1]]).await;
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(other), "{err}");
    }

    // A file that holds no certificate: refused, naming the file.
    let cert = dir.path().join("relay.crt");
    std::fs::write(&cert, "not a certificate").expect("write");
    let cert = cert.to_string_lossy().into_owned();
    let (code, err) = run(&[
        "--relay",
        "0.0.0.0:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &cert,
    ])
    .await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("holds no PEM certificate") && err.contains(&cert),
        "{err}"
    );
    assert!(!data.join("chain").exists(), "the chain was started");
}
