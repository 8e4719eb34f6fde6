//! Recovery of a registration through `caretrail-chain`, against a real anvil whose clock the
//! tests move past the timelock: a lost key recovered, a hijacked NID returned to its owner, the
//! current key saying no, and each refusal as a typed error.

use alloy::network::ReceiptResponse as _;
use alloy::providers::{Provider, ProviderBuilder};
use caretrail_chain::PatientRegistry::PatientRegistryErrors;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ChainError, PatientRegistry, PrivateKeySigner, Refusal, Relayer, RpcUrl, admission_of, admit,
    cancel_recovery, cancel_recovery_by_sig, chain_id, deploy_registries, execute_recovery,
    grant_verifier, holder_of_nid, is_registered, key_rotation, patient_of, pending_recovery,
    pending_recovery_of_record, propose_recovery, recovery, register_patient, rotate_key,
    secret_key, sign_enrolment, sign_key_rotation, sign_policy_version, sign_recovery,
};
use caretrail_crypto::SecretKey;
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_crypto::recovery::{RegistryDomain, sign_cancellation};
use caretrail_types::{
    Address, Enrolment, ErrorCode, Hash32, POLICY_EFFECTIVE_SKEW_SECS, ParticipantKind,
    PolicyVersion, PublishRequest, RECOVERY_TIMELOCK_SECS, Recovery, Registration, Registries,
};
use std::path::Path;

const NID: Hash32 = Hash32([9; 32]);
/// Far ahead of anvil's clock, even after the tests move it.
const DEADLINE: u64 = 4_000_000_000;

/// Anvil's accounts: 0 deploys and is the health authority, 1 relays, 2 is the insurer, 5 the
/// verification unit; the patients' keys are funded accounts too, so they can send their own
/// cancellations.
const AUTHORITY: usize = 0;
const VERIFIER: usize = 5;
const HOLDER: usize = 6;
const NEW_KEY: usize = 7;
const ANYONE: usize = 8;
const STRANGER: usize = 9;

struct World {
    node: LocalNode,
    rpc: RpcUrl,
    chain: u64,
    registries: Registries,
    /// H of the registration under `NID`, held by account `HOLDER`.
    record: Hash32,
}

impl World {
    fn signer(&self, index: usize) -> PrivateKeySigner {
        self.node.dev_signer(index)
    }

    fn key(&self, index: usize) -> SecretKey {
        secret_key(&self.signer(index))
    }

    fn address(&self, index: usize) -> Address {
        self.key(index).address()
    }

    /// Registers account `patient` under `nid` (the verification unit's job).
    async fn register(&self, patient: usize, nid: Hash32) -> Hash32 {
        let insurer = self.key(2);
        let patient = self.key(patient);
        let enrolment = Enrolment {
            patient: patient.address(),
            insurer: insurer.address(),
            policy_id: Hash32([7; 32]),
            version: 1,
            card_hash: Hash32([3; 32]),
            deadline: DEADLINE,
        };
        let policies = self.registries.policies;
        let registration = Registration {
            nid_commitment: nid,
            encrypted_data: vec![4, 1, 2, 3],
            patient_signature: sign_enrolment(&patient, self.chain, policies, &enrolment),
            insurer_signature: sign_enrolment(&insurer, self.chain, policies, &enrolment),
            enrolment,
        };
        let registered = register_patient(
            &self.rpc,
            self.signer(VERIFIER),
            self.registries.patients,
            &registration,
        )
        .await
        .expect("register");
        eprintln!("gas: register {}", registered.gas_used);
        registered.record
    }

    /// The recovery of `NID` to account `to`, signed by `signer` (the new key itself, unless a
    /// test says otherwise).
    async fn signed_recovery(
        &self,
        to: usize,
        signer: usize,
    ) -> (Recovery, caretrail_types::Signature) {
        let recovery = recovery(
            &self.rpc,
            self.registries.patients,
            NID,
            self.address(to),
            DEADLINE,
        )
        .await
        .expect("recovery");
        let signature = sign_recovery(
            &self.key(signer),
            self.chain,
            self.registries.patients,
            &recovery,
        );
        (recovery, signature)
    }

