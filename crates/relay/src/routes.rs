//! The relay's HTTP API: `/v1/...` JSON endpoints and the web UI at `/`.

use crate::{RelayError, RelayState, login, policy, registration};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use caretrail_types::{
    Address, LoginChallenge, LoginRequest, LoginSession, MAX_PHOTO_BYTES,
    MAX_POLICY_DOCUMENT_BYTES, NetworkInfo, PolicyPublication, PublishReceipt, PublishRequest,
    RegisterRequest, RegistrationReceipt, RegistrationRecord, Verified, VerifyRequest,
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
        .route("/registrations", post(register))
        .route("/registrations/{patient}", get(registration_of))
        .route("/login/challenges", post(challenge))
        .route("/login", post(login))
        // A document travels base64-encoded, with its signed fields beside it.
        .layer(DefaultBodyLimit::max(MAX_POLICY_DOCUMENT_BYTES * 2))
        // The photo travels base64-encoded (4/3 of its size) with a few identifiers.
        .route(
            "/registrations/verify",
            post(verify).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES / 3 * 4 + 64 * 1024)),
        )
        .fallback(not_found);
    let api = Router::new().nest("/v1", v1);
    let router = match &state.config.ui_dir {
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
    policy::publish(&state.config, &request).await.map(Json)
}

async fn publication(
    State(state): State<RelayState>,
    Path(tx_id): Path<String>,
) -> Result<Json<PolicyPublication>, RelayError> {
    policy::publication(&state.config, &tx_id).await.map(Json)
}

async fn verify(
    State(state): State<RelayState>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Json<Verified>, RelayError> {
    let Json(request) = body.map_err(RelayError::from)?;
    registration::verify(&state, request).await.map(Json)
}

async fn register(
    State(state): State<RelayState>,
    body: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Json<RegistrationReceipt>, RelayError> {
    let Json(request) = body.map_err(RelayError::from)?;
    registration::register(&state, request).await.map(Json)
}

async fn registration_of(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Option<RegistrationRecord>>, RelayError> {
    let patient: Address = patient
        .parse()
        .map_err(|e| RelayError::BadRequest(format!("not an address: {e}")))?;
    registration::registration_of(&state, patient)
        .await
        .map(Json)
}

async fn challenge(State(state): State<RelayState>) -> Result<Json<LoginChallenge>, RelayError> {
    login::challenge(&state).await.map(Json)
}

async fn login(
    State(state): State<RelayState>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginSession>, RelayError> {
    let Json(request) = body.map_err(RelayError::from)?;
    login::login(&state, request).await.map(Json)
}

async fn not_found() -> RelayError {
    RelayError::NotFound
}
