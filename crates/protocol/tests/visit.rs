//! A visit's records as tables, with no network, natively and in headless Chromium: who wrote a
//! record, checked from its submission alone (and every way a submission can lie); a batch's
//! proofs as the relay keeps them and a reader checks them; the doctor's orders as FHIR R4.

use caretrail_crypto::SecretKey;
use caretrail_crypto::record::{record_id, record_kind};
use caretrail_crypto::staff::{StaffDomain, sign_assignment, sign_certificate};
use caretrail_protocol::request::{self, Ask, Domain};
use caretrail_protocol::visit::authority::written_by;
use caretrail_protocol::visit::batch::{anchor, proofs, root};
use caretrail_protocol::visit::orders::{self, Orders, Prescription, TestOrder};
use caretrail_types::{
    Address, ErrorCode, Hash32, RelayAction, StaffCertificate, StaffRole, StoredRecord, Submission,
    VisitAssignment, VisitAuthority, VisitBatch,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NOW: u64 = 1_800_000_000;
const STAFF: StaffDomain = StaffDomain {
    chain_id: 31337,
    participants: Address([5; 20]),
};
const RELAY: Domain = Domain {
    chain_id: 31337,
    records: Address([6; 20]),
};
const VISIT: Hash32 = Hash32([9; 32]);

struct Keys {
    hospital: SecretKey,
    doctor: SecretKey,
    patient: SecretKey,
    stranger: SecretKey,
}

fn keys() -> Keys {
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    Keys {
        hospital: SecretKey::generate(&mut rng),
        doctor: SecretKey::generate(&mut rng),
        patient: SecretKey::generate(&mut rng),
        stranger: SecretKey::generate(&mut rng),
    }
}

fn authority(k: &Keys, role: StaffRole) -> VisitAuthority {
    VisitAuthority {
        certificate: sign_certificate(
            &k.hospital,
            STAFF,
            StaffCertificate {
                organization: k.hospital.address(),
                staff: k.doctor.address(),
                role,
                valid_until: NOW + 3_600,
            },
        ),
        assignment: sign_assignment(
            &k.hospital,
            STAFF,
            VisitAssignment {
                organization: k.hospital.address(),
                visit_id: VISIT,
                patient: k.patient.address(),
                staff: k.doctor.address(),
                role,
                expires_at: NOW + 7_200,
            },
        ),
    }
}

/// A record the doctor uploaded under `authority`, as the relay keeps it.
fn written(k: &Keys, authority: VisitAuthority, kind: &str, n: u8) -> StoredRecord {
    let kind = record_kind(kind).expect("kind");
    let body_hash = Hash32([n; 32]);
    let id = record_id(k.patient.address(), kind, body_hash);
    let signed = request::sign(
        &k.doctor,
        RELAY,
        Ask {
            action: RelayAction::RecordPut,
            patient: k.patient.address(),
            subject: id,
            content: body_hash,
        },
        NOW,
        &mut ChaCha20Rng::seed_from_u64(u64::from(n)),
    );
    StoredRecord {
        id,
        patient: k.patient.address(),
        kind,
        author: k.doctor.address(),
        body_hash,
        size: 10,
        stored_at: NOW,
        submission: Some(Submission {
            request: signed,
            authority,
        }),
        batch: None,
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn who_wrote_a_record_is_checked_from_its_submission_and_every_lie_is_caught() {
    let k = keys();
    let good = written(&k, authority(&k, StaffRole::Doctor), "MedicationRequest", 1);
    let by = written_by(&good, RELAY, STAFF, None)
        .expect("holds")
        .expect("a staff member's");
    assert_eq!(
        (by.staff, by.role, by.organization, by.visit_id),
        (
            k.doctor.address(),
            StaffRole::Doctor,
            k.hospital.address(),
            VISIT
        )
    );
    let own = StoredRecord {
        submission: None,
        ..good.clone()
    };
    assert_eq!(written_by(&own, RELAY, STAFF, None).expect("holds"), None);

    let mut lies: Vec<(&str, StoredRecord)> = Vec::new();
    lies.push((
        "another body",
        StoredRecord {
            body_hash: Hash32([2; 32]),
            ..good.clone()
        },
    ));
    lies.push((
        "another patient",
        StoredRecord {
            patient: k.stranger.address(),
            ..good.clone()
        },
    ));
    let mut forged_cert = authority(&k, StaffRole::Doctor);
    forged_cert.certificate =
        sign_certificate(&k.stranger, STAFF, forged_cert.certificate.certificate);
    lies.push((
        "a certificate the hospital did not sign",
        written(&k, forged_cert, "MedicationRequest", 1),
    ));
    let mut forged_assignment = authority(&k, StaffRole::Doctor);
    forged_assignment.assignment =
        sign_assignment(&k.stranger, STAFF, forged_assignment.assignment.assignment);
    lies.push((
        "an assignment the hospital did not sign",
        written(&k, forged_assignment, "MedicationRequest", 1),
    ));
    lies.push((
        "a kind a doctor does not write",
        written(&k, authority(&k, StaffRole::Doctor), "DiagnosticReport", 1),
    ));
    lies.push((
        "stored after the certificate ended",
        StoredRecord {
            stored_at: NOW + 3_600,
            ..good.clone()
        },
    ));
    let mut other_signer = good.clone();
    if let Some(s) = other_signer.submission.as_mut() {
        s.request.request.signer = k.stranger.address();
    }
    lies.push((
        "a request whose signature is not its signer's",
        other_signer,
    ));
    for (what, record) in lies {
        let e = written_by(&record, RELAY, STAFF, None).expect_err(what);
        assert_eq!(e.code, ErrorCode::BadSignature, "{what}: {e}");
    }
    let other_network = Domain {
        chain_id: 1,
        ..RELAY
    };
    assert!(written_by(&good, other_network, STAFF, None).is_err());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_batch_is_kept_only_as_the_chain_anchored_it_and_each_proof_holds() {
    let k = keys();
    let a = authority(&k, StaffRole::Doctor);
    let records: Vec<StoredRecord> = (1..=3)
        .map(|n| written(&k, a, "ServiceRequest", n))
        .collect();
    let (batch_root, count) = root(&records).expect("root");
    assert_eq!(count, 3);
    let told = VisitBatch {
        organization: k.hospital.address(),
        visit_id: VISIT,
        root: batch_root,
        records: records.iter().map(|r| r.id).collect(),
    };
    let held: Vec<_> = records.iter().cloned().map(Some).collect();
    let on_chain = Some((k.patient.address(), 3));
    let kept = proofs(&told, &held, on_chain).expect("kept");
    for (record, proof) in records.iter().zip(&kept) {
        let batched = StoredRecord {
            batch: Some(proof.clone()),
            ..record.clone()
        };
        let anchored = anchor(&batched, Some(k.patient.address())).expect("its proof holds");
        assert_eq!(anchored.author, k.hospital.address());
        assert_eq!(anchored.record_id, record.id);
        // The chain's batch of another patient, or none, anchors nothing.
        assert!(anchor(&batched, Some(k.stranger.address())).is_err());
        assert!(anchor(&batched, None).is_err());
        // A row whose id is not its content's (a relay serving another record under this id).
        let renamed = StoredRecord {
            id: Hash32([5; 32]),
            ..batched.clone()
        };
        assert_eq!(
            anchor(&renamed, Some(k.patient.address()))
                .expect_err("another record's id")
                .code,
            ErrorCode::HashMismatch
        );
        // A proof moved to another record fails.
        let moved = StoredRecord {
            body_hash: Hash32([99; 32]),
            ..batched.clone()
        };
        assert_eq!(
            anchor(&moved, Some(k.patient.address()))
                .expect_err("moved")
                .code,
            ErrorCode::HashMismatch
        );
    }

    let refused = |told: &VisitBatch, held: &[Option<StoredRecord>], chain| {
        proofs(told, held, chain).expect_err("refused").code
    };
    assert_eq!(
        refused(&told, &held, None),
        ErrorCode::UnknownRecord,
        "not anchored"
    );
    assert_eq!(
        refused(&told, &held, Some((k.patient.address(), 2))),
        ErrorCode::HashMismatch,
        "another count"
    );
    assert_eq!(
        refused(&told, &held, Some((k.stranger.address(), 3))),
        ErrorCode::HashMismatch,
        "another patient's batch"
    );
    let reordered = VisitBatch {
        records: told.records.iter().rev().copied().collect(),
        ..told.clone()
    };
    let held_reordered: Vec<_> = held.iter().rev().cloned().collect();
    assert_eq!(
        refused(&reordered, &held_reordered, on_chain),
        ErrorCode::HashMismatch,
        "another order is another root"
    );
    let mut missing = held.clone();
    missing[1] = None;
    assert_eq!(
        refused(&told, &missing, on_chain),
        ErrorCode::RecordNotFound
    );
    let mut own = held.clone();
    if let Some(r) = own[0].as_mut() {
        r.submission = None;
    }
    assert_eq!(
        refused(&told, &own, on_chain),
        ErrorCode::InvalidInput,
        "her own upload is not the visit's"
    );
    let elsewhere = VisitBatch {
        visit_id: Hash32([8; 32]),
        ..told.clone()
    };
    assert_eq!(
        refused(&elsewhere, &held, on_chain),
        ErrorCode::InvalidInput,
        "another visit"
    );
    let mut again = held.clone();
    if let Some(r) = again[2].as_mut() {
        r.batch = Some(kept[2].clone());
    }
    assert_eq!(
        refused(&told, &again, on_chain),
        ErrorCode::RecordExists,
        "in a batch already"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_doctors_orders_are_fhir_and_bad_fields_are_refused() {
    let k = keys();
    let a = authority(&k, StaffRole::Doctor).assignment.assignment;
    let good = Orders {
        prescription: Some(Prescription {
            medication: "Amoxicillin 500 mg capsule".into(),
            dosage: "1 capsule 3 times a day".into(),
        }),
        tests: vec![TestOrder {
            loinc: "58410-2".into(),
            name: "Complete blood count".into(),
        }],
    };
    let records = orders::write(&a, &good, NOW).expect("written");
    let kinds: Vec<_> = records.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["Encounter", "MedicationRequest", "ServiceRequest"]);
    for r in &records {
        let value: serde_json::Value = serde_json::from_slice(&r.json).expect("json");
        let expected = if r.kind == "ServiceRequest" {
            "Bundle"
        } else {
            r.kind
        };
        assert_eq!(value["resourceType"], expected);
    }
    assert_eq!(
        orders::tests_of(&records[2].json).expect("tests"),
        good.tests
    );
    assert!(
        orders::tests_of(&records[1].json).is_err(),
        "U_P is no test list"
    );

    let only_tests = Orders {
        prescription: None,
        ..good.clone()
    };
    assert_eq!(
        orders::write(&a, &only_tests, NOW).expect("written").len(),
        2
    );

    let bad = [
        ("nothing", Orders::default()),
        (
            "a wrong check digit",
            Orders {
                tests: vec![TestOrder {
                    loinc: "58410-3".into(),
                    name: "CBC".into(),
                }],
                ..good.clone()
            },
        ),
        (
            "an empty medication",
            Orders {
                prescription: Some(Prescription {
                    medication: "  ".into(),
                    dosage: "daily".into(),
                }),
                ..good.clone()
            },
        ),
        (
            "a dosage over two lines",
            Orders {
                prescription: Some(Prescription {
                    medication: "Aspirin".into(),
                    dosage: "daily\nforever".into(),
                }),
                ..good.clone()
            },
        ),
        (
            "too many tests",
            Orders {
                tests: vec![good.tests[0].clone(); orders::MAX_TESTS + 1],
                ..good.clone()
            },
        ),
    ];
    for (what, orders) in bad {
        let e = orders::write(&a, &orders, NOW).expect_err(what);
        assert_eq!(e.code, ErrorCode::InvalidInput, "{what}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_test_list_code_reaches_only_its_lab_and_the_lab_checks_what_it_fetched() {
    use caretrail_crypto::visit::RegistryDomain;
    use caretrail_protocol::records::Writer;
    use caretrail_protocol::visit::lab::{self, Attached};
    let k = keys();
    let domain = RegistryDomain {
        chain_id: 31337,
        records: Address([6; 20]),
    };
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let t_d = written(&k, authority(&k, StaffRole::Doctor), "ServiceRequest", 4);
    let hospital = k.hospital.address();
    let elsewhere = k.stranger.address();

    // Her own hospital's lab: no visit token; another organization's: one, for it.
    let (same, text) = lab::code(
        &k.patient, domain, hospital, hospital, t_d.id, NOW, &mut rng,
    );
    assert!(same.visit.is_none());
    assert_eq!(lab::read(&text, domain, hospital, NOW).expect("read"), same);
    let (other, other_text) = lab::code(
        &k.patient, domain, elsewhere, hospital, t_d.id, NOW, &mut rng,
    );
    let token = other.visit_token().expect("a visit token");
    assert_eq!(token.organization, elsewhere);
    assert!(lab::read(&other_text, domain, elsewhere, NOW).is_ok());

    let refused = |text: &str, here: Address, now: u64| {
        lab::read(text, domain, here, now)
            .expect_err("refused")
            .code
    };
    assert_eq!(refused(&text, elsewhere, NOW), ErrorCode::WrongOrganization);
    assert_eq!(
        refused(&text, hospital, NOW + lab::SHARE_SECS + 1),
        ErrorCode::SignatureExpired
    );
    // Its visit token can open the visit for ten minutes only.
    assert_eq!(
        refused(&other_text, elsewhere, NOW + 11 * 60),
        ErrorCode::SignatureExpired
    );
    let (_, checkin) = caretrail_protocol::checkin::code(
        &k.patient,
        domain,
        hospital,
        Hash32([1; 32]),
        NOW,
        &mut rng,
    );
    assert_eq!(refused(&checkin, hospital, NOW), ErrorCode::InvalidInput);
    assert_eq!(refused("ct:/AAAA", hospital, NOW), ErrorCode::InvalidInput);

    // What it fetched: the shared list, written by a doctor.
    let by = |role: StaffRole| {
        Writer::Staff(caretrail_types::WrittenBy {
            staff: k.doctor.address(),
            role,
            organization: hospital,
            organization_name: "H".into(),
            visit_id: VISIT,
        })
    };
    assert_eq!(
        lab::check_order(&same, &t_d, &by(StaffRole::Doctor)).expect("the order"),
        (hospital, VISIT)
    );
    let other_record = written(&k, authority(&k, StaffRole::Doctor), "ServiceRequest", 5);
    let cases = [
        (
            &other_record,
            by(StaffRole::Doctor),
            ErrorCode::HashMismatch,
        ),
        (&t_d, by(StaffRole::Lab), ErrorCode::WrongRole),
        (&t_d, Writer::Patient, ErrorCode::WrongRole),
        (
            &t_d,
            Writer::Unproven {
                reason: "forged".into(),
            },
            ErrorCode::BadSignature,
        ),
    ];
    for (record, writer, code) in cases {
        assert_eq!(
            lab::check_order(&same, record, &writer)
                .expect_err("refused")
                .code,
            code,
            "{writer:?}"
        );
    }
    let prescription = written(&k, authority(&k, StaffRole::Doctor), "MedicationRequest", 4);
    let (as_list, _) = lab::code(
        &k.patient,
        domain,
        hospital,
        hospital,
        prescription.id,
        NOW,
        &mut rng,
    );
    assert_eq!(
        lab::check_order(&as_list, &prescription, &by(StaffRole::Doctor))
            .expect_err("not a list")
            .code,
        ErrorCode::InvalidInput
    );

    // The report presents its files and answers the order.
    let a = authority(&k, StaffRole::Lab).assignment.assignment;
    let file = Attached {
        record: Hash32([7; 32]),
        content_type: "application/pdf".into(),
        size: 1_234,
        title: "cbc.pdf".into(),
    };
    let json = lab::report(&a, VISIT, "Normal.", std::slice::from_ref(&file), NOW).expect("U_R");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("json");
    assert_eq!(value["resourceType"], "DiagnosticReport");
    assert_eq!(value["status"], "final");
    assert_eq!(
        value["presentedForm"][0]["url"],
        lab::attachment_url(file.record)
    );
    assert_eq!(
        value["basedOn"][0]["identifier"]["value"],
        format!("{VISIT}/tests")
    );
    assert!(lab::report(&a, VISIT, "  ", &[], NOW).is_err());
    let many = vec![file; lab::MAX_ATTACHMENTS + 1];
    assert!(lab::report(&a, VISIT, "Normal.", &many, NOW).is_err());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_bill_is_decided_by_the_published_policy_and_her_app_flags_an_answer_that_pays_less() {
    use caretrail_protocol::visit::bill::{
        self, Bill, BillLine, Coverage, Outcome, adjudicate, check_billable, compare, decide,
        decide_claim,
    };
    let k = keys();
    let terms = bill::terms(include_bytes!(
        "../../sandbox/data/policies/meridian-gold.json"
    ))
    .expect("the sandbox plan's terms");
    assert_eq!(terms.currency, "BDT");
    let lab = terms
        .benefits
        .iter()
        .find(|b| b.service == "Laboratory tests")
        .expect("a benefit");
    assert_eq!((lab.limit, lab.copay_percent), (Some(40_000), 0));
    let consultation = terms
        .benefits
        .iter()
        .find(|b| b.service == "Doctor consultation")
        .expect("a benefit");
    assert_eq!((consultation.limit, consultation.copay_percent), (None, 10));

    let line = |service: &str, amount| BillLine {
        service: service.into(),
        amount,
    };
    let bill_of = |lines: Vec<BillLine>| Bill {
        lines,
        records: vec![Hash32([1; 32]), Hash32([2; 32])],
    };
    let full = bill_of(vec![
        line("Doctor consultation", 805),
        line("laboratory tests", 1_500),
    ]);
    let decided = adjudicate(&terms, &full);
    assert_eq!(decided.outcome, Outcome::Complete);
    // 10 % of 805 is 80.5: rounded half up.
    assert_eq!(
        decided
            .lines
            .iter()
            .map(|l| (l.copay, l.benefit))
            .collect::<Vec<_>>(),
        [(81, 724), (0, 1_500)]
    );
    assert_eq!(decided.benefit, 2_224);
    let over = adjudicate(
        &terms,
        &bill_of(vec![
            line("Laboratory tests", 30_000),
            line("Laboratory tests", 30_000),
        ]),
    );
    assert_eq!(over.outcome, Outcome::Partial);
    assert_eq!(over.benefit, 40_000, "the limit holds across lines");
    let nothing = adjudicate(&terms, &bill_of(vec![line("Dental care", 500)]));
    assert_eq!((nothing.outcome, nothing.benefit), (Outcome::Error, 0));
    let mixed = adjudicate(
        &terms,
        &bill_of(vec![
            line("Dental care", 500),
            line("Laboratory tests", 100),
        ]),
    );
    assert_eq!(mixed.outcome, Outcome::Partial);

    // The desk refuses what the insurer would not pay, and a record billed before.
    assert!(check_billable(&terms, &full, &[]).is_ok());
    assert_eq!(
        check_billable(&terms, &bill_of(vec![line("Dental care", 500)]), &[])
            .expect_err("not covered")
            .code,
        ErrorCode::InvalidInput
    );
    let again = Bill {
        lines: vec![line("Laboratory tests", 10)],
        records: vec![Hash32([2; 32])],
    };
    assert_eq!(
        check_billable(&terms, &again, std::slice::from_ref(&full))
            .expect_err("billed before")
            .code,
        ErrorCode::RecordExists
    );
    assert_eq!(
        decide(&terms, &again, std::slice::from_ref(&full)).outcome,
        Outcome::Error
    );
    // A year's limit counts what the earlier bills were paid: 1,500 of 40,000 went to the first
    // bill's tests, so 38,500 are left; a bill refused as billed before took nothing.
    let later = |records: Vec<Hash32>, amount| Bill {
        lines: vec![line("Laboratory tests", amount)],
        records,
    };
    let second = later(vec![Hash32([3; 32])], 50_000);
    let capped = decide(&terms, &second, std::slice::from_ref(&full));
    assert_eq!((capped.outcome, capped.benefit), (Outcome::Partial, 38_500));
    assert!(
        capped.lines[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("1500 paid before")),
        "{:?}",
        capped.lines[0].reason
    );
    let third = later(vec![Hash32([4; 32])], 1_000);
    let earlier = [full.clone(), again.clone(), second.clone()];
    assert_eq!(
        (
            decide(&terms, &third, &earlier).outcome,
            decide(&terms, &third, &earlier).benefit
        ),
        (Outcome::Error, 0),
        "the limit is spent"
    );
    let earlier = [full.clone(), later(vec![Hash32([2; 32])], 45_000)];
    assert_eq!(
        decide(&terms, &third, &earlier).benefit,
        1_000,
        "the repeated bill took nothing of the limit (counted, it would spend it)"
    );

    // A claim is decided under the coverage her registration pinned: one naming another
    // version, or sent to another insurer, is refused whole; earlier claims under another
    // coverage take nothing of this one's limits.
    let pinned = Coverage {
        patient: k.patient.address(),
        insurer: k.hospital.address(),
        policy_id: Hash32([3; 32]),
        version: 2,
    };
    let older = Coverage {
        version: 1,
        ..pinned
    };
    let insurer = pinned.insurer;
    let under_pinned = decide_claim(
        &pinned,
        &terms,
        (&pinned, &second),
        insurer,
        &[(older, later(vec![Hash32([5; 32])], 40_000))],
    );
    assert_eq!(
        (under_pinned.outcome, under_pinned.benefit),
        (Outcome::Partial, 40_000)
    );
    let under_pinned = decide_claim(
        &pinned,
        &terms,
        (&pinned, &second),
        insurer,
        &[(pinned, full.clone())],
    );
    assert_eq!(under_pinned.benefit, 38_500);
    for (named, to) in [(older, insurer), (pinned, k.stranger.address())] {
        let refused = decide_claim(&pinned, &terms, (&named, &second), to, &[]);
        assert_eq!((refused.outcome, refused.benefit), (Outcome::Error, 0));
    }
    for bad in [
        Bill {
            lines: vec![],
            records: vec![Hash32([1; 32])],
        },
        Bill {
            lines: vec![line("Laboratory tests", 0)],
            records: vec![Hash32([1; 32])],
        },
        Bill {
            lines: vec![line("Laboratory tests", 10)],
            records: vec![],
        },
        Bill {
            lines: vec![line("Laboratory tests", 10)],
            records: vec![Hash32([1; 32]), Hash32([1; 32])],
        },
    ] {
        assert!(check_billable(&terms, &bad, &[]).is_err(), "{bad:?}");
    }

    // The claim and the answers read back as written; her app flags an answer that pays less.
    let a = authority(&k, StaffRole::Billing).assignment.assignment;
    let coverage = Coverage {
        patient: k.patient.address(),
        insurer: k.stranger.address(),
        policy_id: Hash32([3; 32]),
        version: 2,
    };
    let claim = bill::claim(&a, &coverage, &full, "BDT", NOW).expect("U_B");
    assert_eq!(
        bill::read_claim(&claim).expect("read"),
        (coverage, full.clone())
    );
    let other = Coverage {
        patient: k.stranger.address(),
        ..coverage
    };
    assert!(
        bill::claim(&a, &other, &full, "BDT", NOW).is_err(),
        "another patient"
    );
    let claim_id = Hash32([9; 32]);
    let queued =
        bill::response(&claim, claim_id, coverage.insurer, "BDT", None, NOW).expect("queued");
    let queued = bill::read_response(&queued).expect("read");
    assert_eq!(queued.outcome, Outcome::Queued);
    assert!(
        compare(&decided, &queued).is_empty(),
        "nothing to compare yet"
    );
    let answer = bill::response(
        &claim,
        claim_id,
        coverage.insurer,
        "BDT",
        Some(&decided),
        NOW,
    )
    .expect("answer");
    let answer = bill::read_response(&answer).expect("read");
    assert_eq!(answer.lines, [(81, 724), (0, 1_500)]);
    assert!(compare(&decided, &answer).is_empty());
    let mut short = decided.clone();
    short.lines[1].benefit = 1_000;
    short.benefit = 1_724;
    let paid_less = bill::response(&claim, claim_id, coverage.insurer, "BDT", Some(&short), NOW)
        .expect("answer");
    let differences = compare(&decided, &bill::read_response(&paid_less).expect("read"));
    assert_eq!(differences.len(), 2, "{differences:?}");
    assert!(differences[0].contains("1000") && differences[0].contains("1500"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_relay_checks_a_staff_upload_against_her_certificate_her_assignment_and_its_visit() {
    use caretrail_protocol::staff::Facts;
    use caretrail_protocol::visit::authority::check_upload;
    use caretrail_types::{
        Admission, Participant, ParticipantKind, ParticipantStatus, RelayRequest, Visit,
    };
    let k = keys();
    let good = authority(&k, StaffRole::Doctor);
    let facts = Facts {
        organization: Some(Participant {
            admission: Admission {
                signer: k.hospital.address(),
                kind: ParticipantKind::HealthOrganization,
                licence_id: "HO-LIC-1001".into(),
                name: "H".into(),
                encryption_key: k.hospital.public_key().to_compressed().to_vec(),
            },
            status: ParticipantStatus::Admitted,
            admitted_at: NOW - 1_000,
        }),
        revoked: false,
    };
    let visit = Visit {
        patient: k.patient.address(),
        organization: k.hospital.address(),
        visit_id: VISIT,
        expires_at: NOW + 7_200,
    };
    let request = |patient: Address| RelayRequest {
        signer: k.doctor.address(),
        action: RelayAction::RecordPut,
        patient,
        subject: Hash32([1; 32]),
        content: Hash32([2; 32]),
        deadline: NOW + 60,
        nonce: Hash32([3; 32]),
    };
    let both = [k.patient.address(), k.hospital.address()];
    let check =
        |authority: &VisitAuthority, patient: Address, kind: &str, readers: &[Address], now| {
            check_upload(
                authority,
                STAFF,
                k.doctor.address(),
                &request(patient),
                kind,
                readers,
                &facts,
                Some(&visit),
                now,
            )
            .map(|m| m.staff)
            .map_err(|e| e.code)
        };
    let her = k.patient.address();
    assert_eq!(
        check(&good, her, "ServiceRequest", &both, NOW),
        Ok(k.doctor.address())
    );
    // Another organization's assignment under this hospital's certificate.
    let mut elsewhere = good;
    elsewhere.assignment = sign_assignment(
        &k.stranger,
        STAFF,
        VisitAssignment {
            organization: k.stranger.address(),
            ..good.assignment.assignment
        },
    );
    let cases = [
        (
            elsewhere,
            her,
            "ServiceRequest",
            &both[..],
            NOW,
            ErrorCode::WrongOrganization,
        ),
        (
            good,
            k.stranger.address(),
            "ServiceRequest",
            &both[..],
            NOW,
            ErrorCode::NotAssigned,
        ),
        (
            good,
            her,
            "ServiceRequest",
            &both[..],
            NOW + 7_200,
            ErrorCode::CertificateExpired,
        ),
        (good, her, "Claim", &both[..], NOW, ErrorCode::WrongRole),
        (
            good,
            her,
            "ServiceRequest",
            &both[..1],
            NOW,
            ErrorCode::InvalidInput,
        ),
    ];
    for (authority, patient, kind, readers, now, code) in cases {
        assert_eq!(
            check(&authority, patient, kind, readers, now),
            Err(code),
            "{kind} at {now} for {patient}"
        );
    }
    // An assignment that ended before its visit did.
    let mut short = good;
    short.assignment = sign_assignment(
        &k.hospital,
        STAFF,
        VisitAssignment {
            expires_at: NOW + 100,
            ..good.assignment.assignment
        },
    );
    assert_eq!(
        check(&short, her, "ServiceRequest", &both, NOW + 200),
        Err(ErrorCode::VisitClosed)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn typed_tests_and_bill_lines_parse_and_a_policy_without_terms_is_named() {
    use caretrail_protocol::visit::bill::{self, BillLine};
    let test: TestOrder = " 58410-2 = Complete blood count ".parse().expect("test");
    assert_eq!(
        (test.loinc.as_str(), test.name.as_str()),
        ("58410-2", "Complete blood count")
    );
    let line: BillLine = "Scan = X-ray=1200".parse().expect("line");
    assert_eq!(
        (line.service.as_str(), line.amount),
        ("Scan = X-ray", 1200),
        "the amount follows the last ="
    );
    for bad in ["Complete blood count", ""] {
        assert_eq!(
            bad.parse::<TestOrder>().map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
    }
    for bad in [
        "Consultation",
        "Consultation=800.50",
        "Consultation=-1",
        "=x",
    ] {
        assert_eq!(
            bad.parse::<BillLine>().map_err(|e| e.code),
            Err(ErrorCode::InvalidInput),
            "{bad}"
        );
    }
    let pdf = bill::terms(include_bytes!(
        "../../sandbox/data/policies/meridian-basic.pdf"
    ))
    .expect_err("a PDF has no terms");
    assert_eq!(pdf.code, ErrorCode::InvalidInput);
    assert!(pdf.message.contains("no terms"), "{}", pdf.message);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_bill_names_only_anchored_records_the_hospitals_staff_wrote_at_that_visit() {
    use caretrail_protocol::records::Writer;
    use caretrail_protocol::visit::bill::check_billed_record;
    use caretrail_types::WrittenBy;
    let k = keys();
    let record = written(&k, authority(&k, StaffRole::Doctor), "ServiceRequest", 3);
    let here = k.hospital.address();
    let by = |organization, visit_id| {
        Writer::Staff(WrittenBy {
            staff: k.doctor.address(),
            role: StaffRole::Doctor,
            organization,
            organization_name: "H".into(),
            visit_id,
        })
    };
    let at_this_visit = by(here, VISIT);
    let visit = (here, VISIT, k.patient.address());
    let check = |writer: &Writer, anchored| {
        check_billed_record(record.id, Some((&record, writer)), visit, anchored).map_err(|e| e.code)
    };
    assert_eq!(check(&at_this_visit, true), Ok(()));
    assert_eq!(
        check_billed_record(record.id, None, visit, true).map_err(|e| e.code),
        Err(ErrorCode::RecordNotFound),
        "a record the relay does not hold"
    );
    assert_eq!(
        check_billed_record(
            Hash32([5; 32]),
            Some((&record, &at_this_visit)),
            visit,
            true
        )
        .map_err(|e| e.code),
        Err(ErrorCode::RelayError),
        "the relay answered another record's row"
    );
    assert_eq!(
        check_billed_record(
            record.id,
            Some((&record, &at_this_visit)),
            (here, VISIT, k.stranger.address()),
            true
        )
        .map_err(|e| e.code),
        Err(ErrorCode::InvalidInput),
        "another patient's record"
    );
    let claim = written(&k, authority(&k, StaffRole::Billing), "Claim", 4);
    assert_eq!(
        check_billed_record(claim.id, Some((&claim, &at_this_visit)), visit, true)
            .map_err(|e| e.code),
        Err(ErrorCode::InvalidInput),
        "a bill is not billed"
    );
    for (writer, what) in [
        (Writer::Patient, "her own record"),
        (by(here, Hash32([8; 32])), "another visit's"),
        (by(k.stranger.address(), VISIT), "another hospital's"),
        (
            Writer::Unproven {
                reason: "a forged certificate".into(),
            },
            "a writer not proven",
        ),
    ] {
        assert_eq!(check(&writer, true), Err(ErrorCode::InvalidInput), "{what}");
    }
    assert_eq!(
        check(&at_this_visit, false),
        Err(ErrorCode::UnknownRecord),
        "not anchored yet"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn her_app_shares_as_a_test_list_only_a_service_request_a_doctor_wrote() {
    use caretrail_protocol::records::{Listed, Writer};
    use caretrail_protocol::visit::lab::ordered_by;
    use caretrail_types::WrittenBy;
    let k = keys();
    let by = |role| {
        Some(Writer::Staff(WrittenBy {
            staff: k.doctor.address(),
            role,
            organization: k.hospital.address(),
            organization_name: "H".into(),
            visit_id: VISIT,
        }))
    };
    let listed = |n: u8, kind: &str, writer| Listed {
        id: Hash32([n; 32]),
        kind: kind.into(),
        anchor: None,
        stored: None,
        writer,
    };
    let list = [
        listed(1, "ServiceRequest", by(StaffRole::Doctor)),
        listed(2, "MedicationRequest", by(StaffRole::Doctor)),
        listed(3, "ServiceRequest", by(StaffRole::Lab)),
        listed(4, "ServiceRequest", Some(Writer::Patient)),
        listed(5, "ServiceRequest", None),
    ];
    assert_eq!(ordered_by(&list, Hash32([1; 32])), Ok(k.hospital.address()));
    for n in 2..=5 {
        assert_eq!(
            ordered_by(&list, Hash32([n; 32])).map_err(|e| e.code),
            Err(ErrorCode::InvalidInput),
            "record {n}"
        );
    }
    assert_eq!(
        ordered_by(&list, Hash32([9; 32])).map_err(|e| e.code),
        Err(ErrorCode::RecordNotFound)
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn her_bills_count_earlier_claims_and_the_relays_account_of_her_claims_is_checked() {
    use caretrail_protocol::visit::bill::{
        self, Answer, Bill, BillLine, Coverage, Outcome, PinnedTerms, ReadClaim,
    };
    use caretrail_types::{ChainAnchor, ChainClaim, RecordAnchor, TxId};
    let k = keys();
    let terms = bill::terms(include_bytes!(
        "../../sandbox/data/policies/meridian-gold.json"
    ))
    .expect("the sandbox plan's terms");
    let coverage = Coverage {
        patient: k.patient.address(),
        insurer: k.stranger.address(),
        policy_id: Hash32([3; 32]),
        version: 2,
    };
    let pinned = PinnedTerms {
        coverage,
        terms: terms.clone(),
    };
    let tests = |record: u8, amount| Bill {
        lines: vec![BillLine {
            service: "Laboratory tests".into(),
            amount,
        }],
        records: vec![Hash32([record; 32])],
    };
    let paying = |outcome, benefit| Answer {
        outcome,
        lines: vec![(0, benefit)],
        benefit,
    };
    let read = |claim: u8, bill: Bill, answers: Vec<Answer>| ReadClaim {
        claim: Hash32([claim; 32]),
        organization: k.hospital.address(),
        insurer: coverage.insurer,
        coverage,
        bill,
        answers,
    };
    // The first bill paid in full; the second, over what is left of the year's 40,000, paid as if
    // the first had not been (what an insurer that forgot it would pay); the third not answered.
    let views = bill::views(
        &pinned,
        vec![
            read(1, tests(1, 1_500), vec![paying(Outcome::Complete, 1_500)]),
            read(
                2,
                tests(2, 50_000),
                vec![paying(Outcome::Queued, 0), paying(Outcome::Partial, 40_000)],
            ),
            read(3, tests(3, 100), vec![]),
        ],
    );
    assert_eq!(views.len(), 3);
    assert_eq!(views[0].expected.benefit, 1_500);
    assert!(
        views[0].differences.is_empty(),
        "{:?}",
        views[0].differences
    );
    assert_eq!(views[1].expected.benefit, 38_500, "the first bill counted");
    assert!(
        views[1]
            .differences
            .iter()
            .any(|d| d.contains("pays 40000 in all; her policy says 38500")),
        "{:?}",
        views[1].differences
    );
    assert_eq!(
        (views[2].expected.outcome, views[2].expected.benefit),
        (Outcome::Error, 0),
        "the year's limit is spent"
    );
    assert!(views[2].differences.is_empty(), "no answer to compare yet");
    assert_eq!(views[1].answers.len(), 2);

    // What the relay says the chain holds of a claim is checked before anything is read.
    let patient = k.patient.address();
    let anchor = |kind: &str, author: Address, body: u8| {
        let kind = record_kind(kind).expect("a kind");
        ChainAnchor {
            anchor: RecordAnchor {
                record_id: record_id(patient, kind, Hash32([body; 32])),
                patient,
                author,
                kind,
                ciphertext_hash: Hash32([body; 32]),
            },
            tx_id: TxId([body; 32]),
        }
    };
    let good = ChainClaim {
        claim: anchor("Claim", k.hospital.address(), 1),
        insurer: coverage.insurer,
        answers: vec![anchor("ClaimResponse", coverage.insurer, 2)],
    };
    assert!(bill::check_chain_claim(patient, &good).is_ok());
    let mut bad = Vec::new();
    // Another patient's claim.
    bad.push((k.stranger.address(), good.clone()));
    // A record of another kind passed off as the claim.
    let mut c = good.clone();
    c.claim = anchor("ServiceRequest", k.hospital.address(), 1);
    bad.push((patient, c));
    // An id its anchor does not derive.
    let mut c = good.clone();
    c.claim.anchor.record_id = Hash32([7; 32]);
    bad.push((patient, c));
    // An answer someone other than the insurer anchored.
    let mut c = good.clone();
    c.answers = vec![anchor("ClaimResponse", k.doctor.address(), 2)];
    bad.push((patient, c));
    // A claim passed off as an answer.
    let mut c = good.clone();
    c.answers = vec![anchor("Claim", coverage.insurer, 2)];
    bad.push((patient, c));
    for (whose, claim) in bad {
        let refused = bill::check_chain_claim(whose, &claim).expect_err("refused");
        assert_eq!(refused.code, ErrorCode::HashMismatch, "{claim:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn her_list_reads_each_batch_and_hospital_once_and_shows_each_record_anchored_and_written_by() {
    use caretrail_protocol::records::{ListFound, ListReads, Writer, list};
    use caretrail_types::{Admission, Participant, ParticipantKind, ParticipantStatus, TxId};
    let k = keys();
    let a = authority(&k, StaffRole::Doctor);
    let visit: Vec<StoredRecord> = (1..=3)
        .map(|n| written(&k, a, "ServiceRequest", n))
        .collect();
    let (batch_root, _) = root(&visit).expect("root");
    let told = VisitBatch {
        organization: k.hospital.address(),
        visit_id: VISIT,
        root: batch_root,
        records: visit.iter().map(|r| r.id).collect(),
    };
    let held: Vec<_> = visit.iter().cloned().map(Some).collect();
    let kept = proofs(&told, &held, Some((k.patient.address(), 3))).expect("kept");
    let mut stored: Vec<StoredRecord> = visit
        .iter()
        .zip(kept)
        .map(|(r, proof)| StoredRecord {
            batch: Some(proof),
            ..r.clone()
        })
        .collect();
    // A fourth of the same hospital, not batched yet.
    stored.push(written(&k, a, "MedicationRequest", 4));

    // Three records of one batch and four of one hospital: one batch read, one hospital read.
    let reads = ListReads::of(&stored);
    assert_eq!(reads.batches, [(k.hospital.address(), batch_root)]);
    assert_eq!(reads.organizations, [k.hospital.address()]);
    assert_eq!(ListReads::of(&[]), ListReads::default());

    let entry = Participant {
        admission: Admission {
            signer: k.hospital.address(),
            kind: ParticipantKind::HealthOrganization,
            licence_id: "HO-LIC-1001".into(),
            name: "St. Olav".into(),
            encryption_key: k.hospital.public_key().to_compressed().to_vec(),
        },
        status: ParticipantStatus::Admitted,
        admitted_at: NOW,
    };
    let tx = TxId([7; 32]);
    let mut found = ListFound::default();
    found.batches.insert(
        (k.hospital.address(), batch_root),
        Some((k.patient.address(), tx)),
    );
    found
        .organizations
        .insert(k.hospital.address(), Some(entry));
    let shown = list(stored.clone(), vec![], &found, RELAY, STAFF);
    assert_eq!(
        shown.iter().map(|l| l.id).collect::<Vec<_>>(),
        stored.iter().map(|r| r.id).collect::<Vec<_>>(),
        "batched ones first, then the one not anchored"
    );
    for l in &shown[..3] {
        let (anchor, anchored_in) = l.anchor.as_ref().expect("anchored by the batch");
        assert_eq!((anchor.author, *anchored_in), (k.hospital.address(), tx));
    }
    assert_eq!(shown[3].anchor, None);
    for l in &shown {
        match &l.writer {
            Some(Writer::Staff(by)) => {
                assert_eq!(
                    (by.staff, by.organization_name.as_str()),
                    (k.doctor.address(), "St. Olav")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    // The chain holds another patient's batch at that root, or none: nothing is anchored by it.
    for answer in [Some((k.stranger.address(), tx)), None] {
        let mut other = found.clone();
        other
            .batches
            .insert((k.hospital.address(), batch_root), answer);
        let shown = list(stored.clone(), vec![], &other, RELAY, STAFF);
        assert!(shown.iter().all(|l| l.anchor.is_none()), "{answer:?}");
    }

    // One record read alone: its writer is read, not its batch; only that record of hers.
    use caretrail_protocol::records::alone;
    let her = k.patient.address();
    let one = stored[0].clone();
    let kept = alone(her, one.id, Some(one.clone()));
    assert_eq!(kept, std::slice::from_ref(&one));
    let reads = ListReads::writers(&kept);
    assert_eq!(
        (reads.batches.len(), reads.organizations.clone()),
        (0, vec![k.hospital.address()])
    );
    let shown = list(kept, vec![], &found, RELAY, STAFF);
    assert_eq!(shown.len(), 1);
    assert!(matches!(shown[0].writer, Some(Writer::Staff(_))));
    assert!(alone(her, one.id, None).is_empty(), "none held");
    assert!(
        alone(her, Hash32([1; 32]), Some(one.clone())).is_empty(),
        "the row of another id"
    );
    assert!(
        alone(k.stranger.address(), one.id, Some(one)).is_empty(),
        "another's record"
    );
}
