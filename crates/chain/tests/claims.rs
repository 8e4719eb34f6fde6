//! Claims through `caretrail-chain`, against a real anvil: the hospital bills an insurer under its
//! open visit, the insurer answers twice (queued, then complete), and the readers find the claim
//! and its answers; every refusal comes back as the registry's typed error with a plain message.

use alloy::providers::ProviderBuilder;
use caretrail_chain::RecordRegistry::RecordRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ChainError, PrivateKeySigner, RecordRegistry, Refusal, admission_of, admit, anchor_claim,
    anchor_claim_response, anchor_record, anchors_of, chain_id, claim_answers, claim_insurer,
    claim_kind, claim_of, claim_response_kind, deploy_registries, open_visit, record_id_of,
    record_kind, set_status, sign_visit_token,
};
use caretrail_crypto::SecretKey;
use caretrail_types::{
    Address, ErrorCode, Hash32, ParticipantKind, ParticipantStatus, Registries, VisitToken,
};
use std::path::Path;

fn key(signer: &PrivateKeySigner) -> SecretKey {
    caretrail_chain::secret_key(signer)
}

fn addr(signer: &PrivateKeySigner) -> Address {
    key(signer).address()
}

/// Anvil with the registries; dev account 3 a hospital, 5 and 6 insurers, 4 the patient, and the
/// hospital's visit open.
struct Chain {
    node: LocalNode,
    rpc: caretrail_chain::RpcUrl,
    registries: Registries,
    visit: VisitToken,
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
        for (account, kind, licence) in [
            (3, ParticipantKind::HealthOrganization, "HO-0003"),
            (5, ParticipantKind::Insurer, "INS-0005"),
            (6, ParticipantKind::Insurer, "INS-0006"),
        ] {
            admit(
                &rpc,
                node.dev_signer(0),
                registries.participants,
                &admission_of(&key(&node.dev_signer(account)), kind, licence, licence),
            )
            .await
            .expect("admit");
        }
        let visit = VisitToken {
            patient: addr(&node.dev_signer(4)),
            organization: addr(&node.dev_signer(3)),
            visit_id: Hash32([0x71; 32]),
            expires_at: 4_000_000_000,
            not_after: 4_000_000_000,
        };
        let signature = sign_visit_token(&key(&node.dev_signer(4)), id, registries.records, &visit);
        open_visit(
            &rpc,
            node.dev_signer(3),
            registries.records,
            &visit,
            &signature,
        )
        .await
        .expect("open the visit");
        Self {
            node,
            rpc,
            registries,
            visit,
        }
    }

    fn hospital(&self) -> PrivateKeySigner {
        self.node.dev_signer(3)
    }

    fn insurer(&self) -> PrivateKeySigner {
        self.node.dev_signer(5)
    }

    fn other_insurer(&self) -> PrivateKeySigner {
        self.node.dev_signer(6)
    }

    fn records(&self) -> Address {
        self.registries.records
    }
}

/// The record registry's custom error of a refused call, its code and its message.
fn refusal<T: std::fmt::Debug>(
    result: Result<T, ChainError>,
    expected: &str,
) -> (RecordRegistryErrors, ErrorCode, String) {
    match result {
        Err(e @ ChainError::Refused(Refusal::Records(_))) => {
            let (code, message) = (e.code(), e.to_string());
            let ChainError::Refused(Refusal::Records(inner)) = e else {
                unreachable!()
            };
            (inner, code, message)
        }
        other => panic!("expected the refusal {expected}, got {other:?}"),
    }
}

#[tokio::test]
async fn the_named_insurer_answers_the_hospitals_claim() {
    let chain = Chain::start().await;
    let patient = chain.visit.patient;
    let insurer = addr(&chain.insurer());

    // The kinds are the FHIR resource types, the registry's own constants.
    let provider = ProviderBuilder::new().connect_http(chain.rpc.clone());
    let registry = RecordRegistry::new(chain.records().0.into(), &provider);
    assert_eq!(
        registry.CLAIM_KIND().call().await.unwrap().0,
        record_kind("Claim").unwrap().0
    );
    assert_eq!(
        registry.CLAIM_RESPONSE_KIND().call().await.unwrap().0,
        record_kind("ClaimResponse").unwrap().0
    );

    let bill = Hash32([0xB1; 32]);
    let (claim, _) = anchor_claim(
        &chain.rpc,
        chain.hospital(),
        chain.records(),
        chain.visit.visit_id,
        bill,
        insurer,
    )
    .await
    .expect("the hospital bills the insurer");
    assert_eq!(claim.claim_id(), record_id_of(patient, claim_kind(), bill));
    assert_eq!(claim.record.patient, patient);
    assert_eq!(claim.organization(), addr(&chain.hospital()));
    assert_eq!(claim.insurer, insurer);
    assert_eq!(
        claim_insurer(
            &chain.rpc,
            chain.records(),
            claim.organization(),
            claim.claim_id()
        )
        .await
        .unwrap(),
        Some(insurer)
    );
    assert_eq!(
        claim_of(
            &chain.rpc,
            chain.records(),
            claim.organization(),
            claim.claim_id()
        )
        .await
        .unwrap(),
        Some(claim.clone())
    );
    // Kept under its organization: the insurer's address names no claim.
    assert_eq!(
        claim_of(&chain.rpc, chain.records(), insurer, claim.claim_id())
            .await
            .unwrap(),
        None
    );
    assert!(
        claim_answers(&chain.rpc, chain.records(), &claim)
            .await
            .unwrap()
            .is_empty()
    );

    // Queued, then complete: two answers, each the patient's record with the insurer as author.
    let mut sent = Vec::new();
    for answer in [Hash32([0xA1; 32]), Hash32([0xA2; 32])] {
        let (answered, _) = anchor_claim_response(
            &chain.rpc,
            chain.insurer(),
            chain.records(),
            &claim.record,
            answer,
        )
        .await
        .expect("the insurer answers");
        assert_eq!(answered.claim_id, claim.claim_id());
        assert_eq!(answered.organization, claim.organization());
        assert_eq!(answered.record.patient, patient);
        assert_eq!(answered.record.author, insurer);
        assert_eq!(answered.record.kind, claim_response_kind());
        assert_eq!(
            answered.record.record_id,
            record_id_of(patient, claim_response_kind(), answer)
        );
        sent.push(answered);
    }
    assert_eq!(
        claim_answers(&chain.rpc, chain.records(), &claim)
            .await
            .unwrap(),
        sent
    );
    // Both are among the patient's records, as any other anchor, with their authors.
    let mine = anchors_of(&chain.rpc, chain.records(), patient)
        .await
        .unwrap();
    let authors: Vec<_> = mine.iter().map(|(a, _, _)| (a.kind, a.author)).collect();
    assert_eq!(
        authors,
        vec![
            (claim_kind(), claim.organization()),
            (claim_response_kind(), insurer),
            (claim_response_kind(), insurer)
        ]
    );
}

