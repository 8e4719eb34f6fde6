//! The foundation slice end to end: the sandbox insurer publishes a policy through the relay onto
//! a real anvil chain, and the patient's client reads it back by transaction id and checks it.

mod common;

use alloy::network::TransactionBuilder as _;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use caretrail_chain::{Relayer, sign_policy_version};
use caretrail_client::{Client, Relay};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_relay::RelayConfig;
use caretrail_sandbox::Publication;
use caretrail_types::{
    ErrorCode, Hash32, POLICY_EFFECTIVE_SKEW_SECS, PolicyVersion, PublishRequest, Signature, TxId,
    UiError,
};
use common::{DEMO_PLAN, dead_url, publish_demo, stack};

fn code<T: std::fmt::Debug>(result: Result<T, caretrail_client::ClientError>) -> UiError {
    UiError::from(result.expect_err("an error"))
}

#[tokio::test]
async fn a_published_policy_reads_back_verified_and_a_tampered_copy_does_not_match() {
    let stack = stack().await;
    let tx = publish_demo(&stack).await;
    let client = Client::new(&stack.relay_url).expect("client");

    let view = client.policy_show(&tx.to_string()).await.expect("show");
    assert!(view.check.verified, "{:?}", view.check);
    assert_eq!(view.publication.tx_id, tx);
    assert_eq!(view.publication.signed.version, 1);
    assert_eq!(view.publication.insurer, stack.insurer.address());
    assert_eq!(view.title.as_deref(), Some("Meridian Gold Care 2026"));
    assert_eq!(
        view.insurer_name.as_deref(),
        Some("Meridian Mutual Health Insurance (sandbox)")
    );
    assert!(
        view.text
            .as_deref()
            .expect("text")
            .contains("Doctor consultation")
    );
    assert!(view.publication.block_time > 0);

    // The insurer's own copy matches, however it is formatted; a changed one does not.
    let original = &stack.insurer.plan(DEMO_PLAN).expect("plan").document;
    let (_, same) = client
        .policy_compare(&tx.to_string(), original)
        .await
        .expect("compare");
    assert!(same.verified);
    let tampered = String::from_utf8(original.clone())
        .expect("utf8")
        .replace("\"value\": 10", "\"value\": 50");
    assert_ne!(tampered.as_bytes(), original.as_slice());
    let (_, changed) = client
        .policy_compare(&tx.to_string(), tampered.as_bytes())
        .await
        .expect("compare");
    assert!(!changed.verified);
    assert!(
        changed
            .problem
            .expect("why")
            .contains("the insurer published")
    );

    // Publishing the same document again changes nothing on chain.
    let again = stack.insurer.publish_now(DEMO_PLAN).await.expect("publish");
    assert!(
        matches!(again, Publication::Unchanged { version: 1, .. }),
        "{again:?}"
    );
    stack.stop().await;
}

/// Admits anvil's account `index` as an insurer, as the sandbox's health authority (account 0).
async fn admit_insurer(stack: &caretrail::stack::Stack, index: usize, licence: &str) {
    let key = caretrail_chain::secret_key(&stack.node().dev_signer(index));
    let admission = caretrail_chain::admission_of(
        &key,
        caretrail_types::ParticipantKind::Insurer,
        licence,
        &format!("Test insurer {index}"),
    );
    caretrail_chain::admit(
        &stack.rpc_url(),
        stack.node().dev_signer(0),
        stack.deployment.registries.participants,
        &admission,
    )
    .await
    .expect("admit");
}

#[tokio::test]
async fn the_relay_pays_only_for_insurers_the_participant_registry_admits() {
    let stack = stack().await;
    let doc = br#"{"resourceType":"InsurancePlan","name":"Bronze"}"#;
    let now = caretrail_client::unix_now();
    let signed = PolicyVersion {
        policy_id: Hash32([6; 32]),
        version: 1,
        content_hash: content_hash("application/fhir+json", doc).expect("json"),
        document_hash: document_hash(doc),
        previous_hash: Hash32::ZERO,
        effective_at: now,
        media_type: "application/fhir+json".into(),
        deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
    };
    let stranger = stack.node().dev_signer(4);
    let request = PublishRequest {
        signature: sign_policy_version(
            &stranger,
            stack.deployment.chain_id,
            stack.deployment.registries.policies,
            &signed,
        )
        .expect("sign"),
        signed,
        document: doc.to_vec(),
    };
    let relay = Relay::new(&stack.relay_url).expect("relay");
    let refused = code(
        relay
            .post::<_, serde_json::Value>("v1/policies", &request)
            .await,
    );
    assert_eq!(refused.code, ErrorCode::NotAdmitted, "{refused}");
    assert!(
        refused
            .message
            .contains(&format!("{:#x}", stranger.address())),
        "{refused}"
    );
    // Admitted by the health authority, the same request goes through.
    admit_insurer(&stack, 4, "INS-BRONZE-4").await;
    relay
        .post::<_, serde_json::Value>("v1/policies", &request)
        .await
        .expect("published once admitted");
    stack.stop().await;
}

