//! The lab, steps 9–14, end to end. A doctor orders tests; the patient shares her test list with
//! her hospital's lab (a test-list code), which fetches and decrypts it with the hospital's key,
//! reports with a PDF, an image and a large imaging file (streamed with progress), and the
//! hospital anchors the report with its files in one batch. Then a lab in another hospital: her
//! app adds that hospital as a reader of the list and grants it on chain, and her code carries
//! a visit token for it; that lab (the command line, reading a picture of the code) opens the
//! visit, reports, and its hospital anchors. She ends with U_P, T_D and both U_Rs listed,
//! anchored, each with who wrote it, and decrypts them; the ordering hospital reads the other
//! lab's report. And the refusals: a code for another lab, a code that is not a test list, a lab
//! of an organization she did not grant, a doctor's certificate for a lab's work.

mod common;

use caretrail_chain::{admission_of, admit, secret_key};
use caretrail_client::{LabFile, LabReport, Writer};
use caretrail_crypto::SecretKey;
use caretrail_protocol::visit::orders::{Orders, TestOrder};
use caretrail_types::{
    ErrorCode, Hash32, ParticipantKind, StaffRole, StoredRecord, VisitAuthority,
};
use common::{Workstation, cli, refused_as, register_and_admit, registration_stack, succeeded};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

fn kind(record: &StoredRecord) -> String {
    caretrail_protocol::records::kind_text(&record.kind)
}

