//! Hospital admission as the health authority runs it: `caretrail authority admit <licence>`
//! checks the government registry and admits the organization with its key; suspended, revoked,
//! unknown and non-hospital licences are refused; `block` takes it out, and then it can do
//! nothing on the contracts or through the relay.

mod common;

use caretrail_chain::RecordRegistry::RecordRegistryErrors;
use caretrail_chain::{
    ChainError, Refusal, anchor_record, is_admitted, open_visit, record_kind, secret_key,
    sign_policy_version, sign_visit_token,
};
use caretrail_crypto::SecretKey;
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    ErrorCode, Hash32, POLICY_EFFECTIVE_SKEW_SECS, ParticipantKind, PolicyVersion, PublishRequest,
    Signature, UiError, VisitToken,
};
use common::{dead_url, stack};
use std::process::Output;

async fn caretrail(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .env_remove("CARETRAIL_RELAY_URL")
        .env_remove("CARETRAIL_AUTHORITY_KEY")
        .env_remove("CARETRAIL_GOV_REGISTRY")
        .output()
        .await
        .expect("caretrail runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn refused_as(visit: Result<impl std::fmt::Debug, ChainError>) {
    match visit {
        Err(ChainError::Refused(Refusal::Records(
            RecordRegistryErrors::NotAdmittedOrganization(_),
        ))) => {}
        other => panic!("an organization that is not admitted wrote: {other:?}"),
    }
}

#[tokio::test]
async fn the_authority_admits_only_active_hospital_licences_and_blocking_stops_everything() {
    let stack = stack().await;
    let node = stack.node();
    let rpc = stack.rpc_url();
    let records = stack.deployment.registries.records;
    let participants = stack.deployment.registries.participants;
    let chain = stack.deployment.chain_id;
    let authority = hex::encode(node.dev_signer(0).to_bytes());
    let hospital = node.dev_signer(5);
    let hospital_key = secret_key(&hospital);
    let public_key = hex::encode(hospital_key.public_key().to_compressed());
    let gov = format!("{}/gov", stack.sandbox_url);
    let admit = |licence: &'static str, registry: String, key: String| {
        let relay = stack.relay_url.clone();
        let authority = authority.clone();
        async move {
            caretrail(&[
                "authority",
                "admit",
                licence,
                "--public-key",
                &key,
                "--registry",
                &registry,
                "--relay",
                &relay,
                "--authority-key",
                &authority,
            ])
            .await
        }
    };

    // Not admitted yet: the hospital cannot open a visit, even with the patient's signature.
    let patient = SecretKey::generate(&mut rand_core::OsRng);
    let visit = |n: u8| VisitToken {
        patient: patient.address(),
        organization: hospital_key.address(),
        visit_id: Hash32([n; 32]),
        expires_at: 4_000_000_000,
        not_after: 4_000_000_000,
    };
    let open = |token: VisitToken| {
        let rpc = rpc.clone();
        let hospital = hospital.clone();
        let signature = sign_visit_token(&patient, chain, records, &token);
        async move { open_visit(&rpc, hospital, records, &token, &signature).await }
    };
    refused_as(open(visit(1)).await);

    // Refusals: each licence the registry does not list as an active hospital, a registry that
    // is down, a key that is no key.
    for (licence, says) in [
        ("HO-LIC-2001", "suspended"),
        ("HO-LIC-3001", "revoked"),
        ("HO-LIC-9999", "lists no licence"),
        ("INS-SANDBOX-0001", "an insurer's licence"),
    ] {
        let out = admit(licence, gov.clone(), public_key.clone()).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{licence}: {err}");
        assert!(err.contains("[licence_refused]"), "{licence}: {err}");
        assert!(err.contains(says), "{licence}: {err}");
    }
    let out = admit("HO-LIC-1001", dead_url(), public_key.clone()).await;
    assert!(
        text(&out.stderr).contains("[service_unavailable]"),
        "{}",
        text(&out.stderr)
    );
    // A registry that answers with a redirect (here to the real one) is failing: not followed.
    let redirecting = common::redirecting_to(gov.clone()).await;
    let out = admit("HO-LIC-1001", redirecting, public_key.clone()).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[service_unavailable]") && err.contains("307"),
        "{err}"
    );
    let out = admit("HO-LIC-1001", gov.clone(), "04deadbeef".into()).await;
    assert!(
        text(&out.stderr).contains("[invalid_input]"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !is_admitted(
            &rpc,
            participants,
            hospital_key.address(),
            ParticipantKind::HealthOrganization
        )
        .await
        .expect("chain")
    );

    // An active hospital licence is admitted with its key.
    let out = admit("HO-LIC-1001", gov.clone(), public_key.clone()).await;
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    assert!(said.contains("St. Olav Municipal Hospital"), "{said}");
    assert!(said.contains(&hospital_key.address().to_string()), "{said}");
    open(visit(2))
        .await
        .expect("an admitted hospital opens a visit");
    let kind = record_kind("DiagnosticReport").expect("kind");
    anchor_record(
        &rpc,
        hospital.clone(),
        records,
        Hash32([2; 32]),
        kind,
        Hash32([1; 32]),
    )
    .await
    .expect("and anchors a record under it");
    // A licence is admitted once.
    let again = admit("HO-LIC-1001", gov.clone(), public_key.clone()).await;
    assert!(
        text(&again.stderr).contains("[chain_refused]"),
        "{}",
        text(&again.stderr)
    );

    // Blocked: nothing on the contracts any more, not even under the visit already open.
    let out = caretrail(&[
        "authority",
        "block",
        "HO-LIC-1001",
        "--relay",
        &stack.relay_url,
        "--authority-key",
        &authority,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("blocked St. Olav"),
        "{}",
        text(&out.stdout)
    );
    refused_as(open(visit(3)).await);
    refused_as(
        anchor_record(
            &rpc,
            hospital.clone(),
            records,
            Hash32([2; 32]),
            kind,
            Hash32([5; 32]),
        )
        .await,
    );

    // Nor through the relay: it pays for no one the registry has not admitted for the job.
    let document = br#"{"resourceType":"InsurancePlan","name":"not an insurer's"}"#.to_vec();
    let mut request = PublishRequest {
        signed: PolicyVersion {
            policy_id: Hash32([1; 32]),
            version: 1,
            content_hash: content_hash("application/fhir+json", &document).expect("hash"),
            document_hash: document_hash(&document),
            previous_hash: Hash32::ZERO,
            effective_at: caretrail_client::unix_now(),
            media_type: "application/fhir+json".into(),
            deadline: caretrail_client::unix_now() + POLICY_EFFECTIVE_SKEW_SECS,
        },
        document,
        signature: Signature([0; 65]),
    };
    request.signature = sign_policy_version(
        &hospital,
        chain,
        stack.deployment.registries.policies,
        &request.signed,
    )
    .expect("sign");
    let response = reqwest::Client::new()
        .post(format!("{}/v1/policies", stack.relay_url))
        .json(&request)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 403);
    let error: UiError = response.json().await.expect("json");
    assert_eq!(error.code, ErrorCode::NotAdmitted, "{error}");
    stack.stop().await;
}
