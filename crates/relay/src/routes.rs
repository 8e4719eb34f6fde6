//! The relay's HTTP API: `/v1/...` JSON endpoints and the web UI at `/`.

use crate::edge::json::JsonBody;
use crate::{
    RelayError, RelayState, audit, chain_view, edge, login, policy, records, recovery,
    registration, relayed,
};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use caretrail_types::{
    Address, Admission, AnchoredRecord, AuditRoot, AuditedRead, ChainAnchor, ChainBatch,
    ChainClaim, ConsentEvent, ConsentGrantRequest, ConsentRevocationRequest, LoginChallenge,
    LoginRequest, LoginSession, MAX_PHOTO_BYTES, MAX_POLICY_DOCUMENT_BYTES, NetworkInfo,
    OwnAnchorRequest, Participant, PolicyPublication, PublishReceipt, PublishRequest,
    RegisterRequest, RegistrationReceipt, RegistrationRecord, Relayed, StoredRecord, Verified,
    VerifyRequest,
};
use caretrail_types::{
    CancellationRequest, ExecutionRequest, RecoverRequest, RecoveryProposal, RecoveryVerified,
    SignedRecovery,
};
use serde_json::{Value, json};
use tower_http::services::{ServeDir, ServeFile};

/// The relay's router over `state`, with the security headers on every answer, as tests drive
/// it without a socket; [`crate::serve`] puts the edge's guards around the same routes.
pub fn app(state: RelayState) -> Router {
    let policy = state.page_policy.clone();
    edge::headers::secured(routes(state), policy)
}

