//! The verification unit's decisions (the paper's VU, steps 3–4 of Fig. 2), as one pure
//! function: [`decide`] takes the request, the facts gathered so far and `now`, and says what
//! to ask next, or refuses, or gives the ticket to sign. The relay does the asking (the face
//! model, the EC registry, the chain, the insurer) and nothing else.
//!
//! The order is the defence against oracles: nothing is asked about the NID until the photo has
//! passed its cheap checks (a JPEG or PNG showing exactly one face), and whether the NID is
//! registered is told only to a face that matched it. A failed match says no more than that: the
//! distance goes only into the signed attestation of a match.
//!
//! [`recovery`] is the same unit re-verifying a patient for a new key; it shares the first checks
//! (photo, EC record, face) and the card's.

pub mod recovery;

use caretrail_crypto::identity::card_hash;
use caretrail_crypto::policy::content_hash;
use caretrail_types::{
    Address, Check, CheckResult, Citizen, Coverage, CoverageStatus, EnrolmentOffer, ErrorCode,
    FaceAttestation, Hash32, TicketBody, UiError, VerifyRequest, millionths_text,
};

/// How long a ticket (and the enrolment the insurer signs for it) stays valid.
pub const TICKET_TTL_SECS: u64 = 15 * 60;

/// What the verification unit asks next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The instant photo's cheap checks: a JPEG or PNG, decodable, showing exactly one face.
    Photo,
    /// The EC registry's record of the NID.
    Citizen,
    /// The face match of the instant photo against the EC registry's photo.
    Face,
    /// Whether the NID (by its salted commitment) or the key is registered already.
    Registered,
    /// The insurer's answer for the card, and whether the insurer is admitted.
    Card,
    /// The insurer's copy of the plan's policy document, and the chain's latest version.
    Policy,
    /// The insurer's signed enrolment of her key, valid until `deadline`.
    Enrolment { deadline: u64 },
    /// Recovery: the registration under the NID's commitment, its pending recovery and nonce,
    /// and whether the new key holds a registration.
    Holding,
}

/// A face match's outcome, from the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceScore {
    pub distance: f64,
    /// Below this distance the two faces are one person.
    pub threshold: f64,
    /// Which pipeline computed it.
    pub model: &'static str,
}

/// Whether the NID or the key is on chain already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    /// The VU's salted commitment to the NID (the salt stays with the VU).
    pub nid_commitment: Hash32,
    pub nid: bool,
    pub key: bool,
}

/// The insurer's answer for the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub coverage: Coverage,
    /// The card's insurer is an admitted insurer in the participant registry.
    pub insurer_admitted: bool,
}

/// The plan's policy as the insurer serves it and as the chain holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The insurer's copy, as served.
    pub document: Vec<u8>,
    /// The chain's latest version of the plan (0: never published) and its content hash.
    pub version: u64,
    pub chain_hash: Hash32,
}

/// The insurer's signed enrolment, with who the signature recovers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub offer: EnrolmentOffer,
    /// The EIP-712 signer of the enrolment, if the signature recovers at all.
    pub signer: Option<Address>,
}

/// What has been learned about one request, each filled once, in [`Need`]'s order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub photo_checked: bool,
    pub citizen: Option<Citizen>,
    pub face: Option<FaceScore>,
    pub registered: Option<Registered>,
    pub card: Option<Card>,
    pub policy: Option<Policy>,
    pub enrolment: Option<Enrolment>,
    /// Recovery only.
    pub holding: Option<recovery::Holding>,
}

/// The evidence of an insurer whose copy of a policy is not what it published (the paper's
/// fraudulent insurer): the relay keeps it with the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraud {
    pub insurer_hash: Hash32,
    pub chain_hash: Hash32,
    pub version: u64,
}

