//! The relay's HTTP API driven without a socket: every refusal is `{code, message}` JSON with the
//! right status, and nothing reaches the chain unless the request passes its checks.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use caretrail_chain::{PrivateKeySigner, sign_policy_version};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_relay::{Relay, app};
use caretrail_types::{
    Address, ErrorCode, Hash32, MAX_POLICY_DOCUMENT_BYTES, NetworkInfo, PolicyVersion,
    PublishRequest, Signature, UiError,
};
use common::config;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// The one insurer the test relay publishes for.
fn insurer() -> PrivateKeySigner {
    "11".repeat(32).parse().expect("a key")
}

async fn call(request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let relay = Relay::open(config()).await.expect("the relay opens");
    let response = app(relay).oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, body.to_vec())
}

async fn post_json(body: &str) -> (StatusCode, UiError) {
    let (status, bytes) = call(
        Request::post("/v1/policies")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request"),
    )
    .await;
    let error = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "not an error body ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, error)
}

fn signed(document: &[u8], media_type: &str, content_hash: Hash32) -> PublishRequest {
    signed_by(&insurer(), document, media_type, content_hash)
}

fn signed_by(
    signer: &PrivateKeySigner,
    document: &[u8],
    media_type: &str,
    content_hash: Hash32,
) -> PublishRequest {
    let config = config();
    let mut request = PublishRequest {
        signed: PolicyVersion {
            policy_id: Hash32([1; 32]),
            version: 1,
            content_hash,
            document_hash: document_hash(document),
            previous_hash: Hash32::ZERO,
            effective_at: 1_800_000_000,
            media_type: media_type.into(),
        },
        document: document.to_vec(),
        signature: Signature([0; 65]),
    };
    request.signature = sign_policy_version(
        signer,
        config.chain_id,
        config.policy_registry,
        &request.signed,
    )
    .expect("sign");
    request
}

async fn post(request: &PublishRequest) -> (StatusCode, UiError) {
    post_json(&serde_json::to_string(request).expect("json")).await
}

#[tokio::test]
async fn network_names_the_chain_and_registry() {
    let (status, body) = call(
        Request::get("/v1/network")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let network: NetworkInfo = serde_json::from_slice(&body).expect("json");
    assert_eq!(network.chain_id, 31337);
    assert_eq!(network.policy_registry, Address([0x11; 20]));
}

#[tokio::test]
async fn unknown_endpoints_are_json_404s() {
    let (status, body) = call(
        Request::get("/v1/nothing")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: UiError = serde_json::from_slice(&body).expect("json");
    assert_eq!(error.message, "no such endpoint");
}

#[tokio::test]
async fn malformed_json_is_refused_in_the_same_shape() {
    let (status, error) = post_json("{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, ErrorCode::InvalidInput);
    let (status, error) = post_json(r#"{"policy_id":"0x12"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_malformed_transaction_id_is_refused() {
    let (status, body) = call(
        Request::get("/v1/policies/tx/0xabc")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: UiError = serde_json::from_slice(&body).expect("json");
    assert!(error.message.contains("not a transaction id"), "{error}");
}

#[tokio::test]
async fn a_document_that_does_not_match_its_signed_hash_is_refused() {
    let doc = br#"{"copay":10}"#;
    let other = content_hash("application/fhir+json", br#"{"copay":20}"#).expect("json");
    let (status, error) = post(&signed(doc, "application/fhir+json", other)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.code, ErrorCode::HashMismatch);
}

#[tokio::test]
async fn empty_oversized_unknown_media_and_non_json_documents_are_refused() {
    let (status, error) = post(&signed(b"", "application/pdf", Hash32([1; 32]))).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput)
    );
    assert!(error.message.contains("empty"), "{error}");

    let big = vec![b'%'; MAX_POLICY_DOCUMENT_BYTES + 1];
    let hash = content_hash("application/pdf", &big).expect("raw");
    let (status, error) = post(&signed(&big, "application/pdf", hash)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");

    let (status, error) = post(&signed(b"<html>", "text/html", Hash32([1; 32]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("not accepted"), "{error}");

    let (status, error) = post(&signed(b"%PDF", "application/fhir+json", Hash32([1; 32]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.message.contains("not valid I-JSON"), "{error}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_parsing() {
    let body = format!(
        "{{\"pad\":\"{}\"}}",
        "a".repeat(MAX_POLICY_DOCUMENT_BYTES * 2 + 10)
    );
    let (status, error) = post_json(&body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert!(error.message.contains("too large"), "{error}");
}

#[tokio::test]
async fn a_valid_request_goes_to_the_chain() {
    // Passing every check, it reaches the (absent) chain: the error proves it got that far.
    let doc = br#"{"copay":10}"#;
    let hash = content_hash("application/fhir+json", doc).expect("json");
    let (status, error) = post(&signed(doc, "application/fhir+json", hash)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{error}");
    assert_eq!(error.code, ErrorCode::ChainUnreachable);
}

fn valid_fhir() -> PublishRequest {
    let doc = br#"{"copay":10}"#;
    signed(
        doc,
        "application/fhir+json",
        content_hash("application/fhir+json", doc).expect("json"),
    )
}

// An insurer the participant registry has not admitted is refused by the relay: that needs a
// chain, so the end-to-end tests show it (tests/policy_slice.rs).

#[tokio::test]
async fn signatures_the_contract_would_refuse_are_refused_first() {
    let mut bad_v = valid_fhir();
    bad_v.signature.0[64] = 1;
    let (status, error) = post(&bad_v).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput)
    );
    assert!(error.message.contains("not 27 or 28"), "{error}");

    let mut high_s = valid_fhir();
    high_s.signature.0[32..64].fill(0xff);
    let (status, error) = post(&high_s).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput)
    );
    assert!(error.message.contains("low-s"), "{error}");
}

#[tokio::test]
async fn a_document_swapped_after_signing_is_refused() {
    let mut swapped = valid_fhir();
    swapped.document = br#"{"copay": 10 }"#.to_vec();
    let (status, error) = post(&swapped).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error.message.contains("not the one signed"), "{error}");
}
