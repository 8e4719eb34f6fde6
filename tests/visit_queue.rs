//! TKN_D end to end: the hospital opens a visit with the patient's token, reception assigns a
//! doctor with the organization's key, and the relay pushes the assignment to the doctor's queue
//! as it happens (server-sent events: no polling), and to nobody else's; a queue started later
//! begins with the assignments still open. And the refusals: an assignment not signed by the
//! organization, for a visit it did not open, to a reception role, for a closed visit; a queue
//! under another role's certificate.

mod common;

use caretrail_chain::{admit, close_visit, open_visit, secret_key, sign_visit_token};
use caretrail_client::{Client, ClientError};
use caretrail_crypto::SecretKey;
use caretrail_crypto::staff::{StaffDomain, sign_assignment};
use caretrail_types::{
    Admission, ErrorCode, Hash32, ParticipantKind, QueuedVisit, StaffRole, UiError, Visit,
    VisitAssignment, VisitToken,
};
use common::{Workstation, cli, refused_as, stack};
use futures_util::StreamExt as _;
use std::time::Duration;

async fn next_of(
    queue: &mut (impl futures_util::Stream<Item = Result<QueuedVisit, ClientError>> + Unpin),
) -> QueuedVisit {
    tokio::time::timeout(Duration::from_secs(20), queue.next())
        .await
        .expect("an assignment arrives")
        .expect("the queue is open")
        .expect("a readable assignment")
}

