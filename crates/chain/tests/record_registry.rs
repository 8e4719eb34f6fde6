//! The record registry through `caretrail-chain`, against a real anvil: a visit the patient
//! signs, an anchor the organization writes under it, batches kept per author, the patient's
//! consent (sent or signed and relayed), and the relay's audit roots, with each refusal.

use alloy::primitives::keccak256;
use caretrail_chain::RecordRegistry::RecordRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    AuditRoot, Batch, ChainError, ConsentGrant, ConsentRevocation, PrivateKeySigner, Refusal,
    Relayer, admit, anchor_audit_root, anchor_batch, anchor_own_batch, anchor_own_record,
    anchor_record, anchored_in, audit_root_of, audit_roots_of, batch_of, chain_id,
    consent_grant_signer, consent_nonce, consent_revocation_signer, consents_of, deploy_registries,
    find_anchor, grant_access, grant_access_by_sig, has_access, open_visit, record_id_of,
    record_kind, record_leaf, revoke_access, revoke_access_by_sig, sign_consent_grant,
    sign_consent_revocation, sign_visit_token, verify_record_in_batch,
};
use caretrail_crypto::SecretKey;
use caretrail_types::{
    Address, ConsentEvent, ConsentScope, Hash32, ParticipantKind, RecordAnchor, VisitToken,
};
use std::path::Path;

fn key(signer: &PrivateKeySigner) -> SecretKey {
    caretrail_chain::secret_key(signer)
}

/// A fresh anvil with the registries deployed and dev account 3 admitted as a hospital.
struct Chain {
    node: LocalNode,
    rpc: caretrail_chain::RpcUrl,
    id: u64,
    records: Address,
}

impl Chain {
    async fn start() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let node = LocalNode::start(&anvil_path(&root), None).expect("anvil starts");
        let rpc = node.rpc_url();
        let id = chain_id(&rpc).await.expect("chain id");
        let registries = deploy_registries(&rpc, node.dev_signer(0))
            .await
            .expect("deploy");
        admit(
            &rpc,
            node.dev_signer(0),
            registries.participants,
            &caretrail_chain::admission_of(
                &key(&node.dev_signer(3)),
                ParticipantKind::HealthOrganization,
                "HO-0003",
                "Test Hospital",
            ),
        )
        .await
        .expect("admit");
        Self {
            rpc,
            id,
            records: registries.records,
            node,
        }
    }

    fn hospital(&self) -> PrivateKeySigner {
        self.node.dev_signer(3)
    }

    fn patient(&self) -> PrivateKeySigner {
        self.node.dev_signer(4)
    }

    /// The hospital opens `visit_id` with the patient's token.
    async fn open_visit(&self, visit_id: Hash32) -> VisitToken {
        let token = VisitToken {
            patient: key(&self.patient()).address(),
            organization: key(&self.hospital()).address(),
            visit_id,
            expires_at: 4_000_000_000,
            not_after: 4_000_000_000,
        };
        let signature = sign_visit_token(&key(&self.patient()), self.id, self.records, &token);
        open_visit(&self.rpc, self.hospital(), self.records, &token, &signature)
            .await
            .expect("open the visit");
        token
    }
}

/// The record registry's custom error of a refused call, or a panic naming what was expected.
fn refusal<T: std::fmt::Debug>(
    result: Result<T, ChainError>,
    expected: &str,
) -> RecordRegistryErrors {
    match result {
        Err(ChainError::Refused(Refusal::Records(e))) => e,
        other => panic!("expected the refusal {expected}, got {other:?}"),
    }
}

