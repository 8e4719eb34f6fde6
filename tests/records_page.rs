//! What the relay tells the web page about the chain, which the page cannot read itself: a
//! record's anchor, her anchors, a participant's admission, her consents and their nonce, and the
//! read-log roots this relay anchored. Each answer must be what the chain says (the desktop
//! client reads the chain for the same things), and a malformed address or id is refused.

mod common;

use caretrail::stack::{Stack, StackOptions};
use caretrail_chain::{
    anchors_of, audit_roots_of, consent_nonce, consents_of, find_anchor, participant,
};
use caretrail_client::Share;
use caretrail_types::{
    Address, AuditRoot, ChainAnchor, ConsentEvent, ErrorCode, Hash32, Participant, UiError,
};
use common::options;
use std::sync::Arc;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

async fn get<T: serde::de::DeserializeOwned>(stack: &Stack, path: &str) -> T {
    let response = reqwest::get(format!("{}/v1/{path}", stack.relay_url))
        .await
        .expect("the relay answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

async fn refused(stack: &Stack, path: &str) -> (u16, UiError) {
    let response = reqwest::get(format!("{}/v1/{path}", stack.relay_url))
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a refusal in JSON"))
}

#[tokio::test]
async fn the_page_reads_of_the_chain_what_the_chain_says() {
    let stack = Stack::start(StackOptions {
        publish_plans: true,
        ..options(None)
    })
    .await
    .expect("the stack starts");
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let dir = tempfile::tempdir().expect("tempdir");
    let common::Parties {
        client,
        patient: key,
        hospital,
        ..
    } = common::register_and_admit(&stack, dir.path()).await;
    let patient = key.address();

    // Before anything: no anchors, no consents, nonce 0, no roots, an unknown record.
    let none: Vec<ChainAnchor> = get(&stack, &format!("patients/{patient}/anchors")).await;
    assert!(none.is_empty());
    let nonce: u64 = get(&stack, &format!("patients/{patient}/consent-nonce")).await;
    assert_eq!(nonce, 0);
    let unknown: Option<ChainAnchor> =
        get(&stack, &format!("records/{}/anchor", Hash32([1; 32]))).await;
    assert_eq!(unknown, None);
    let roots: Vec<AuditRoot> = get(&stack, "audit/roots").await;
    assert!(roots.is_empty());

    // A record of hers, granted to the hospital and read once.
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, b"%PDF-1.7\nan old lab report").expect("write");
    let quiet: caretrail_client::TransferProgress = Arc::new(|_| {});
    let stored = client
        .put_record(&key, &file, "Document", dir.path(), quiet.clone())
        .await
        .expect("stored");
    let id = stored.anchor.record_id;
    client
        .grant_records(&key, hospital.address(), &Share::Record(id), now() + 3600)
        .await
        .expect("granted");
    client
        .get_record(
            &key,
            patient,
            id,
            Some(patient),
            &dir.path().join("back.pdf"),
            quiet,
        )
        .await
        .expect("read back");
    caretrail_relay::audit::anchor_pending(&stack.relay)
        .await
        .expect("the read log anchored")
        .expect("one run");

    let anchor: Option<ChainAnchor> = get(&stack, &format!("records/{id}/anchor")).await;
    let on_chain = find_anchor(&rpc, registries.records, id)
        .await
        .expect("chain")
        .map(|(anchor, tx_id)| ChainAnchor { anchor, tx_id });
    assert_eq!(anchor, on_chain);
    assert_eq!(anchor.map(|a| a.anchor.author), Some(patient));

    let anchors: Vec<ChainAnchor> = get(&stack, &format!("patients/{patient}/anchors")).await;
    let on_chain: Vec<ChainAnchor> = anchors_of(&rpc, registries.records, patient)
        .await
        .expect("chain")
        .into_iter()
        .map(|(anchor, tx_id, _)| ChainAnchor { anchor, tx_id })
        .collect();
    assert_eq!(anchors, on_chain);
    assert_eq!(anchors.len(), 1);

    let admitted: Option<Participant> =
        get(&stack, &format!("participants/{}", hospital.address())).await;
    assert_eq!(
        admitted,
        participant(&rpc, registries.participants, hospital.address())
            .await
            .expect("chain")
    );
    assert_eq!(
        admitted.map(|p| p.admission.encryption_key),
        Some(hospital.public_key().to_compressed().to_vec())
    );
    let stranger: Option<Participant> =
        get(&stack, &format!("participants/{}", Address([9; 20]))).await;
    assert_eq!(stranger, None);

    let consents: Vec<ConsentEvent> = get(&stack, &format!("patients/{patient}/consents")).await;
    assert_eq!(
        consents,
        consents_of(&rpc, registries.records, patient)
            .await
            .expect("chain")
    );
    assert_eq!(consents.len(), 1);
    let nonce: u64 = get(&stack, &format!("patients/{patient}/consent-nonce")).await;
    assert_eq!(
        nonce,
        consent_nonce(&rpc, registries.records, patient)
            .await
            .expect("chain")
    );
    assert_eq!(nonce, 1, "one signed grant used one nonce");

    let roots: Vec<AuditRoot> = get(&stack, "audit/roots").await;
    let relay = client.network().await.expect("network").relay;
    let on_chain: Vec<AuditRoot> = audit_roots_of(&rpc, registries.records, relay)
        .await
        .expect("chain")
        .into_iter()
        .map(|(root, _)| root)
        .collect();
    assert_eq!(roots, on_chain);
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].count, 1, "her one read");

    // Malformed addresses and ids are refused in the usual shape.
    for path in [
        "patients/0x1234/anchors",
        "patients/nobody/consents",
        "patients/0xzz/consent-nonce",
        "participants/not-an-address",
        "records/0x12/anchor",
    ] {
        let (status, error) = refused(&stack, path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(error.code, ErrorCode::InvalidInput, "{path}: {error}");
    }
    stack.stop().await;
}
