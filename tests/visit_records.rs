//! The doctor's records, steps 8–9, end to end: the patient checks in, reception assigns a
//! doctor, and the doctor's workstation (the command line: her staff key and the hospital's key
//! provisioned from its backup) writes the visit's Encounter, prescription (U_P) and test list
//! (T_D), each encrypted for the patient and the hospital, uploaded with her signature and
//! anchored by the hospital in one batch. The patient lists them anchored and written by that
//! doctor, and decrypts them; the hospital reads them during the visit. And the refusals, none of
//! which leaves a record behind: a certificate for another role, a revoked staff key, someone
//! else's assignment, a forged assignment, a kind the doctor does not write, an envelope the
//! hospital cannot read, a closed visit, a blocked hospital; a batch whose root is not its
//! records', and one told twice.

mod common;

use caretrail_chain::{close_visit, set_status};
use caretrail_client::Writer;
use caretrail_crypto::SecretKey;
use caretrail_crypto::staff::{StaffDomain, sign_assignment};
use caretrail_protocol::visit::orders::{self, Orders, Prescription, TestOrder};
use caretrail_types::{
    ErrorCode, Hash32, ParticipantStatus, StaffRole, StoredRecord, VisitAuthority, VisitBatch,
};
use common::{Workstation, cli, refused_as, register_and_admit, registration_stack, succeeded};
use tempfile::TempDir;

fn orders() -> Orders {
    Orders {
        prescription: Some(Prescription {
            medication: "Amoxicillin 500 mg capsule".into(),
            dosage: "1 capsule 3 times a day for 7 days".into(),
        }),
        tests: vec![
            TestOrder {
                loinc: "58410-2".into(),
                name: "Complete blood count".into(),
            },
            TestOrder {
                loinc: "2345-7".into(),
                name: "Glucose".into(),
            },
        ],
    }
}