#[tokio::test]
async fn claim_refusals_are_typed() {
    let chain = Chain::start().await;
    let insurer = addr(&chain.insurer());
    let bill = Hash32([0xB2; 32]);

    // A claim must name an admitted insurer: not the hospital, not a stranger.
    let stranger = Address([0x5A; 20]);
    for named in [addr(&chain.hospital()), stranger] {
        let (e, code, message) = refusal(
            anchor_claim(
                &chain.rpc,
                chain.hospital(),
                chain.records(),
                chain.visit.visit_id,
                bill,
                named,
            )
            .await,
            "NotAdmittedInsurer",
        );
        assert!(
            matches!(e, RecordRegistryErrors::NotAdmittedInsurer(ref v) if v.account.0 == named.0),
            "{e:?}"
        );
        assert_eq!(code, ErrorCode::NotAdmitted);
        assert!(message.contains("is not an admitted insurer"), "{message}");
    }
    // Only under the sender's open visit: the insurer has none.
    let (e, _, _) = refusal(
        anchor_claim(
            &chain.rpc,
            chain.insurer(),
            chain.records(),
            chain.visit.visit_id,
            bill,
            insurer,
        )
        .await,
        "UnknownVisit",
    );
    assert!(matches!(e, RecordRegistryErrors::UnknownVisit(_)), "{e:?}");

    let (claim, _) = anchor_claim(
        &chain.rpc,
        chain.hospital(),
        chain.records(),
        chain.visit.visit_id,
        bill,
        insurer,
    )
    .await
    .expect("a claim");
    // Once: another insurer cannot be named for the same claim.
    let (e, code, message) = refusal(
        anchor_claim(
            &chain.rpc,
            chain.hospital(),
            chain.records(),
            chain.visit.visit_id,
            bill,
            addr(&chain.other_insurer()),
        )
        .await,
        "ClaimAlreadyAnchored",
    );
    assert!(
        matches!(e, RecordRegistryErrors::ClaimAlreadyAnchored(ref v) if v.claimId.0 == claim.claim_id().0),
        "{e:?}"
    );
    assert_eq!(code, ErrorCode::ChainRefused);
    assert!(message.contains("never changes"), "{message}");

    // Another insurer, admitted, may not answer it.
    let (e, _, message) = refusal(
        anchor_claim_response(
            &chain.rpc,
            chain.other_insurer(),
            chain.records(),
            &claim.record,
            Hash32([0xA1; 32]),
        )
        .await,
        "NotClaimInsurer",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotClaimInsurer(ref v) if v.insurer.0 == insurer.0),
        "{e:?}"
    );
    assert!(message.contains("may not answer it"), "{message}");

    // A claim the hospital did not anchor (another content) is unknown.
    let mut other = claim.record.clone();
    other.ciphertext_hash = Hash32([0xB3; 32]);
    let (e, _, message) = refusal(
        anchor_claim_response(
            &chain.rpc,
            chain.insurer(),
            chain.records(),
            &other,
            Hash32([0xA1; 32]),
        )
        .await,
        "UnknownClaim",
    );
    assert!(matches!(e, RecordRegistryErrors::UnknownClaim(_)), "{e:?}");
    assert!(message.contains("anchored no claim"), "{message}");

    // The insurer anchors no other record of the patient.
    let (e, _, _) = refusal(
        anchor_record(
            &chain.rpc,
            chain.insurer(),
            chain.records(),
            chain.visit.visit_id,
            record_kind("DiagnosticReport").unwrap(),
            Hash32([0xA1; 32]),
        )
        .await,
        "UnknownVisit",
    );
    assert!(matches!(e, RecordRegistryErrors::UnknownVisit(_)), "{e:?}");

    // Suspended, the named insurer cannot answer; nothing was logged meanwhile.
    set_status(
        &chain.rpc,
        chain.node.dev_signer(0),
        chain.registries.participants,
        insurer,
        ParticipantStatus::Suspended,
    )
    .await
    .expect("suspend");
    let (e, code, _) = refusal(
        anchor_claim_response(
            &chain.rpc,
            chain.insurer(),
            chain.records(),
            &claim.record,
            Hash32([0xA1; 32]),
        )
        .await,
        "NotAdmittedInsurer",
    );
    assert!(
        matches!(e, RecordRegistryErrors::NotAdmittedInsurer(_)),
        "{e:?}"
    );
    assert_eq!(code, ErrorCode::NotAdmitted);
    assert!(
        claim_answers(&chain.rpc, chain.records(), &claim)
            .await
            .unwrap()
            .is_empty()
    );
}
