//! The policy registry through `caretrail-chain`, against a real anvil.

use caretrail_chain::ParticipantRegistry::ParticipantRegistryErrors;
use caretrail_chain::PatientRegistry::PatientRegistryErrors;
use caretrail_chain::PolicyRegistry::PolicyRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ChainError, Refusal, Relayer, admission_of, admit, chain_id, deploy_registries, has_code,
    is_admitted, participant, participant_events, policy_head, publish_own_policy,
    read_policy_publication, secret_key, set_status, sign_policy_version, verify_publish_request,
};
use caretrail_crypto::SecretKey;
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    Admission, ErrorCode, Hash32, ParticipantEvent, ParticipantKind, ParticipantStatus,
    PolicyVersion, PublishRequest, TxId,
};
use std::path::Path;

const FHIR: &str = "application/fhir+json";

fn node() -> LocalNode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    LocalNode::start(&anvil_path(&root), None).expect("anvil starts")
}

fn request(
    node: &LocalNode,
    chain: u64,
    registry: caretrail_types::Address,
    version: u64,
    previous: Hash32,
    doc: &[u8],
) -> PublishRequest {
    let insurer = node.dev_signer(2);
    let signed = PolicyVersion {
        policy_id: Hash32([7; 32]),
        version,
        content_hash: content_hash(FHIR, doc).expect("json"),
        document_hash: document_hash(doc),
        previous_hash: previous,
        effective_at: 1_800_000_000,
        media_type: FHIR.into(),
    };
    PublishRequest {
        signature: sign_policy_version(&insurer, chain, registry, &signed).expect("sign"),
        signed,
        document: doc.to_vec(),
    }
}

/// The admission of anvil's account 2 as an insurer.
fn insurer_admission(node: &LocalNode) -> Admission {
    admission_of(
        &secret_key(&node.dev_signer(2)),
        ParticipantKind::Insurer,
        "INS-0002",
        "Test Insurer",
    )
}

/// A node with freshly deployed registries and account 2 admitted as an insurer: the node, its
/// URL, its chain id, the registries.
async fn deployed() -> (
    LocalNode,
    caretrail_chain::RpcUrl,
    u64,
    caretrail_types::Registries,
) {
    let node = node();
    let rpc = node.rpc_url();
    let chain = chain_id(&rpc).await.expect("chain id");
    let registries = deploy_registries(&rpc, node.dev_signer(0))
        .await
        .expect("deploy");
    admit(
        &rpc,
        node.dev_signer(0),
        registries.participants,
        &insurer_admission(&node),
    )
    .await
    .expect("admit");
    (node, rpc, chain, registries)
}

#[tokio::test]
async fn the_health_authority_admits_and_the_registry_answers() {
    let node = node();
    let rpc = node.rpc_url();
    let registries = deploy_registries(&rpc, node.dev_signer(0))
        .await
        .expect("deploy");
    let admission = insurer_admission(&node);
    assert!(
        !is_admitted(
            &rpc,
            registries.participants,
            admission.signer,
            ParticipantKind::Insurer
        )
        .await
        .expect("asks")
    );
    assert_eq!(
        participant(&rpc, registries.participants, admission.signer)
            .await
            .expect("asks"),
        None
    );
    // Only the health authority admits.
    match admit(
        &rpc,
        node.dev_signer(3),
        registries.participants,
        &admission,
    )
    .await
    {
        Err(
            e @ ChainError::Refused(Refusal::Participants(
                ParticipantRegistryErrors::AccessControlUnauthorizedAccount(_),
            )),
        ) => assert_eq!(e.code(), ErrorCode::NotAdmitted),
        other => panic!("a stranger admitted someone: {other:?}"),
    }
    admit(
        &rpc,
        node.dev_signer(0),
        registries.participants,
        &admission,
    )
    .await
    .expect("admit");
    assert!(
        is_admitted(
            &rpc,
            registries.participants,
            admission.signer,
            ParticipantKind::Insurer
        )
        .await
        .expect("asks")
    );
    assert!(
        !is_admitted(
            &rpc,
            registries.participants,
            admission.signer,
            ParticipantKind::HealthOrganization
        )
        .await
        .expect("asks")
    );
    let kept = participant(&rpc, registries.participants, admission.signer)
        .await
        .expect("asks")
        .expect("admitted");
    assert_eq!(kept.admission, admission);
    assert_eq!(kept.status, ParticipantStatus::Admitted);
    assert!(kept.admitted_at > 0);
    // The same licence cannot be admitted twice.
    match admit(
        &rpc,
        node.dev_signer(0),
        registries.participants,
        &admission,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Participants(
            ParticipantRegistryErrors::AlreadyAParticipant(_),
        ))) => {}
        other => panic!("admitted twice: {other:?}"),
    }
}