/// The root and each leaf's proof of a two-leaf tree, as OpenZeppelin's `MerkleProof` hashes it
/// (the sorted pair).
fn pair_tree(a: Hash32, b: Hash32) -> Hash32 {
    let (low, high) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    Hash32(keccak256([low.0, high.0].concat()).0)
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
        not_after: 4_000_000_000,
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
            kind,
            Hash32([3; 32]),
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

#[tokio::test]
async fn a_token_hashes_as_offline_and_opens_only_until_its_not_after() {
    let chain = Chain::start().await;
    let patient = key(&chain.patient());
    let token = VisitToken {
        patient: patient.address(),
        organization: key(&chain.hospital()).address(),
        visit_id: Hash32([0x0f; 32]),
        expires_at: 4_000_000_000,
        // Long past on anvil's clock (it starts at the wall clock's time).
        not_after: 1_000_000_000,
    };
    // The contract's own digest is the one the check-in QR's offline check computes.
    let provider = alloy::providers::ProviderBuilder::new().connect_http(chain.rpc.clone());
    let on_chain = caretrail_chain::RecordRegistry::new(chain.records.0.into(), &provider)
        .visitTokenDigest((&token).into())
        .call()
        .await
        .expect("visitTokenDigest");
    let domain = caretrail_crypto::visit::RegistryDomain {
        chain_id: chain.id,
        records: chain.records,
    };
    assert_eq!(
        caretrail_crypto::visit::visit_token_digest(domain, &token).0,
        on_chain.0
    );

    let signature = sign_visit_token(&patient, chain.id, chain.records, &token);
    let late = open_visit(
        &chain.rpc,
        chain.hospital(),
        chain.records,
        &token,
        &signature,
    )
    .await;
    match refusal(late, "VisitOpeningClosed") {
        RecordRegistryErrors::VisitOpeningClosed(e) => {
            assert_eq!(
                (e.visitId.0, e.notAfter),
                (token.visit_id.0, token.not_after)
            );
        }
        other => panic!("expected VisitOpeningClosed, got {other:?}"),
    }
    // The same visit with a deadline still ahead opens.
    let timely = VisitToken {
        not_after: 4_000_000_000,
        ..token
    };
    let signature = sign_visit_token(&patient, chain.id, chain.records, &timely);
    open_visit(
        &chain.rpc,
        chain.hospital(),
        chain.records,
        &timely,
        &signature,
    )
    .await
    .expect("opened before its notAfter");
}

#[tokio::test]
async fn a_kind_consent_opens_that_kind_only() {
    let chain = Chain::start().await;
    let patient = key(&chain.patient()).address();
    let reader = key(&chain.node.dev_signer(6)).address();
    let report = record_kind("DiagnosticReport").expect("a kind");
    let prescription = record_kind("MedicationRequest").expect("a kind");
    let (anchored, _) = anchor_own_record(
        &chain.rpc,
        chain.patient(),
        chain.records,
        prescription,
        Hash32([5; 32]),
    )
    .await
    .expect("anchor a prescription");
    grant_access(
        &chain.rpc,
        chain.patient(),
        chain.records,
        reader,
        ConsentScope::Kind,
        report,
        4_000_000_000,
    )
    .await
    .expect("grant the reports");
    let ask =
        |kind, ciphertext| has_access(&chain.rpc, chain.records, patient, reader, kind, ciphertext);
    assert!(ask(report, Hash32([6; 32])).await.expect("ask"), "a report");
    // The prescription is asked about by its own kind: the id is the registry's to derive.
    assert!(
        !ask(anchored.kind, anchored.ciphertext_hash)
            .await
            .expect("ask"),
        "a report grant opened a prescription"
    );
    // A record consent opens that record and not the same content under another kind.
    grant_access(
        &chain.rpc,
        chain.patient(),
        chain.records,
        reader,
        ConsentScope::Record,
        anchored.record_id,
        4_000_000_000,
    )
    .await
    .expect("grant the prescription");
    assert!(ask(prescription, Hash32([5; 32])).await.expect("ask"));
    assert!(!ask(prescription, Hash32([6; 32])).await.expect("ask"));
    // The patient reads her own records without a consent.
    assert!(
        has_access(
            &chain.rpc,
            chain.records,
            patient,
            patient,
            prescription,
            Hash32([7; 32])
        )
        .await
        .expect("ask")
    );

    // Refused grants and revocations.
    let grant = |grantee, scope, target, expires_at| {
        grant_access(
            &chain.rpc,
            chain.patient(),
            chain.records,
            grantee,
            scope,
            target,
            expires_at,
        )
    };
    let e = refusal(
        grant(Address([0; 20]), ConsentScope::Kind, report, 4_000_000_000).await,
        "ZeroGrantee",
    );
    assert!(matches!(e, RecordRegistryErrors::ZeroGrantee(_)), "{e:?}");
    let e = refusal(
        grant(patient, ConsentScope::Kind, report, 4_000_000_000).await,
        "GrantToSelf",
    );
    assert!(matches!(e, RecordRegistryErrors::GrantToSelf(_)), "{e:?}");
    let e = refusal(
        grant(reader, ConsentScope::Kind, Hash32::ZERO, 4_000_000_000).await,
        "EmptyTarget",
    );
    assert!(matches!(e, RecordRegistryErrors::EmptyTarget(_)), "{e:?}");
    let e = refusal(
        grant(reader, ConsentScope::Kind, report, 1).await,
        "ExpiryNotInFuture",
    );
    assert!(
        matches!(e, RecordRegistryErrors::ExpiryNotInFuture(ref v) if v.expiresAt == 1),
        "{e:?}"
    );
    let e = refusal(
        revoke_access(
            &chain.rpc,
            chain.patient(),
            chain.records,
            reader,
            ConsentScope::Kind,
            prescription,
        )
        .await,
        "NoSuchConsent",
    );
    assert!(matches!(e, RecordRegistryErrors::NoSuchConsent(_)), "{e:?}");
}

#[tokio::test]
async fn a_signed_consent_is_relayed_once() {
    let chain = Chain::start().await;
    let patient_key = key(&chain.patient());
    let patient = patient_key.address();
    let reader = key(&chain.node.dev_signer(6)).address();
    let relayer = Relayer::new(&chain.rpc, chain.node.dev_signer(1));
    let report = record_kind("DiagnosticReport").expect("a kind");
    assert_eq!(
        consent_nonce(&chain.rpc, chain.records, patient)
            .await
            .expect("nonce"),
        0
    );
    let grant = ConsentGrant {
        patient,
        grantee: reader,
        scope: ConsentScope::Kind,
        target: report,
        expires_at: 4_000_000_000,
        nonce: 0,
        deadline: 4_000_000_000,
    };
    let signature = sign_consent_grant(&patient_key, chain.id, chain.records, &grant);
    assert_eq!(
        consent_grant_signer(chain.id, chain.records, &grant, &signature).expect("recover"),
        patient
    );

    // Signed by someone else, or past its deadline, or with a nonce out of turn: refused.
    let strangers = sign_consent_grant(
        &key(&chain.node.dev_signer(5)),
        chain.id,
        chain.records,
        &grant,
    );
    let e = refusal(
        relayer
            .grant_access_by_sig(chain.records, &grant, &strangers)
            .await,
        "NotSignedByPatient",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotSignedByPatient(ref v) if v.patient.into_array() == patient.0),
        "{e:?}"
    );
    let late = ConsentGrant {
        deadline: 1,
        ..grant
    };
    let late_signature = sign_consent_grant(&patient_key, chain.id, chain.records, &late);
    let e = refusal(
        relayer
            .grant_access_by_sig(chain.records, &late, &late_signature)
            .await,
        "SignatureExpired",
    );
    assert!(
        matches!(e, RecordRegistryErrors::SignatureExpired(ref v) if v.deadline == 1),
        "{e:?}"
    );
    let ahead = ConsentGrant { nonce: 1, ..grant };
    let ahead_signature = sign_consent_grant(&patient_key, chain.id, chain.records, &ahead);
    let e = refusal(
        relayer
            .grant_access_by_sig(chain.records, &ahead, &ahead_signature)
            .await,
        "InvalidAccountNonce",
    );
    assert!(
        matches!(e, RecordRegistryErrors::InvalidAccountNonce(_)),
        "{e:?}"
    );
    // Another chain's signature recovers to another address.
    let other_chain = sign_consent_grant(&patient_key, chain.id + 1, chain.records, &grant);
    let e = refusal(
        grant_access_by_sig(
            &chain.rpc,
            chain.node.dev_signer(1),
            chain.records,
            &grant,
            &other_chain,
        )
        .await,
        "NotSignedByPatient",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotSignedByPatient(_)),
        "{e:?}"
    );

    let written = relayer
        .grant_access_by_sig(chain.records, &grant, &signature)
        .await
        .expect("relay the grant");
    assert!(written.gas_used > 21_000);
    assert!(
        has_access(
            &chain.rpc,
            chain.records,
            patient,
            reader,
            report,
            Hash32([3; 32])
        )
        .await
        .expect("ask")
    );
    assert_eq!(
        consent_nonce(&chain.rpc, chain.records, patient)
            .await
            .expect("nonce"),
        1
    );
    // The same signature again is a replay.
    let e = refusal(
        relayer
            .grant_access_by_sig(chain.records, &grant, &signature)
            .await,
        "InvalidAccountNonce",
    );
    assert!(
        matches!(e, RecordRegistryErrors::InvalidAccountNonce(ref v) if v.currentNonce == alloy::primitives::U256::from(1)),
        "{e:?}"
    );

    let revocation = ConsentRevocation {
        patient,
        grantee: reader,
        scope: ConsentScope::Kind,
        target: report,
        nonce: 1,
        deadline: 4_000_000_000,
    };
    let signature = sign_consent_revocation(&patient_key, chain.id, chain.records, &revocation);
    assert_eq!(
        consent_revocation_signer(chain.id, chain.records, &revocation, &signature)
            .expect("recover"),
        patient
    );
    revoke_access_by_sig(
        &chain.rpc,
        chain.node.dev_signer(1),
        chain.records,
        &revocation,
        &signature,
    )
    .await
    .expect("relay the revocation");
    assert!(
        !has_access(
            &chain.rpc,
            chain.records,
            patient,
            reader,
            report,
            Hash32([3; 32])
        )
        .await
        .expect("ask")
    );
    // A revocation of a consent that is gone is refused (with the next nonce, so not a replay).
    let again = ConsentRevocation {
        nonce: 2,
        ..revocation
    };
    let signature = sign_consent_revocation(&patient_key, chain.id, chain.records, &again);
    let e = refusal(
        revoke_access_by_sig(
            &chain.rpc,
            chain.node.dev_signer(1),
            chain.records,
            &again,
            &signature,
        )
        .await,
        "NoSuchConsent",
    );
    assert!(matches!(e, RecordRegistryErrors::NoSuchConsent(_)), "{e:?}");
    let history = consents_of(&chain.rpc, chain.records, patient)
        .await
        .expect("consents");
    assert!(
        matches!(
            history.as_slice(),
            [ConsentEvent::Granted { .. }, ConsentEvent::Revoked { .. }]
        ),
        "{history:?}"
    );
}