#[tokio::test]
async fn labs_in_her_hospital_and_in_another_report_on_her_test_list() {
    let stack = registration_stack().await;
    let relay = stack.relay_url.as_str();
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let erik_dir = TempDir::new().expect("dir");
    let parties = register_and_admit(&stack, erik_dir.path()).await;
    let (client, patient, hospital) = (&parties.client, &parties.patient, &parties.hospital);
    let hospital_signer = parties.kiosk.clone();
    // A second hospital, with its own lab.
    let other_signer = stack.node().dev_signer(4);
    let other = secret_key(&other_signer);
    admit(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        &admission_of(
            &other,
            ParticipantKind::HealthOrganization,
            "HO-LIC-2002",
            "Danderyd Hospital",
        ),
    )
    .await
    .expect("admitted");

    // The doctor orders two tests.
    let mut rng = rand_core::OsRng;
    let valid_until = caretrail_client::unix_now() + 3_600;
    let (doctor, doctor_certificate) = parties.staff(StaffRole::Doctor).await;
    let ordering = parties
        .checked_in(&doctor, doctor_certificate, StaffRole::Doctor)
        .await;
    let visit_id = ordering.assignment.assignment.visit_id;
    let tests = vec![
        TestOrder {
            loinc: "58410-2".into(),
            name: "Complete blood count".into(),
        },
        TestOrder {
            loinc: "2345-7".into(),
            name: "Glucose".into(),
        },
    ];
    let written = client
        .write_orders(
            &doctor,
            hospital_signer.clone(),
            &ordering,
            &Orders {
                prescription: None,
                tests: tests.clone(),
            },
        )
        .await
        .expect("ordered");
    let test_list = written
        .iter()
        .find(|r| kind(r) == "ServiceRequest")
        .expect("T_D")
        .id;

    // A code is made only for a test list of hers a doctor wrote: not for another record of the
    // visit, nor for an id she does not hold.
    let not_a_list = written
        .iter()
        .find(|r| kind(r) != "ServiceRequest")
        .expect("another record of the visit")
        .id;
    for (id, code) in [
        (not_a_list, ErrorCode::InvalidInput),
        (Hash32([7; 32]), ErrorCode::RecordNotFound),
    ] {
        common::refused_as(
            client
                .share_test_list(patient, id, hospital.address())
                .await,
            code,
        );
    }

    // Her hospital's lab: her code, fetched with the hospital's key.
    let scratch = TempDir::new().expect("dir");
    let (lab, lab_certificate) = parties.staff(StaffRole::Lab).await;
    let (code, text) = client
        .share_test_list(patient, test_list, hospital.address())
        .await
        .expect("shared");
    assert!(
        code.visit.is_none(),
        "her own hospital needs no visit token"
    );
    let order = client
        .lab_fetch(
            &lab,
            &lab_certificate,
            hospital_signer.clone(),
            &text,
            scratch.path(),
        )
        .await
        .expect("fetched");
    assert_eq!(order.tests, tests);
    assert_eq!(
        (order.ordered_by, order.ordered_at),
        (hospital.address(), visit_id)
    );
    assert_eq!(order.authority.assignment.assignment.visit_id, visit_id);

    // The report, with a PDF, an image and a large imaging file.
    let files_dir = TempDir::new().expect("dir");
    let pdf = files_dir.path().join("cbc.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% a lab's report\n%%EOF\n").expect("write");
    let png = files_dir.path().join("smear.png");
    std::fs::write(&png, common::photo("jesper_2.jpg")).expect("write");
    let imaging = files_dir.path().join("scan.dcm");
    let large: Vec<u8> = (0..24 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&imaging, &large).expect("write");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress: caretrail_client::TransferProgress = {
        let seen = seen.clone();
        Arc::new(move |step| seen.lock().expect("lock").push(step))
    };
    let report = client
        .lab_report(
            &lab,
            hospital_signer.clone(),
            &order,
            &LabReport {
                conclusion: "Haemoglobin and glucose within the normal range.".into(),
                files: vec![
                    LabFile {
                        path: pdf.clone(),
                        content_type: "application/pdf".into(),
                    },
                    LabFile {
                        path: png.clone(),
                        content_type: "image/jpeg".into(),
                    },
                    LabFile {
                        path: imaging.clone(),
                        content_type: "application/dicom".into(),
                    },
                ],
            },
            scratch.path(),
            progress,
        )
        .await
        .expect("reported");
    let kinds: Vec<String> = report.iter().map(kind).collect();
    assert_eq!(
        kinds,
        ["Document", "Document", "Document", "DiagnosticReport"]
    );
    assert!(report.iter().all(|r| r.batch.is_some()));
    let uploads = seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|s| matches!(s, caretrail_client::Transfer::Uploading { .. }))
        .count();
    assert!(
        uploads > 10,
        "the large file's upload shows progress: {uploads}"
    );

    // Another hospital's lab: she shares (a grant on chain, a visit token in the code); its
    // workstation reads a picture of the code from the command line.
    let desk = Workstation::new(relay, &other, "lab").await;
    let code_png = files_dir.path().join("test-list.png");
    let out = cli(
        &[
            "visit",
            "test-qr",
            "--record",
            &test_list.to_string(),
            "--lab",
            &other.address().to_string(),
            "--png",
            code_png.to_str().expect("path"),
            "--relay",
            relay,
        ],
        erik_dir.path(),
        &[],
    )
    .await;
    let other_text = succeeded(&out).trim().to_owned();
    assert!(other_text.starts_with("ct:/"), "{other_text}");
    let order_file = desk.staff_dir.path().join("order.json");
    let mut args = vec!["lab", "fetch", "--image", code_png.to_str().expect("path")];
    args.extend(desk.args(relay));
    args.extend(["--out", order_file.to_str().expect("path")]);
    let fetched = succeeded(&cli(&args, desk.staff_dir.path(), &[]).await);
    assert!(
        fetched.contains("58410-2") && fetched.contains("Glucose"),
        "{fetched}"
    );
    let args = vec![
        "lab",
        "report",
        "--order",
        order_file.to_str().expect("path"),
        "--conclusion",
        "Glucose slightly raised; repeat fasting.",
        "--attach",
        pdf.to_str().expect("path"),
        "--organization-wallet",
        desk.organization_dir.path().to_str().expect("path"),
        "--relay",
        relay,
        "--json",
    ];
    let other_report: Vec<StoredRecord> =
        serde_json::from_str(&succeeded(&cli(&args, desk.staff_dir.path(), &[]).await))
            .expect("json");
    assert_eq!(
        other_report.iter().map(kind).collect::<Vec<_>>(),
        ["Document", "DiagnosticReport"]
    );

    // Her list: U_P is absent (no prescription), T_D, both reports and their files, each
    // anchored by the organization whose staff wrote it.
    let listed = client.list_records(patient).await.expect("her list");
    let expect = |record: &StoredRecord, role: StaffRole, staff, organization: &SecretKey| {
        let l = listed.iter().find(|l| l.id == record.id).expect("listed");
        let (anchor, _) = l.anchor.as_ref().expect("anchored");
        assert_eq!(anchor.author, organization.address(), "{}", l.kind);
        match l.writer.as_ref().expect("checked") {
            Writer::Staff(by) => {
                assert_eq!((by.role, by.staff), (role, staff), "{}", l.kind);
                assert_eq!(by.organization, organization.address());
            }
            other => panic!("{}: {other:?}", l.kind),
        }
    };
    for r in &written {
        expect(r, StaffRole::Doctor, doctor.address(), hospital);
    }
    for r in &report {
        expect(r, StaffRole::Lab, lab.address(), hospital);
    }
    for r in &other_report {
        expect(r, StaffRole::Lab, desk.staff.address(), &other);
    }

    // She decrypts the large file as the lab sent it, and the other lab's report; the ordering
    // hospital reads the other lab's report during its visit.
    let out_dir = TempDir::new().expect("dir");
    let back = out_dir.path().join("scan.dcm");
    client
        .get_record(
            patient,
            patient.address(),
            report[2].id,
            Some(hospital.address()),
            &back,
            Arc::new(|_| {}),
        )
        .await
        .expect("her imaging file");
    assert!(
        std::fs::read(&back).expect("read") == large,
        "the same bytes"
    );
    let other_diagnostic = other_report.last().expect("U_R");
    for (reader, name) in [(patient, "hers"), (hospital, "the ordering hospital's")] {
        let path = out_dir.path().join(format!("{name}.json"));
        client
            .get_record(
                reader,
                patient.address(),
                other_diagnostic.id,
                Some(other.address()),
                &path,
                Arc::new(|_| {}),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        assert_eq!(json["resourceType"], "DiagnosticReport");
        assert_eq!(
            json["conclusion"],
            "Glucose slightly raised; repeat fasting."
        );
        assert_eq!(
            json["presentedForm"][0]["url"],
            format!("urn:caretrail:record:{}", other_report[0].id)
        );
    }

    // The other hospital blocked: her grant to it still stands on chain, but it reads nothing.
    caretrail_chain::set_status(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        other.address(),
        caretrail_types::ParticipantStatus::Blocked,
    )
    .await
    .expect("blocked");
    refused_as(
        client
            .get_record(
                &other,
                patient.address(),
                test_list,
                None,
                &out_dir.path().join("blocked.json"),
                Arc::new(|_| {}),
            )
            .await,
        ErrorCode::NotAdmitted,
    );

    // Refusals. A code for another lab's organization.
    refused_as(
        client
            .lab_fetch(
                &lab,
                &lab_certificate,
                hospital_signer.clone(),
                &other_text,
                scratch.path(),
            )
            .await,
        ErrorCode::WrongOrganization,
    );
    // A check-in code is not a test list.
    let (_, checkin) = client
        .checkin_code(patient, parties.record, hospital.address())
        .await
        .expect("her code");
    refused_as(
        client
            .lab_fetch(
                &lab,
                &lab_certificate,
                hospital_signer.clone(),
                &checkin,
                scratch.path(),
            )
            .await,
        ErrorCode::InvalidInput,
    );
    // A third hospital's lab with a code she signed but never granted: it cannot read T_D.
    let third_signer = stack.node().dev_signer(5);
    let third = secret_key(&third_signer);
    admit(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        &admission_of(
            &third,
            ParticipantKind::HealthOrganization,
            "HO-LIC-3003",
            "Ersta Hospital",
        ),
    )
    .await
    .expect("admitted");
    let network = client.network().await.expect("network");
    let (_, ungranted) = caretrail_protocol::visit::lab::code(
        patient,
        caretrail_crypto::visit::RegistryDomain {
            chain_id: network.chain_id,
            records: network.record_registry,
        },
        third.address(),
        hospital.address(),
        test_list,
        caretrail_client::unix_now(),
        &mut rng,
    );
    let third_lab = SecretKey::generate(&mut rng);
    let third_certificate = client
        .issue_staff_certificate(&third, third_lab.address(), StaffRole::Lab, valid_until)
        .await
        .expect("certified");
    refused_as(
        client
            .lab_fetch(
                &third_lab,
                &third_certificate,
                third_signer.clone(),
                &ungranted,
                scratch.path(),
            )
            .await,
        ErrorCode::NotAReader,
    );
    // The same from that lab's command line: its own code and words, and no visit opened.
    let third_desk = Workstation::new(relay, &third, "lab").await;
    let mut args = vec!["lab", "fetch", "--code", ungranted.as_str()];
    args.extend(third_desk.args(relay));
    let third_order = third_desk.staff_dir.path().join("order.json");
    args.extend(["--out", third_order.to_str().expect("path")]);
    let out = cli(&args, third_desk.staff_dir.path(), &[]).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted");
    assert!(said.contains("[not_a_reader]"), "{said}");
    assert!(!third_order.exists(), "a refused fetch wrote an order");
    let token = match caretrail_protocol::qr::decode(&ungranted).expect("a code") {
        caretrail_protocol::qr::Payload::TestList(code) => code.visit_token().expect("a token"),
        other => panic!("{}", other.kind_name()),
    };
    assert_eq!(
        caretrail_chain::visit_of(&rpc, registries.records, third.address(), token.visit_id)
            .await
            .expect("read"),
        None,
        "the refused lab opened no visit"
    );
    // A doctor's certificate for a lab's work.
    let wrong = VisitAuthority {
        certificate: ordering.certificate,
        ..order.authority
    };
    let readers = client.visit_readers(&wrong).await.expect("readers");
    refused_as(
        client
            .put_visit_record(&doctor, &wrong, &readers, "DiagnosticReport", b"{}")
            .await,
        ErrorCode::WrongRole,
    );
}
