//! The bill, step 15, end to end. After the doctor's orders, the hospital's billing desk (the
//! command line: its billing staff key and the hospital's key) bills the visit; the sandbox
//! insurer follows its queue at the relay, answers "queued", checks her enrolment on chain,
//! adjudicates against the policy version it pinned (covered services, co-payment, limits), and
//! answers; each answer is encrypted for her and the hospital, and anchored. Her app reads the
//! bill and the answers and computes what her policy says: they agree, for a bill paid in full
//! and for one over a limit. A bill filed while the insurer is down waits at the relay and is
//! answered when it is back; one whose last answer was uploaded but not anchored stays on the
//! insurer's queue until it is. And the refusals: a service her policy does not cover, the same
//! records billed twice, an insurer she is not enrolled with, records that are not the visit's.

mod common;

use caretrail_client::{BillView, Client};
use caretrail_crypto::SecretKey;
use caretrail_protocol::visit::bill::{self, Outcome, PinnedTerms};
use caretrail_protocol::visit::orders::{Orders, TestOrder};
use caretrail_types::{ChainClaim, ErrorCode, Hash32, StaffRole};
use common::{Parties, Workstation, cli, register_and_admit, registration_stack, succeeded};
use futures_util::StreamExt as _;
use std::time::Duration;
use tempfile::TempDir;

/// A visit opened and the doctor's orders written in it: the visit id and the records' ids.
async fn visit_with_orders(parties: &Parties) -> (Hash32, Vec<Hash32>) {
    let (doctor, certificate) = parties.staff(StaffRole::Doctor).await;
    let authority = parties
        .checked_in(&doctor, certificate, StaffRole::Doctor)
        .await;
    let written = parties
        .client
        .write_orders(
            &doctor,
            parties.kiosk.clone(),
            &authority,
            &Orders {
                prescription: None,
                tests: vec![TestOrder {
                    loinc: "58410-2".into(),
                    name: "Complete blood count".into(),
                }],
            },
        )
        .await
        .expect("ordered");
    (
        authority.assignment.assignment.visit_id,
        written.iter().map(|r| r.id).collect(),
    )
}

