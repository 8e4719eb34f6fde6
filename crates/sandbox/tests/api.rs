//! The sandbox's API as the contract real services implement, driven without a socket:
//! identifiers travel in bodies, never in paths; citizens, photos and cards answer the
//! verification unit's signed requests alone; enrolment deadlines lie minutes ahead; the fraud
//! switch and the publication trigger need the admin token. Every refusal is `{code, message}`
//! JSON.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use caretrail_client::Relay;
use caretrail_crypto::SecretKey;
use caretrail_crypto::service::{ServiceRequest, sign_service_request};
use caretrail_sandbox::insurer::{MAX_ENROLMENT_AHEAD_SECS, default_plans};
use caretrail_sandbox::{Access, AdminToken, EcRegistry, GovernmentRegistry, Insurer, Sandbox};
use caretrail_types::{
    Citizen, Coverage, ErrorCode, Licence, SERVICE_DEADLINE_HEADER, SERVICE_REQUEST_MAX_AHEAD_SECS,
    SERVICE_SIGNATURE_HEADER, UiError,
};
use http_body_util::BodyExt as _;
use std::sync::Arc;
use tower::ServiceExt as _;

const NID: &str = "19710302-4411";
const CARD: &str = "MMH-1001-0001";

fn assets() -> std::path::PathBuf {
    match std::env::var_os("CARETRAIL_ASSETS") {
        Some(dir) => dir.into(),
        None => std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
            .join(".cache/caretrail/assets"),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The verification unit's key, which the sandbox knows by its address.
fn vu() -> SecretKey {
    SecretKey::from_bytes(&[7; 32]).expect("a key")
}

/// A sandbox whose insurer publishes through a relay that is not running: a request that got as
/// far as the relay fails with 502, so another status proves the sandbox refused it first.
fn sandbox() -> Sandbox {
    let insurer = Arc::new(Insurer::new(
        "Test insurer",
        "11".repeat(32).parse().expect("a key"),
        default_plans(),
        Relay::new("http://127.0.0.1:9").expect("a relay URL"),
    ));
    Sandbox {
        ec: Arc::new(EcRegistry::load(&assets().join("photos")).expect("the citizens load")),
        insurer,
        government: Arc::new(GovernmentRegistry::load().expect("the licences load")),
        access: Arc::new(Access {
            verification_unit: vu().address(),
            admin_token: AdminToken::new(&"a".repeat(40)).expect("a token"),
        }),
    }
}

fn admin_bearer() -> String {
    format!("Bearer {}", "a".repeat(40))
}

async fn call(sandbox: &Sandbox, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = caretrail_sandbox::app(sandbox.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, body.to_vec())
}

fn post(path: &str) -> axum::http::request::Builder {
    Request::post(path).header(header::CONTENT_TYPE, "application/json")
}

/// A `POST` of `body` to `path`, signed by `key` until `deadline`.
fn signed_by(key: &SecretKey, path: &str, body: &str, deadline: u64) -> Request<Body> {
    let signature = sign_service_request(
        key,
        &ServiceRequest {
            method: "POST",
            path,
            body: body.as_bytes(),
            deadline,
        },
    );
    post(path)
        .header(SERVICE_DEADLINE_HEADER, deadline.to_string())
        .header(SERVICE_SIGNATURE_HEADER, signature.to_string())
        .body(Body::from(body.to_owned()))
        .expect("request")
}

/// A `POST` as the verification unit sends it.
fn signed(path: &str, body: &str) -> Request<Body> {
    signed_by(&vu(), path, body, now() + 30)
}

fn unsigned(path: &str, body: &str) -> Request<Body> {
    post(path)
        .body(Body::from(body.to_owned()))
        .expect("request")
}

fn error(status: StatusCode, bytes: &[u8]) -> (StatusCode, ErrorCode) {
    let error: UiError = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "not an error body ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    });
    assert!(!error.message.is_empty());
    (status, error.code)
}

#[tokio::test]
async fn citizens_and_photos_answer_the_verification_units_signed_requests_alone() {
    let sandbox = sandbox();
    let body = format!(r#"{{"nid":"{NID}"}}"#);

    let (status, bytes) = call(&sandbox, signed("/ec/v1/citizens/lookup", &body)).await;
    assert_eq!(status, StatusCode::OK);
    let citizen: Citizen = serde_json::from_slice(&bytes).expect("a citizen");
    assert_eq!(citizen.nid.as_str(), NID);
    let (status, photo) = call(&sandbox, signed("/ec/v1/citizens/photo", &body)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(photo.starts_with(&[0xff, 0xd8]), "a JPEG");

    let other = SecretKey::from_bytes(&[8; 32]).expect("a key");
    let later = now() + SERVICE_REQUEST_MAX_AHEAD_SECS + 60;
    for path in ["/ec/v1/citizens/lookup", "/ec/v1/citizens/photo"] {
        let refusals = [
            (unsigned(path, &body), ErrorCode::Unauthorized),
            (
                signed_by(&other, path, &body, now() + 30),
                ErrorCode::Unauthorized,
            ),
            (
                signed_by(&vu(), path, &body, now() - 1),
                ErrorCode::SignatureExpired,
            ),
            (
                signed_by(&vu(), path, &body, later),
                ErrorCode::SignatureExpired,
            ),
        ];
        for (request, code) in refusals {
            let (status, bytes) = call(&sandbox, request).await;
            assert_eq!(
                error(status, &bytes),
                (StatusCode::UNAUTHORIZED, code),
                "{path}"
            );
        }
    }

    // A signature is good for its own body only: sent with another NID, it names someone else.
    let mut request = signed("/ec/v1/citizens/lookup", &body);
    *request.body_mut() = Body::from(r#"{"nid":"19680915-2284"}"#);
    let (status, bytes) = call(&sandbox, request).await;
    assert_eq!(
        error(status, &bytes),
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );
    // And for its own path: a look-up's signature does not fetch the photo.
    let deadline = now() + 30;
    let mut request = signed_by(&vu(), "/ec/v1/citizens/lookup", &body, deadline);
    *request.uri_mut() = "/ec/v1/citizens/photo".parse().expect("a path");
    let (status, bytes) = call(&sandbox, request).await;
    assert_eq!(
        error(status, &bytes),
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );
}

#[tokio::test]
async fn cards_answer_the_verification_units_signed_requests_alone() {
    let sandbox = sandbox();
    let body = format!(r#"{{"card_number":"{CARD}"}}"#);

    let (status, bytes) = call(&sandbox, signed("/insurer/v1/cards/lookup", &body)).await;
    assert_eq!(status, StatusCode::OK);
    let coverage: Coverage = serde_json::from_slice(&bytes).expect("a coverage");
    assert_eq!(coverage.card_number.as_str(), CARD);
    let (status, document) = call(&sandbox, signed("/insurer/v1/cards/policy", &body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document, default_plans()[0].document);

    for path in [
        "/insurer/v1/cards/lookup",
        "/insurer/v1/cards/policy",
        "/insurer/v1/cards/enrolments",
    ] {
        let (status, bytes) = call(&sandbox, unsigned(path, &body)).await;
        assert_eq!(
            error(status, &bytes),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{path}"
        );
    }
}

#[tokio::test]
async fn identifiers_in_url_paths_are_not_served() {
    let sandbox = sandbox();
    // Signed or not, the old paths with an identifier in them answer nothing.
    for (method, path) in [
        (Method::GET, format!("/ec/v1/citizens/{NID}")),
        (Method::GET, format!("/ec/v1/citizens/{NID}/photo")),
        (Method::GET, format!("/insurer/v1/cards/{CARD}")),
        (Method::GET, format!("/insurer/v1/cards/{CARD}/policy")),
        (Method::POST, format!("/insurer/v1/cards/{CARD}/enrolments")),
        (Method::GET, "/gov/v1/licences/HO-LIC-1001".to_owned()),
    ] {
        let deadline = now() + 30;
        let signature = sign_service_request(
            &vu(),
            &ServiceRequest {
                method: method.as_str(),
                path: &path,
                body: b"",
                deadline,
            },
        );
        let request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header(SERVICE_DEADLINE_HEADER, deadline.to_string())
            .header(SERVICE_SIGNATURE_HEADER, signature.to_string())
            .body(Body::empty())
            .expect("request");
        let (status, _) = call(&sandbox, request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }

    // The government registry is public: its look-up takes the licence in the body.
    let (status, bytes) = call(
        &sandbox,
        unsigned("/gov/v1/licences/lookup", r#"{"licence":"HO-LIC-1001"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let licence: Licence = serde_json::from_slice(&bytes).expect("a licence");
    assert_eq!(licence.licence.as_str(), "HO-LIC-1001");
    let (status, bytes) = call(
        &sandbox,
        unsigned("/gov/v1/licences/lookup", r#"{"licence":"HO-LIC-9999"}"#),
    )
    .await;
    assert_eq!(
        error(status, &bytes),
        (StatusCode::NOT_FOUND, ErrorCode::InvalidInput)
    );
}

#[tokio::test]
async fn an_enrolment_deadline_past_or_more_than_minutes_ahead_is_refused() {
    let sandbox = sandbox();
    let enrolment = |deadline: u64| {
        format!(
            r#"{{"card_number":"{CARD}","patient":"0x{}","nid":"{NID}","deadline":{deadline}}}"#,
            "22".repeat(20)
        )
    };
    let path = "/insurer/v1/cards/enrolments";
    for deadline in [
        now() + MAX_ENROLMENT_AHEAD_SECS + 60,
        now() + 365 * 24 * 3600,
        u64::MAX,
        now() - 1,
        0,
    ] {
        let (status, bytes) = call(&sandbox, signed(path, &enrolment(deadline))).await;
        let (status, code) = error(status, &bytes);
        assert_eq!(
            (status, code),
            (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            "deadline {deadline}"
        );
        assert!(
            String::from_utf8_lossy(&bytes).contains("deadline"),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    // The VU's 15 minutes pass the check and go on to the chain (through the relay, down here).
    let (status, bytes) = call(&sandbox, signed(path, &enrolment(now() + 15 * 60))).await;
    assert_eq!(
        error(status, &bytes),
        (StatusCode::BAD_GATEWAY, ErrorCode::RelayUnreachable)
    );
}

#[tokio::test]
async fn the_fraud_switch_and_the_publication_trigger_need_the_admin_token() {
    let sandbox = sandbox();
    let switch = |authorization: Option<&str>| {
        let mut request =
            Request::put("/insurer/v1/fraud").header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request
            .body(Body::from(r#"{"alter_policies":true}"#))
            .expect("request")
    };
    let publish = |authorization: Option<&str>| {
        let mut request = Request::post("/insurer/v1/plans/meridian-gold/publish");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::empty()).expect("request")
    };
    let wrong = format!("Bearer {}", "b".repeat(40));
    for authorization in [None, Some(wrong.as_str()), Some("a".repeat(40).as_str())] {
        let (status, bytes) = call(&sandbox, switch(authorization)).await;
        assert_eq!(
            error(status, &bytes),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{authorization:?}"
        );
        assert!(!sandbox.insurer.is_fraudulent());
        let (status, bytes) = call(&sandbox, publish(authorization)).await;
        assert_eq!(
            error(status, &bytes),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{authorization:?}"
        );
    }
    let (status, _) = call(
        &sandbox,
        Request::get("/insurer/v1/fraud")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _) = call(&sandbox, switch(Some(&admin_bearer()))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sandbox.insurer.is_fraudulent());
    // With the token, publishing goes on to the relay (down here).
    let (status, bytes) = call(&sandbox, publish(Some(&admin_bearer()))).await;
    assert_eq!(
        error(status, &bytes),
        (StatusCode::BAD_GATEWAY, ErrorCode::RelayUnreachable)
    );
}
