//! The relay's HTTP API driven without a socket: every refusal is `{code, message}` JSON with the
//! right status, and nothing reaches the chain unless the request passes its checks.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use caretrail_chain::{PrivateKeySigner, sign_policy_version};
use caretrail_crypto::policy::{content_hash, document_hash};
use caretrail_relay::{NidSalt, Relay, RelayConfig, app};
use caretrail_types::{
    Address, ErrorCode, Hash32, MAX_POLICY_DOCUMENT_BYTES, NetworkInfo, POLICY_EFFECTIVE_SKEW_SECS,
    PolicyVersion, PublishRequest, Signature, UiError,
};
use common::{assets, config};
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

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn signed_by(
    signer: &PrivateKeySigner,
    document: &[u8],
    media_type: &str,
    content_hash: Hash32,
) -> PublishRequest {
    let now = unix_now();
    let mut request = PublishRequest {
        signed: PolicyVersion {
            policy_id: Hash32([1; 32]),
            version: 1,
            content_hash,
            document_hash: document_hash(document),
            previous_hash: Hash32::ZERO,
            effective_at: now,
            media_type: media_type.into(),
            deadline: now + POLICY_EFFECTIVE_SKEW_SECS,
        },
        document: document.to_vec(),
        signature: Signature([0; 65]),
    };
    resign(signer, &mut request);
    request
}

fn resign(signer: &PrivateKeySigner, request: &mut PublishRequest) {
    let config = config();
    request.signature = sign_policy_version(
        signer,
        config.chain_id,
        config.policy_registry,
        &request.signed,
    )
    .expect("sign");
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
async fn versions_the_contract_would_refuse_for_their_dates_are_refused_first() {
    // Signed yesterday with a deadline of yesterday: nobody may send it now.
    let mut expired = valid_fhir();
    expired.signed.effective_at = unix_now() + 86_400;
    expired.signed.deadline = unix_now() - 86_400;
    resign(&insurer(), &mut expired);
    let (status, error) = post(&expired).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::UNAUTHORIZED, ErrorCode::SignatureExpired),
        "{error}"
    );
    // Taking effect an hour ago: it would change what the policy said before.
    let backdated = {
        let mut request = valid_fhir();
        request.signed.effective_at = unix_now() - 3600;
        resign(&insurer(), &mut request);
        request
    };
    let (status, error) = post(&backdated).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
        "{error}"
    );
    assert!(error.message.contains("before its publication"), "{error}");
}

#[tokio::test]
async fn a_document_swapped_after_signing_is_refused() {
    let mut swapped = valid_fhir();
    swapped.document = br#"{"copay": 10 }"#.to_vec();
    let (status, error) = post(&swapped).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error.message.contains("not the one signed"), "{error}");
}

fn photo(name: &str) -> Vec<u8> {
    std::fs::read(assets().join("photos").join(name)).expect("photo (run ./scripts/setup.sh)")
}

#[tokio::test]
async fn the_photo_is_checked_before_anything_is_asked_about_the_nid() {
    use base64::Engine as _;
    // The EC registry is down here: a NID look-up would answer service_unavailable. A photo with
    // no face is refused first, so nothing about the NID is asked, let alone told.
    for (name, says) in [("skagen.jpg", "no face"), ("bar55_2.jpg", "2 faces")] {
        let body = serde_json::json!({
            "nid": "19000101-0000",
            "card_number": "MMH-1001-0001",
            "patient": Address([1; 20]),
            "policy_hash": Hash32([2; 32]),
            "photo": base64::engine::general_purpose::STANDARD.encode(photo(name)),
        });
        let (status, bytes) = call(
            Request::post("/v1/registrations/verify")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await;
        let error: UiError = serde_json::from_slice(&bytes).expect("an error");
        assert_eq!(error.code, ErrorCode::PhotoRefused, "{name}: {error}");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error.message.contains(says), "{name}: {error}");
    }
}

#[tokio::test]
async fn a_face_queue_place_outlives_a_client_that_hung_up() {
    use std::time::Duration;
    let relay = Relay::open(config()).await.expect("the relay opens");
    let nid = caretrail_types::Nid::parse("19710302-4411").expect("nid");
    let client: std::net::IpAddr = "192.0.2.7".parse().expect("ip");
    let (finish, finished) = std::sync::mpsc::channel::<()>();
    let working = relay.clone();
    let work_nid = nid.clone();
    let request = tokio::spawn(async move {
        working
            .with_face_model(client, &work_nid, move |_model| finished.recv().ok())
            .await
    });
    let wait_for = |n: usize| {
        let relay = relay.clone();
        async move {
            for _ in 0..500 {
                if relay.face_work_in_flight() == n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("never {n} in flight: {}", relay.face_work_in_flight());
        }
    };
    wait_for(1).await;
    // The client hangs up: its request is dropped, but the model still works on its photo.
    request.abort();
    assert!(request.await.expect_err("aborted").is_cancelled());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        relay.face_work_in_flight(),
        1,
        "the place lasts as long as the work"
    );
    let refused = relay
        .with_face_model(client, &nid, |_| ())
        .await
        .expect_err("its NID's place is still taken");
    assert!(
        refused.to_string().contains("already under way"),
        "{refused}"
    );
    finish.send(()).expect("the work is still there to finish");
    wait_for(0).await;
    relay
        .with_face_model(client, &nid, |_| ())
        .await
        .expect("free again");
}

