//! The local stack the run command starts: a second run reuses the chain and its contracts.

mod common;

use caretrail::stack::Stack;
use caretrail_client::Client;
use caretrail_sandbox::Publication;
use common::{DEMO_PLAN, options, publish_demo};

#[tokio::test]
async fn a_second_run_reuses_the_chain_state_and_the_deployment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = Stack::start(options(Some(dir.path())))
        .await
        .expect("first run");
    assert!(first.deployed_now);
    // The relay's keys are apart: the relayer pays and anchors, the verification unit signs
    // tickets and registers; clients check audit roots against the relayer's account.
    let config = &first.relay.config;
    assert_ne!(config.verifier_key.address(), config.relayer.account());
    assert_eq!(config.verifier.account(), config.verifier_key.address());
    assert_eq!(first.relay.network().relay, config.relayer.account());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700, "the data directory");
        for file in ["relay/relay.db", "relay/nid-salt", "sandbox/insurer.key"] {
            assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
        }
    }
    let tx_id = publish_demo(&first).await;
    let registry = first.deployment.registries.policies;
    let insurer = first.insurer.address();
    first.stop().await;
    // Stopping waits for anvil to exit, and anvil saves its state as it does.
    assert!(dir.path().join("chain/anvil-state.json").exists());

    let second = Stack::start(options(Some(dir.path())))
        .await
        .expect("second run");
    assert!(!second.deployed_now, "the registry should be reused");
    assert_eq!(second.deployment.registries.policies, registry);
    assert_eq!(
        second.insurer.address(),
        insurer,
        "the insurer keeps its key"
    );
    let view = Client::new(&second.relay_url)
        .expect("client")
        .policy_show(&tx_id.to_string())
        .await
        .expect("the old transaction is still readable");
    assert!(view.check.verified);
    let again = second
        .insurer
        .publish_now(DEMO_PLAN)
        .await
        .expect("publish");
    assert!(matches!(again, Publication::Unchanged { .. }), "{again:?}");
    second.stop().await;

    // A deployment recorded from other contracts (an older version's) is not reused.
    let record = dir.path().join("deployment.json");
    let mut kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("record")).expect("json");
    kept["contracts"] = serde_json::json!(caretrail_types::Hash32([9; 32]));
    std::fs::write(&record, kept.to_string()).expect("write");
    let third = Stack::start(options(Some(dir.path())))
        .await
        .expect("third run");
    assert!(third.deployed_now, "other contracts are deployed anew");
    assert_ne!(third.deployment.registries.policies, registry);
    third.stop().await;
}