    async fn propose(
        &self,
        proposer: usize,
        to: usize,
    ) -> Result<caretrail_types::RecoveryProposal, ChainError> {
        let (recovery, signature) = self.signed_recovery(to, to).await;
        propose_recovery(
            &self.rpc,
            self.signer(proposer),
            self.registries.patients,
            &recovery,
            &signature,
        )
        .await
    }

    async fn cancel(&self, sender: usize) -> Result<caretrail_chain::Written, ChainError> {
        cancel_recovery(
            &self.rpc,
            self.signer(sender),
            self.registries.patients,
            NID,
        )
        .await
    }

    async fn execute(&self, sender: usize) -> Result<caretrail_chain::Written, ChainError> {
        execute_recovery(
            &self.rpc,
            self.signer(sender),
            self.registries.patients,
            NID,
        )
        .await
    }

    async fn holder(&self) -> Option<Address> {
        holder_of_nid(&self.rpc, self.registries.patients, NID)
            .await
            .expect("holder")
    }

    async fn holds(&self, index: usize) -> bool {
        is_registered(
            &self.rpc,
            self.registries.patients,
            self.address(index),
            self.record,
        )
        .await
        .expect("asks")
    }

    /// Moves anvil's clock `seconds` ahead and mines a block there.
    async fn pass(&self, seconds: u64) {
        self.node.pass_time(seconds).await.expect("time passes");
    }

    async fn latest_timestamp(&self) -> u64 {
        let provider = ProviderBuilder::new().connect_http(self.rpc.clone());
        provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .expect("block")
            .expect("latest")
            .header
            .timestamp
    }
}

/// Registries deployed, the insurer admitted with policy 7 published, account `VERIFIER` the
/// verification unit, and account `HOLDER` registered under `NID`.
async fn world() -> World {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let node = LocalNode::start(&anvil_path(&root), None).expect("anvil starts");
    let rpc = node.rpc_url();
    let chain = chain_id(&rpc).await.expect("chain id");
    let registries = deploy_registries(&rpc, node.dev_signer(AUTHORITY))
        .await
        .expect("deploy");
    let insurer = secret_key(&node.dev_signer(2));
    admit(
        &rpc,
        node.dev_signer(AUTHORITY),
        registries.participants,
        &admission_of(&insurer, ParticipantKind::Insurer, "INS-0002", "Insurer"),
    )
    .await
    .expect("admit");
    let doc = br#"{"resourceType":"InsurancePlan","name":"Gold"}"#;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let signed = PolicyVersion {
        policy_id: Hash32([7; 32]),
        version: 1,
        content_hash: content_hash("application/fhir+json", doc).expect("json"),
        document_hash: document_hash(doc),
        previous_hash: Hash32::ZERO,
        effective_at: now,
        media_type: "application/fhir+json".into(),
        deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
    };
    let request = PublishRequest {
        signature: sign_policy_version(&node.dev_signer(2), chain, registries.policies, &signed)
            .expect("sign"),
        signed,
        document: doc.to_vec(),
    };
    Relayer::new(&rpc, node.dev_signer(1))
        .publish_policy(registries.policies, &request)
        .await
        .expect("publish");
    grant_verifier(
        &rpc,
        node.dev_signer(AUTHORITY),
        registries.participants,
        secret_key(&node.dev_signer(VERIFIER)).address(),
    )
    .await
    .expect("grant");
    let mut world = World {
        node,
        rpc,
        chain,
        registries,
        record: Hash32::ZERO,
    };
    world.record = world.register(HOLDER, NID).await;
    world
}