#[tokio::test]
async fn batches_are_kept_per_author() {
    let chain = Chain::start().await;
    let token = chain.open_visit(Hash32([1; 32])).await;
    let patient = token.patient;
    let hospital = token.organization;
    let kind = record_kind("DiagnosticReport").expect("a kind");
    let leaves = [
        record_leaf(patient, kind, Hash32([10; 32])),
        record_leaf(patient, kind, Hash32([11; 32])),
    ];
    let root = pair_tree(leaves[0], leaves[1]);

    // A stranger who saw the root first anchors it as its own batch: the hospital's still goes in.
    let stranger_signer = chain.node.dev_signer(5);
    let stranger = key(&stranger_signer).address();
    anchor_own_batch(&chain.rpc, stranger_signer.clone(), chain.records, root, 2)
        .await
        .expect("the stranger's batch");
    anchor_batch(
        &chain.rpc,
        chain.hospital(),
        chain.records,
        token.visit_id,
        root,
        2,
    )
    .await
    .expect("the hospital's batch");
    assert_eq!(
        batch_of(&chain.rpc, chain.records, hospital, root)
            .await
            .expect("batch"),
        Some(Batch {
            author: hospital,
            root,
            patient,
            count: 2
        })
    );
    assert_eq!(
        batch_of(&chain.rpc, chain.records, stranger, root)
            .await
            .expect("batch"),
        Some(Batch {
            author: stranger,
            root,
            patient: stranger,
            count: 2
        })
    );
    assert_eq!(
        batch_of(&chain.rpc, chain.records, patient, root)
            .await
            .expect("batch"),
        None
    );
    let record = RecordAnchor {
        record_id: record_id_of(patient, kind, Hash32([10; 32])),
        patient,
        author: hospital,
        kind,
        ciphertext_hash: Hash32([10; 32]),
    };
    let (rpc, records) = (&chain.rpc, chain.records);
    let verify = move |record: RecordAnchor, proof: Vec<Hash32>| async move {
        verify_record_in_batch(rpc, records, root, &record, &proof)
            .await
            .expect("verify")
    };
    assert!(
        verify(record.clone(), vec![leaves[1]]).await,
        "in the hospital's batch"
    );
    assert!(
        !verify(
            RecordAnchor {
                author: stranger,
                ..record.clone()
            },
            vec![leaves[1]]
        )
        .await,
        "the stranger's batch counted as the patient's"
    );
    assert!(
        !verify(
            RecordAnchor {
                ciphertext_hash: Hash32([12; 32]),
                ..record.clone()
            },
            vec![leaves[1]]
        )
        .await,
        "another content"
    );

    // Refusals: the same root twice from one author, a zero root, an empty batch.
    let e = refusal(
        anchor_batch(
            &chain.rpc,
            chain.hospital(),
            chain.records,
            token.visit_id,
            root,
            3,
        )
        .await,
        "BatchAlreadyAnchored",
    );
    assert!(
        matches!(e, RecordRegistryErrors::BatchAlreadyAnchored(ref v) if v.author.into_array() == hospital.0 && v.root.0 == root.0),
        "{e:?}"
    );
    let e = refusal(
        anchor_own_batch(&chain.rpc, chain.patient(), chain.records, Hash32::ZERO, 2).await,
        "EmptyRoot",
    );
    assert!(matches!(e, RecordRegistryErrors::EmptyRoot(_)), "{e:?}");
    let e = refusal(
        anchor_own_batch(&chain.rpc, chain.patient(), chain.records, root, 0).await,
        "EmptyBatch",
    );
    assert!(matches!(e, RecordRegistryErrors::EmptyBatch(_)), "{e:?}");
    let e = refusal(
        anchor_batch(
            &chain.rpc,
            chain.hospital(),
            chain.records,
            Hash32([9; 32]),
            root,
            2,
        )
        .await,
        "UnknownVisit",
    );
    assert!(matches!(e, RecordRegistryErrors::UnknownVisit(_)), "{e:?}");
}

