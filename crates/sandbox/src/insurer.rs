//! The sandbox insurer: its plans and their policy documents (FHIR `InsurancePlan` JSON, or PDF),
//! the insurance cards it issued, its signing key, publication through the relay, enrolments,
//! bills intake, and a fraud switch that makes it serve altered policy documents.
//!
//! Cards (coverage, policy document, enrolment) are looked up by a card number in the `POST`
//! body and answered to the verification unit alone; the fraud switch and the publication
//! trigger need the admin token ([`crate::access`]); plans and bills are open.

use crate::SandboxError;
use crate::access::{Access, require_admin, require_vu};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use caretrail_chain::{
    PrivateKeySigner, policy_head, rpc_url, secret_key, sign_enrolment, sign_policy_version,
};
use caretrail_client::{ClientError, Relay};
use caretrail_crypto::envelope::Header;
use caretrail_crypto::identity::card_hash;
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    Address, CardEnrolment, CardLookup, CardNumber, Coverage, CoverageStatus, Enrolment,
    EnrolmentOffer, ErrorCode, Hash32, NetworkInfo, Nid, POLICY_EFFECTIVE_SKEW_SECS, PolicyVersion,
    PublishReceipt, PublishRequest, Signature,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One of the insurer's plans and its current document.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Short name used in URLs, e.g. `meridian-gold`.
    pub slug: &'static str,
    pub media_type: &'static str,
    pub document: Vec<u8>,
    /// What the fraudulent insurer changes in the document it serves: (from, to), same length.
    pub fraud_edit: (&'static str, &'static str),
}

impl Plan {
    /// The on-chain policy id: SHA-256 of the insurer's plan identifier.
    pub fn policy_id(&self) -> Hash32 {
        Hash32(Sha256::digest(self.slug.as_bytes()).into())
    }
}