#[tokio::test]
async fn waiting_challenges_are_capped_and_sessions_pruned_and_bounded_per_patient() {
    let relay = Relay::open(config()).await.expect("the relay opens");
    let db = &relay.db;
    let now = 1_800_000_000;
    for i in 0..3u8 {
        assert!(
            db.issue_challenge(Hash32([i; 32]), now + 120, now, 3)
                .await
                .expect("db")
        );
    }
    assert!(
        !db.issue_challenge(Hash32([9; 32]), now + 120, now, 3)
            .await
            .expect("db"),
        "a fourth waiting challenge is refused"
    );
    // One answered: room for one more.
    db.use_challenge(Hash32([0; 32]), now).await.expect("db");
    assert!(
        db.issue_challenge(Hash32([9; 32]), now + 120, now, 3)
            .await
            .expect("db")
    );
    // Once they expire, new ones are kept again.
    assert!(
        db.issue_challenge(Hash32([10; 32]), now + 300, now + 200, 3)
            .await
            .expect("db")
    );

    let (her, him) = (Address([1; 20]), Address([2; 20]));
    for i in 0..5u64 {
        db.open_session(
            &format!("her-{i}"),
            her,
            Hash32([1; 32]),
            now + 100 + i,
            now,
            3,
        )
        .await
        .expect("db");
    }
    db.open_session("his", him, Hash32([2; 32]), now + 10, now, 3)
        .await
        .expect("db");
    assert_eq!(
        db.sessions_of(her, now).await.expect("db"),
        ["her-2", "her-3", "her-4"],
        "her newest three"
    );
    assert_eq!(db.session_count().await.expect("db"), 4);
    // His expires; the next login anywhere forgets it.
    db.open_session("her-5", her, Hash32([1; 32]), now + 200, now + 50, 3)
        .await
        .expect("db");
    assert!(db.sessions_of(him, now + 50).await.expect("db").is_empty());
    assert_eq!(db.session_count().await.expect("db"), 3);
}

#[tokio::test]
async fn the_patient_index_follows_registrations_and_key_rotations() {
    use caretrail_chain::PatientEvent;
    use caretrail_types::TxId;
    let relay = Relay::open(config()).await.expect("the relay opens");
    let db = &relay.db;
    let (h, other_h) = (Hash32([1; 32]), Hash32([2; 32]));
    let (first, second, stranger) = (Address([1; 20]), Address([2; 20]), Address([3; 20]));
    assert_eq!(db.patient_log_cursor().await.expect("db"), None);
    db.index_patient_events(
        &[
            PatientEvent::Registered {
                patient: first,
                record: h,
                card_hash: Hash32([5; 32]),
                tx_id: TxId([6; 32]),
            },
            PatientEvent::Rotated {
                from: first,
                to: second,
                record: h,
            },
            // A rotation that does not start from the holder changes nothing.
            PatientEvent::Rotated {
                from: stranger,
                to: stranger,
                record: h,
            },
        ],
        11,
    )
    .await
    .expect("indexed");
    let held = db.indexed_patient(h).await.expect("db").expect("known");
    assert_eq!(held.holder, second);
    assert_eq!(
        (held.registered_tx, held.card_hash),
        (TxId([6; 32]), Hash32([5; 32]))
    );
    assert_eq!(db.indexed_patient(other_h).await.expect("db"), None);
    assert_eq!(db.patient_log_cursor().await.expect("db"), Some(11));
    // A second registration of one H (which the contract cannot emit) does not take it over.
    db.index_patient_events(
        &[PatientEvent::Registered {
            patient: stranger,
            record: h,
            card_hash: Hash32([7; 32]),
            tx_id: TxId([8; 32]),
        }],
        12,
    )
    .await
    .expect("indexed");
    assert_eq!(
        db.indexed_patient(h)
            .await
            .expect("db")
            .expect("known")
            .holder,
        second
    );
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
        relay: "http://127.0.0.1:7780".into(),
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

#[tokio::test]
async fn a_verify_request_that_finds_no_room_is_refused_before_its_photo_is_read() {
    use base64::Engine as _;
    let relay = Relay::open(config()).await.expect("the relay opens");
    let places = relay.config.verify_limits.face.places;
    let taken: Vec<_> = (0..places)
        .map(|_| relay.verify_room().expect("room"))
        .collect();
    assert!(relay.verify_room().is_none(), "as many rooms as places");
    let request = || {
        let body = serde_json::json!({
            "nid": "19000101-0000",
            "card_number": "MMH-1001-0001",
            "patient": Address([1; 20]),
            "policy_hash": Hash32([2; 32]),
            "photo": base64::engine::general_purpose::STANDARD.encode(photo("skagen.jpg")),
        });
        Request::post("/v1/registrations/verify")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let response = app(relay.clone())
        .oneshot(request())
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let error: UiError = serde_json::from_slice(&bytes).expect("an error");
    assert_eq!(error.code, ErrorCode::Overloaded, "{error}");
    // One room given back: the next request is read and judged (its photo shows no face).
    drop(taken);
    let response = app(relay).oneshot(request()).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[cfg(unix)]
#[tokio::test]
async fn the_relays_database_and_data_are_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("relay");
    let relay = Relay::open(RelayConfig {
        database: Some(data.join("relay.db")),
        storage: caretrail_relay::storage::StorageConfig::local_under(&data),
        ..config()
    })
    .await
    .expect("the relay opens");
    let salt = data.join("nid-salt");
    NidSalt::load_or_create(&salt).expect("salt");
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    };
    assert_eq!(mode(&data), 0o700, "the data directory");
    for file in ["relay.db", "nid-salt"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    for journal in ["relay.db-wal", "relay.db-shm"] {
        if data.join(journal).exists() {
            assert_eq!(mode(&data.join(journal)), 0o600, "{journal}");
        }
    }
    drop(relay);
}