#[tokio::test]
async fn audit_roots_are_kept_per_relay() {
    let chain = Chain::start().await;
    let relay_signer = chain.node.dev_signer(1);
    let relay = key(&relay_signer).address();
    let relayer = Relayer::new(&chain.rpc, relay_signer.clone());
    let first = Hash32([0xA1; 32]);
    let second = Hash32([0xA2; 32]);

    // Someone else anchoring the relay's root first neither blocks the relay nor speaks for it.
    let other = key(&chain.node.dev_signer(5)).address();
    anchor_audit_root(
        &chain.rpc,
        chain.node.dev_signer(5),
        chain.records,
        first,
        99,
        1,
    )
    .await
    .expect("another account's root");
    relayer
        .anchor_audit_root(chain.records, first, 0, 60)
        .await
        .expect("anchor the first run");
    anchor_audit_root(
        &chain.rpc,
        relay_signer.clone(),
        chain.records,
        second,
        60,
        15,
    )
    .await
    .expect("anchor the next run");

    let stored = audit_root_of(&chain.rpc, chain.records, relay, first)
        .await
        .expect("look up")
        .expect("anchored");
    assert_eq!(
        (stored.relay, stored.root, stored.first_entry, stored.count),
        (relay, first, 0, 60)
    );
    assert!(stored.anchored_at > 1_600_000_000, "{stored:?}");
    assert_eq!(
        audit_root_of(&chain.rpc, chain.records, other, first)
            .await
            .expect("look up")
            .map(|r| (r.first_entry, r.count)),
        Some((99, 1))
    );
    assert_eq!(
        audit_root_of(&chain.rpc, chain.records, relay, Hash32([0xA3; 32]))
            .await
            .expect("look up"),
        None
    );
    let listed = audit_roots_of(&chain.rpc, chain.records, relay)
        .await
        .expect("list");
    let roots: Vec<AuditRoot> = listed.iter().map(|(root, _)| *root).collect();
    assert_eq!(roots.len(), 2, "{listed:?}");
    assert_eq!(roots[0], stored, "the log and the registry agree");
    assert_eq!(
        (roots[1].root, roots[1].first_entry, roots[1].count),
        (second, 60, 15)
    );
    assert!(roots[1].anchored_at >= roots[0].anchored_at);

    // Refusals: the same root again, a zero root, no entries.
    let e = refusal(
        relayer.anchor_audit_root(chain.records, first, 75, 5).await,
        "AuditRootAlreadyAnchored",
    );
    assert!(
        matches!(e, RecordRegistryErrors::AuditRootAlreadyAnchored(ref v) if v.relay.into_array() == relay.0 && v.root.0 == first.0),
        "{e:?}"
    );
    let e = refusal(
        relayer
            .anchor_audit_root(chain.records, Hash32::ZERO, 75, 5)
            .await,
        "EmptyRoot",
    );
    assert!(matches!(e, RecordRegistryErrors::EmptyRoot(_)), "{e:?}");
    let e = refusal(
        relayer
            .anchor_audit_root(chain.records, Hash32([0xA3; 32]), 75, 0)
            .await,
        "NoAuditEntries",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NoAuditEntries(_)),
        "{e:?}"
    );
    assert_eq!(
        audit_roots_of(&chain.rpc, chain.records, relay)
            .await
            .expect("list")
            .len(),
        2,
        "nothing half-written"
    );
}

