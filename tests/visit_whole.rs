//! The whole visit, steps 6–15, end to end on a real anvil, relay, S3-compatible server
//! (`s3s-fs`, which holds every record's envelope) and sandbox: check-in at
//! the kiosk, TKN_D to the doctor's live queue, the prescription and the test list, the lab's
//! report, the bill and the insurer's answers. The patient ends with U_P, T_D, U_R, the bill and
//! the answers, each decrypted on her side, anchored on chain and shown with who wrote it, and
//! every read of her records in the relay's log verified against the root it anchored. Then the
//! hospital is blocked, and every step it would take next is refused.

mod common;

use caretrail::stack::{Stack, StackOptions};
use caretrail_chain::set_status;
use caretrail_client::{LabFile, LabReport, Writer};
use caretrail_protocol::audit::Mark;
use caretrail_protocol::visit::bill::{Bill, BillLine, Outcome};
use caretrail_protocol::visit::orders::{Orders, Prescription, TestOrder};
use caretrail_relay::storage::LocalS3;
use caretrail_types::{ErrorCode, ParticipantStatus, ReadGround, StaffRole, VisitAuthority};
use common::{files, options, refused_as, register_and_admit};
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

#[tokio::test]
async fn a_whole_visit_leaves_her_every_record_decrypted_anchored_and_every_read_verified() {
    let s3 = LocalS3::start("visit").expect("s3s-fs (./scripts/setup.sh installs it)");
    let stack = Stack::start(StackOptions {
        publish_plans: true,
        storage: Some(s3.config()),
        ..options(None)
    })
    .await
    .expect("the stack starts");
    let erik_dir = TempDir::new().expect("dir");
    let parties = register_and_admit(&stack, erik_dir.path()).await;
    let (client, patient, hospital) = (&parties.client, &parties.patient, &parties.hospital);
    let (kiosk, record) = (parties.kiosk.clone(), parties.record);
    let scratch = TempDir::new().expect("dir");
    let mut rng = rand_core::OsRng;
    let (doctor, doctor_certificate) = parties.staff(StaffRole::Doctor).await;
    let (lab, lab_certificate) = parties.staff(StaffRole::Lab).await;
    let (billing, billing_certificate) = parties.staff(StaffRole::Billing).await;

    // Step 6: her check-in code opens the visit at the kiosk.
    let (_, code) = client
        .checkin_code(patient, record, hospital.address())
        .await
        .expect("her code");
    let visit = client
        .open_checkin(kiosk.clone(), &code)
        .await
        .expect("opened");

    // Step 7: reception assigns the doctor; her live queue shows the patient.
    let mut queue = Box::pin(
        client
            .staff_queue(&doctor, &doctor_certificate, StaffRole::Doctor)
            .await
            .expect("her queue"),
    );
    client
        .assign_visit(hospital, &visit, doctor.address(), StaffRole::Doctor)
        .await
        .expect("assigned");
    let queued = tokio::time::timeout(Duration::from_secs(10), queue.next())
        .await
        .expect("in time")
        .expect("open")
        .expect("an assignment");
    assert_eq!(queued.assignment.assignment.patient, patient.address());

    // Steps 8–9: the prescription and the test list.
    let orders = client
        .write_orders(
            &doctor,
            kiosk.clone(),
            &VisitAuthority {
                certificate: doctor_certificate,
                assignment: queued.assignment,
            },
            &Orders {
                prescription: Some(Prescription {
                    medication: "Metformin 500 mg tablet".into(),
                    dosage: "1 tablet twice a day with meals".into(),
                }),
                tests: vec![TestOrder {
                    loinc: "4548-4".into(),
                    name: "Hemoglobin A1c".into(),
                }],
            },
        )
        .await
        .expect("written");
    let test_list = orders[2].id;

    // Steps 10–14: the lab.
    let (_, share) = client
        .share_test_list(patient, test_list, hospital.address())
        .await
        .expect("shared");
    let order = client
        .lab_fetch(
            &lab,
            &lab_certificate,
            kiosk.clone(),
            &share,
            scratch.path(),
        )
        .await
        .expect("fetched");
    let pdf = scratch.path().join("hba1c.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% HbA1c 6.1 %\n%%EOF\n").expect("write");
    let report = client
        .lab_report(
            &lab,
            kiosk.clone(),
            &order,
            &LabReport {
                conclusion: "HbA1c 6.1 %: prediabetes range.".into(),
                files: vec![LabFile {
                    path: pdf,
                    content_type: "application/pdf".into(),
                }],
            },
            scratch.path(),
            Arc::new(|_| {}),
        )
        .await
        .expect("reported");

    // Step 15: the bill, and the insurer's answers.
    let assigned = client
        .assign_visit(hospital, &visit, billing.address(), StaffRole::Billing)
        .await
        .expect("assigned");
    let mut billed: Vec<_> = orders.iter().map(|r| r.id).collect();
    billed.extend(report.iter().map(|r| r.id));
    let (claim, _) = client
        .send_bill(
            &billing,
            kiosk.clone(),
            &VisitAuthority {
                certificate: billing_certificate,
                assignment: assigned.assignment,
            },
            None,
            &Bill {
                lines: vec![
                    BillLine {
                        service: "Doctor consultation".into(),
                        amount: 600,
                    },
                    BillLine {
                        service: "Laboratory tests".into(),
                        amount: 900,
                    },
                ],
                records: billed,
            },
            scratch.path(),
        )
        .await
        .expect("billed");
    let mut bill = None;
    for _ in 0..120 {
        let bills = client
            .bills(patient, scratch.path())
            .await
            .expect("her bills");
        if let Some(b) = bills.into_iter().find(|b| {
            b.claim == claim.id
                && b.answers
                    .last()
                    .is_some_and(|a| a.outcome != Outcome::Queued)
        }) {
            bill = Some(b);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let bill = bill.expect("answered");
    assert_eq!(bill.answers.last().map(|a| a.benefit), Some(540 + 900));
    assert!(bill.differences.is_empty(), "{:?}", bill.differences);

    // Her records: every one anchored, with who wrote it, and decrypted on her side.
    let listed = client.list_records(patient).await.expect("her list");
    let kinds: Vec<&str> = listed.iter().map(|l| l.kind.as_str()).collect();
    for kind in [
        "Encounter",
        "MedicationRequest",
        "ServiceRequest",
        "Document",
        "DiagnosticReport",
        "Claim",
        "ClaimResponse",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // Each is in the S3 server's bucket, its envelope's header and body, and nothing else is.
    let mut expected: Vec<String> = listed
        .iter()
        .flat_map(|l| {
            let hex = l.id.to_string().trim_start_matches("0x").to_owned();
            [
                format!("records/{hex}/body"),
                format!("records/{hex}/header"),
            ]
        })
        .collect();
    expected.sort();
    let held: Vec<String> = files(&s3.root().join("visit"))
        .into_iter()
        .filter(|o| o.starts_with("records/"))
        .collect();
    assert_eq!(held, expected);
    let out = TempDir::new().expect("dir");
    for l in &listed {
        let (anchor, _) = l
            .anchor
            .as_ref()
            .unwrap_or_else(|| panic!("{} not anchored", l.kind));
        let writer = l.writer.as_ref().expect("checked");
        match (l.kind.as_str(), writer) {
            ("ClaimResponse", Writer::Insurer { insurer }) => {
                assert_eq!(*insurer, stack.insurer.address());
                assert_eq!(anchor.author, *insurer);
            }
            (_, Writer::Staff(by)) => {
                assert_eq!(by.organization, hospital.address(), "{}", l.kind);
                assert_eq!(anchor.author, hospital.address(), "{}", l.kind);
            }
            (kind, other) => panic!("{kind}: {other:?}"),
        }
        let path = out.path().join(l.id.to_string());
        client
            .get_record(
                patient,
                patient.address(),
                l.id,
                Some(anchor.author),
                &path,
                Arc::new(|_| {}),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", l.kind));
        assert!(std::fs::metadata(&path).expect("written").len() > 0);
    }

    // Every read of her records is in the relay's log, and verified once it is anchored.
    caretrail_relay::audit::anchor_pending(&stack.relay)
        .await
        .expect("anchored")
        .expect("a run");
    let reads = client
        .audit(patient, patient.address())
        .await
        .expect("her log");
    assert!(reads.iter().all(|r| r.mark == Mark::Verified), "{reads:?}");
    let grounds: Vec<ReadGround> = reads.iter().map(|r| r.read.entry.ground).collect();
    for ground in [ReadGround::Patient, ReadGround::Visit, ReadGround::Claim] {
        assert!(
            grounds.contains(&ground),
            "no {ground:?} read in {grounds:?}"
        );
    }

    // The hospital is blocked: every next step it would take is refused, and none leaves
    // anything behind. A code she made before the block is one of them.
    let (_, early_code) = client
        .checkin_code(patient, record, hospital.address())
        .await
        .expect("her code");
    set_status(
        &stack.rpc_url(),
        stack.node().dev_signer(0),
        stack.relay.config.participant_registry,
        hospital.address(),
        ParticipantStatus::Blocked,
    )
    .await
    .expect("blocked");
    refused_as(
        client
            .checkin_code(patient, record, hospital.address())
            .await,
        ErrorCode::NotAdmitted,
    );
    refused_as(
        client
            .assign_visit(hospital, &visit, doctor.address(), StaffRole::Doctor)
            .await,
        ErrorCode::NotAdmitted,
    );
    let (_, again) = caretrail_protocol::visit::lab::code(
        patient,
        caretrail_crypto::visit::RegistryDomain {
            chain_id: stack.deployment.chain_id,
            records: stack.deployment.registries.records,
        },
        hospital.address(),
        hospital.address(),
        test_list,
        caretrail_client::unix_now(),
        &mut rng,
    );
    let refused_lab = client
        .lab_fetch(
            &lab,
            &lab_certificate,
            kiosk.clone(),
            &again,
            scratch.path(),
        )
        .await;
    refused_as(refused_lab, ErrorCode::NotAdmitted);
    refused_as(
        client.open_checkin(kiosk.clone(), &early_code).await,
        ErrorCode::NotAdmitted,
    );
    let late = scratch.path().join("late.pdf");
    std::fs::write(&late, b"%PDF-1.4\n% late %\n%%EOF\n").expect("write");
    refused_as(
        client
            .lab_report(
                &lab,
                kiosk.clone(),
                &order,
                &LabReport {
                    conclusion: "A report after the block.".into(),
                    files: vec![LabFile {
                        path: late,
                        content_type: "application/pdf".into(),
                    }],
                },
                scratch.path(),
                Arc::new(|_| {}),
            )
            .await,
        ErrorCode::NotAdmitted,
    );
    refused_as(
        client
            .send_bill(
                &billing,
                kiosk.clone(),
                &VisitAuthority {
                    certificate: billing_certificate,
                    assignment: assigned.assignment,
                },
                None,
                &Bill {
                    lines: vec![BillLine {
                        service: "Doctor consultation".into(),
                        amount: 600,
                    }],
                    records: vec![orders[0].id],
                },
                scratch.path(),
            )
            .await,
        ErrorCode::NotAdmitted,
    );
    let after = client.list_records(patient).await.expect("her list");
    assert_eq!(after.len(), listed.len(), "a refused step kept a record");
    let still: Vec<String> = files(&s3.root().join("visit"))
        .into_iter()
        .filter(|o| o.starts_with("records/"))
        .collect();
    assert_eq!(still, held, "a refused step left an object in the bucket");
    // Its visit is still open on chain, but a blocked hospital reads nothing of hers.
    refused_as(
        client
            .get_record(
                hospital,
                patient.address(),
                test_list,
                None,
                &out.path().join("blocked.json"),
                Arc::new(|_| {}),
            )
            .await,
        ErrorCode::NotAdmitted,
    );
}
