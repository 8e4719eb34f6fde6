//! `gas-bench`: the gas of the registries' transactions on a real anvil, each beside the naive
//! alternative of keeping the same bytes in contract storage. Prints a table; checks nothing.

use std::path::Path;

use alloy::network::ReceiptResponse as _;
use alloy::providers::ProviderBuilder;
use anyhow::Context as _;
use caretrail_chain::local::{LocalNode, anvil_path};
use caretrail_chain::{
    ConsentGrant, ConsentRevocation, Relayer, admission_of, admit, anchor_batch, anchor_claim,
    anchor_claim_response, anchor_own_record, anchor_record, chain_id, deploy_registries,
    grant_verifier, open_visit, record_kind, register_patient, secret_key, sign_consent_grant,
    sign_consent_revocation, sign_enrolment, sign_policy_version, sign_visit_token,
};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_crypto::{SecretKey, envelope};
use caretrail_types::{
    Address, ConsentScope, Enrolment, Hash32, POLICY_EFFECTIVE_SKEW_SECS, ParticipantKind,
    PolicyVersion, PublishRequest, Registration, VisitToken,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

alloy::sol!(
    #[sol(rpc)]
    NaiveStorage,
    "../../contracts/artifacts/NaiveStorage.json"
);

const DOCUMENT: &[u8] = include_bytes!("../../sandbox/data/policies/meridian-gold.json");
const MEDIA: &str = "application/fhir+json";

struct Row {
    operation: &'static str,
    bytes: usize,
    gas: u64,
    /// What the transaction's input costs at 16 gas a non-zero byte and 4 a zero byte.
    calldata: u64,
    naive: Option<u64>,
    goal: &'static str,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let anvil = anvil_path(&root);
    // Prague (anvil's default, as on mainnet) charges at least 10 gas per calldata token
    // (EIP-7623), which hides the execution cost of calldata-heavy calls; Cancun does not.
    let prague = scenario(&LocalNode::start(&anvil, None).context("start anvil")?).await?;
    let cancun = scenario(
        &LocalNode::start_with_hardfork(&anvil, "cancun").context("start anvil (cancun)")?,
    )
    .await?;

    println!(
        "Gas on anvil, per transaction (21k base and calldata included). gas = as charged now \
         (Prague, EIP-7623 calldata floor); cancun = the same without the floor; calldata = 16 gas \
         per non-zero input byte, 4 per zero byte; exec = cancun - calldata; naive = the same \
         bytes in contract storage."
    );
    println!(
        "{:<46} {:>6} {:>8} {:>8} {:>9} {:>8} {:>10}  goal",
        "operation", "bytes", "gas", "cancun", "calldata", "exec", "naive gas"
    );
    for (now, then) in prague.iter().zip(&cancun) {
        println!(
            "{:<46} {:>6} {:>8} {:>8} {:>9} {:>8} {:>10}  {}",
            now.operation,
            now.bytes,
            now.gas,
            then.gas,
            then.calldata,
            then.gas - then.calldata,
            now.naive.map_or_else(|| "-".into(), |g| g.to_string()),
            now.goal
        );
    }
    Ok(())
}

/// Runs every measured operation on a fresh `node`.
async fn scenario(node: &LocalNode) -> anyhow::Result<Vec<Row>> {
    let rpc = node.rpc_url();
    let chain = chain_id(&rpc).await?;
    let authority = node.dev_signer(0);
    let verifier = node.dev_signer(1);
    let insurer = secret_key(&node.dev_signer(2));
    let registries = deploy_registries(&rpc, authority.clone()).await?;
    admit(
        &rpc,
        authority.clone(),
        registries.participants,
        &admission_of(
            &insurer,
            ParticipantKind::Insurer,
            "INS-0002",
            "Bench Insurer",
        ),
    )
    .await?;
    grant_verifier(
        &rpc,
        authority.clone(),
        registries.participants,
        Address(verifier.address().into_array()),
    )
    .await?;

    let mut rows = Vec::new();

    // A policy version, relayed with the insurer's signature, effective from now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let signed = PolicyVersion {
        policy_id: Hash32([7; 32]),
        version: 1,
        content_hash: content_hash(MEDIA, DOCUMENT)?,
        document_hash: document_hash(DOCUMENT),
        previous_hash: Hash32::ZERO,
        effective_at: now,
        media_type: MEDIA.into(),
        deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
    };
    let request = PublishRequest {
        signature: sign_policy_version(&node.dev_signer(2), chain, registries.policies, &signed)?,
        signed,
        document: DOCUMENT.to_vec(),
    };
    let published = Relayer::new(&rpc, verifier.clone())
        .publish_policy(registries.policies, &request)
        .await?;
    // Version 2 of the same policy: one more cold read (the previous version's hash).
    let revised = [&b"{\"caretrailRevision\":2,"[..], &DOCUMENT[1..]].concat();
    let second = PolicyVersion {
        policy_id: Hash32([7; 32]),
        version: 2,
        content_hash: content_hash(MEDIA, &revised)?,
        document_hash: document_hash(&revised),
        previous_hash: request.signed.content_hash,
        effective_at: now,
        media_type: MEDIA.into(),
        deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
    };
    let second = PublishRequest {
        signature: sign_policy_version(&node.dev_signer(2), chain, registries.policies, &second)?,
        signed: second,
        document: revised.clone(),
    };
    let republished = Relayer::new(&rpc, verifier.clone())
        .publish_policy(registries.policies, &second)
        .await?;
    let provider = ProviderBuilder::new()
        // An account of its own: providers keep their own nonce, so two must not share one.
        .wallet(node.dev_signer(7))
        .connect_http(rpc.clone());
    let naive = NaiveStorage::deploy(&provider).await?;
    let naive_policy = naive
        .publish(Hash32([7; 32]).0.into(), DOCUMENT.to_vec().into())
        .send()
        .await?
        .get_receipt()
        .await?
        .gas_used();
    let (publish_gas, publish_calldata) = measured(&rpc, published.tx_id).await?;
    rows.push(Row {
        operation: "publish a policy version (relayed, EIP-712)",
        bytes: DOCUMENT.len(),
        gas: publish_gas,
        calldata: publish_calldata,
        naive: Some(naive_policy),
        goal: "<= 60k + calldata",
    });
    let (gas, calldata) = measured(&rpc, republished.tx_id).await?;
    rows.push(Row {
        operation: "publish the next version (relayed, EIP-712)",
        bytes: revised.len(),
        gas,
        calldata,
        naive: None,
        goal: "<= 60k + calldata",
    });

    // A patient: Enc(U_D) is a real envelope of a FHIR Patient, to her own key.
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let patient = SecretKey::generate(&mut rng);
    let fhir_patient = br#"{"resourceType":"Patient","identifier":[{"system":"urn:nid","value":"1990123456789"}],"name":[{"family":"Rahman","given":["Ayesha"]}],"birthDate":"1990-04-12","address":[{"city":"Dhaka"}]}"#;
    let encrypted = envelope::encrypt(&mut rng, &[patient.public_key()], fhir_patient)?;
    let enrolment = Enrolment {
        patient: patient.address(),
        insurer: insurer.address(),
        policy_id: Hash32([7; 32]),
        version: 1,
        card_hash: Hash32([3; 32]),
        deadline: u64::MAX / 2,
    };
    let registration = Registration {
        nid_commitment: Hash32([9; 32]),
        encrypted_data: encrypted.clone(),
        patient_signature: sign_enrolment(&patient, chain, registries.policies, &enrolment),
        insurer_signature: sign_enrolment(&insurer, chain, registries.policies, &enrolment),
        enrolment,
    };
    let registered =
        register_patient(&rpc, verifier.clone(), registries.patients, &registration).await?;
    let naive_patient = naive
        .register(
            alloy::primitives::Address::from(patient.address().0),
            Hash32([9; 32]).0.into(),
            Hash32([8; 32]).0.into(),
            encrypted.clone().into(),
        )
        .send()
        .await?
        .get_receipt()
        .await?
        .gas_used();
    rows.push(Row {
        operation: "register a patient (Enc(U_D) + enrolment)",
        bytes: encrypted.len(),
        gas: registered.gas_used,
        calldata: measured(&rpc, registered.tx_id).await?.1,
        naive: Some(naive_patient),
        goal: "<= 120k",
    });

    // Records: a hospital anchors under a visit the patient signed; the patient anchors her own.
    let hospital_signer = node.dev_signer(3);
    let hospital = secret_key(&hospital_signer);
    admit(
        &rpc,
        authority.clone(),
        registries.participants,
        &admission_of(
            &hospital,
            ParticipantKind::HealthOrganization,
            "HO-0003",
            "Bench Hospital",
        ),
    )
    .await?;
    let patient_signer = node.dev_signer(4);
    let holder = secret_key(&patient_signer);
    let token = VisitToken {
        patient: holder.address(),
        organization: hospital.address(),
        visit_id: Hash32([1; 32]),
        expires_at: u64::MAX / 2,
        not_after: u64::MAX / 2,
    };
    let signature = sign_visit_token(&holder, chain, registries.records, &token);
    let opened = open_visit(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        &token,
        &signature,
    )
    .await?;
    rows.push(Row {
        operation: "open a visit (hospital, the patient's token)",
        bytes: 0,
        gas: opened.gas_used,
        calldata: measured(&rpc, opened.tx_id).await?.1,
        naive: None,
        goal: "-",
    });
    // The visit's records (U_P, T_D, the Encounter) in one batch: what the hospital sends after
    // opening the visit. A batch costs the same whatever its count.
    let visit_batch = anchor_batch(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        token.visit_id,
        Hash32([5; 32]),
        3,
    )
    .await?;
    rows.push(Row {
        operation: "anchor the visit's 3 records in one batch",
        bytes: 0,
        gas: visit_batch.gas_used,
        calldata: measured(&rpc, visit_batch.tx_id).await?.1,
        naive: None,
        goal: "-",
    });
    rows.push(Row {
        operation: "open a visit + its batch, in all",
        bytes: 0,
        gas: opened.gas_used + visit_batch.gas_used,
        calldata: rows[rows.len() - 2].calldata + rows[rows.len() - 1].calldata,
        naive: None,
        goal: "<= 120k",
    });
    let kind = record_kind("DiagnosticReport").context("kind")?;
    let holder_address = alloy::primitives::Address::from(holder.address().0);
    let (_, by_hospital) = anchor_record(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        token.visit_id,
        kind,
        Hash32([3; 32]),
    )
    .await?;
    let naive_one = naive
        .anchor(
            [2; 32].into(),
            holder_address,
            kind.0.into(),
            [3; 32].into(),
        )
        .send()
        .await?
        .get_receipt()
        .await?
        .gas_used();
    rows.push(Row {
        operation: "anchor one record (hospital, under a visit)",
        bytes: 0,
        gas: by_hospital.gas_used,
        calldata: measured(&rpc, by_hospital.tx_id).await?.1,
        naive: Some(naive_one),
        goal: "<= 50k",
    });
    let (_, own) = anchor_own_record(
        &rpc,
        patient_signer,
        registries.records,
        kind,
        Hash32([6; 32]),
    )
    .await?;
    rows.push(Row {
        operation: "anchor one record (the patient's own)",
        bytes: 0,
        gas: own.gas_used,
        calldata: measured(&rpc, own.tx_id).await?.1,
        naive: Some(naive_one),
        goal: "<= 50k",
    });
    let batch = anchor_batch(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        token.visit_id,
        Hash32([7; 32]),
        100,
    )
    .await?;
    let ids: Vec<alloy::primitives::FixedBytes<32>> = (0u8..100)
        .map(|i| [i.wrapping_add(100); 32].into())
        .collect();
    let naive_many = naive
        .anchorMany(ids.clone(), holder_address, kind.0.into(), ids)
        .send()
        .await?
        .get_receipt()
        .await?
        .gas_used();
    rows.push(Row {
        operation: "anchor 100 records (Merkle root), per record",
        bytes: 0,
        gas: batch.gas_used / 100,
        calldata: measured(&rpc, batch.tx_id).await?.1 / 100,
        naive: Some(naive_many / 100),
        goal: "<= 5k",
    });

    // The bill (U_B) under the visit, naming the insurer; the insurer's answer to it (queued, then
    // complete: each answer costs the same).
    let (claim, billed) = anchor_claim(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        token.visit_id,
        Hash32([0xB1; 32]),
        insurer.address(),
    )
    .await?;
    rows.push(Row {
        operation: "anchor a claim (hospital, naming the insurer)",
        bytes: 0,
        gas: billed.gas_used,
        calldata: measured(&rpc, billed.tx_id).await?.1,
        naive: None,
        goal: "-",
    });
    let (_, answered) = anchor_claim_response(
        &rpc,
        node.dev_signer(2),
        registries.records,
        &claim.record,
        Hash32([0xA1; 32]),
    )
    .await?;
    rows.push(Row {
        operation: "anchor the insurer's answer to it",
        bytes: 0,
        gas: answered.gas_used,
        calldata: measured(&rpc, answered.tx_id).await?.1,
        naive: None,
        goal: "<= 50k",
    });

    // Consent: the patient signs, the relay pays. A grant writes one fresh slot; a revocation
    // clears it, and its receipt is after the refund.
    let relayer = Relayer::new(&rpc, verifier.clone());
    let grant = ConsentGrant {
        patient: holder.address(),
        grantee: hospital.address(),
        scope: ConsentScope::Kind,
        target: kind,
        expires_at: u64::MAX / 2,
        nonce: 0,
        deadline: u64::MAX / 2,
    };
    let signature = sign_consent_grant(&holder, chain, registries.records, &grant);
    let granted = relayer
        .grant_access_by_sig(registries.records, &grant, &signature)
        .await?;
    rows.push(Row {
        operation: "grant access to a kind (relayed, EIP-712)",
        bytes: 0,
        gas: granted.gas_used,
        calldata: measured(&rpc, granted.tx_id).await?.1,
        naive: None,
        goal: "-",
    });
    let revocation = ConsentRevocation {
        patient: grant.patient,
        grantee: grant.grantee,
        scope: grant.scope,
        target: grant.target,
        nonce: 1,
        deadline: grant.deadline,
    };
    let signature = sign_consent_revocation(&holder, chain, registries.records, &revocation);
    let revoked = relayer
        .revoke_access_by_sig(registries.records, &revocation, &signature)
        .await?;
    rows.push(Row {
        operation: "revoke it (relayed, EIP-712; after refund)",
        bytes: 0,
        gas: revoked.gas_used,
        calldata: measured(&rpc, revoked.tx_id).await?.1,
        naive: None,
        goal: "-",
    });

    // The relay anchors the Merkle root of a run of its read-log entries.
    let audit = relayer
        .anchor_audit_root(registries.records, Hash32([0xA1; 32]), 0, 60)
        .await?;
    rows.push(Row {
        operation: "anchor an audit root (60 read-log entries)",
        bytes: 0,
        gas: audit.gas_used,
        calldata: measured(&rpc, audit.tx_id).await?.1,
        naive: None,
        goal: "-",
    });

    Ok(rows)
}

/// The gas a transaction used, and what its input bytes cost.
async fn measured(
    rpc: &caretrail_chain::RpcUrl,
    tx: caretrail_types::TxId,
) -> anyhow::Result<(u64, u64)> {
    use alloy::consensus::Transaction as _;
    use alloy::providers::Provider as _;
    let provider = ProviderBuilder::new().connect_http(rpc.clone());
    let hash = alloy::primitives::B256::from(tx.0);
    let receipt = provider
        .get_transaction_receipt(hash)
        .await?
        .context("no receipt")?;
    let transaction = provider
        .get_transaction_by_hash(hash)
        .await?
        .context("no transaction")?;
    let calldata = transaction
        .input()
        .iter()
        .map(|&byte| if byte == 0 { 4 } else { 16 })
        .sum();
    Ok((receipt.gas_used(), calldata))
}
