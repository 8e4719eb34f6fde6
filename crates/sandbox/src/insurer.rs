//! The sandbox insurer: its policy documents, its signing key, and publication through the relay.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use caretrail_chain::{PrivateKeySigner, policy_head, rpc_url, sign_policy_version};
use caretrail_client::{ClientError, Relay};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_types::{
    Address, ErrorCode, Hash32, NetworkInfo, PolicyVersion, PublishReceipt, PublishRequest,
    Signature, UiError,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path as FsPath;
use std::sync::Arc;

/// One of the insurer's plans and its current document.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Short name used in URLs, e.g. `meridian-gold`.
    pub slug: &'static str,
    pub media_type: &'static str,
    pub document: Vec<u8>,
}

impl Plan {
    /// The on-chain policy id: SHA-256 of the insurer's plan identifier.
    pub fn policy_id(&self) -> Hash32 {
        Hash32(Sha256::digest(self.slug.as_bytes()).into())
    }
}

/// The plans every sandbox insurer starts with.
pub fn default_plans() -> Vec<Plan> {
    vec![Plan {
        slug: "meridian-gold",
        media_type: "application/fhir+json",
        document: include_bytes!("../data/policies/meridian-gold.json").to_vec(),
    }]
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
    plans: Vec<Plan>,
    relay: Relay,
}

impl Insurer {
    pub fn new(name: &str, signer: PrivateKeySigner, plans: Vec<Plan>, relay: Relay) -> Self {
        Self {
            name: name.to_owned(),
            signer,
            plans,
            relay,
        }
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
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
                }
                std::fs::write(path, hex::encode(signer.to_bytes()))
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

    /// Publishes the plan's current document as its next version, effective at `now` (unix
    /// seconds), unless the chain already holds it as the latest version.
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

pub(crate) fn routes(insurer: Arc<Insurer>) -> Router {
    Router::new()
        .route("/v1/plans", get(list))
        .route("/v1/plans/{slug}", get(document))
        .route("/v1/plans/{slug}/publish", post(publish))
        .with_state(insurer)
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
) -> Result<Response, InsurerError> {
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
) -> Result<Json<Publication>, InsurerError> {
    insurer.publish_now(&slug).await.map(Json)
}

impl IntoResponse for InsurerError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::UnknownPlan(_) => (StatusCode::NOT_FOUND, ErrorCode::InvalidInput),
            Self::Relay(e) => (StatusCode::BAD_GATEWAY, e.code()),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        };
        (status, Json(UiError::new(code, self.to_string()))).into_response()
    }
}