#[tokio::test]
async fn publish_then_read_back_by_transaction_id() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    assert!(has_code(&rpc, registry).await.expect("code"));

    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let req = request(&node, chain, registry, 1, Hash32::ZERO, doc);
    let insurer = caretrail_types::Address(node.dev_signer(2).address().into_array());
    assert_eq!(
        verify_publish_request(chain, registry, &req).expect("recovers"),
        insurer
    );
    let receipt = Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registry, &req)
        .await
        .expect("publish");
    assert_eq!(receipt.insurer, insurer);

    let publication = read_policy_publication(&rpc, registry, receipt.tx_id)
        .await
        .expect("read");
    assert_eq!(publication.document, doc);
    assert_eq!(publication.insurer, insurer);
    assert_eq!(publication.signed.version, 1);
    assert_eq!(publication.signed.content_hash, req.signed.content_hash);
    assert_eq!(publication.signed.media_type, FHIR);
    assert!(publication.block_time > 1_600_000_000);

    // History is append-only: republishing version 1 is refused with the contract's reason.
    let again = Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registry, &req)
        .await;
    match again {
        Err(
            e @ ChainError::Refused(Refusal::Policies(PolicyRegistryErrors::NotNextVersion(_))),
        ) => {
            assert_eq!(e.code(), ErrorCode::ChainRefused);
            assert!(e.to_string().contains("never change"), "{e}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    // Unknown transaction ids and transactions that are not publications are told apart.
    let unknown = read_policy_publication(&rpc, registry, TxId([9; 32])).await;
    assert!(
        matches!(unknown, Err(ChainError::TxNotFound(_))),
        "{unknown:?}"
    );
    let deploy_tx =
        read_policy_publication(&rpc, caretrail_types::Address([1; 20]), receipt.tx_id).await;
    assert!(
        matches!(deploy_tx, Err(ChainError::NotAPolicyPublication { .. })),
        "{deploy_tx:?}"
    );
}

#[tokio::test]
async fn an_unreachable_chain_is_reported_as_such() {
    let node = node();
    let rpc = node.rpc_url();
    drop(node);
    let err = chain_id(&rpc).await.expect_err("nothing listens");
    assert!(matches!(err, ChainError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn one_relayer_sends_concurrent_publications_without_nonce_clashes() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    let relayer = Relayer::new(&rpc, node.dev_signer(1));
    let requests: Vec<PublishRequest> = (0u8..4)
        .map(|i| {
            let mut r = request(
                &node,
                chain,
                registry,
                1,
                Hash32::ZERO,
                format!("{{\"plan\":{i}}}").as_bytes(),
            );
            r.signed.policy_id = Hash32([i; 32]);
            r.signature =
                sign_policy_version(&node.dev_signer(2), chain, registry, &r.signed).expect("sign");
            r
        })
        .collect();
    let sends = requests.iter().map(|r| relayer.publish_policy(registry, r));
    let receipts = futures::future::join_all(sends).await;
    for receipt in &receipts {
        assert!(receipt.is_ok(), "{receipt:?}");
    }
}

#[tokio::test]
async fn the_verifier_registers_a_patient_and_h_names_her() {
    use caretrail_chain::{
        grant_verifier, is_registered, key_rotation, patient_of, register_patient, rotate_key,
        sign_enrolment, sign_key_rotation,
    };
    use caretrail_types::{Enrolment, Registration};
    let (node, rpc, chain, registries) = deployed().await;
    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let request = request(&node, chain, registries.policies, 1, Hash32::ZERO, doc);
    Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registries.policies, &request)
        .await
        .expect("publish");

    let insurer = secret_key(&node.dev_signer(2));
    let patient = SecretKey::from_bytes(&[0x42; 32]).expect("key");
    let enrolment = Enrolment {
        patient: patient.address(),
        insurer: insurer.address(),
        policy_id: Hash32([7; 32]),
        version: 1,
        card_hash: Hash32([3; 32]),
        deadline: 4_000_000_000,
    };
    let registration = Registration {
        nid_commitment: Hash32([9; 32]),
        encrypted_data: vec![4, 1, 2, 3],
        patient_signature: sign_enrolment(&patient, chain, registries.policies, &enrolment),
        insurer_signature: sign_enrolment(&insurer, chain, registries.policies, &enrolment),
        enrolment,
    };
    let verifier = node.dev_signer(5);
    // Not yet the verifier: refused by the contract, with its error's name.
    match register_patient(&rpc, verifier.clone(), registries.patients, &registration).await {
        Err(ChainError::Refused(Refusal::Patients(PatientRegistryErrors::NotTheVerifier(_)))) => {}
        other => panic!("registered without the role: {other:?}"),
    }
    grant_verifier(
        &rpc,
        node.dev_signer(0),
        registries.participants,
        caretrail_types::Address(verifier.address().into_array()),
    )
    .await
    .expect("grant");
    let registered = register_patient(&rpc, verifier.clone(), registries.patients, &registration)
        .await
        .expect("register");
    assert_eq!(
        patient_of(&rpc, registries.patients, registered.record)
            .await
            .expect("look up"),
        Some(patient.address())
    );
    assert_eq!(
        patient_of(&rpc, registries.patients, Hash32([1; 32]))
            .await
            .expect("look up"),
        None
    );
    // The same NID twice is refused.
    match register_patient(&rpc, verifier.clone(), registries.patients, &registration).await {
        Err(ChainError::Refused(Refusal::Patients(PatientRegistryErrors::AlreadyRegistered(
            _,
        )))) => {}
        other => panic!("registered twice: {other:?}"),
    }
    assert!(
        is_registered(
            &rpc,
            registries.patients,
            patient.address(),
            registered.record
        )
        .await
        .expect("asks")
    );

    // She moves to a new key with the old key's signature, relayed by anyone.
    let new_key = SecretKey::from_bytes(&[0x43; 32]).expect("key");
    let rotation = key_rotation(
        &rpc,
        registries.patients,
        patient.address(),
        new_key.address(),
        4_000_000_000,
    )
    .await
    .expect("rotation");
    assert_eq!((rotation.record, rotation.nonce), (registered.record, 0));
    // Signed by the new key instead of the old: refused.
    let by_new = sign_key_rotation(&new_key, chain, registries.patients, &rotation);
    match rotate_key(
        &rpc,
        verifier.clone(),
        registries.patients,
        &rotation,
        &by_new,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Patients(
            PatientRegistryErrors::NotSignedByTheOldKey(_),
        ))) => {}
        other => panic!("moved without the old key: {other:?}"),
    }
    let signature = sign_key_rotation(&patient, chain, registries.patients, &rotation);
    rotate_key(
        &rpc,
        node.dev_signer(6),
        registries.patients,
        &rotation,
        &signature,
    )
    .await
    .expect("rotate");
    assert_eq!(
        patient_of(&rpc, registries.patients, registered.record)
            .await
            .expect("look up"),
        Some(new_key.address())
    );
    assert!(
        !is_registered(
            &rpc,
            registries.patients,
            patient.address(),
            registered.record
        )
        .await
        .expect("asks")
    );
    // The same signature cannot move it again.
    match rotate_key(&rpc, verifier, registries.patients, &rotation, &signature).await {
        Err(ChainError::Refused(Refusal::Patients(PatientRegistryErrors::NotRegistered(_)))) => {}
        other => panic!("a rotation was replayed: {other:?}"),
    }
    let back = key_rotation(
        &rpc,
        registries.patients,
        new_key.address(),
        patient.address(),
        4_000_000_000,
    )
    .await
    .expect("rotation");
    assert_eq!(back.nonce, 1, "the record moved once");
}

#[tokio::test]
async fn the_head_of_a_policy_is_its_last_published_version() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    let insurer = caretrail_types::Address(node.dev_signer(2).address().into_array());
    let relayer = Relayer::new(&rpc, node.dev_signer(1));
    assert_eq!(
        policy_head(&rpc, registry, insurer, Hash32([7; 32]))
            .await
            .expect("head"),
        (0, Hash32::ZERO)
    );
    let mut previous = Hash32::ZERO;
    for version in 1..=5u64 {
        let doc = format!("{{\"plan\":\"gold\",\"version\":{version}}}");
        let req = request(&node, chain, registry, version, previous, doc.as_bytes());
        relayer
            .publish_policy(registry, &req)
            .await
            .expect("publish");
        previous = req.signed.content_hash;
        assert_eq!(
            policy_head(&rpc, registry, insurer, Hash32([7; 32]))
                .await
                .expect("head"),
            (version, previous)
        );
    }
    // Version 6 by the insurer's own transaction, read back by its id like a relayed one.
    let own = request(
        &node,
        chain,
        registry,
        6,
        previous,
        b"{\"plan\":\"gold\",\"own\":true}",
    );
    let receipt = publish_own_policy(
        &rpc,
        node.dev_signer(2),
        registry,
        &own.signed,
        &own.document,
    )
    .await
    .expect("publish own");
    assert_eq!(receipt.insurer, insurer);
    let read = read_policy_publication(&rpc, registry, receipt.tx_id)
        .await
        .expect("read back");
    assert_eq!(
        (read.signed, read.document),
        (own.signed.clone(), own.document)
    );
    previous = own.signed.content_hash;
    // A version that skips one is refused with the version that is missing.
    let skip = request(&node, chain, registry, 8, previous, b"{}");
    match relayer.publish_policy(registry, &skip).await {
        Err(ChainError::Refused(Refusal::Policies(PolicyRegistryErrors::NotNextVersion(
            refused,
        )))) => assert_eq!((refused.expected, refused.given), (7, 8)),
        other => panic!("a gap was accepted: {other:?}"),
    }
}

