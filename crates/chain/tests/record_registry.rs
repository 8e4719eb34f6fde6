//! The record registry through `caretrail-chain`, against a real anvil: a visit the patient
//! signs, an anchor the organization writes under it, the patient's consent.

use caretrail_chain::RecordRegistry::RecordRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ChainError, PrivateKeySigner, Refusal, admit, anchor_own_record, anchor_record, anchored_in,
    chain_id, deploy_registries, grant_access, has_access, open_visit, revoke_access,
    sign_visit_token,
};
use caretrail_crypto::SecretKey;
use caretrail_types::{ConsentScope, Hash32, ParticipantKind, VisitToken};
use std::path::Path;

fn key(signer: &PrivateKeySigner) -> SecretKey {
    caretrail_chain::secret_key(signer)
}

#[tokio::test]
async fn a_visit_an_anchor_and_a_consent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let node = LocalNode::start(&anvil_path(&root), None).expect("anvil starts");
    let rpc = node.rpc_url();
    let chain = chain_id(&rpc).await.expect("chain id");
    let registries = deploy_registries(&rpc, node.dev_signer(0))
        .await
        .expect("deploy");
    let hospital = key(&node.dev_signer(3));
    admit(
        &rpc,
        node.dev_signer(0),
        registries.participants,
        &caretrail_chain::admission_of(
            &hospital,
            ParticipantKind::HealthOrganization,
            "HO-0003",
            "Test Hospital",
        ),
    )
    .await
    .expect("admit");
    let patient_signer = node.dev_signer(4);
    let patient = key(&patient_signer);

    let token = VisitToken {
        patient: patient.address(),
        organization: hospital.address(),
        visit_id: Hash32([1; 32]),
        expires_at: 4_000_000_000,
    };
    let signature = sign_visit_token(&patient, chain, registries.records, &token);
    // A hospital nobody admitted cannot use a token, even one made out to it.
    let stranger = node.dev_signer(5);
    let strangers_token = VisitToken {
        organization: key(&stranger).address(),
        ..token.clone()
    };
    let strangers_signature =
        sign_visit_token(&patient, chain, registries.records, &strangers_token);
    match open_visit(
        &rpc,
        stranger,
        registries.records,
        &strangers_token,
        &strangers_signature,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Records(
            RecordRegistryErrors::NotAdmittedOrganization(_),
        ))) => {}
        other => panic!("an unadmitted organization opened a visit: {other:?}"),
    }

    open_visit(
        &rpc,
        node.dev_signer(3),
        registries.records,
        &token,
        &signature,
    )
    .await
    .expect("open the visit");
    let kind = Hash32([0xd1; 32]);
    let anchored = anchor_record(
        &rpc,
        node.dev_signer(3),
        registries.records,
        token.visit_id,
        Hash32([2; 32]),
        kind,
        Hash32([3; 32]),
    )
    .await
    .expect("anchor");
    let anchor = anchored_in(&rpc, anchored.tx_id).await.expect("decode");
    assert_eq!(anchor.record_id, Hash32([2; 32]));
    assert_eq!(anchor.patient, patient.address());
    assert_eq!(anchor.author, hospital.address());
    assert_eq!(anchor.kind, kind);
    assert_eq!(anchor.ciphertext_hash, Hash32([3; 32]));
    // The same record id cannot be anchored again.
    match anchor_own_record(
        &rpc,
        patient_signer.clone(),
        registries.records,
        Hash32([2; 32]),
        kind,
        Hash32([4; 32]),
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Records(
            RecordRegistryErrors::RecordAlreadyAnchored(_),
        ))) => {}
        other => panic!("a record was anchored twice: {other:?}"),
    }

    // Consent to the kind, then revoked.
    let reader = key(&node.dev_signer(6)).address();
    let ask = || {
        has_access(
            &rpc,
            registries.records,
            patient.address(),
            reader,
            Hash32([2; 32]),
            kind,
        )
    };
    assert!(!ask().await.expect("ask"));
    grant_access(
        &rpc,
        patient_signer.clone(),
        registries.records,
        reader,
        ConsentScope::Kind,
        kind,
        4_000_000_000,
    )
    .await
    .expect("grant");
    assert!(ask().await.expect("ask"));
    revoke_access(
        &rpc,
        patient_signer,
        registries.records,
        reader,
        ConsentScope::Kind,
        kind,
    )
    .await
    .expect("revoke");
    assert!(!ask().await.expect("ask"));
}
