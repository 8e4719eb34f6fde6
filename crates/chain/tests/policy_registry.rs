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
    Admission, ErrorCode, Hash32, POLICY_EFFECTIVE_SKEW_SECS, ParticipantEvent, ParticipantKind,
    ParticipantStatus, PolicyVersion, PublishRequest, TxId,
};
use std::path::Path;

const FHIR: &str = "application/fhir+json";

fn node() -> LocalNode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    LocalNode::start(&anvil_path(&root), None).expect("anvil starts")
}

/// Now, in unix seconds: anvil's blocks follow the clock.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Version `version` of policy 7, signed by anvil's account 2 effective from now, to be sent
/// within the registry's skew.
fn request(
    node: &LocalNode,
    chain: u64,
    registry: caretrail_types::Address,
    version: u64,
    previous: Hash32,
    doc: &[u8],
) -> PublishRequest {
    let now = unix_now();
    let signed = PolicyVersion {
        policy_id: Hash32([7; 32]),
        version,
        content_hash: content_hash(FHIR, doc).expect("json"),
        document_hash: document_hash(doc),
        previous_hash: previous,
        effective_at: now,
        media_type: FHIR.into(),
        deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
    };
    signed_by_insurer(node, chain, registry, signed, doc)
}

fn signed_by_insurer(
    node: &LocalNode,
    chain: u64,
    registry: caretrail_types::Address,
    signed: PolicyVersion,
    doc: &[u8],
) -> PublishRequest {
    PublishRequest {
        signature: sign_policy_version(&node.dev_signer(2), chain, registry, &signed)
            .expect("sign"),
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

/// A node with the registries, policy 7 published, account 5 the verifier, and the patient with
/// key 0x42.. registered under it: the node, its URL, the chain id, the registries, the
/// verifier, the patient's key and her H.
async fn registered() -> (
    LocalNode,
    caretrail_chain::RpcUrl,
    u64,
    caretrail_types::Registries,
    caretrail_chain::PrivateKeySigner,
    SecretKey,
    Hash32,
) {
    use caretrail_chain::{grant_verifier, register_patient, sign_enrolment};
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
    // The same NID twice is refused.
    match register_patient(&rpc, verifier.clone(), registries.patients, &registration).await {
        Err(ChainError::Refused(Refusal::Patients(PatientRegistryErrors::AlreadyRegistered(
            _,
        )))) => {}
        other => panic!("registered twice: {other:?}"),
    }
    (
        node,
        rpc,
        chain,
        registries,
        verifier,
        patient,
        registered.record,
    )
}

#[tokio::test]
async fn the_verifier_registers_a_patient_and_h_names_her() {
    use caretrail_chain::{is_registered, key_rotation, patient_of, rotate_key, sign_key_rotation};
    let (node, rpc, chain, registries, verifier, patient, record) = registered().await;
    assert_eq!(
        patient_of(&rpc, registries.patients, record)
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
    assert!(
        is_registered(&rpc, registries.patients, patient.address(), record)
            .await
            .expect("asks")
    );

    // She moves to a new key with both keys' signatures, relayed by anyone.
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
    assert_eq!((rotation.record, rotation.nonce), (record, 0));
    let by_old = sign_key_rotation(&patient, chain, registries.patients, &rotation);
    let by_new = sign_key_rotation(&new_key, chain, registries.patients, &rotation);
    // The new key's signature in the old key's place: refused.
    match rotate_key(
        &rpc,
        verifier.clone(),
        registries.patients,
        &rotation,
        &by_new,
        &by_new,
    )
    .await
    {
        Err(ChainError::Refused(Refusal::Patients(
            PatientRegistryErrors::NotSignedByTheOldKey(_),
        ))) => {}
        other => panic!("moved without the old key: {other:?}"),
    }
    rotate_key(
        &rpc,
        node.dev_signer(6),
        registries.patients,
        &rotation,
        &by_old,
        &by_new,
    )
    .await
    .expect("rotate");
    assert_eq!(
        patient_of(&rpc, registries.patients, record)
            .await
            .expect("look up"),
        Some(new_key.address())
    );
    assert!(
        !is_registered(&rpc, registries.patients, patient.address(), record)
            .await
            .expect("asks")
    );
    // The same signatures cannot move it again.
    match rotate_key(
        &rpc,
        verifier,
        registries.patients,
        &rotation,
        &by_old,
        &by_new,
    )
    .await
    {
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
async fn a_key_rotation_without_the_new_keys_signature_is_refused() {
    use caretrail_chain::{key_rotation, patient_of, rotate_key, sign_key_rotation};
    let (_node, rpc, chain, registries, verifier, patient, record) = registered().await;
    // An address she does not hold: only her old key signs.
    let new_key = SecretKey::from_bytes(&[0x44; 32]).expect("key");
    let rotation = key_rotation(
        &rpc,
        registries.patients,
        patient.address(),
        new_key.address(),
        4_000_000_000,
    )
    .await
    .expect("rotation");
    let by_old = sign_key_rotation(&patient, chain, registries.patients, &rotation);
    let stranger = SecretKey::from_bytes(&[0x45; 32]).expect("key");
    for (who, by_new) in [
        ("the old key", by_old),
        (
            "a stranger",
            sign_key_rotation(&stranger, chain, registries.patients, &rotation),
        ),
    ] {
        match rotate_key(
            &rpc,
            verifier.clone(),
            registries.patients,
            &rotation,
            &by_old,
            &by_new,
        )
        .await
        {
            Err(
                e @ ChainError::Refused(Refusal::Patients(
                    PatientRegistryErrors::NotSignedByTheNewKey(_),
                )),
            ) => {
                assert_eq!(e.code(), ErrorCode::ChainRefused);
                assert!(e.to_string().contains("not by the new key"), "{e}");
            }
            other => panic!("moved with {who} in the new key's place: {other:?}"),
        }
    }
    assert_eq!(
        patient_of(&rpc, registries.patients, record)
            .await
            .expect("look up"),
        Some(patient.address()),
        "the record stayed with her"
    );
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

#[tokio::test]
async fn the_registrys_skew_is_the_one_the_types_state() {
    let (_node, rpc, _chain, registries) = deployed().await;
    let provider = alloy::providers::ProviderBuilder::new().connect_http(rpc);
    let skew = caretrail_chain::PolicyRegistry::new(
        alloy::primitives::Address::from(registries.policies.0),
        &provider,
    )
    .EFFECTIVE_SKEW()
    .call()
    .await
    .expect("asks");
    assert_eq!(
        skew,
        alloy::primitives::U256::from(POLICY_EFFECTIVE_SKEW_SECS)
    );
}

#[tokio::test]
async fn a_version_effective_before_its_publication_is_refused() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let mut signed = request(&node, chain, registry, 1, Hash32::ZERO, doc).signed;
    // Backdated by an hour: it would change what the policy said before.
    signed.effective_at = unix_now() - 3600;
    let backdated = signed_by_insurer(&node, chain, registry, signed.clone(), doc);
    match Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registry, &backdated)
        .await
    {
        Err(
            e @ ChainError::Refused(Refusal::Policies(
                PolicyRegistryErrors::EffectiveBeforePublication(_),
            )),
        ) => {
            assert_eq!(e.code(), ErrorCode::ChainRefused);
            assert!(e.to_string().contains("before its publication"), "{e}");
        }
        other => panic!("a backdated version was published: {other:?}"),
    }
    // Nor by the insurer's own transaction.
    match publish_own_policy(&rpc, node.dev_signer(2), registry, &signed, doc).await {
        Err(ChainError::Refused(Refusal::Policies(
            PolicyRegistryErrors::EffectiveBeforePublication(refused),
        ))) => assert_eq!(refused.effectiveAt, signed.effective_at),
        other => panic!("a backdated version was published: {other:?}"),
    }
}

#[tokio::test]
async fn a_version_effective_before_the_previous_one_is_refused() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    let relayer = Relayer::new(&rpc, node.dev_signer(1));
    let next_month = unix_now() + 30 * 86_400;
    let mut first = request(&node, chain, registry, 1, Hash32::ZERO, b"{\"v\":1}").signed;
    first.effective_at = next_month;
    let first = signed_by_insurer(&node, chain, registry, first, b"{\"v\":1}");
    relayer
        .publish_policy(registry, &first)
        .await
        .expect("version 1, effective next month");
    let mut second = request(
        &node,
        chain,
        registry,
        2,
        first.signed.content_hash,
        b"{\"v\":2}",
    )
    .signed;
    second.effective_at = next_month - 1;
    let second = signed_by_insurer(&node, chain, registry, second, b"{\"v\":2}");
    match relayer.publish_policy(registry, &second).await {
        Err(ChainError::Refused(Refusal::Policies(
            PolicyRegistryErrors::EffectiveBeforePreviousVersion(refused),
        ))) => assert_eq!(
            (refused.effectiveAt, refused.previousEffectiveAt),
            (next_month - 1, next_month)
        ),
        other => panic!("version 2 took effect before version 1: {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_signed_version_is_refused() {
    let (node, rpc, chain, registries) = deployed().await;
    let registry = registries.policies;
    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let mut signed = request(&node, chain, registry, 1, Hash32::ZERO, doc).signed;
    // Effective tomorrow, but its deadline has passed.
    signed.effective_at = unix_now() + 86_400;
    signed.deadline = unix_now() - 1;
    let expired = signed_by_insurer(&node, chain, registry, signed.clone(), doc);
    match Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registry, &expired)
        .await
    {
        Err(
            e @ ChainError::Refused(Refusal::Policies(PolicyRegistryErrors::PublicationExpired(_))),
        ) => {
            assert_eq!(e.code(), ErrorCode::ChainRefused);
            assert!(e.to_string().contains("has passed"), "{e}");
        }
        other => panic!("an expired version was published: {other:?}"),
    }
    match publish_own_policy(&rpc, node.dev_signer(2), registry, &signed, doc).await {
        Err(ChainError::Refused(Refusal::Policies(PolicyRegistryErrors::PublicationExpired(
            refused,
        )))) => assert_eq!(refused.deadline, signed.deadline),
        other => panic!("an expired version was published: {other:?}"),
    }
}