#[tokio::test]
async fn reception_assigns_a_doctor_and_her_queue_shows_it_at_once() {
    let stack = stack().await;
    let relay = stack.relay_url.as_str();
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let chain_id = stack.deployment.chain_id;
    let domain = StaffDomain {
        chain_id,
        participants: registries.participants,
    };
    // The hospital: a funded account, so it can open visits itself.
    let hospital_signer = stack.node().dev_signer(5);
    let hospital = secret_key(&hospital_signer);
    admit(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        &Admission {
            signer: hospital.address(),
            kind: ParticipantKind::HealthOrganization,
            licence_id: "HO-LIC-1001".into(),
            name: "Uppsala University Hospital".into(),
            encryption_key: hospital.public_key().to_compressed().to_vec(),
        },
    )
    .await
    .expect("admitted");
    let client = Client::new(relay).expect("client");
    let mut rng = rand_core::OsRng;
    let (doctor, lab, patient) = (
        SecretKey::generate(&mut rng),
        SecretKey::generate(&mut rng),
        SecretKey::generate(&mut rng),
    );
    let valid_until = caretrail_client::unix_now() + 3_600;
    let doctor_cert = client
        .issue_staff_certificate(&hospital, doctor.address(), StaffRole::Doctor, valid_until)
        .await
        .expect("certified");
    let lab_cert = client
        .issue_staff_certificate(&hospital, lab.address(), StaffRole::Lab, valid_until)
        .await
        .expect("certified");

    // The patient's token; the hospital opens the visit.
    let now = caretrail_client::unix_now();
    let open = |visit_id: Hash32| {
        let token = VisitToken {
            patient: patient.address(),
            organization: hospital.address(),
            visit_id,
            expires_at: now + 7_200,
            not_after: now + 600,
        };
        let signature = sign_visit_token(&patient, chain_id, registries.records, &token);
        let (rpc, signer) = (rpc.clone(), hospital_signer.clone());
        async move {
            open_visit(&rpc, signer, registries.records, &token, &signature)
                .await
                .expect("opened");
            Visit {
                patient: token.patient,
                organization: token.organization,
                visit_id,
                expires_at: token.expires_at,
            }
        }
    };
    let visit = open(Hash32([1; 32])).await;

    // The doctor follows her queue; the lab follows its own.
    let mut doctor_queue = Box::pin(
        client
            .staff_queue(&doctor, &doctor_cert, StaffRole::Doctor)
            .await
            .expect("her queue"),
    );
    let mut lab_queue = Box::pin(
        client
            .staff_queue(&lab, &lab_cert, StaffRole::Lab)
            .await
            .expect("its queue"),
    );
    let assigned = client
        .assign_visit(&hospital, &visit, doctor.address(), StaffRole::Doctor)
        .await
        .expect("assigned");
    let received = next_of(&mut doctor_queue).await;
    assert_eq!(received, assigned);
    assert_eq!(
        (
            received.assignment.assignment.patient,
            received.assignment.assignment.visit_id
        ),
        (patient.address(), visit.visit_id)
    );

    // The lab's queue gets its own assignment, not the doctor's.
    let lab_visit = open(Hash32([2; 32])).await;
    client
        .assign_visit(&hospital, &lab_visit, lab.address(), StaffRole::Lab)
        .await
        .expect("assigned");
    let lab_received = next_of(&mut lab_queue).await;
    assert_eq!(lab_received.assignment.assignment.staff, lab.address());
    assert_eq!(
        lab_received.assignment.assignment.visit_id,
        lab_visit.visit_id
    );

    // A queue started now begins with the doctor's open assignment.
    let mut later = Box::pin(
        client
            .staff_queue(&doctor, &doctor_cert, StaffRole::Doctor)
            .await
            .expect("her queue again"),
    );
    assert_eq!(next_of(&mut later).await, assigned);

    // Refusals.
    refused_as(
        client
            .staff_queue(&doctor, &doctor_cert, StaffRole::Lab)
            .await
            .map(|_| ()),
        ErrorCode::WrongRole,
    );
    let stranger = SecretKey::generate(&mut rng);
    let post = |signed| {
        let url = format!("{relay}/v1/visits/assignments");
        async move {
            let answer = reqwest::Client::new()
                .post(url)
                .json(&signed)
                .send()
                .await
                .expect("relay answers");
            assert!(!answer.status().is_success());
            answer.json::<UiError>().await.expect("error").code
        }
    };
    let base = VisitAssignment {
        organization: hospital.address(),
        visit_id: visit.visit_id,
        patient: patient.address(),
        staff: doctor.address(),
        role: StaffRole::Doctor,
        expires_at: visit.expires_at,
    };
    assert_eq!(
        post(sign_assignment(&stranger, domain, base)).await,
        ErrorCode::BadSignature
    );
    // Only the organization's key, which reception's kiosk holds, signs a TKN_D: a certified
    // staff member's own key does not.
    assert_eq!(
        post(sign_assignment(&doctor, domain, base)).await,
        ErrorCode::BadSignature
    );
    let never_opened = VisitAssignment {
        visit_id: Hash32([9; 32]),
        ..base
    };
    assert_eq!(
        post(sign_assignment(&hospital, domain, never_opened)).await,
        ErrorCode::UnknownVisit
    );
    let to_reception = VisitAssignment {
        role: StaffRole::Reception,
        ..base
    };
    assert_eq!(
        post(sign_assignment(&hospital, domain, to_reception)).await,
        ErrorCode::WrongRole
    );
    let longer = VisitAssignment {
        expires_at: visit.expires_at + 1,
        ..base
    };
    assert_eq!(
        post(sign_assignment(&hospital, domain, longer)).await,
        ErrorCode::InvalidInput
    );
    close_visit(
        &rpc,
        hospital_signer,
        registries.records,
        hospital.address(),
        visit.visit_id,
    )
    .await
    .expect("closed");
    assert_eq!(
        post(sign_assignment(&hospital, domain, base)).await,
        ErrorCode::VisitClosed
    );

    // A visit that has ended (its token's expiry passed) takes no assignment either.
    let now = caretrail_client::unix_now();
    let short = VisitToken {
        patient: patient.address(),
        organization: hospital.address(),
        visit_id: Hash32([3; 32]),
        expires_at: now + 6,
        not_after: now + 5,
    };
    let signature = sign_visit_token(&patient, chain_id, registries.records, &short);
    open_visit(
        &rpc,
        stack.node().dev_signer(5),
        registries.records,
        &short,
        &signature,
    )
    .await
    .expect("opened");
    let ended = VisitAssignment {
        visit_id: short.visit_id,
        expires_at: short.expires_at,
        ..base
    };
    tokio::time::sleep(Duration::from_secs(
        (short.expires_at + 1).saturating_sub(caretrail_client::unix_now()),
    ))
    .await;
    assert_eq!(
        post(sign_assignment(&hospital, domain, ended)).await,
        ErrorCode::VisitClosed
    );

    // Reception's command line (the hospital's key provisioned from its backup) is refused
    // alike, each with its own code and words.
    let desk = Workstation::new(relay, &hospital, "doctor").await;
    let other_doctor = desk.staff.address().to_string();
    let hex = |id: Hash32| id.to_string();
    for (name, visit_id, role, expect, words) in [
        (
            "closed",
            hex(visit.visit_id),
            "doctor",
            "[visit_closed]",
            "ended",
        ),
        (
            "ended",
            hex(short.visit_id),
            "doctor",
            "[visit_closed]",
            "ended",
        ),
        (
            "never opened",
            hex(Hash32([9; 32])),
            "doctor",
            "[unknown_visit]",
            "opened no visit",
        ),
        (
            "to reception",
            hex(lab_visit.visit_id),
            "reception",
            "[wrong_role]",
            "not to reception",
        ),
    ] {
        let out = cli(
            &[
                "hospital",
                "assign",
                "--visit-id",
                &visit_id,
                "--staff",
                &other_doctor,
                "--role",
                role,
                "--relay",
                relay,
            ],
            desk.organization_dir.path(),
            &[],
        )
        .await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: accepted");
        assert!(
            said.contains(expect) && said.contains(words),
            "{name}: {said}"
        );
    }

    // Nothing refused was queued: the doctor's open assignments are the one she was given, and
    // the other doctor has none.
    let now = caretrail_client::unix_now();
    let held = stack
        .relay
        .db
        .open_assignments(doctor.address(), now)
        .await
        .expect("the relay's database");
    assert_eq!(held, [assigned]);
    let none = stack
        .relay
        .db
        .open_assignments(desk.staff.address(), now)
        .await
        .expect("the relay's database");
    assert!(none.is_empty(), "{none:?}");
}