/// The plans every sandbox insurer starts with.
pub fn default_plans() -> Vec<Plan> {
    vec![
        Plan {
            slug: "meridian-gold",
            media_type: "application/fhir+json",
            document: include_bytes!("../data/policies/meridian-gold.json").to_vec(),
            // 30 days in hospital a year become 10.
            fraud_edit: (
                r#""value": 30, "unit": "days per year""#,
                r#""value": 10, "unit": "days per year""#,
            ),
        },
        Plan {
            slug: "meridian-basic",
            media_type: "application/pdf",
            document: include_bytes!("../data/policies/meridian-basic.pdf").to_vec(),
            // 20 days in hospital a year become 05.
            fraud_edit: ("shared ward: 20 days", "shared ward: 05 days"),
        },
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum InsurerError {
    #[error("the insurer has no plan {0:?}")]
    UnknownPlan(String),
    #[error("the insurer's key file {path} is unusable: {reason}")]
    Key { path: String, reason: String },
    #[error(transparent)]
    Relay(#[from] ClientError),
    #[error(transparent)]
    Chain(#[from] caretrail_chain::ChainError),
    #[error("the plan's document cannot be hashed: {0}")]
    Document(String),
    #[error("the plan {0} has no version on chain yet; publish it first")]
    NotPublished(String),
    #[error(transparent)]
    Deadline(#[from] EnrolmentDeadlineError),
}

/// The furthest ahead an enrolment's deadline may lie: minutes, so that a signed enrolment
/// cannot be kept and used long after the verification that asked for it (the VU asks for its
/// ticket's 15 minutes).
pub const MAX_ENROLMENT_AHEAD_SECS: u64 = 20 * 60;

/// Why the insurer will not sign an enrolment with that deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentDeadlineError {
    #[error("the enrolment's deadline ({deadline}) has passed (now {now})")]
    Past { deadline: u64, now: u64 },
    #[error(
        "the enrolment's deadline ({deadline}) lies more than {MAX_ENROLMENT_AHEAD_SECS} seconds \
         ahead (now {now})"
    )]
    TooFarAhead { deadline: u64, now: u64 },
}

/// Whether the insurer signs an enrolment whose deadline is `deadline`, at `now`.
pub fn check_enrolment_deadline(deadline: u64, now: u64) -> Result<(), EnrolmentDeadlineError> {
    if deadline <= now {
        return Err(EnrolmentDeadlineError::Past { deadline, now });
    }
    if deadline > now.saturating_add(MAX_ENROLMENT_AHEAD_SECS) {
        return Err(EnrolmentDeadlineError::TooFarAhead { deadline, now });
    }
    Ok(())
}

/// What publishing a plan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Publication {
    /// A new version was published.
    Published(PublishReceipt),
    /// The chain already holds this document as the plan's latest version.
    Unchanged { version: u64, content_hash: Hash32 },
}

/// The sandbox insurer.
#[derive(Debug)]
pub struct Insurer {
    pub name: String,
    signer: PrivateKeySigner,
    /// The same key, as envelopes and signed requests take it.
    key: caretrail_crypto::SecretKey,
    plans: Vec<Plan>,
    cards: Vec<Card>,
    relay: Relay,
    /// When set, the insurer serves altered policy documents (the paper's fraudulent insurer).
    fraud: AtomicBool,
    bills: Mutex<Vec<BillReceipt>>,
    /// Whether the claims desk follows its queue: off stands for an insurer that is down.
    online: tokio::sync::watch::Sender<bool>,
}

/// An insurance card as the insurer issued it.
#[derive(Debug, Clone, Deserialize)]
pub struct Card {
    pub card_number: CardNumber,
    /// The holder's national ID.
    pub holder: Nid,
    pub plan: String,
    pub status: CoverageStatus,
    pub valid_until: String,
}

/// The cards every sandbox insurer starts with.
pub fn default_cards() -> Vec<Card> {
    #[allow(clippy::expect_used)]
    serde_json::from_str(include_str!("../data/cards.json")).expect("cards.json is valid")
}

/// A bill the insurer received.
#[derive(Debug, Clone, Serialize)]
pub struct BillReceipt {
    pub bill_id: u64,
    pub bytes: usize,
    pub recipients: usize,
}

/// The most bytes a bill (an envelope encrypted for the insurer) may have.
pub const MAX_BILL_BYTES: usize = 4 * 1024 * 1024;

impl Insurer {
    pub fn new(name: &str, signer: PrivateKeySigner, plans: Vec<Plan>, relay: Relay) -> Self {
        Self {
            name: name.to_owned(),
            key: secret_key(&signer),
            signer,
            plans,
            cards: default_cards(),
            relay,
            fraud: AtomicBool::new(false),
            bills: Mutex::new(Vec::new()),
            online: tokio::sync::watch::channel(true).0,
        }
    }

    /// Brings the claims desk up or down: down, it leaves its queue at the relay, where the
    /// claims filed meanwhile wait for it.
    pub fn set_online(&self, on: bool) {
        self.online.send_replace(on);
    }

    pub(crate) fn online_watch(&self) -> tokio::sync::watch::Receiver<bool> {
        self.online.subscribe()
    }

    /// The relay it answers through.
    pub fn relay(&self) -> &Relay {
        &self.relay
    }

    /// Its chain account (the same key as [`Insurer::key`]).
    pub fn signer(&self) -> &PrivateKeySigner {
        &self.signer
    }

    /// The insurer's key, as the claims desk signs and decrypts with it (and the tests, acting
    /// as the insurer).
    pub fn key(&self) -> &caretrail_crypto::SecretKey {
        &self.key
    }

    /// Turns the fraud switch: when on, every policy document served by card is altered.
    pub fn set_fraud(&self, on: bool) {
        self.fraud.store(on, Ordering::SeqCst);
    }

    pub fn is_fraudulent(&self) -> bool {
        self.fraud.load(Ordering::SeqCst)
    }

    fn card(&self, number: &CardNumber) -> Result<(&Card, &Plan), SandboxError> {
        let card = self
            .cards
            .iter()
            .find(|c| &c.card_number == number)
            .ok_or_else(|| SandboxError::NotFound {
                code: ErrorCode::CardRefused,
                message: format!("{} issued no insurance card {number}", self.name),
            })?;
        Ok((card, self.plan(&card.plan)?))
    }

    /// The coverage of a card, whatever its status.
    pub fn coverage(&self, number: &CardNumber) -> Result<Coverage, SandboxError> {
        let (card, plan) = self.card(number)?;
        Ok(Coverage {
            card_number: card.card_number.clone(),
            status: card.status,
            valid_until: card.valid_until.clone(),
            insurer: self.address(),
            insurer_name: self.name.clone(),
            plan: plan.slug.to_owned(),
            policy_id: plan.policy_id(),
            media_type: plan.media_type.to_owned(),
        })
    }

    /// The policy document of a card's plan, as the insurer serves it (altered when the fraud
    /// switch is on).
    pub fn policy_document(
        &self,
        number: &CardNumber,
    ) -> Result<(&'static str, Vec<u8>), SandboxError> {
        let (_, plan) = self.card(number)?;
        if !self.is_fraudulent() {
            return Ok((plan.media_type, plan.document.clone()));
        }
        let (from, to) = plan.fraud_edit;
        let altered =
            replace_once(&plan.document, from.as_bytes(), to.as_bytes()).ok_or_else(|| {
                SandboxError::Data(format!("{}: the fraud edit finds nothing", plan.slug))
            })?;
        Ok((plan.media_type, altered))
    }

    /// Signs the enrolment of the card's holder into the plan's latest version on chain, when
    /// its deadline lies minutes ahead of `now` (unix seconds), no more.
    pub async fn enrol(
        &self,
        request: &CardEnrolment,
        now: u64,
    ) -> Result<EnrolmentOffer, SandboxError> {
        check_enrolment_deadline(request.deadline, now).map_err(InsurerError::from)?;
        let (card, plan) = self.card(&request.card_number)?;
        if card.status != CoverageStatus::Active {
            return Err(SandboxError::Refused {
                code: ErrorCode::CardRefused,
                message: format!(
                    "the insurance card {} is {} (valid until {})",
                    card.card_number,
                    match card.status {
                        CoverageStatus::Expired => "expired",
                        CoverageStatus::Cancelled => "cancelled",
                        CoverageStatus::Active => "active",
                    },
                    card.valid_until
                ),
            });
        }
        if card.holder != request.nid {
            return Err(SandboxError::Refused {
                code: ErrorCode::CardRefused,
                message: format!(
                    "the insurance card {} is not held by the national ID {}",
                    card.card_number, request.nid
                ),
            });
        }
        let network: NetworkInfo = self
            .relay
            .get("v1/network")
            .await
            .map_err(InsurerError::from)?;
        let rpc = rpc_url(&network.rpc_url).map_err(InsurerError::from)?;
        let (version, _) = policy_head(
            &rpc,
            network.policy_registry,
            self.address(),
            plan.policy_id(),
        )
        .await
        .map_err(InsurerError::from)?;
        if version == 0 {
            return Err(InsurerError::NotPublished(plan.slug.to_owned()).into());
        }
        let enrolment = Enrolment {
            patient: request.patient,
            insurer: self.address(),
            policy_id: plan.policy_id(),
            version,
            card_hash: card_hash(&card.card_number),
            deadline: request.deadline,
        };
        let insurer_signature = sign_enrolment(
            &secret_key(&self.signer),
            network.chain_id,
            network.policy_registry,
            &enrolment,
        );
        Ok(EnrolmentOffer {
            enrolment,
            insurer_signature,
        })
    }

    /// Takes in a bill: an envelope that the insurer's key can open.
    pub fn receive_bill(&self, envelope: &[u8]) -> Result<BillReceipt, SandboxError> {
        if envelope.len() > MAX_BILL_BYTES {
            return Err(SandboxError::BadRequest(format!(
                "the bill is {} bytes; the most accepted is {MAX_BILL_BYTES}",
                envelope.len()
            )));
        }
        let header = Header::parse(envelope)
            .map_err(|e| SandboxError::BadRequest(format!("the bill is not an envelope: {e}")))?;
        let recipients: Vec<_> = header.recipients().collect();
        if !recipients.contains(&self.address()) {
            return Err(SandboxError::BadRequest(
                "the bill is not encrypted for this insurer".into(),
            ));
        }
        let mut bills = self
            .bills
            .lock()
            .map_err(|_| SandboxError::Data("bills lock".into()))?;
        let receipt = BillReceipt {
            bill_id: bills.len() as u64 + 1,
            bytes: envelope.len(),
            recipients: recipients.len(),
        };
        bills.push(receipt.clone());
        Ok(receipt)
    }

    /// The insurer's key from `path`, created there on first use so the insurer keeps its
    /// identity across runs. A sandbox key only: a real insurer keeps its key in its own custody.
    pub fn load_or_create_key(path: &FsPath) -> Result<PrivateKeySigner, InsurerError> {
        let fail = |reason: String| InsurerError::Key {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => text.trim().parse().map_err(|e| fail(format!("{e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let signer = PrivateKeySigner::random();
                // The insurer's signing key: readable by the sandbox's user alone.
                caretrail_fs::create_new(path, hex::encode(signer.to_bytes()).as_bytes())
                    .map_err(|e| fail(e.to_string()))?;
                Ok(signer)
            }
            Err(e) => Err(fail(e.to_string())),
        }
    }

    pub fn address(&self) -> Address {
        Address(self.signer.address().into_array())
    }

    pub fn plan(&self, slug: &str) -> Result<&Plan, InsurerError> {
        self.plans
            .iter()
            .find(|p| p.slug == slug)
            .ok_or_else(|| InsurerError::UnknownPlan(slug.to_owned()))
    }

    /// Publishes the plan's current document as its next version, effective from this moment.
    pub async fn publish_now(&self, slug: &str) -> Result<Publication, InsurerError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.publish(slug, now).await
    }

    /// Publishes the plan's current document as its next version, signed at `now` (unix seconds)
    /// and effective from then, unless the chain already holds it as the latest version. The
    /// signed version can be submitted for as long as the registry would take its effective date
    /// ([`POLICY_EFFECTIVE_SKEW_SECS`]).
    pub async fn publish(&self, slug: &str, now: u64) -> Result<Publication, InsurerError> {
        let plan = self.plan(slug)?;
        let network: NetworkInfo = self.relay.get("v1/network").await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let policy_id = plan.policy_id();
        let (version, head) =
            policy_head(&rpc, network.policy_registry, self.address(), policy_id).await?;
        let hash = content_hash(plan.media_type, &plan.document)
            .map_err(|e| InsurerError::Document(e.to_string()))?;
        if version > 0 && head == hash {
            return Ok(Publication::Unchanged {
                version,
                content_hash: hash,
            });
        }
        let mut request = PublishRequest {
            signed: PolicyVersion {
                policy_id,
                version: version + 1,
                content_hash: hash,
                document_hash: document_hash(&plan.document),
                previous_hash: head,
                effective_at: now,
                media_type: plan.media_type.to_owned(),
                deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
            },
            document: plan.document.clone(),
            signature: Signature([0; 65]),
        };
        request.signature = sign_policy_version(
            &self.signer,
            network.chain_id,
            network.policy_registry,
            &request.signed,
        )?;
        let receipt: PublishReceipt = self.relay.post("v1/policies", &request).await?;
        Ok(Publication::Published(receipt))
    }
}

#[derive(Serialize)]
struct PlanSummary {
    slug: &'static str,
    policy_id: Hash32,
    media_type: &'static str,
}

pub(crate) fn routes(insurer: Arc<Insurer>, access: Arc<Access>) -> Router {
    let open = Router::new()
        .route("/v1/plans", get(list))
        .route("/v1/plans/{slug}", get(document))
        .route(
            "/v1/bills",
            post(bill).layer(DefaultBodyLimit::max(MAX_BILL_BYTES)),
        );
    let verification_unit = Router::new()
        .route("/v1/cards/lookup", post(coverage))
        .route("/v1/cards/policy", post(card_policy))
        .route("/v1/cards/enrolments", post(enrol))
        .route_layer(from_fn_with_state(access.clone(), require_vu));
    let admin = Router::new()
        .route("/v1/plans/{slug}/publish", post(publish))
        .route("/v1/fraud", get(fraud).put(set_fraud))
        .route_layer(from_fn_with_state(access, require_admin));
    open.merge(verification_unit)
        .merge(admin)
        .with_state(insurer)
}

fn card_number(body: Result<Json<CardLookup>, JsonRejection>) -> Result<CardNumber, SandboxError> {
    let Json(lookup) = body.map_err(|e| SandboxError::BadRequest(e.body_text()))?;
    Ok(lookup.card_number)
}

async fn coverage(
    State(insurer): State<Arc<Insurer>>,
    body: Result<Json<CardLookup>, JsonRejection>,
) -> Result<Json<Coverage>, SandboxError> {
    insurer.coverage(&card_number(body)?).map(Json)
}

async fn card_policy(
    State(insurer): State<Arc<Insurer>>,
    body: Result<Json<CardLookup>, JsonRejection>,
) -> Result<Response, SandboxError> {
    let (media_type, document) = insurer.policy_document(&card_number(body)?)?;
    Ok(([(header::CONTENT_TYPE, media_type)], document).into_response())
}

async fn enrol(
    State(insurer): State<Arc<Insurer>>,
    body: Result<Json<CardEnrolment>, JsonRejection>,
) -> Result<Json<EnrolmentOffer>, SandboxError> {
    let Json(request) = body.map_err(|e| SandboxError::BadRequest(e.body_text()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    insurer.enrol(&request, now).await.map(Json)
}

async fn bill(
    State(insurer): State<Arc<Insurer>>,
    body: axum::body::Bytes,
) -> Result<Json<BillReceipt>, SandboxError> {
    insurer.receive_bill(&body).map(Json)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FraudSwitch {
    /// Whether the insurer serves altered policy documents.
    alter_policies: bool,
}

async fn fraud(State(insurer): State<Arc<Insurer>>) -> Json<FraudSwitch> {
    Json(FraudSwitch {
        alter_policies: insurer.is_fraudulent(),
    })
}

async fn set_fraud(
    State(insurer): State<Arc<Insurer>>,
    body: Result<Json<FraudSwitch>, JsonRejection>,
) -> Result<Json<FraudSwitch>, SandboxError> {
    let Json(switch) = body.map_err(|e| SandboxError::BadRequest(e.body_text()))?;
    insurer.set_fraud(switch.alter_policies);
    Ok(Json(switch))
}

/// `haystack` with the first `from` replaced by `to`, or `None` when `from` is not in it.
fn replace_once(haystack: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    let at = haystack.windows(from.len()).position(|w| w == from)?;
    let mut out = haystack[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&haystack[at + from.len()..]);
    Some(out)
}

async fn list(State(insurer): State<Arc<Insurer>>) -> Json<serde_json::Value> {
    let plans: Vec<PlanSummary> = insurer
        .plans
        .iter()
        .map(|p| PlanSummary {
            slug: p.slug,
            policy_id: p.policy_id(),
            media_type: p.media_type,
        })
        .collect();
    Json(
        serde_json::json!({ "insurer": insurer.name, "address": insurer.address(), "plans": plans }),
    )
}

async fn document(
    State(insurer): State<Arc<Insurer>>,
    Path(slug): Path<String>,
) -> Result<Response, SandboxError> {
    let plan = insurer.plan(&slug)?;
    Ok((
        [(header::CONTENT_TYPE, plan.media_type)],
        plan.document.clone(),
    )
        .into_response())
}

async fn publish(
    State(insurer): State<Arc<Insurer>>,
    Path(slug): Path<String>,
) -> Result<Json<Publication>, SandboxError> {
    Ok(insurer.publish_now(&slug).await.map(Json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_insurers_key_is_kept_for_its_owner_alone_and_read_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox/insurer.key");
        let made = Insurer::load_or_create_key(&path).expect("made");
        let mode = |p: &FsPath| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("sandbox")), 0o700);
        let again = Insurer::load_or_create_key(&path).expect("read");
        assert_eq!(again.address(), made.address());
    }

    #[test]
    fn every_plan_can_be_altered_and_the_alteration_changes_its_hash() {
        for plan in default_plans() {
            let (from, to) = plan.fraud_edit;
            assert_eq!(from.len(), to.len(), "{}", plan.slug);
            let altered = replace_once(&plan.document, from.as_bytes(), to.as_bytes())
                .unwrap_or_else(|| panic!("{}: the edit finds nothing", plan.slug));
            let original = content_hash(plan.media_type, &plan.document).unwrap();
            assert_ne!(content_hash(plan.media_type, &altered).unwrap(), original);
        }
    }

    #[test]
    fn the_fraud_switch_refuses_unknown_fields() {
        let on: FraudSwitch = serde_json::from_str(r#"{"alter_policies": true}"#).expect("reads");
        assert!(on.alter_policies);
        let error = serde_json::from_str::<FraudSwitch>(r#"{"alter_policies": true, "extra": 1}"#)
            .expect_err("an unknown field");
        assert!(
            error.to_string().contains("unknown field `extra`"),
            "{error}"
        );
    }

    #[test]
    fn an_enrolment_deadline_lies_minutes_ahead_no_more() {
        const NOW: u64 = 1_800_000_000;
        // The VU asks for its ticket's 15 minutes.
        assert_eq!(check_enrolment_deadline(NOW + 15 * 60, NOW), Ok(()));
        assert_eq!(
            check_enrolment_deadline(NOW + MAX_ENROLMENT_AHEAD_SECS, NOW),
            Ok(())
        );
        assert_eq!(
            check_enrolment_deadline(NOW + MAX_ENROLMENT_AHEAD_SECS + 1, NOW),
            Err(EnrolmentDeadlineError::TooFarAhead {
                deadline: NOW + MAX_ENROLMENT_AHEAD_SECS + 1,
                now: NOW
            })
        );
        assert_eq!(
            check_enrolment_deadline(u64::MAX, NOW),
            Err(EnrolmentDeadlineError::TooFarAhead {
                deadline: u64::MAX,
                now: NOW
            })
        );
        for past in [NOW, NOW - 1, 0] {
            assert_eq!(
                check_enrolment_deadline(past, NOW),
                Err(EnrolmentDeadlineError::Past {
                    deadline: past,
                    now: NOW
                })
            );
        }
    }

    #[test]
    fn every_card_names_a_plan() {
        let plans = default_plans();
        for card in default_cards() {
            assert!(
                plans.iter().any(|p| p.slug == card.plan),
                "{}",
                card.card_number
            );
        }
    }
}