#[tokio::test]
async fn a_document_on_chain_that_is_not_what_the_insurer_signed_is_not_verified() {
    let stack = stack().await;
    // An insurer (or anyone) bypassing the relay's check: the signed hash is of another document.
    let signed_doc = br#"{"resourceType":"InsurancePlan","name":"Silver","copay":10}"#;
    let sent_doc = br#"{"resourceType":"InsurancePlan","name":"Silver","copay":90}"#;
    let node = stack.node();
    let now = caretrail_client::unix_now();
    let mut request = PublishRequest {
        signed: PolicyVersion {
            policy_id: Hash32([5; 32]),
            version: 1,
            content_hash: content_hash("application/fhir+json", signed_doc).expect("json"),
            document_hash: document_hash(sent_doc),
            previous_hash: Hash32::ZERO,
            effective_at: now,
            media_type: "application/fhir+json".into(),
            deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
        },
        document: sent_doc.to_vec(),
        signature: Signature([0; 65]),
    };
    request.signature = sign_policy_version(
        &node.dev_signer(3),
        stack.deployment.chain_id,
        stack.deployment.registries.policies,
        &request.signed,
    )
    .expect("sign");

    // The relay refuses it (its side of the policy check) ...
    let relay = Relay::new(&stack.relay_url).expect("relay");
    let refused = relay
        .post::<_, serde_json::Value>("v1/policies", &request)
        .await;
    assert_eq!(code(refused).code, ErrorCode::HashMismatch);

    // ... and when an admitted insurer sends it to the chain itself, the patient's client flags it.
    admit_insurer(&stack, 3, "INS-DISHONEST-3").await;
    let receipt = Relayer::new(&stack.rpc_url(), node.dev_signer(3))
        .publish_policy(stack.deployment.registries.policies, &request)
        .await
        .expect("the contract cannot canonicalise JSON, so it accepts");
    let client = Client::new(&stack.relay_url).expect("client");
    let view = client
        .policy_show(&receipt.tx_id.to_string())
        .await
        .expect("show");
    assert!(!view.check.verified);
    assert!(view.text.expect("text").contains("90"));
    stack.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_for_each_case() {
    let stack = stack().await;
    let client = Client::new(&stack.relay_url).expect("client");

    let malformed = code(client.policy_show("0x1234").await);
    assert_eq!(malformed.code, ErrorCode::InvalidInput);
    assert!(
        malformed.message.contains("not a transaction id"),
        "{malformed}"
    );

    let unknown = code(client.policy_show(&TxId([0x42; 32]).to_string()).await);
    assert_eq!(unknown.code, ErrorCode::TxNotFound);
    assert!(unknown.message.contains("has no transaction"), "{unknown}");

    // A plain transfer is a transaction, but not a policy publication.
    let provider = ProviderBuilder::new()
        .wallet(stack.node().dev_signer(4))
        .connect_http(stack.rpc_url());
    let transfer = TransactionRequest::default()
        .with_to(stack.node().dev_signer(5).address())
        .with_value(alloy::primitives::U256::from(1_000u64));
    let receipt = provider
        .send_transaction(transfer)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("mined");
    let not_policy = code(
        client
            .policy_show(&receipt.transaction_hash.to_string())
            .await,
    );
    assert_eq!(not_policy.code, ErrorCode::NotAPolicyPublication);
    assert!(
        not_policy.message.contains("not to the policy registry"),
        "{not_policy}"
    );

    // The relay is down.
    let no_relay = Client::new(&dead_url()).expect("client");
    let down = code(no_relay.policy_show(&TxId([1; 32]).to_string()).await);
    assert_eq!(down.code, ErrorCode::RelayUnreachable);
    assert!(down.message.contains("cannot be reached"), "{down}");

    // The relay names a chain that cannot be reached.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let relay_url = format!("http://{}", listener.local_addr().expect("addr"));
    let config = RelayConfig {
        rpc_url: caretrail_chain::rpc_url(&dead_url()).expect("url"),
        public_rpc_url: dead_url(),
        database: None,
        ..stack.relay.config.clone()
    };
    let relay = caretrail_relay::Relay::open(config).await.expect("relay");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(caretrail_relay::serve(listener, relay, async {
        let _ = stopped.await;
    }));
    let cut_off = Client::new(&relay_url).expect("client");
    let unreachable = code(cut_off.policy_show(&TxId([1; 32]).to_string()).await);
    assert_eq!(unreachable.code, ErrorCode::ChainUnreachable);
    assert!(
        unreachable.message.contains("cannot be reached"),
        "{unreachable}"
    );
    let _ = stop.send(());
    server.await.expect("join").expect("serve");

    stack.stop().await;
}