#[tokio::test]
async fn the_authority_suspends_reinstates_and_blocks_and_the_events_say_so() {
    let (node, rpc, chain, registries) = deployed().await;
    let authority = node.dev_signer(0);
    let insurer = insurer_admission(&node).signer;
    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let relayer = Relayer::new(&rpc, node.dev_signer(1));

    let suspended = set_status(
        &rpc,
        authority.clone(),
        registries.participants,
        insurer,
        ParticipantStatus::Suspended,
    )
    .await
    .expect("suspend");
    assert!(matches!(
        suspended,
        ParticipantEvent::StatusChanged {
            previous: ParticipantStatus::Admitted,
            current: ParticipantStatus::Suspended,
            ..
        }
    ));
    // A suspended insurer cannot publish (asked three times: a refused send must not leave the
    // relayer's account with a nonce gap, or its next transaction would never be mined).
    let req = request(&node, chain, registries.policies, 1, Hash32::ZERO, doc);
    for _ in 0..2 {
        assert!(
            relayer
                .publish_policy(registries.policies, &req)
                .await
                .is_err()
        );
    }
    match relayer.publish_policy(registries.policies, &req).await {
        Err(
            e @ ChainError::Refused(Refusal::Policies(PolicyRegistryErrors::NotAnAdmittedInsurer(
                _,
            ))),
        ) => {
            assert_eq!(e.code(), ErrorCode::NotAdmitted)
        }
        other => panic!("a suspended insurer published: {other:?}"),
    }
    // Only the authority changes a status.
    match set_status(
        &rpc,
        node.dev_signer(3),
        registries.participants,
        insurer,
        ParticipantStatus::Admitted,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Participants(
            ParticipantRegistryErrors::AccessControlUnauthorizedAccount(_),
        ))) => {}
        other => panic!("a stranger reinstated: {other:?}"),
    }
    set_status(
        &rpc,
        authority.clone(),
        registries.participants,
        insurer,
        ParticipantStatus::Admitted,
    )
    .await
    .expect("reinstate");
    relayer
        .publish_policy(registries.policies, &req)
        .await
        .expect("a reinstated insurer publishes");
    set_status(
        &rpc,
        authority.clone(),
        registries.participants,
        insurer,
        ParticipantStatus::Blocked,
    )
    .await
    .expect("block");
    // Blocked is final.
    match set_status(
        &rpc,
        authority,
        registries.participants,
        insurer,
        ParticipantStatus::Admitted,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Participants(ParticipantRegistryErrors::BadStatus(
            _,
        )))) => {}
        other => panic!("a blocked insurer came back: {other:?}"),
    }

    let history = participant_events(&rpc, registries.participants, Some(insurer))
        .await
        .expect("events");
    let statuses: Vec<_> = history
        .iter()
        .map(|event| match event {
            ParticipantEvent::Admitted { admission, .. } => {
                assert_eq!(admission, &insurer_admission(&node));
                ParticipantStatus::Admitted
            }
            ParticipantEvent::StatusChanged { current, .. } => *current,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ParticipantStatus::Admitted,
            ParticipantStatus::Suspended,
            ParticipantStatus::Admitted,
            ParticipantStatus::Blocked
        ]
    );
    // Another signer's history is not in it, and everyone's has at least as much.
    let stranger = caretrail_types::Address([0x55; 20]);
    assert!(
        participant_events(&rpc, registries.participants, Some(stranger))
            .await
            .expect("events")
            .is_empty()
    );
    assert!(
        participant_events(&rpc, registries.participants, None)
            .await
            .expect("events")
            .len()
            >= 4
    );
}