/// What [`decide`] concludes.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Ask(Need),
    Refuse {
        error: UiError,
        /// Set when the refusal is the insurer's fraud, whose evidence the relay keeps.
        fraud: Option<Fraud>,
    },
    /// Every check passed: the ticket for the VU to sign, and the checks as the app shows them.
    Issue {
        body: Box<TicketBody>,
        checks: Vec<CheckResult>,
    },
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> Step {
    Step::Refuse {
        error: UiError::new(code, message),
        fraud: None,
    }
}

fn millionths(x: f64) -> u32 {
    // Distances are in [0, 2]; the cast saturates anyway.
    (x * 1e6).round() as u32
}

/// What the shared checks conclude short of passing.
enum Early {
    Ask(Need),
    Refuse(UiError),
}

/// The first checks of a registration and of a recovery, in order: the photo's cheap checks, the
/// EC registry's record, and the face match. Nothing is asked about the NID before the photo
/// passed, and a failed match tells no distance.
fn identify(facts: &Facts, checks: &mut Vec<CheckResult>) -> Result<FaceScore, Early> {
    if !facts.photo_checked {
        return Err(Early::Ask(Need::Photo));
    }
    let Some(citizen) = &facts.citizen else {
        return Err(Early::Ask(Need::Citizen));
    };
    checks.push(CheckResult {
        check: Check::Citizen,
        detail: format!(
            "{} {}, born {}",
            citizen.given_name, citizen.family_name, citizen.birth_date
        ),
    });
    let Some(face) = facts.face else {
        return Err(Early::Ask(Need::Face));
    };
    // Not a match (or not a number): no distance in the answer, so nobody can walk a photo
    // towards someone else's face.
    if face.distance.partial_cmp(&face.threshold) != Some(std::cmp::Ordering::Less) {
        return Err(Early::Refuse(UiError::new(
            ErrorCode::FaceMismatch,
            "the face in the photo does not match the national ID photo; take a new photo \
             facing the camera, in good light",
        )));
    }
    checks.push(CheckResult {
        check: Check::Face,
        detail: format!(
            "distance {} (match below {})",
            millionths_text(millionths(face.distance), 3),
            millionths_text(millionths(face.threshold), 2)
        ),
    });
    Ok(face)
}

/// The card's check: valid at the insurer, and the insurer admitted.
fn check_card(card: &Card, checks: &mut Vec<CheckResult>) -> Result<(), UiError> {
    let coverage = &card.coverage;
    match coverage.status {
        CoverageStatus::Active => {}
        status => {
            return Err(UiError::new(
                ErrorCode::CardRefused,
                format!(
                    "the insurance card {} is {} (valid until {})",
                    coverage.card_number,
                    match status {
                        CoverageStatus::Expired => "expired",
                        _ => "cancelled",
                    },
                    coverage.valid_until
                ),
            ));
        }
    }
    if !card.insurer_admitted {
        return Err(UiError::new(
            ErrorCode::NotAdmitted,
            format!(
                "the card's insurer {} ({}) is not an admitted insurer",
                coverage.insurer_name, coverage.insurer
            ),
        ));
    }
    checks.push(CheckResult {
        check: Check::Card,
        detail: format!(
            "{}, plan {}, valid until {}",
            coverage.insurer_name, coverage.plan, coverage.valid_until
        ),
    });
    Ok(())
}

impl FaceScore {
    /// The signed record of a match at `now`: the only place the distance goes.
    fn attestation(&self, now: u64) -> FaceAttestation {
        FaceAttestation {
            distance_millionths: millionths(self.distance),
            threshold_millionths: millionths(self.threshold),
            model: self.model.into(),
            at: now,
        }
    }
}

