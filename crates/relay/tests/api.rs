//! The relay's HTTP API driven without a socket: every refusal is `{code, message}` JSON with the
//! right status, and nothing reaches the chain unless the request passes its checks.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use caretrail_chain::{PrivateKeySigner, Relayer, rpc_url, sign_policy_version};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_relay::{NidSalt, Relay, RelayConfig, app};
use caretrail_types::{
    Address, ErrorCode, Hash32, MAX_POLICY_DOCUMENT_BYTES, NetworkInfo, PolicyVersion,
    PublishRequest, Signature, UiError,
};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// A relay whose chain is not running: any request that got as far as the chain would fail with
/// `chain_unreachable`, so a different code proves the relay refused it first.
fn config() -> RelayConfig {
    let relayer = PrivateKeySigner::random();
    RelayConfig {
        rpc_url: rpc_url("http://127.0.0.1:9").expect("url"),
        public_rpc_url: "http://127.0.0.1:9".into(),
        chain_id: 31337,
        policy_registry: Address([0x11; 20]),
        verifier_key: caretrail_chain::secret_key(&relayer),
        relayer: Relayer::new(&rpc_url("http://127.0.0.1:9").expect("url"), relayer),
        participant_registry: Address([0x22; 20]),
        patient_registry: Address([0x33; 20]),
        record_registry: Address([0x44; 20]),
        ec_registry: "http://127.0.0.1:9/ec".into(),
        insurers: Vec::new(),
        nid_salt: NidSalt::random(),
        face_models: assets().join("face-models"),
        database: None,
        ui_dir: None,
        storage: caretrail_relay::storage::StorageConfig::Memory,
        storage_limits: Default::default(),
        audit_interval: std::time::Duration::from_secs(60),
    }
}

fn assets() -> std::path::PathBuf {
    match std::env::var_os("CARETRAIL_ASSETS") {
        Some(dir) => dir.into(),
        None => std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
            .join(".cache/caretrail/assets"),
    }
}

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

/// `value`'s JSON with `"extra": true` added to the object at `pointer` ("" for the top).
fn with_extra(value: &impl serde::Serialize, pointer: &str) -> serde_json::Value {
    let mut json = serde_json::to_value(value).expect("json");
    json.pointer_mut(pointer)
        .and_then(serde_json::Value::as_object_mut)
        .expect("an object")
        .insert("extra".into(), true.into());
    json
}

/// A field the relay does not know, in a body or in the signed request's header, is refused
/// before anything else: `invalid_input` naming the field, where the same request without it
/// goes further (to the absent chain or EC registry, or the signature or deadline checks).
#[tokio::test]
async fn unknown_fields_are_refused_as_invalid_input() {
    use base64::Engine as _;
    use caretrail_types::{
        CardNumber, ConsentGrant, ConsentGrantRequest, ConsentScope, Enrolment, FaceAttestation,
        LoginRequest, Nid, OwnAnchor, OwnAnchorRequest, RegisterRequest, RelayAction, RelayRequest,
        SignedRelayRequest, TicketBody, VerificationTicket, VerifyRequest,
    };
    let mut signature = Signature([3; 65]);
    signature.0[64] = 27;
    let login = LoginRequest {
        record: Hash32([1; 32]),
        challenge: Hash32([2; 32]),
        signature,
    };
    let verify = VerifyRequest {
        nid: Nid::parse("19710302-4411").expect("nid"),
        card_number: CardNumber::parse("MMH-1001-0001").expect("card"),
        patient: Address([1; 20]),
        policy_hash: Hash32([2; 32]),
        photo: b"\x89PNG\r\n\x1a\n".to_vec(),
    };
    let register = RegisterRequest {
        ticket: VerificationTicket {
            body: TicketBody {
                nid_commitment: Hash32([1; 32]),
                enrolment: Enrolment {
                    patient: Address([1; 20]),
                    insurer: Address([2; 20]),
                    policy_id: Hash32([3; 32]),
                    version: 1,
                    card_hash: Hash32([4; 32]),
                    deadline: 4_000_000_000,
                },
                insurer_signature: signature,
                face: FaceAttestation {
                    distance_millionths: 300_000,
                    threshold_millionths: 600_000,
                    model: "dlib".into(),
                    at: 1_700_000_000,
                },
                policy_hash: Hash32([5; 32]),
                expires_at: 4_000_000_000,
                verifier: Address([6; 20]),
            },
            signature,
        },
        encrypted_data: vec![1, 2, 3],
        patient_signature: signature,
    };
    let grant = ConsentGrantRequest {
        grant: ConsentGrant {
            patient: Address([1; 20]),
            grantee: Address([2; 20]),
            scope: ConsentScope::Record,
            target: Hash32([3; 32]),
            expires_at: 4_000_000_000,
            nonce: 0,
            deadline: 4_000_000_000,
        },
        signature,
    };
    let anchor = OwnAnchorRequest {
        anchor: OwnAnchor {
            patient: Address([1; 20]),
            kind: Hash32([2; 32]),
            ciphertext_hash: Hash32([3; 32]),
            deadline: 4_000_000_000,
        },
        signature,
    };
    let bodies = [
        ("/v1/policies", with_extra(&valid_fhir(), "")),
        ("/v1/login", with_extra(&login, "")),
        ("/v1/registrations/verify", with_extra(&verify, "")),
        ("/v1/registrations", with_extra(&register, "")),
        ("/v1/registrations", with_extra(&register, "/ticket/face")),
        ("/v1/consents", with_extra(&grant, "")),
        ("/v1/consents", with_extra(&grant, "/grant")),
        ("/v1/records/anchors", with_extra(&anchor, "/anchor")),
    ];
    let signed = SignedRelayRequest {
        chain_id: 31337,
        records: Address([0x44; 20]),
        request: RelayRequest {
            signer: Address([1; 20]),
            action: RelayAction::RecordList,
            patient: Address([1; 20]),
            subject: Hash32::ZERO,
            content: Hash32::ZERO,
            deadline: 4_000_000_000,
            nonce: Hash32([5; 32]),
        },
        signature,
    };
    let headers = [with_extra(&signed, ""), with_extra(&signed, "/request")];

    let mut requests = Vec::new();
    for (path, body) in bodies {
        requests.push(
            Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        );
    }
    for header in headers {
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string());
        requests.push(
            Request::get("/v1/records")
                .header(caretrail_types::REQUEST_HEADER, header)
                .body(Body::empty())
                .expect("request"),
        );
    }
    for request in requests {
        let path = request.uri().to_string();
        let (status, bytes) = call(request).await;
        let error: UiError = serde_json::from_slice(&bytes).expect("an error body");
        assert_eq!(
            (status, error.code),
            (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            "{path}: {error}"
        );
        assert!(
            error.message.contains("unknown field `extra`"),
            "{path}: {error}"
        );
    }
}