/// The patient registry's refusal: its error and the whole `ChainError`, or a panic naming what
/// was expected.
fn refusal<T: std::fmt::Debug>(
    result: Result<T, ChainError>,
    what: &str,
) -> (PatientRegistryErrors, ChainError) {
    match result {
        Err(ChainError::Refused(Refusal::Patients(e))) => {
            (e.clone(), ChainError::Refused(Refusal::Patients(e)))
        }
        other => panic!("{what}: expected the patient registry's refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_timelock_is_the_registrys() {
    let w = world().await;
    let provider = ProviderBuilder::new().connect_http(w.rpc.clone());
    let timelock = PatientRegistry::new(
        alloy::primitives::Address::from(w.registries.patients.0),
        &provider,
    )
    .RECOVERY_TIMELOCK()
    .call()
    .await
    .expect("asks");
    assert_eq!(timelock, RECOVERY_TIMELOCK_SECS);
}

#[tokio::test]
async fn a_lost_key_is_recovered() {
    let w = world().await;
    assert_eq!(w.holder().await, Some(w.address(HOLDER)));

    // The verification unit re-verified her and proposes her new key, announced on chain.
    let proposal = w.propose(VERIFIER, NEW_KEY).await.expect("propose");
    eprintln!("gas: proposeRecovery {}", proposal.gas_used);
    let proposed_at = w.latest_timestamp().await;
    let pending = proposal.pending;
    assert_eq!(
        (
            pending.nid_commitment,
            pending.record,
            pending.from,
            pending.to
        ),
        (NID, w.record, w.address(HOLDER), w.address(NEW_KEY))
    );
    assert_eq!(pending.executable_at, proposed_at + RECOVERY_TIMELOCK_SECS);
    assert!(!pending.proposer_is_authority && pending.holder_may_cancel());
    assert_eq!(
        pending_recovery(&w.rpc, w.registries.patients, NID)
            .await
            .expect("asks"),
        Some(pending)
    );

    // Not before the timelock.
    let (e, error) = refusal(w.execute(ANYONE).await, "executed at once");
    assert!(
        matches!(e, PatientRegistryErrors::RecoveryTimelocked(_)),
        "{e:?}"
    );
    assert_eq!(error.code(), ErrorCode::NoRecoveryPending);
    assert!(
        error
            .to_string()
            .contains(&format!("executed from {}", pending.executable_at)),
        "{error}"
    );
    assert!(w.holds(HOLDER).await, "still the lost key's");

    // A week later anyone executes it, and H follows the new key like a rotation.
    w.pass(RECOVERY_TIMELOCK_SECS).await;
    let executed = w.execute(ANYONE).await.expect("execute");
    eprintln!("gas: executeRecovery {}", executed.gas_used);
    assert!(w.holds(NEW_KEY).await, "H is the new key's");
    assert!(!w.holds(HOLDER).await, "the lost key holds nothing");
    assert_eq!(w.holder().await, Some(w.address(NEW_KEY)));
    assert_eq!(
        patient_of(&w.rpc, w.registries.patients, w.record)
            .await
            .expect("look up"),
        Some(w.address(NEW_KEY)),
        "KeyRotated names the new holder"
    );
    assert_eq!(
        pending_recovery(&w.rpc, w.registries.patients, NID)
            .await
            .expect("asks"),
        None
    );

    // The recovered key rotates like any key: the record's rotation nonce counted the move.
    let rotation = key_rotation(
        &w.rpc,
        w.registries.patients,
        w.address(NEW_KEY),
        w.address(STRANGER),
        DEADLINE,
    )
    .await
    .expect("rotation");
    assert_eq!(rotation.nonce, 1);
    let by_old = sign_key_rotation(&w.key(NEW_KEY), w.chain, w.registries.patients, &rotation);
    let by_new = sign_key_rotation(&w.key(STRANGER), w.chain, w.registries.patients, &rotation);
    let tx = rotate_key(
        &w.rpc,
        w.signer(ANYONE),
        w.registries.patients,
        &rotation,
        &by_old,
        &by_new,
    )
    .await
    .expect("rotate");
    let provider = ProviderBuilder::new().connect_http(w.rpc.clone());
    let receipt = provider
        .get_transaction_receipt(alloy::primitives::B256::from(tx.0))
        .await
        .expect("receipt")
        .expect("mined");
    eprintln!("gas: rotateKey (second move of H) {}", receipt.gas_used());
    assert_eq!(w.holder().await, Some(w.address(STRANGER)));
}

#[tokio::test]
async fn a_hijacked_nid_is_returned_to_its_owner() {
    // `HOLDER` registered a national ID that is not his; its owner holds `NEW_KEY`.
    let w = world().await;
    let proposal = w.propose(AUTHORITY, NEW_KEY).await.expect("propose");
    assert!(proposal.pending.proposer_is_authority && !proposal.pending.holder_may_cancel());

    // The hijacker cannot cancel his own undoing, nor can the verification unit.
    for who in [HOLDER, VERIFIER] {
        let (e, error) = refusal(w.cancel(who).await, "cancelled the authority's recovery");
        match e {
            PatientRegistryErrors::NotAllowedToCancel(v) => {
                assert_eq!(v.caller.0.0, w.address(who).0);
                assert!(v.byAuthority);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            error.to_string().contains("only the authority cancels it"),
            "{error}"
        );
    }

    w.pass(RECOVERY_TIMELOCK_SECS).await;
    w.execute(ANYONE).await.expect("execute");
    assert!(w.holds(NEW_KEY).await, "her NID's registration is hers");
    assert!(!w.holds(HOLDER).await, "the hijacker holds nothing");
    assert_eq!(w.holder().await, Some(w.address(NEW_KEY)));
}

#[tokio::test]
async fn the_current_key_cancels_the_verifiers_recovery() {
    let w = world().await;
    let (recovery, signature) = w.signed_recovery(NEW_KEY, NEW_KEY).await;
    propose_recovery(
        &w.rpc,
        w.signer(VERIFIER),
        w.registries.patients,
        &recovery,
        &signature,
    )
    .await
    .expect("propose");

    // She still holds her key and says no.
    let cancelled = w.cancel(HOLDER).await.expect("cancel");
    eprintln!("gas: cancelRecovery {}", cancelled.gas_used);
    assert_eq!(
        pending_recovery(&w.rpc, w.registries.patients, NID)
            .await
            .expect("asks"),
        None
    );
    w.pass(RECOVERY_TIMELOCK_SECS).await;
    let (e, _) = refusal(w.execute(ANYONE).await, "executed a cancelled recovery");
    assert!(
        matches!(e, PatientRegistryErrors::NoPendingRecovery(_)),
        "{e:?}"
    );
    assert!(w.holds(HOLDER).await, "nothing moved");

    // The cancelled proposal's signature proposes nothing again.
    let (e, error) = refusal(
        propose_recovery(
            &w.rpc,
            w.signer(VERIFIER),
            w.registries.patients,
            &recovery,
            &signature,
        )
        .await,
        "a recovery signature proposed twice",
    );
    assert!(
        matches!(e, PatientRegistryErrors::NotSignedByTheNewKey(_)),
        "{e:?}"
    );
    assert!(error.to_string().contains("not by the new key"), "{error}");
}

#[tokio::test]
async fn the_current_key_cancels_by_a_signature_anyone_sends_and_the_recovery_is_found_from_h() {
    let w = world().await;
    let patients = w.registries.patients;
    assert_eq!(
        pending_recovery_of_record(&w.rpc, patients, w.record)
            .await
            .expect("asks"),
        None,
        "nothing proposed yet"
    );
    w.propose(VERIFIER, NEW_KEY).await.expect("propose");
    let pending = pending_recovery_of_record(&w.rpc, patients, w.record)
        .await
        .expect("asks")
        .expect("found from H alone");
    assert_eq!(
        (pending.nid_commitment, pending.to),
        (NID, w.address(NEW_KEY))
    );

    let cancellation = caretrail_chain::cancellation(&w.rpc, patients, NID, DEADLINE)
        .await
        .expect("asks")
        .expect("one is pending");
    let domain = RegistryDomain {
        chain_id: w.chain,
        patients,
    };
    // A stranger's signature is refused as the stranger's; hers cancels, sent by anyone.
    let by_stranger = sign_cancellation(&w.key(STRANGER), domain, &cancellation);
    let (e, _) = refusal(
        cancel_recovery_by_sig(
            &w.rpc,
            w.signer(ANYONE),
            patients,
            &cancellation,
            &by_stranger,
        )
        .await,
        "a stranger's signature cancelled",
    );
    assert!(
        matches!(e, PatientRegistryErrors::NotAllowedToCancel(ref n) if n.caller.0 == w.address(STRANGER).0),
        "{e:?}"
    );
    let by_holder = sign_cancellation(&w.key(HOLDER), domain, &cancellation);
    let sent = cancel_recovery_by_sig(
        &w.rpc,
        w.signer(ANYONE),
        patients,
        &cancellation,
        &by_holder,
    )
    .await
    .expect("cancelled");
    eprintln!("gas: cancelRecoveryBySig {}", sent.gas_used);
    assert_eq!(
        pending_recovery_of_record(&w.rpc, patients, w.record)
            .await
            .expect("asks"),
        None
    );
    assert_eq!(
        caretrail_chain::cancellation(&w.rpc, patients, NID, DEADLINE)
            .await
            .expect("asks"),
        None,
        "nothing left to cancel"
    );
}

#[tokio::test]
async fn refused_recoveries_come_back_as_typed_errors() {
    let w = world().await;

    // Not the verification unit nor the authority: a refusal about who asked.
    let (e, error) = refusal(w.propose(STRANGER, NEW_KEY).await, "a stranger proposed");
    assert!(
        matches!(e, PatientRegistryErrors::NotTheVerifierOrTheAuthority(_)),
        "{e:?}"
    );
    assert_eq!(error.code(), ErrorCode::NotAdmitted);
    assert!(
        error.to_string().contains("only they propose a recovery"),
        "{error}"
    );

    // Signed by another key than the new one.
    let (recovery, by_stranger) = w.signed_recovery(NEW_KEY, STRANGER).await;
    let (e, _) = refusal(
        propose_recovery(
            &w.rpc,
            w.signer(VERIFIER),
            w.registries.patients,
            &recovery,
            &by_stranger,
        )
        .await,
        "proposed without the new key's signature",
    );
    assert!(
        matches!(e, PatientRegistryErrors::NotSignedByTheNewKey(_)),
        "{e:?}"
    );

    // Onto a key that is registered.
    w.register(STRANGER, Hash32([8; 32])).await;
    let (e, error) = refusal(w.propose(VERIFIER, STRANGER).await, "onto a registered key");
    assert!(
        matches!(e, PatientRegistryErrors::AlreadyRegistered(_)),
        "{e:?}"
    );
    assert_eq!(error.code(), ErrorCode::AlreadyRegistered);

    // A national ID nobody registered.
    let unknown = Recovery {
        nid_commitment: Hash32([1; 32]),
        to: w.address(NEW_KEY),
        nonce: 0,
        deadline: DEADLINE,
    };
    let signature = sign_recovery(&w.key(NEW_KEY), w.chain, w.registries.patients, &unknown);
    let (e, error) = refusal(
        propose_recovery(
            &w.rpc,
            w.signer(VERIFIER),
            w.registries.patients,
            &unknown,
            &signature,
        )
        .await,
        "recovered an unregistered NID",
    );
    assert!(
        matches!(e, PatientRegistryErrors::NidNotRegistered(_)),
        "{e:?}"
    );
    assert!(error.to_string().contains("nothing to recover"), "{error}");

    // A second proposal while one is pending, and a stranger's cancellation.
    w.propose(VERIFIER, NEW_KEY).await.expect("propose");
    let (e, error) = refusal(w.propose(AUTHORITY, ANYONE).await, "two pending recoveries");
    assert!(
        matches!(e, PatientRegistryErrors::RecoveryAlreadyPending(_)),
        "{e:?}"
    );
    assert!(error.to_string().contains("already pending"), "{error}");
    let (e, error) = refusal(w.cancel(STRANGER).await, "a stranger cancelled");
    match e {
        PatientRegistryErrors::NotAllowedToCancel(v) => assert!(!v.byAuthority),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("may not cancel"), "{error}");
    assert!(w.holds(HOLDER).await, "nothing moved");
}
