//! The record registry through `caretrail-chain`, against a real anvil: a visit the patient
//! signs, an anchor the organization writes under it, the patient's consent.

use caretrail_chain::RecordRegistry::RecordRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ChainError, PrivateKeySigner, Refusal, admit, anchor_own_record, anchor_record, anchored_in,
    chain_id, consents_of, deploy_registries, find_anchor, grant_access, has_access, open_visit,
    record_id_of, record_kind, revoke_access, sign_visit_token,
};
use caretrail_crypto::SecretKey;
use caretrail_types::{ConsentEvent, ConsentScope, Hash32, ParticipantKind, VisitToken};
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
    let kind = record_kind("DiagnosticReport").expect("a kind");
    assert_eq!(record_kind(""), None);
    assert_eq!(record_kind("a kind with spaces"), None);
    assert_eq!(record_kind(&"K".repeat(33)), None);
    let (anchor, anchored) = anchor_record(
        &rpc,
        node.dev_signer(3),
        registries.records,
        token.visit_id,
        kind,
        Hash32([3; 32]),
    )
    .await
    .expect("anchor");
    // The registry derived the id the client computes, and the receipt says the same.
    let id = record_id_of(patient.address(), kind, Hash32([3; 32]));
    assert_eq!(anchor.record_id, id);
    assert_eq!(
        anchored_in(&rpc, anchored.tx_id).await.expect("decode"),
        anchor
    );
    assert_eq!(anchor.patient, patient.address());
    assert_eq!(anchor.author, hospital.address());
    assert_eq!(anchor.kind, kind);
    assert_eq!(anchor.ciphertext_hash, Hash32([3; 32]));
    // Anchoring the same content again only repeats the log: the earliest anchor stays the one.
    anchor_record(
        &rpc,
        node.dev_signer(3),
        registries.records,
        token.visit_id,
        kind,
        Hash32([3; 32]),
    )
    .await
    .expect("anchor again");
    assert_eq!(
        find_anchor(&rpc, registries.records, id)
            .await
            .expect("find"),
        Some((anchor.clone(), anchored.tx_id))
    );
    assert_eq!(
        find_anchor(&rpc, registries.records, Hash32([9; 32]))
            .await
            .expect("find"),
        None
    );
    // Under a visit it did not open, the hospital anchors nothing.
    match anchor_record(
        &rpc,
        node.dev_signer(3),
        registries.records,
        Hash32([8; 32]),
        kind,
        Hash32([4; 32]),
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Records(RecordRegistryErrors::UnknownVisit(_)))) => {}
        other => panic!("anchored under an unknown visit: {other:?}"),
    }
    // The patient anchors her own record; a zero hash is refused.
    let (own, _) = anchor_own_record(
        &rpc,
        patient_signer.clone(),
        registries.records,
        kind,
        Hash32([4; 32]),
    )
    .await
    .expect("anchor her own");
    assert_eq!(own.author, patient.address());
    assert_eq!(
        own.record_id,
        record_id_of(patient.address(), kind, Hash32([4; 32]))
    );
    match anchor_own_record(
        &rpc,
        patient_signer.clone(),
        registries.records,
        kind,
        Hash32::ZERO,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Records(RecordRegistryErrors::EmptyCiphertextHash(
            _,
        )))) => {}
        other => panic!("a zero hash was anchored: {other:?}"),
    }

    // Consent to the kind, then revoked.
    let reader = key(&node.dev_signer(6)).address();
    let ask = || {
        has_access(
            &rpc,
            registries.records,
            patient.address(),
            reader,
            id,
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
    // Both are in the patient's consent history, in order.
    let history = consents_of(&rpc, registries.records, patient.address())
        .await
        .expect("consents");
    assert!(
        matches!(
            history.as_slice(),
            [
                ConsentEvent::Granted { grantee: g, scope: ConsentScope::Kind, expires_at: 4_000_000_000, .. },
                ConsentEvent::Revoked { grantee: r, scope: ConsentScope::Kind, .. },
            ] if *g == reader && *r == reader
        ),
        "{history:?}"
    );
    assert!(
        consents_of(&rpc, registries.records, reader)
            .await
            .expect("consents")
            .is_empty()
    );
}