#[tokio::test]
async fn a_patient_anchors_her_own_record_through_a_relayer_without_ether() {
    use caretrail_crypto::record::{body_hash, record_id, sign_own_anchor};
    use caretrail_types::OwnAnchor;
    let chain = Chain::start().await;
    // A patient key with no ether at all: the relayer (dev account 1) pays.
    let patient = SecretKey::generate(&mut rand_core::OsRng);
    let relayer = Relayer::new(&chain.rpc, chain.node.dev_signer(1));
    let kind = record_kind("Document").expect("kind");
    let hash = body_hash(b"an envelope body");
    let anchor = OwnAnchor {
        patient: patient.address(),
        kind,
        ciphertext_hash: hash,
        deadline: 4_000_000_000,
    };
    let signature = sign_own_anchor(&patient, chain.id, chain.records, &anchor);
    let (anchored, _) = relayer
        .anchor_own_record_by_sig(chain.records, &anchor, &signature)
        .await
        .expect("anchored");
    // The app's derivation of the id is the contract's, and the patient is the author.
    assert_eq!(anchored.record_id, record_id(patient.address(), kind, hash));
    assert_eq!(anchored.author, patient.address());
    assert_eq!(anchored.patient, patient.address());
    let found = find_anchor(&chain.rpc, chain.records, anchored.record_id)
        .await
        .expect("chain")
        .expect("found");
    assert_eq!(found.0.author, patient.address());

    // Another key's signature, an altered anchor and an expired one are refused.
    let stranger = SecretKey::generate(&mut rand_core::OsRng);
    let forged = sign_own_anchor(&stranger, chain.id, chain.records, &anchor);
    let e = refusal(
        relayer
            .anchor_own_record_by_sig(chain.records, &anchor, &forged)
            .await,
        "NotSignedByPatient",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotSignedByPatient(_)),
        "{e:?}"
    );
    let altered = OwnAnchor {
        kind: record_kind("Claim").expect("kind"),
        ..anchor
    };
    let e = refusal(
        relayer
            .anchor_own_record_by_sig(chain.records, &altered, &signature)
            .await,
        "NotSignedByPatient",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotSignedByPatient(_)),
        "{e:?}"
    );
    let expired = OwnAnchor {
        deadline: 1,
        ..anchor
    };
    let signature = sign_own_anchor(&patient, chain.id, chain.records, &expired);
    let e = refusal(
        relayer
            .anchor_own_record_by_sig(chain.records, &expired, &signature)
            .await,
        "SignatureExpired",
    );
    assert!(
        matches!(e, RecordRegistryErrors::SignatureExpired(_)),
        "{e:?}"
    );
}
