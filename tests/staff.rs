//! A health organization's staff, end to end: the organization's key provisioned on its
//! workstation from its recovery phrase, a staff member's own key, a certificate issued for a
//! role, shown to the relay with a request her key signs; and each refusal: another role, another
//! key's certificate, a tampered one, an expired one, an organization never admitted or
//! suspended, a revoked key, a revocation not signed by the organization.

mod common;

use caretrail_chain::{admit, set_status};
use caretrail_client::Client;
use caretrail_crypto::staff::{StaffDomain, sign_certificate, sign_revocation};
use caretrail_keystore::RecoveryPhrase;
use caretrail_types::{
    Admission, ErrorCode, ParticipantKind, ParticipantStatus, SignedStaffCertificate,
    StaffCertificate, StaffRevocation, StaffRole, UiError,
};
use common::{PASSWORD, refused_as, stack, wallet};
use tempfile::TempDir;

async fn caretrail(args: &[&str], wallet: &TempDir) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_caretrail"))
        .args(args)
        .env("CARETRAIL_PASSWORD", PASSWORD)
        .env("CARETRAIL_WALLET", wallet.path())
        .env_remove("CARETRAIL_RELAY_URL")
        .env_remove("CARETRAIL_PHRASE")
        .output()
        .await
        .expect("caretrail runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The code a refused command printed (`[code] message` on stderr).
fn refused_with(out: &std::process::Output, code: &str) {
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains(&format!("[{code}]")),
        "expected [{code}]: {}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_staff_member_acts_under_her_certificate_until_it_is_refused() {
    let stack = stack().await;
    let relay = stack.relay_url.as_str();
    let rpc = stack.rpc_url();
    let participants = stack.deployment.registries.participants;
    let authority = stack.node().dev_signer(0);
    let domain = StaffDomain {
        chain_id: stack.deployment.chain_id,
        participants,
    };

    // The hospital: its key from a phrase, admitted by the health authority.
    let phrase = RecoveryPhrase::generate(&mut rand_core::OsRng);
    let hospital_key = phrase.derive_key();
    admit(
        &rpc,
        authority.clone(),
        participants,
        &Admission {
            signer: hospital_key.address(),
            kind: ParticipantKind::HealthOrganization,
            licence_id: "HO-LIC-1001".into(),
            name: "Uppsala University Hospital".into(),
            encryption_key: hospital_key.public_key().to_compressed().to_vec(),
        },
    )
    .await
    .expect("admitted");
    let (workstation, doctor, other) = (
        TempDir::new().expect("dir"),
        TempDir::new().expect("dir"),
        TempDir::new().expect("dir"),
    );
    let phrase_file = workstation.path().join("phrase.txt");
    std::fs::write(&phrase_file, phrase.reveal()).expect("write");
    let out = caretrail(
        &[
            "hospital",
            "provision",
            "--phrase-file",
            phrase_file.to_str().expect("path"),
            "--relay",
            relay,
        ],
        &workstation,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&hospital_key.address().to_string()));

    // Her own key, and her certificate as a doctor.
    let out = caretrail(&["staff", "init", "--relay", relay], &doctor).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doctor_address = text(&out.stdout).trim().to_owned();
    let cert = doctor.path().join("certificate.json");
    let cert_path = cert.to_str().expect("path");
    let out = caretrail(
        &[
            "hospital",
            "staff",
            "add",
            "--staff",
            &doctor_address,
            "--role",
            "doctor",
            "--days",
            "30",
            "--out",
            cert_path,
            "--relay",
            relay,
        ],
        &workstation,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = caretrail(
        &[
            "staff",
            "check",
            "--certificate",
            cert_path,
            "--role",
            "doctor",
            "--relay",
            relay,
        ],
        &doctor,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("acts as doctor for Uppsala University Hospital"),
        "{}",
        text(&out.stdout)
    );

    // Another role; another key holding her certificate.
    let out = caretrail(
        &[
            "staff",
            "check",
            "--certificate",
            cert_path,
            "--role",
            "lab",
            "--relay",
            relay,
        ],
        &doctor,
    )
    .await;
    refused_with(&out, "wrong_role");
    let out = caretrail(&["staff", "init", "--relay", relay], &other).await;
    assert!(out.status.success());
    let out = caretrail(
        &[
            "staff",
            "check",
            "--certificate",
            cert_path,
            "--role",
            "doctor",
            "--relay",
            relay,
        ],
        &other,
    )
    .await;
    refused_with(&out, "foreign_key");

    // Through the client: a tampered certificate, an expired one, one from an organization
    // never admitted.
    let client = Client::new(relay).expect("client");
    let doctor_key = wallet(&doctor)
        .unlock(&common::existing())
        .expect("her key");
    let issued: SignedStaffCertificate =
        serde_json::from_slice(&std::fs::read(&cert).expect("read")).expect("json");
    let mut tampered = issued;
    tampered.certificate.role = StaffRole::Billing;
    refused_as(
        client
            .staff_check(&doctor_key, &tampered, StaffRole::Billing)
            .await,
        ErrorCode::BadSignature,
    );
    let expired = sign_certificate(
        &hospital_key,
        domain,
        StaffCertificate {
            valid_until: caretrail_client::unix_now() - 1,
            ..issued.certificate
        },
    );
    refused_as(
        client
            .staff_check(&doctor_key, &expired, StaffRole::Doctor)
            .await,
        ErrorCode::CertificateExpired,
    );
    let unknown = RecoveryPhrase::generate(&mut rand_core::OsRng).derive_key();
    let not_admitted = sign_certificate(
        &unknown,
        domain,
        StaffCertificate {
            organization: unknown.address(),
            ..issued.certificate
        },
    );
    refused_as(
        client
            .staff_check(&doctor_key, &not_admitted, StaffRole::Doctor)
            .await,
        ErrorCode::NotAdmitted,
    );

    // A revocation someone else signed is refused and changes nothing; the organization's
    // revokes her key.
    let forged = sign_revocation(
        &unknown,
        domain,
        StaffRevocation {
            organization: hospital_key.address(),
            staff: doctor_key.address(),
            deadline: caretrail_client::unix_now() + 60,
        },
    );
    let answer = reqwest::Client::new()
        .post(format!("{relay}/v1/staff/revocations"))
        .json(&forged)
        .send()
        .await
        .expect("relay answers");
    let error: UiError = answer.json().await.expect("error");
    assert_eq!(error.code, ErrorCode::BadSignature, "{error}");
    client
        .staff_check(&doctor_key, &issued, StaffRole::Doctor)
        .await
        .expect("still hers");
    let out = caretrail(
        &[
            "hospital",
            "staff",
            "revoke",
            "--staff",
            &doctor_address,
            "--relay",
            relay,
        ],
        &workstation,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = caretrail(
        &[
            "staff",
            "check",
            "--certificate",
            cert_path,
            "--role",
            "doctor",
            "--relay",
            relay,
        ],
        &doctor,
    )
    .await;
    refused_with(&out, "certificate_revoked");

    // A suspended organization's staff can do nothing.
    let nurse = RecoveryPhrase::generate(&mut rand_core::OsRng).derive_key();
    let reception = client
        .issue_staff_certificate(
            &hospital_key,
            nurse.address(),
            StaffRole::Reception,
            caretrail_client::unix_now() + 3_600,
        )
        .await
        .expect("issued");
    client
        .staff_check(&nurse, &reception, StaffRole::Reception)
        .await
        .expect("reception");
    // A body changed after she signed, and a signed request sent twice.
    let body = serde_json::to_vec(&caretrail_types::StaffCheckRequest {
        certificate: reception,
        role: StaffRole::Reception,
    })
    .expect("json");
    let sign = || {
        caretrail_protocol::request::sign(
            &nurse,
            caretrail_protocol::request::Domain {
                chain_id: stack.deployment.chain_id,
                records: stack.deployment.registries.records,
            },
            caretrail_protocol::request::Ask {
                action: caretrail_types::RelayAction::StaffCheck,
                patient: nurse.address(),
                subject: caretrail_types::Hash32::ZERO,
                content: caretrail_types::Hash32(
                    <sha2::Sha256 as sha2::Digest>::digest(&body).into(),
                ),
            },
            caretrail_client::unix_now(),
            &mut rand_core::OsRng,
        )
    };
    let send = |signed: caretrail_types::SignedRelayRequest, body: Vec<u8>| async move {
        reqwest::Client::new()
            .post(format!("{relay}/v1/staff/check"))
            .header(caretrail_types::REQUEST_HEADER, signed.to_header())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("relay answers")
    };
    let mut changed = body.clone();
    changed.push(b' ');
    let error: UiError = send(sign(), changed).await.json().await.expect("error");
    assert_eq!(error.code, ErrorCode::ContentMismatch, "{error}");
    let once = sign();
    let answer = send(once.clone(), body.clone()).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    let error: UiError = send(once, body).await.json().await.expect("error");
    assert_eq!(error.code, ErrorCode::Replayed, "{error}");

    set_status(
        &rpc,
        authority,
        participants,
        hospital_key.address(),
        ParticipantStatus::Suspended,
    )
    .await
    .expect("suspended");
    refused_as(
        client
            .staff_check(&nurse, &reception, StaffRole::Reception)
            .await,
        ErrorCode::NotAdmitted,
    );
}
