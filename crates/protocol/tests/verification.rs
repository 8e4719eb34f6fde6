//! The verification unit's decisions as a table, with no network: from the facts gathered, the
//! request and `now`, what it asks next, what it refuses (with which code), and the ticket.

use caretrail_crypto::identity::card_hash;
use caretrail_crypto::policy::content_hash;
use caretrail_protocol::verification::recovery::{self, Holding, Step as RecoveryStep};
use caretrail_protocol::verification::{
    Card, Enrolment, FaceScore, Facts, Need, Policy, Registered, Step, TICKET_TTL_SECS, decide,
};
use caretrail_types::{
    Address, CardNumber, Check, Citizen, Coverage, CoverageStatus, Enrolment as Enrolled,
    EnrolmentOffer, ErrorCode, Hash32, Nid, PendingRecovery, PostalAddress, RecoverRequest,
    Recovery, Signature, VerifyRequest,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const NOW: u64 = 1_800_000_000;
const POLICY: &[u8] = br#"{"plan": "gold", "copay": 10}"#;
const INSURER: Address = Address([8; 20]);
const VERIFIER: Address = Address([9; 20]);

fn request() -> VerifyRequest {
    VerifyRequest {
        nid: Nid::parse("19710302-4411").expect("nid"),
        card_number: CardNumber::parse("MMH-1001-0001").expect("card"),
        patient: Address([1; 20]),
        policy_hash: policy_hash(),
        photo: Vec::new(),
    }
}

fn policy_hash() -> Hash32 {
    content_hash("application/json", POLICY).expect("hash")
}

/// Every fact as an honest world gives it.
fn facts() -> Facts {
    let request = request();
    Facts {
        photo_checked: true,
        citizen: Some(Citizen {
            nid: request.nid.clone(),
            given_name: "Erik".into(),
            family_name: "Lundqvist".into(),
            birth_date: "1971-03-02".into(),
            address: PostalAddress {
                line: "Storgatan 1".into(),
                city: "Uppsala".into(),
                postal_code: "753 10".into(),
                country: "SE".into(),
            },
        }),
        face: Some(FaceScore {
            distance: 0.3125,
            threshold: 0.6,
            model: "dlib",
        }),
        registered: Some(Registered {
            nid_commitment: Hash32([7; 32]),
            nid: false,
            key: false,
        }),
        card: Some(Card {
            coverage: Coverage {
                card_number: request.card_number.clone(),
                status: CoverageStatus::Active,
                valid_until: "2030-12-31".into(),
                insurer: INSURER,
                insurer_name: "Meridian".into(),
                plan: "meridian-gold".into(),
                policy_id: Hash32([6; 32]),
                media_type: "application/json".into(),
            },
            insurer_admitted: true,
        }),
        policy: Some(Policy {
            document: POLICY.to_vec(),
            version: 2,
            chain_hash: policy_hash(),
        }),
        enrolment: Some(Enrolment {
            offer: EnrolmentOffer {
                enrolment: Enrolled {
                    patient: request.patient,
                    insurer: INSURER,
                    policy_id: Hash32([6; 32]),
                    version: 2,
                    card_hash: card_hash(&request.card_number),
                    deadline: NOW + TICKET_TTL_SECS,
                },
                insurer_signature: Signature([3; 65]),
            },
            signer: Some(INSURER),
        }),
        holding: None,
    }
}

/// What a case must give.
#[derive(Debug, PartialEq)]
enum Expect {
    Ask(Need),
    Refused(ErrorCode),
    Fraud,
    Ticket,
}

fn outcome(step: &Step) -> Expect {
    match step {
        Step::Ask(need) => Expect::Ask(*need),
        Step::Refuse { fraud: Some(_), .. } => Expect::Fraud,
        Step::Refuse { error, .. } => Expect::Refused(error.code),
        Step::Issue { .. } => Expect::Ticket,
    }
}

#[allow(clippy::type_complexity)]
fn cases() -> Vec<(
    &'static str,
    Box<dyn Fn(&mut Facts, &mut VerifyRequest)>,
    Expect,
)> {
    vec![
        (
            "nothing known: the photo's cheap checks come first, before any NID look-up",
            Box::new(|f, _| *f = Facts::default()),
            Expect::Ask(Need::Photo),
        ),
        (
            "the photo passed: then the EC registry",
            Box::new(|f, _| {
                *f = Facts {
                    photo_checked: true,
                    ..Facts::default()
                }
            }),
            Expect::Ask(Need::Citizen),
        ),
        (
            "a citizen: then the face match",
            Box::new(|f, _| {
                f.face = None;
                f.registered = None;
            }),
            Expect::Ask(Need::Face),
        ),
        (
            "another face",
            Box::new(|f, _| f.face.as_mut().expect("face").distance = 0.71),
            Expect::Refused(ErrorCode::FaceMismatch),
        ),
        (
            "a distance at the threshold is no match",
            Box::new(|f, _| f.face.as_mut().expect("face").distance = 0.6),
            Expect::Refused(ErrorCode::FaceMismatch),
        ),
        (
            "a distance that is not a number is no match",
            Box::new(|f, _| f.face.as_mut().expect("face").distance = f64::NAN),
            Expect::Refused(ErrorCode::FaceMismatch),
        ),
        (
            "the face matched: then whether she is registered",
            Box::new(|f, _| f.registered = None),
            Expect::Ask(Need::Registered),
        ),
        (
            "the NID is registered",
            Box::new(|f, _| f.registered.as_mut().expect("reg").nid = true),
            Expect::Refused(ErrorCode::AlreadyRegistered),
        ),
        (
            "the key is registered",
            Box::new(|f, _| f.registered.as_mut().expect("reg").key = true),
            Expect::Refused(ErrorCode::AlreadyRegistered),
        ),
        (
            "then the card",
            Box::new(|f, _| f.card = None),
            Expect::Ask(Need::Card),
        ),
        (
            "an expired card",
            Box::new(|f, _| {
                f.card.as_mut().expect("card").coverage.status = CoverageStatus::Expired
            }),
            Expect::Refused(ErrorCode::CardRefused),
        ),
        (
            "a cancelled card",
            Box::new(|f, _| {
                f.card.as_mut().expect("card").coverage.status = CoverageStatus::Cancelled
            }),
            Expect::Refused(ErrorCode::CardRefused),
        ),
        (
            "an insurer that is not admitted",
            Box::new(|f, _| f.card.as_mut().expect("card").insurer_admitted = false),
            Expect::Refused(ErrorCode::NotAdmitted),
        ),
        (
            "then the policy",
            Box::new(|f, _| f.policy = None),
            Expect::Ask(Need::Policy),
        ),
        (
            "a plan never published",
            Box::new(|f, _| f.policy.as_mut().expect("policy").version = 0),
            Expect::Refused(ErrorCode::PolicyMismatch),
        ),
        (
            "the insurer's copy is not what it published: fraud, evidence kept",
            Box::new(|f, _| {
                f.policy.as_mut().expect("policy").document =
                    br#"{"plan": "gold", "copay": 90}"#.to_vec()
            }),
            Expect::Fraud,
        ),
        (
            "the insurer's copy is not JSON",
            Box::new(|f, _| f.policy.as_mut().expect("policy").document = b"{".to_vec()),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "her document is another policy",
            Box::new(|_, r| r.policy_hash = Hash32([5; 32])),
            Expect::Refused(ErrorCode::PolicyMismatch),
        ),
        (
            "then the enrolment, until the one deadline",
            Box::new(|f, _| f.enrolment = None),
            Expect::Ask(Need::Enrolment {
                deadline: NOW + TICKET_TTL_SECS,
            }),
        ),
        (
            "an enrolment for another key",
            Box::new(|f, _| {
                f.enrolment.as_mut().expect("e").offer.enrolment.patient = Address([2; 20])
            }),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "an enrolment of another version",
            Box::new(|f, _| f.enrolment.as_mut().expect("e").offer.enrolment.version = 1),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "an enrolment with another deadline",
            Box::new(|f, _| f.enrolment.as_mut().expect("e").offer.enrolment.deadline += 1),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "an enrolment for another card",
            Box::new(|f, _| {
                f.enrolment.as_mut().expect("e").offer.enrolment.card_hash = Hash32([4; 32])
            }),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "an enrolment signed by someone else",
            Box::new(|f, _| f.enrolment.as_mut().expect("e").signer = Some(Address([3; 20]))),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        (
            "an enrolment signature that recovers no one",
            Box::new(|f, _| f.enrolment.as_mut().expect("e").signer = None),
            Expect::Refused(ErrorCode::ServiceUnavailable),
        ),
        ("every check passed", Box::new(|_, _| {}), Expect::Ticket),
    ]
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_verification_units_decisions() {
    for (name, change, expect) in cases() {
        let (mut facts, mut request) = (facts(), request());
        change(&mut facts, &mut request);
        let step = decide(&request, &facts, VERIFIER, NOW);
        assert_eq!(outcome(&step), expect, "{name}: {step:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_failed_match_tells_no_distance_and_the_ticket_carries_it() {
    let mut facts = facts();
    facts.face.as_mut().expect("face").distance = 0.6875;
    let Step::Refuse { error, .. } = decide(&request(), &facts, VERIFIER, NOW) else {
        panic!("refused");
    };
    assert_eq!(error.code, ErrorCode::FaceMismatch);
    assert!(
        !error.message.contains("0.6") && !error.message.contains("distance"),
        "no distance in a refusal: {error}"
    );

    let Step::Issue { body, checks } = decide(&request(), &self::facts(), VERIFIER, NOW) else {
        panic!("issued");
    };
    assert_eq!(body.face.distance_millionths, 312_500);
    assert_eq!(body.face.threshold_millionths, 600_000);
    assert_eq!(
        (body.face.at, body.expires_at),
        (NOW, NOW + TICKET_TTL_SECS)
    );
    assert_eq!(body.verifier, VERIFIER);
    assert_eq!(body.nid_commitment, Hash32([7; 32]));
    assert_eq!(body.policy_hash, policy_hash());
    assert_eq!(
        checks.iter().map(|c| c.check).collect::<Vec<_>>(),
        [
            Check::Citizen,
            Check::Face,
            Check::NotRegistered,
            Check::Card,
            Check::Policy,
            Check::Enrolment
        ]
    );
}

// The same unit re-verifying a patient for a new key.

const HOLDER: Address = Address([5; 20]);
const RECORD: Hash32 = Hash32([4; 32]);

fn recover_request() -> RecoverRequest {
    let r = request();
    RecoverRequest {
        nid: r.nid,
        card_number: r.card_number,
        patient: Address([2; 20]),
        photo: Vec::new(),
    }
}

/// Every fact of a recovery as an honest world gives it: her registration, held by her lost key.
fn recovery_facts() -> Facts {
    Facts {
        registered: None,
        policy: None,
        enrolment: None,
        holding: Some(Holding {
            nid_commitment: Hash32([7; 32]),
            registration: Some((RECORD, HOLDER)),
            pending: None,
            nonce: 3,
            new_key_registered: false,
        }),
        ..facts()
    }
}

fn holding(f: &mut Facts) -> &mut Holding {
    f.holding.as_mut().expect("holding")
}

#[allow(clippy::type_complexity)]
fn recovery_cases() -> Vec<(&'static str, Box<dyn Fn(&mut Facts)>, Expect)> {
    let pending = PendingRecovery {
        nid_commitment: Hash32([7; 32]),
        record: RECORD,
        from: HOLDER,
        to: Address([6; 20]),
        executable_at: NOW + 100,
        proposer_is_authority: false,
    };
    vec![
        (
            "nothing known: the photo's cheap checks come first",
            Box::new(|f| *f = Facts::default()),
            Expect::Ask(Need::Photo),
        ),
        (
            "the face not yet matched: nothing is asked about the registration",
            Box::new(|f| {
                f.face = None;
                f.holding = None;
            }),
            Expect::Ask(Need::Face),
        ),
        (
            "a failed match stops it before the registry is asked",
            Box::new(|f| {
                f.face.as_mut().expect("face").distance = 0.7;
                f.holding = None;
            }),
            Expect::Refused(ErrorCode::FaceMismatch),
        ),
        (
            "the face matched: then the registration",
            Box::new(|f| f.holding = None),
            Expect::Ask(Need::Holding),
        ),
        (
            "nobody registered under the NID: nothing to recover",
            Box::new(|f| holding(f).registration = None),
            Expect::Refused(ErrorCode::NotRegistered),
        ),
        (
            "the new key holds a registration",
            Box::new(|f| holding(f).new_key_registered = true),
            Expect::Refused(ErrorCode::AlreadyRegistered),
        ),
        (
            "a recovery is pending already",
            Box::new(move |f| holding(f).pending = Some(pending)),
            Expect::Refused(ErrorCode::RecoveryPending),
        ),
        (
            "the registration found: then the card",
            Box::new(|f| f.card = None),
            Expect::Ask(Need::Card),
        ),
        (
            "an expired card",
            Box::new(|f| {
                f.card.as_mut().expect("card").coverage.status = CoverageStatus::Expired;
            }),
            Expect::Refused(ErrorCode::CardRefused),
        ),
        (
            "an insurer that is not admitted",
            Box::new(|f| f.card.as_mut().expect("card").insurer_admitted = false),
            Expect::Refused(ErrorCode::NotAdmitted),
        ),
        ("every check passed", Box::new(|_| {}), Expect::Ticket),
    ]
}

fn recovery_outcome(step: &RecoveryStep) -> Expect {
    match step {
        RecoveryStep::Ask(need) => Expect::Ask(*need),
        RecoveryStep::Refuse(error) => Expect::Refused(error.code),
        RecoveryStep::Issue { .. } => Expect::Ticket,
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_verification_units_recovery_decisions() {
    for (name, change, expect) in recovery_cases() {
        let mut facts = recovery_facts();
        change(&mut facts);
        let step = recovery::decide(&recover_request(), &facts, VERIFIER, NOW);
        assert_eq!(recovery_outcome(&step), expect, "{name}: {step:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_recovery_ticket_names_the_new_key_the_registration_and_the_nonce() {
    let RecoveryStep::Issue { body, checks } =
        recovery::decide(&recover_request(), &recovery_facts(), VERIFIER, NOW)
    else {
        panic!("issued");
    };
    assert_eq!(
        body.recovery,
        Recovery {
            nid_commitment: Hash32([7; 32]),
            to: recover_request().patient,
            nonce: 3,
            deadline: NOW + TICKET_TTL_SECS,
        }
    );
    assert_eq!((body.record, body.holder), (RECORD, HOLDER));
    assert_eq!(
        (body.face.distance_millionths, body.face.at),
        (312_500, NOW)
    );
    assert_eq!(body.verifier, VERIFIER);
    assert_eq!(
        checks.iter().map(|c| c.check).collect::<Vec<_>>(),
        Check::RECOVERY
    );
}
