//! The relay's HTTP API: `/v1/...` JSON endpoints and the web UI at `/`.

use crate::{RelayError, RelayState, policy};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use caretrail_types::{
    MAX_POLICY_DOCUMENT_BYTES, NetworkInfo, PolicyPublication, PublishReceipt, PublishRequest,
};
use serde_json::{Value, json};
use tower_http::services::{ServeDir, ServeFile};

/// The relay's router over `state`.
pub fn app(state: RelayState) -> Router {
    let v1 = Router::new()
        .route("/health", get(health))
        .route("/network", get(network))
        .route("/policies", post(publish))
        .route("/policies/tx/{tx_id}", get(publication))
        // A document travels base64-encoded, with its signed fields beside it.
        .layer(DefaultBodyLimit::max(MAX_POLICY_DOCUMENT_BYTES * 2))
        .fallback(not_found);
    let api = Router::new().nest("/v1", v1);
    let router = match &state.ui_dir {
        Some(dir) => api.fallback_service(
            ServeDir::new(dir).not_found_service(ServeFile::new(dir.join("index.html"))),
        ),
        None => api,
    };
    router.with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn network(State(state): State<RelayState>) -> Json<NetworkInfo> {
    Json(state.network())
}

async fn publish(
    State(state): State<RelayState>,
    body: Result<Json<PublishRequest>, JsonRejection>,
) -> Result<Json<PublishReceipt>, RelayError> {
    let Json(request) = body.map_err(RelayError::from)?;
    policy::publish(&state, &request).await.map(Json)
}

async fn publication(
    State(state): State<RelayState>,
    Path(tx_id): Path<String>,
) -> Result<Json<PolicyPublication>, RelayError> {
    policy::publication(&state, &tx_id).await.map(Json)
}

async fn not_found() -> RelayError {
    RelayError::NotFound
}