/// The routes: `/v1` (never cached, each route under its time limit) and the web UI.
pub(crate) fn routes(state: RelayState) -> Router {
    let limits = state.config.edge.limits;
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
            post(verify)
                .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES / 3 * 4 + 64 * 1024))
                // Outermost: a request that finds no room is refused before its photo is read.
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    verify_room,
                )),
        )
        .route(
            "/recoveries/verify",
            post(recovery_verify)
                .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES / 3 * 4 + 64 * 1024))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    verify_room,
                )),
        )
        .route("/staff/check", post(staff_check))
        .route("/staff/revocations", post(staff_revoke))
        .route("/staff/queue", post(staff_queue))
        .route("/visits/assignments", post(visit_assign))
        .route("/visits/batches", post(visit_batch))
        .route("/claims", post(claim_file))
        .route("/insurers/claims", post(insurer_claims))
        .route("/recoveries", post(recovery_propose))
        .route("/recoveries/cancellations", post(recovery_cancel))
        .route("/recoveries/executions", post(recovery_execute))
        .route("/records", get(records_list))
        .route("/records/anchors", post(records_anchor))
        // A download's answer starts within the time limit; its body streams on after it.
        .route("/records/{id}", get(record_get))
        .route("/records/{id}/header", get(record_header))
        .route("/records/{id}/row", get(record_row))
        .route(
            "/records/{id}/header",
            axum::routing::put(record_header_replace).layer(DefaultBodyLimit::max(
                crate::storage::StorageLimits::default().header as usize,
            )),
        )
        .route("/consents", post(consent_grant))
        .route("/consents/revocations", post(consent_revoke))
        .route("/audit", get(audit_list))
        // What the web page reads of the chain through the relay.
        .route("/records/{id}/anchor", get(record_anchor))
        .route("/batches/{author}/{root}", get(batch_of))
        .route("/patients/{patient}/anchors", get(patient_anchors))
        .route("/patients/{patient}/consents", get(patient_consents))
        .route("/patients/{patient}/claims", get(patient_claims))
        .route("/patients/{patient}/policy", get(patient_policy))
        .route(
            "/patients/{patient}/consent-nonce",
            get(patient_consent_nonce),
        )
        .route("/participants/{signer}", get(participant))
        .route("/organizations", get(organizations))
        .route("/recoveries/of/{record}", get(recovery_of))
        .route("/audit/roots", get(audit_roots));
    let v1 = edge::timed(v1, limits.request_timeout)
        // An upload streams into the record store, which enforces the size caps by kind. Up to a
        // gibibyte may take minutes: no overall time limit, but a body that stalls is cut off.
        .route(
            "/records/{id}",
            axum::routing::put(record_put).layer(
                tower::ServiceBuilder::new()
                    .layer(DefaultBodyLimit::disable())
                    .layer(edge::body_idle_timeout(limits.body_idle_timeout))
                    .map_request(|request: axum::http::Request<_>| request.map(Body::new)),
            ),
        )
        .fallback(not_found);
    let api = Router::new().nest("/v1", edge::headers::not_stored(v1));
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
    JsonBody(request): JsonBody<PublishRequest>,
) -> Result<Json<PublishReceipt>, RelayError> {
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
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> Result<Json<Verified>, RelayError> {
    registration::verify(&state, request, client)
        .await
        .map(Json)
}

async fn recovery_verify(
    State(state): State<RelayState>,
    ClientAddr(client): ClientAddr,
    JsonBody(request): JsonBody<RecoverRequest>,
) -> Result<Json<RecoveryVerified>, RelayError> {
    recovery::verify(&state, request, client).await.map(Json)
}

async fn staff_check(
    State(state): State<RelayState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<caretrail_types::StaffMember>, RelayError> {
    crate::staff::check(&state, signed(&headers), &body)
        .await
        .map(Json)
}

/// Her queue as server-sent events: each assignment an `assignment` event (its JSON), a comment
/// every 15 s to keep the connection open.
async fn staff_queue(
    State(state): State<RelayState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, RelayError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures_util::StreamExt as _;
    let queue = crate::queue::follow(state, signed(&headers), &body).await?;
    let events = queue.map(|queued| {
        Event::default()
            .event("assignment")
            .json_data(queued)
            .map_err(|e| RelayError::Internal(e.to_string()))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

async fn claim_file(
    State(state): State<RelayState>,
    JsonBody(filed): JsonBody<caretrail_types::FiledClaim>,
) -> Result<Json<caretrail_types::ClaimNotice>, RelayError> {
    crate::claims::file(&state, filed).await.map(Json)
}

/// An insurer's queue of claims as server-sent events: each a `claim` event (its JSON), a comment
/// every 15 s to keep the connection open.
async fn insurer_claims(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<Response, RelayError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures_util::StreamExt as _;
    let queue = crate::claims::follow(state, signed(&headers)).await?;
    let events = queue.map(|notice| {
        Event::default()
            .event("claim")
            .json_data(notice)
            .map_err(|e| RelayError::Internal(e.to_string()))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}

async fn visit_batch(
    State(state): State<RelayState>,
    JsonBody(batch): JsonBody<caretrail_types::VisitBatch>,
) -> Result<Json<Vec<StoredRecord>>, RelayError> {
    records::keep_batch(&state, batch).await.map(Json)
}

async fn visit_assign(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<caretrail_types::SignedVisitAssignment>,
) -> Result<Json<caretrail_types::QueuedVisit>, RelayError> {
    crate::queue::assign(&state, request).await.map(Json)
}

async fn staff_revoke(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<caretrail_types::SignedStaffRevocation>,
) -> Result<Json<Value>, RelayError> {
    crate::staff::revoke(&state, request).await?;
    Ok(Json(json!({ "revoked": true })))
}

async fn recovery_propose(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<SignedRecovery>,
) -> Result<Json<RecoveryProposal>, RelayError> {
    recovery::propose(&state, request).await.map(Json)
}

async fn recovery_cancel(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<CancellationRequest>,
) -> Result<Json<Relayed>, RelayError> {
    recovery::cancel(&state, request).await.map(Json)
}

async fn recovery_execute(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<ExecutionRequest>,
) -> Result<Json<Relayed>, RelayError> {
    recovery::execute(&state, request).await.map(Json)
}

/// Lets a verify request in only while fewer than the face queue's places are being read or
/// worked on: each holds a photo of up to 8 MiB (and its base64 while it is parsed), so the
/// photos in memory are bounded by the configuration, whatever the clients do. A request that
/// finds no room is refused at once (`overloaded`), before its body is read.
async fn verify_room(
    State(state): State<RelayState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match state.verify_room() {
        Some(_room) => next.run(request).await,
        None => RelayError::Overloaded.into_response(),
    }
}

/// The client's address as the rate limits count it (`edge::client::client_key`: the peer, or
/// the forwarded client behind a trusted proxy). A router driven without a socket, as in tests,
/// has one client: the loopback.
pub(crate) struct ClientAddr(pub std::net::IpAddr);

impl axum::extract::FromRequestParts<RelayState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &RelayState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::Ipv4Addr::LOCALHOST.into(), |info| info.0.ip());
        Ok(Self(crate::edge::client::client_key(
            peer,
            &parts.headers,
            &state.config.edge.trusted_proxies,
        )))
    }
}

async fn register(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> Result<Json<RegistrationReceipt>, RelayError> {
    registration::register(&state, request).await.map(Json)
}

async fn registration_of(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Option<RegistrationRecord>>, RelayError> {
    registration::registration_of(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn challenge(State(state): State<RelayState>) -> Result<Json<LoginChallenge>, RelayError> {
    login::challenge(&state).await.map(Json)
}

async fn login(
    State(state): State<RelayState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginSession>, RelayError> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    login::login(&state, request, host).await.map(Json)
}

async fn not_found() -> RelayError {
    RelayError::NotFound
}

/// A header's value, as text.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn signed(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, caretrail_types::REQUEST_HEADER)
}

fn address(path: &str) -> Result<Address, RelayError> {
    path.parse()
        .map_err(|e| RelayError::BadRequest(format!("not an address: {e}")))
}

fn record_id(path: &str) -> Result<caretrail_types::Hash32, RelayError> {
    path.parse()
        .map_err(|e| RelayError::BadRequest(format!("not a record id: {e}")))
}

async fn record_put(
    State(state): State<RelayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<StoredRecord>, RelayError> {
    records::put(
        &state,
        record_id(&id)?,
        signed(&headers),
        header_text(&headers, caretrail_types::KIND_HEADER),
        header_text(&headers, caretrail_types::STAFF_HEADER),
        header_text(&headers, caretrail_types::CLAIM_HEADER),
        body.into_data_stream(),
    )
    .await
    .map(Json)
}

async fn record_get(
    State(state): State<RelayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, RelayError> {
    use futures_util::StreamExt as _;
    let served = records::get(&state, record_id(&id)?, signed(&headers)).await?;
    let length = served.header.len() as u64 + served.body.size;
    let about = {
        use base64::Engine as _;
        let json =
            serde_json::to_vec(&served.record).map_err(|e| RelayError::Internal(e.to_string()))?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    let envelope = futures_util::stream::once(async move { Ok(served.header) }).chain(served.body);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
            (
                header::HeaderName::from_static(caretrail_types::RECORD_HEADER),
                about,
            ),
        ],
        Body::from_stream(envelope),
    )
        .into_response())
}

async fn record_header(
    State(state): State<RelayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, RelayError> {
    let bytes = records::header(&state, record_id(&id)?, signed(&headers)).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

async fn record_row(
    State(state): State<RelayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<StoredRecord>, RelayError> {
    records::row(&state, record_id(&id)?, signed(&headers))
        .await
        .map(Json)
}

async fn record_header_replace(
    State(state): State<RelayState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<StoredRecord>, RelayError> {
    records::replace_header(&state, record_id(&id)?, signed(&headers), body)
        .await
        .map(Json)
}

async fn records_list(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<Json<Vec<StoredRecord>>, RelayError> {
    records::list(&state, signed(&headers)).await.map(Json)
}

async fn records_anchor(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<OwnAnchorRequest>,
) -> Result<Json<AnchoredRecord>, RelayError> {
    let (anchor, relayed) = relayed::anchor_own(&state, request).await?;
    Ok(Json(AnchoredRecord { anchor, relayed }))
}

async fn consent_grant(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<ConsentGrantRequest>,
) -> Result<Json<Relayed>, RelayError> {
    relayed::grant(&state, request).await.map(Json)
}

async fn consent_revoke(
    State(state): State<RelayState>,
    JsonBody(request): JsonBody<ConsentRevocationRequest>,
) -> Result<Json<Relayed>, RelayError> {
    relayed::revoke(&state, request).await.map(Json)
}

async fn audit_list(
    State(state): State<RelayState>,
    headers: HeaderMap,
) -> Result<Json<Vec<AuditedRead>>, RelayError> {
    audit::list(&state, signed(&headers)).await.map(Json)
}

async fn record_anchor(
    State(state): State<RelayState>,
    Path(id): Path<String>,
) -> Result<Json<Option<ChainAnchor>>, RelayError> {
    chain_view::anchor_of(&state, record_id(&id)?)
        .await
        .map(Json)
}

async fn batch_of(
    State(state): State<RelayState>,
    Path((author, root)): Path<(String, String)>,
) -> Result<Json<Option<ChainBatch>>, RelayError> {
    let root = root
        .parse()
        .map_err(|e| RelayError::BadRequest(format!("not a Merkle root: {e}")))?;
    chain_view::batch_of(&state, address(&author)?, root)
        .await
        .map(Json)
}

async fn patient_anchors(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Vec<ChainAnchor>>, RelayError> {
    chain_view::anchors_of(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn patient_claims(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Vec<ChainClaim>>, RelayError> {
    chain_view::claims_of(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn patient_policy(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Option<PolicyPublication>>, RelayError> {
    chain_view::pinned_policy_of(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn patient_consents(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<Vec<ConsentEvent>>, RelayError> {
    chain_view::consents_of_patient(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn patient_consent_nonce(
    State(state): State<RelayState>,
    Path(patient): Path<String>,
) -> Result<Json<u64>, RelayError> {
    chain_view::consent_nonce_of(&state, address(&patient)?)
        .await
        .map(Json)
}

async fn participant(
    State(state): State<RelayState>,
    Path(signer): Path<String>,
) -> Result<Json<Option<Participant>>, RelayError> {
    chain_view::participant_of(&state, address(&signer)?)
        .await
        .map(Json)
}

async fn organizations(
    State(state): State<RelayState>,
) -> Result<Json<Vec<Admission>>, RelayError> {
    chain_view::admitted_health_organizations(&state)
        .await
        .map(Json)
}

async fn recovery_of(
    State(state): State<RelayState>,
    Path(record): Path<String>,
) -> Result<Json<Option<caretrail_types::PendingRecoveryState>>, RelayError> {
    chain_view::pending_recovery_of(&state, record_id(&record)?)
        .await
        .map(Json)
}

async fn audit_roots(State(state): State<RelayState>) -> Result<Json<Vec<AuditRoot>>, RelayError> {
    audit::roots(&state).await.map(Json)
}