/// Her bill of claim `claim` once the insurer's last answer is in.
async fn answered(
    client: &Client,
    patient: &SecretKey,
    scratch: &TempDir,
    claim: Hash32,
) -> BillView {
    for _ in 0..120 {
        let bills = client
            .bills(patient, scratch.path())
            .await
            .expect("her bills");
        if let Some(view) = bills.into_iter().find(|b| b.claim == claim)
            && view
                .answers
                .last()
                .is_some_and(|a| a.outcome != Outcome::Queued)
        {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the insurer never answered claim {claim}");
}

/// The first claim on `insurer`'s queue at the relay, if one comes within 3 s.
async fn first_on_queue(client: &Client, insurer: &SecretKey) -> Option<Hash32> {
    let queue = client.claim_queue(insurer).await.expect("its queue");
    let mut queue = std::pin::pin!(queue);
    tokio::time::timeout(Duration::from_secs(3), queue.next())
        .await
        .ok()
        .flatten()
        .map(|n| n.expect("a notice").claim_id)
}

#[tokio::test]
async fn the_hospital_bills_the_insurer_answers_and_her_app_checks_the_answer() {
    let stack = registration_stack().await;
    let relay = stack.relay_url.as_str();
    let erik_dir = TempDir::new().expect("dir");
    let parties = register_and_admit(&stack, erik_dir.path()).await;
    let (client, patient, hospital) = (&parties.client, &parties.patient, &parties.hospital);
    let scratch = TempDir::new().expect("dir");
    let desk = Workstation::new(relay, hospital, "billing").await;
    let send = |visit: Hash32, lines: &[&str], records: &[Hash32], extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "billing".into(),
            "send".into(),
            "--visit-id".into(),
            visit.to_string(),
        ];
        for line in lines {
            args.extend(["--line".into(), (*line).to_owned()]);
        }
        for r in records {
            args.extend(["--record".into(), r.to_string()]);
        }
        args.extend(desk.args(relay).iter().map(|a| (*a).to_owned()));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        args.push("--json".into());
        let dir = desk.staff_dir.path().to_owned();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cli(&args, &dir, &[]).await
        }
    };

    // A visit billed: a consultation (10 % co-payment) and laboratory tests.
    let (visit, records) = visit_with_orders(&parties).await;
    let out = send(
        visit,
        &["Doctor consultation=800", "Laboratory tests=1500"],
        &records,
        &[],
    )
    .await;
    let notice: caretrail_types::ClaimNotice =
        serde_json::from_str(&succeeded(&out)).expect("json");
    assert_eq!(notice.insurer, stack.insurer.address());
    let view = answered(client, patient, &scratch, notice.claim_id).await;
    assert_eq!(
        view.answers.iter().map(|a| a.outcome).collect::<Vec<_>>(),
        [Outcome::Queued, Outcome::Complete]
    );
    let last = view.answers.last().expect("answered");
    assert_eq!(last.lines, [(80, 720), (0, 1500)]);
    assert_eq!(last.benefit, 2_220);
    assert_eq!(view.expected.benefit, 2_220);
    assert!(view.differences.is_empty(), "{:?}", view.differences);
    assert_eq!(view.bill.records, records);

    // Another hospital anchors the same claim's hash under a visit of its own, naming a second
    // insurer: that insurer's answer to the first hospital's claim is refused, and does not take
    // it off anyone's queue.
    let rpc = stack.rpc_url();
    let registries = stack.deployment.registries;
    let (b_signer, i2_signer) = (stack.node().dev_signer(4), stack.node().dev_signer(6));
    let (b, i2) = (
        caretrail_chain::secret_key(&b_signer),
        caretrail_chain::secret_key(&i2_signer),
    );
    for (key, kind, licence) in [
        (
            &b,
            caretrail_types::ParticipantKind::HealthOrganization,
            "HO-LIC-2002",
        ),
        (
            &i2,
            caretrail_types::ParticipantKind::Insurer,
            "INS-LIC-0002",
        ),
    ] {
        caretrail_chain::admit(
            &rpc,
            stack.node().dev_signer(0),
            registries.participants,
            &caretrail_chain::admission_of(key, kind, licence, "Other"),
        )
        .await
        .expect("admitted");
    }
    let (_, code) = client
        .checkin_code(patient, parties.record, b.address())
        .await
        .expect("her code");
    let b_visit = client
        .open_checkin(b_signer.clone(), &code)
        .await
        .expect("opened");
    let (_, claim_record) = client
        .read_record(
            patient,
            patient.address(),
            notice.claim_id,
            None,
            &scratch.path().join("claim.json"),
            std::sync::Arc::new(|_| {}),
        )
        .await
        .expect("her claim");
    let claim_record = claim_record.expect("its row");
    caretrail_chain::anchor_claim(
        &rpc,
        b_signer.clone(),
        registries.records,
        b_visit.visit_id,
        claim_record.body_hash,
        i2.address(),
    )
    .await
    .expect("anchored again by the other hospital");
    let mut posing = claim_record.clone();
    if let Some(s) = posing.submission.as_mut() {
        s.authority.assignment.assignment.organization = b.address();
        s.authority.assignment.assignment.visit_id = b_visit.visit_id;
    }
    common::refused_as(
        client
            .answer_claim(&i2, i2_signer.clone(), &posing, b"{}", true)
            .await,
        ErrorCode::NotAReader,
    );

    // Refusals at the desk, before anything is written: the same records again, a service her
    // policy does not cover, an insurer she is not enrolled with.
    let refused = |out: std::process::Output, code: &str| {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "accepted: {stderr}");
        assert!(stderr.contains(&format!("[{code}]")), "{stderr}");
    };
    refused(
        send(visit, &["Laboratory tests=100"], &records[..1], &[]).await,
        "record_exists",
    );
    let (second, second_records) = visit_with_orders(&parties).await;
    refused(
        send(second, &["Dental care=500"], &second_records, &[]).await,
        "invalid_input",
    );
    refused(
        send(
            second,
            &["Laboratory tests=100"],
            &second_records,
            &["--insurer", &hospital.address().to_string()],
        )
        .await,
        "not_admitted",
    );
    // An admitted insurer, but not hers: refused with her enrolment named.
    let out = send(
        second,
        &["Laboratory tests=100"],
        &second_records,
        &["--insurer", &i2.address().to_string()],
    )
    .await;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    refused(out, "not_admitted");
    assert!(
        said.contains("is not enrolled with")
            && said.contains(&stack.insurer.address().to_string()),
        "{said}"
    );
    // Records that are not this visit's: another visit's, one the relay does not hold.
    let (other, other_records) = visit_with_orders(&parties).await;
    refused(
        send(second, &["Laboratory tests=100"], &other_records, &[]).await,
        "invalid_input",
    );
    refused(
        send(second, &["Laboratory tests=100"], &[Hash32([7; 32])], &[]).await,
        "record_not_found",
    );

    // The visits the desk may pick: the hospital's open ones, newest first; a closed one is not.
    let open_ids = || async {
        client
            .open_visits(hospital.address(), caretrail_client::unix_now())
            .await
            .expect("its open visits")
            .into_iter()
            .map(|v| v.visit_id)
            .collect::<Vec<_>>()
    };
    let open = open_ids().await;
    assert_eq!(open.first(), Some(&other), "{open:?}");
    assert!(open.contains(&second) && open.contains(&visit), "{open:?}");
    caretrail_chain::close_visit(
        &rpc,
        parties.kiosk.clone(),
        registries.records,
        hospital.address(),
        other,
    )
    .await
    .expect("closed");
    assert!(
        !open_ids().await.contains(&other),
        "a closed visit is not offered"
    );
    let bills = client
        .bills(patient, scratch.path())
        .await
        .expect("her bills");
    assert_eq!(bills.len(), 1, "no refused bill was written");
    common::refused_as(
        client
            .assignment_to(
                &desk.staff,
                &desk.certificate,
                caretrail_types::StaffRole::Billing,
                second,
                Duration::from_secs(1),
            )
            .await,
        ErrorCode::NotAssigned,
    );

    // The insurer is down: the bill waits at the relay, queued, then is answered when it is
    // back. Over the yearly limit (40,000, of which her first bill's tests took 1,500), it is
    // paid in part, as her policy says.
    stack.insurer.set_online(false);
    let out = send(second, &["Laboratory tests=50000"], &second_records, &[]).await;
    let waiting: caretrail_types::ClaimNotice =
        serde_json::from_str(&succeeded(&out)).expect("json");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bills = client
        .bills(patient, scratch.path())
        .await
        .expect("her bills");
    let view = bills
        .iter()
        .find(|b| b.claim == waiting.claim_id)
        .expect("her second bill");
    assert!(
        view.answers.is_empty(),
        "answered while down: {:?}",
        view.answers
    );
    // Acting as the insurer, the test uploads a last answer and fails to anchor it (sent from an
    // account that is not the claim's insurer, which the chain refuses): the claim is not
    // answered, and stays on the insurer's queue.
    let insurer = stack.insurer.key();
    let (claim, json) = client
        .take_claim(insurer, &waiting, scratch.path())
        .await
        .expect("the insurer reads the claim");
    let response = caretrail_protocol::visit::bill::response(
        &json,
        claim.id,
        insurer.address(),
        "BDT",
        None,
        caretrail_client::unix_now(),
    )
    .expect("a response");
    let failed = client
        .answer_claim(insurer, stack.node().dev_signer(7), &claim, &response, true)
        .await
        .expect_err("its anchor is refused");
    assert!(
        matches!(failed, caretrail_client::ClientError::Chain(_)),
        "{failed}"
    );
    assert_eq!(
        first_on_queue(client, insurer).await,
        Some(waiting.claim_id),
        "a claim whose last answer is not anchored is still on the insurer's queue"
    );
    stack.insurer.set_online(true);
    let view = answered(client, patient, &scratch, waiting.claim_id).await;
    let last = view.answers.last().expect("answered");
    assert_eq!(last.outcome, Outcome::Partial);
    assert_eq!(last.benefit, 38_500);
    assert!(view.differences.is_empty(), "{:?}", view.differences);
    assert_eq!(
        first_on_queue(client, insurer).await,
        None,
        "once its answer is anchored, the claim is off the queue"
    );

    // The insurer restarted: a new claims desk with the same key and nothing in memory reads
    // her earlier bills from the chain. Her tests' limit for the year is spent (1,500 and
    // 38,500), so a third bill for tests is paid nothing, as her policy says.
    stack.insurer.set_online(false);
    let restarted = std::sync::Arc::new(caretrail_sandbox::insurer::Insurer::new(
        "Meridian Mutual Health Insurance (restarted)",
        stack.insurer.signer().clone(),
        caretrail_sandbox::insurer::default_plans(),
        stack.insurer.relay().clone(),
    ));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let desk_scratch = TempDir::new().expect("dir");
    let restarted_desk = tokio::spawn({
        let (restarted, path) = (restarted.clone(), desk_scratch.path().to_owned());
        async move { restarted.serve_claims(&path, stopping).await }
    });
    let (spent_visit, spent_records) = visit_with_orders(&parties).await;
    let out = send(spent_visit, &["Laboratory tests=1000"], &spent_records, &[]).await;
    let spent: caretrail_types::ClaimNotice = serde_json::from_str(&succeeded(&out)).expect("json");
    let view = answered(client, patient, &scratch, spent.claim_id).await;
    let last = view.answers.last().expect("answered");
    assert_eq!((last.outcome, last.benefit), (Outcome::Error, 0));
    assert!(view.differences.is_empty(), "{:?}", view.differences);
    stop.send_replace(true);
    restarted_desk.await.expect("the desk stops");
    stack.insurer.set_online(true);

    // An insurer suspended: the bill is refused before anything is written.
    let (third, third_records) = visit_with_orders(&parties).await;
    caretrail_chain::set_status(
        &rpc,
        stack.node().dev_signer(0),
        registries.participants,
        stack.insurer.address(),
        caretrail_types::ParticipantStatus::Suspended,
    )
    .await
    .expect("suspended");
    refused(
        send(third, &["Laboratory tests=100"], &third_records, &[]).await,
        "not_admitted",
    );
    let bills = client
        .bills(patient, scratch.path())
        .await
        .expect("her bills");
    assert_eq!(
        bills.len(),
        3,
        "no bill was anchored for a suspended insurer"
    );
    let listed = client.list_records(patient).await.expect("her list");
    assert!(
        listed
            .iter()
            .all(|l| l.kind != "Claim" || l.anchor.is_some()),
        "a claim was stored at the relay and never anchored"
    );

    // From the command line, her bills.
    let out = cli(
        &["records", "bills", "--relay", relay],
        erik_dir.path(),
        &[],
    )
    .await;
    let text = succeeded(&out);
    assert!(text.contains("Partial") && text.contains("38500"), "{text}");
    assert!(!text.contains("DIFFERENCE"), "{text}");

    // The web page's bills: what the relay reads of the chain for it (her claims with their
    // answers, the policy version she is enrolled in) passes the page's checks and gives the
    // page the figures her app computed.
    let page = |path: String| async move {
        reqwest::get(format!("{relay}/v1/{path}"))
            .await
            .expect("the relay answers")
    };
    let bills = client
        .bills(patient, scratch.path())
        .await
        .expect("her bills");
    let chain_claims: Vec<ChainClaim> = page(format!("patients/{}/claims", patient.address()))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        chain_claims
            .iter()
            .map(|c| (c.claim.anchor.record_id, c.insurer, c.answers.len()))
            .collect::<Vec<_>>(),
        bills
            .iter()
            .map(|b| (b.claim, b.insurer, b.answers.len()))
            .collect::<Vec<_>>()
    );
    for claim in &chain_claims {
        bill::check_chain_claim(patient.address(), claim).expect("the page's check");
    }
    let publication: Option<caretrail_types::PolicyPublication> =
        page(format!("patients/{}/policy", patient.address()))
            .await
            .json()
            .await
            .expect("json");
    let pinned =
        PinnedTerms::of(patient.address(), &publication.expect("her policy")).expect("its terms");
    assert_eq!(
        pinned,
        client
            .pinned_terms(patient.address())
            .await
            .expect("read by her app")
    );
    let stranger = SecretKey::generate(&mut rand_core::OsRng).address();
    let none: Option<caretrail_types::PolicyPublication> =
        page(format!("patients/{stranger}/policy"))
            .await
            .json()
            .await
            .expect("json");
    assert!(none.is_none(), "no policy for an unregistered address");
    let none: Vec<ChainClaim> = page(format!("patients/{stranger}/claims"))
        .await
        .json()
        .await
        .expect("json");
    assert!(none.is_empty());
    let bad = page("patients/not-an-address/claims".into()).await;
    assert_eq!(bad.status().as_u16(), 400, "a malformed address is refused");
}