/// The next step of verifying `request` at `now` (the one clock reading of the whole
/// verification) for the VU whose address is `verifier`, from what is known so far.
pub fn decide(request: &VerifyRequest, facts: &Facts, verifier: Address, now: u64) -> Step {
    let mut checks = Vec::new();
    let face = match identify(facts, &mut checks) {
        Ok(face) => face,
        Err(Early::Ask(need)) => return Step::Ask(need),
        Err(Early::Refuse(error)) => return Step::Refuse { error, fraud: None },
    };

    let Some(registered) = facts.registered else {
        return Step::Ask(Need::Registered);
    };
    if registered.nid {
        return refuse(
            ErrorCode::AlreadyRegistered,
            format!(
                "a patient is already registered with the national ID {}",
                request.nid
            ),
        );
    }
    if registered.key {
        return refuse(
            ErrorCode::AlreadyRegistered,
            format!(
                "the key {} is already registered; use a new key",
                request.patient
            ),
        );
    }
    checks.push(CheckResult {
        check: Check::NotRegistered,
        detail: "no registration with this national ID".into(),
    });

    let Some(card) = &facts.card else {
        return Step::Ask(Need::Card);
    };
    if let Err(error) = check_card(card, &mut checks) {
        return Step::Refuse { error, fraud: None };
    }
    let coverage = &card.coverage;

    let Some(policy) = &facts.policy else {
        return Step::Ask(Need::Policy);
    };
    let (version, chain_hash) = (policy.version, policy.chain_hash);
    let insurer_hash = match content_hash(&coverage.media_type, &policy.document) {
        Ok(hash) => hash,
        Err(e) => {
            return refuse(
                ErrorCode::ServiceUnavailable,
                format!(
                    "the insurer's policy document cannot be hashed as {}: {e}",
                    coverage.media_type
                ),
            );
        }
    };
    if version == 0 {
        return refuse(
            ErrorCode::PolicyMismatch,
            format!(
                "{} has not published the policy of plan {} on chain",
                coverage.insurer_name, coverage.plan
            ),
        );
    }
    if insurer_hash != chain_hash {
        // The insurer serves something other than what it published: stop, and keep the
        // evidence.
        return Step::Refuse {
            error: UiError::new(
                ErrorCode::PolicyMismatch,
                format!(
                    "{} ({}) holds a policy that is not the one it published: its copy hashes to \
                     {insurer_hash}, version {version} on chain to {chain_hash} (yours: {}). \
                     Registration stopped; the evidence is kept.",
                    coverage.insurer_name, coverage.insurer, request.policy_hash
                ),
            ),
            fraud: Some(Fraud {
                insurer_hash,
                chain_hash,
                version,
            }),
        };
    }
    if request.policy_hash != chain_hash {
        return refuse(
            ErrorCode::PolicyMismatch,
            format!(
                "your policy document (hash {}) is not the policy of plan {} that {} holds and \
                 published as version {version} (hash {chain_hash}); attach that document",
                request.policy_hash, coverage.plan, coverage.insurer_name
            ),
        );
    }
    checks.push(CheckResult {
        check: Check::Policy,
        detail: format!("hash {chain_hash}, version {version} on chain"),
    });

    let expires_at = now + TICKET_TTL_SECS;
    let Some(enrolment) = &facts.enrolment else {
        return Step::Ask(Need::Enrolment {
            deadline: expires_at,
        });
    };
    let e = &enrolment.offer.enrolment;
    let as_asked = e.patient == request.patient
        && e.insurer == coverage.insurer
        && e.policy_id == coverage.policy_id
        && e.version == version
        && e.card_hash == card_hash(&request.card_number)
        && e.deadline == expires_at;
    if !as_asked || enrolment.signer != Some(coverage.insurer) {
        return refuse(
            ErrorCode::ServiceUnavailable,
            "the insurer's signed enrolment is not the one asked for, or not signed by the insurer",
        );
    }
    checks.push(CheckResult {
        check: Check::Enrolment,
        detail: format!("version {version} of plan {}", coverage.plan),
    });

    Step::Issue {
        body: Box::new(TicketBody {
            nid_commitment: registered.nid_commitment,
            enrolment: enrolment.offer.enrolment.clone(),
            insurer_signature: enrolment.offer.insurer_signature,
            face: face.attestation(now),
            policy_hash: chain_hash,
            expires_at,
            verifier,
        }),
        checks,
    }
}