#[tokio::test]
async fn the_doctor_writes_a_visits_records_the_hospital_anchors_them_and_the_patient_reads_them() {
    let stack = registration_stack().await;
    let relay = stack.relay_url.as_str();
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let erik_dir = TempDir::new().expect("dir");
    let parties = register_and_admit(&stack, erik_dir.path()).await;
    let (client, patient, hospital) = (&parties.client, &parties.patient, &parties.hospital);
    let hospital_signer = parties.kiosk.clone();

    // The doctor's workstation: her staff key, and the hospital's key from its backup.
    let desk = Workstation::new(relay, hospital, "doctor").await;
    let certificate = desk.certificate;

    // She checks in; reception assigns the doctor.
    let doctor_key = desk.staff.clone();
    let authority = parties
        .checked_in(&doctor_key, certificate, StaffRole::Doctor)
        .await;
    let visit_id = authority.assignment.assignment.visit_id;

    // The doctor writes, from the command line.
    let mut args = vec!["doctor", "write", "--visit-id"];
    let visit_text = visit_id.to_string();
    args.push(&visit_text);
    args.extend(desk.args(relay));
    args.extend([
        "--medication",
        "Amoxicillin 500 mg capsule",
        "--dosage",
        "1 capsule 3 times a day for 7 days",
        "--test",
        "58410-2=Complete blood count",
        "--test",
        "2345-7=Glucose",
        "--json",
    ]);
    let out = cli(&args, desk.staff_dir.path(), &[]).await;
    let written: Vec<StoredRecord> = serde_json::from_str(&succeeded(&out)).expect("json");
    let kinds: Vec<String> = written
        .iter()
        .map(|r| caretrail_protocol::records::kind_text(&r.kind))
        .collect();
    assert_eq!(kinds, ["Encounter", "MedicationRequest", "ServiceRequest"]);
    assert!(written.iter().all(|r| r.batch.is_some()), "{written:?}");
    assert!(
        written
            .iter()
            .all(|r| r.author == doctor_key.address() && r.patient == patient.address())
    );

    // Her list: each anchored by the hospital, written by that doctor for that hospital.
    let listed = client.list_records(patient).await.expect("her list");
    for w in &written {
        let l = listed.iter().find(|l| l.id == w.id).expect("listed");
        let (anchor, _) = l.anchor.as_ref().expect("anchored");
        assert_eq!(anchor.author, hospital.address());
        match l.writer.as_ref().expect("checked") {
            Writer::Staff(by) => {
                assert_eq!(
                    (by.staff, by.role, by.organization, by.visit_id),
                    (
                        doctor_key.address(),
                        StaffRole::Doctor,
                        hospital.address(),
                        visit_id
                    )
                );
                assert_eq!(by.organization_name, "Sankt Göran Hospital");
            }
            other => panic!("not written by the doctor: {other:?}"),
        }
    }

    // The hospital anchors one of them alone too, later: her list still has it once, with the
    // batch's anchor, which her device checked against the chain's batch.
    let batch_tx = |listed: &[caretrail_protocol::records::Listed], id: Hash32| {
        let found: Vec<_> = listed.iter().filter(|l| l.id == id).collect();
        assert_eq!(found.len(), 1, "listed once: {found:?}");
        found[0].anchor.as_ref().expect("anchored").1
    };
    let again = &written[1];
    let before = batch_tx(&listed, again.id);
    let (single, _) = caretrail_chain::anchor_record(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        visit_id,
        again.kind,
        again.body_hash,
    )
    .await
    .expect("anchored alone");
    assert_eq!(single.record_id, again.id);
    let relisted = client.list_records(patient).await.expect("her list");
    assert_eq!(relisted.len(), listed.len());
    assert_eq!(batch_tx(&relisted, again.id), before);

    // What the web page asks the relay of the batch (it cannot read the chain): the hospital's
    // batch of her records under that root, no batch of that root by anyone else, and a path
    // that is no root refused.
    let root = written[0].batch.as_ref().expect("batched").root;
    let batch_at = |author: String, root: String| {
        let url = format!("{relay}/v1/batches/{author}/{root}");
        async move { reqwest::get(url).await.expect("the relay answers") }
    };
    let told: Option<caretrail_types::ChainBatch> =
        batch_at(hospital.address().to_string(), root.to_string())
            .await
            .json()
            .await
            .expect("JSON");
    let told = told.expect("the hospital's batch");
    assert_eq!((told.patient, told.count), (patient.address(), 3));
    assert_eq!(told.tx_id, before);
    let nobody: Option<caretrail_types::ChainBatch> =
        batch_at(doctor_key.address().to_string(), root.to_string())
            .await
            .json()
            .await
            .expect("JSON");
    assert_eq!(nobody, None);
    assert_eq!(
        batch_at(hospital.address().to_string(), "0x1234".into())
            .await
            .status(),
        reqwest::StatusCode::BAD_REQUEST
    );

    // She decrypts each; the test list reads back as ordered, and the hospital reads it too
    // while the visit is open.
    let out_dir = TempDir::new().expect("dir");
    let test_list = written
        .iter()
        .find(|r| caretrail_protocol::records::kind_text(&r.kind) == "ServiceRequest")
        .expect("T_D");
    let progress: caretrail_client::TransferProgress = std::sync::Arc::new(|_| {});
    for (reader, name) in [(patient, "hers"), (hospital, "the hospital's")] {
        let path = out_dir.path().join(format!("{name}.json"));
        let opened = client
            .get_record(
                reader,
                patient.address(),
                test_list.id,
                Some(hospital.address()),
                &path,
                progress.clone(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.anchor.author, hospital.address());
        let tests = orders::tests_of(&std::fs::read(&path).expect("read")).expect("a test list");
        assert_eq!(tests, orders().tests, "{name}");
    }
    let prescription = written
        .iter()
        .find(|r| caretrail_protocol::records::kind_text(&r.kind) == "MedicationRequest")
        .expect("U_P");
    let path = out_dir.path().join("prescription.json");
    client
        .get_record(
            patient,
            patient.address(),
            prescription.id,
            None,
            &path,
            progress.clone(),
        )
        .await
        .expect("her prescription");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(json["resourceType"], "MedicationRequest");
    assert_eq!(
        json["medicationCodeableConcept"]["text"],
        "Amoxicillin 500 mg capsule"
    );

    // Told again, the batch is refused; told with another root, too.
    let batch = |root: Hash32| VisitBatch {
        organization: hospital.address(),
        visit_id,
        root,
        records: written.iter().map(|r| r.id).collect(),
    };
    let post = |b: VisitBatch| async move {
        let answer = reqwest::Client::new()
            .post(format!("{relay}/v1/visits/batches"))
            .json(&b)
            .send()
            .await
            .expect("relay answers");
        assert!(!answer.status().is_success());
        answer
            .json::<caretrail_types::UiError>()
            .await
            .expect("error")
            .code
    };
    let root = written[0].batch.as_ref().expect("batched").root;
    assert_eq!(post(batch(root)).await, ErrorCode::RecordExists);

    // The refusals, each at a fresh visit.
    let domain = StaffDomain {
        chain_id: stack.deployment.chain_id,
        participants: registries.participants,
    };
    let mut rng = rand_core::OsRng;
    let valid_until = caretrail_client::unix_now() + 3_600;
    let lab = SecretKey::generate(&mut rng);
    let lab_certificate = client
        .issue_staff_certificate(hospital, lab.address(), StaffRole::Lab, valid_until)
        .await
        .expect("certified");
    let fresh = parties
        .checked_in(&doctor_key, certificate, StaffRole::Doctor)
        .await;
    let readers = client.visit_readers(&fresh).await.expect("readers");
    let put = |key: &SecretKey, authority: VisitAuthority, kind: &'static str| {
        let (client, readers, key) = (client.clone(), readers.clone(), key.clone());
        async move {
            client
                .put_visit_record(&key, &authority, &readers, kind, b"{}")
                .await
        }
    };
    // A lab's certificate under a doctor's assignment.
    refused_as(
        put(
            &lab,
            VisitAuthority {
                certificate: lab_certificate,
                ..fresh
            },
            "ServiceRequest",
        )
        .await,
        ErrorCode::WrongRole,
    );
    // Another doctor, certified, under this doctor's assignment.
    let other = SecretKey::generate(&mut rng);
    let other_certificate = client
        .issue_staff_certificate(hospital, other.address(), StaffRole::Doctor, valid_until)
        .await
        .expect("certified");
    refused_as(
        put(
            &other,
            VisitAuthority {
                certificate: other_certificate,
                ..fresh
            },
            "ServiceRequest",
        )
        .await,
        ErrorCode::NotAssigned,
    );
    // An assignment the hospital did not sign.
    let forged = VisitAuthority {
        assignment: sign_assignment(&other, domain, fresh.assignment.assignment),
        ..fresh
    };
    refused_as(
        put(&doctor_key, forged, "ServiceRequest").await,
        ErrorCode::BadSignature,
    );
    // A kind the doctor does not write.
    refused_as(
        put(&doctor_key, fresh, "DiagnosticReport").await,
        ErrorCode::WrongRole,
    );
    // An envelope only the patient can read.
    refused_as(
        client
            .put_visit_record(&doctor_key, &fresh, &readers[..1], "ServiceRequest", b"{}")
            .await,
        ErrorCode::InvalidInput,
    );
    // The same upload, well formed, is accepted: the refusals above were for what they said.
    let accepted = client
        .put_visit_record(
            &doctor_key,
            &fresh,
            &readers,
            "ServiceRequest",
            b"{\"n\":1}",
        )
        .await
        .expect("accepted");
    // Its batch, told with a root that is not its own, and before the hospital anchored it.
    let alone = |root: Hash32| VisitBatch {
        organization: hospital.address(),
        visit_id: fresh.assignment.assignment.visit_id,
        root,
        records: vec![accepted.id],
    };
    assert_eq!(post(alone(Hash32([7; 32]))).await, ErrorCode::HashMismatch);
    let own_root = caretrail_protocol::visit::batch::root(std::slice::from_ref(&accepted))
        .expect("root")
        .0;
    assert_eq!(post(alone(own_root)).await, ErrorCode::UnknownRecord);

    // A doctor the hospital revoked after assigning her.
    let other_visit = parties
        .checked_in(&other, other_certificate, StaffRole::Doctor)
        .await;
    client
        .revoke_staff(hospital, other.address())
        .await
        .expect("revoked");
    refused_as(
        put(&other, other_visit, "ServiceRequest").await,
        ErrorCode::CertificateRevoked,
    );

    // A closed visit.
    close_visit(
        &rpc,
        hospital_signer.clone(),
        registries.records,
        hospital.address(),
        fresh.assignment.assignment.visit_id,
    )
    .await
    .expect("closed");
    refused_as(
        put(&doctor_key, fresh, "ServiceRequest").await,
        ErrorCode::VisitClosed,
    );

    // At the doctor's command line alike, each with its own code and words: a doctor whose
    // certificate the hospital revoked (from its command line), one holding a lab's certificate.
    let write = |desk: &Workstation, certificate: &std::path::Path, visit: Hash32| {
        let visit = visit.to_string();
        let certificate = certificate.to_str().expect("path").to_owned();
        let organization = desk
            .organization_dir
            .path()
            .to_str()
            .expect("path")
            .to_owned();
        let staff_dir = desk.staff_dir.path().to_owned();
        async move {
            let out = cli(
                &[
                    "doctor",
                    "write",
                    "--visit-id",
                    &visit,
                    "--certificate",
                    &certificate,
                    "--organization-wallet",
                    &organization,
                    "--relay",
                    relay,
                    "--test",
                    "2345-7=Glucose",
                ],
                &staff_dir,
                &[],
            )
            .await;
            assert!(!out.status.success(), "accepted");
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    let revoked = Workstation::new(relay, hospital, "doctor").await;
    let revoked_visit = parties
        .checked_in(&revoked.staff, revoked.certificate, StaffRole::Doctor)
        .await
        .assignment
        .assignment
        .visit_id;
    succeeded(
        &cli(
            &[
                "hospital",
                "staff",
                "revoke",
                "--staff",
                &revoked.staff.address().to_string(),
                "--relay",
                relay,
            ],
            revoked.organization_dir.path(),
            &[],
        )
        .await,
    );
    let said = write(&revoked, &revoked.certificate_file, revoked_visit).await;
    assert!(
        said.contains("[certificate_revoked]") && said.contains("revoked"),
        "{said}"
    );
    let lab_desk = Workstation::new(relay, hospital, "lab").await;
    let lab_visit = parties
        .checked_in(&lab_desk.staff, lab_desk.certificate, StaffRole::Lab)
        .await
        .assignment
        .assignment
        .visit_id;
    let said = write(&lab_desk, &lab_desk.certificate_file, lab_visit).await;
    assert!(
        said.contains("[wrong_role]") && said.contains("lab"),
        "{said}"
    );

    // A blocked hospital.
    let last = parties
        .checked_in(&doctor_key, certificate, StaffRole::Doctor)
        .await;
    set_status(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        hospital.address(),
        ParticipantStatus::Blocked,
    )
    .await
    .expect("blocked");
    refused_as(
        put(&doctor_key, last, "ServiceRequest").await,
        ErrorCode::NotAdmitted,
    );
    let said = write(
        &desk,
        &desk.certificate_file,
        last.assignment.assignment.visit_id,
    )
    .await;
    assert!(said.contains("[not_admitted]"), "{said}");

    // Nothing refused was kept: her records are the three written and the one accepted.
    let held: Vec<_> = client
        .list_records(patient)
        .await
        .expect("her list")
        .into_iter()
        .filter(|l| l.stored.as_ref().is_some_and(|s| s.submission.is_some()))
        .collect();
    assert_eq!(held.len(), 4, "{held:?}");
}
