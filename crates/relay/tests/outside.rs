//! The verification unit's calls to the outside services, against the sandbox that stands in for
//! them: identifiers in signed `POST` bodies, answered to the VU's key and to no other.

use caretrail_client::Relay as RelayClient;
use caretrail_crypto::SecretKey;
use caretrail_relay::outside::Outside;
use caretrail_relay::{InsurerRoute, RelayError};
use caretrail_sandbox::insurer::default_plans;
use caretrail_sandbox::{Access, AdminToken, EcRegistry, GovernmentRegistry, Insurer, Sandbox};
use caretrail_types::{Address, CardNumber, EnrolmentRequest, ErrorCode, Nid};
use std::sync::Arc;

fn assets() -> std::path::PathBuf {
    match std::env::var_os("CARETRAIL_ASSETS") {
        Some(dir) => dir.into(),
        None => std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
            .join(".cache/caretrail/assets"),
    }
}

fn vu() -> SecretKey {
    SecretKey::from_bytes(&[7; 32]).expect("a key")
}

/// The sandbox on a free port, answering `vu()`; its insurer's relay is not running. Returns
/// its base URL.
async fn sandbox() -> String {
    let sandbox = Sandbox {
        ec: Arc::new(EcRegistry::load(&assets().join("photos")).expect("the citizens load")),
        insurer: Arc::new(Insurer::new(
            "Test insurer",
            "11".repeat(32).parse().expect("a key"),
            default_plans(),
            RelayClient::new("http://127.0.0.1:9").expect("a relay URL"),
        )),
        government: Arc::new(GovernmentRegistry::load().expect("the licences load")),
        access: Arc::new(Access {
            verification_unit: vu().address(),
            admin_token: AdminToken::random(),
        }),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(caretrail_sandbox::serve(
        listener,
        sandbox,
        std::future::pending(),
    ));
    url
}

fn outside(url: &str, key: SecretKey) -> Outside {
    Outside::new(
        &format!("{url}/ec"),
        &[InsurerRoute {
            card_prefix: "MMH".into(),
            url: format!("{url}/insurer"),
        }],
        key,
    )
    .expect("the outside services")
}

fn refusal(result: Result<impl std::fmt::Debug, RelayError>) -> (ErrorCode, String) {
    match result {
        Err(RelayError::Refused { code, message }) => (code, message),
        other => panic!("not a refusal: {other:?}"),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[tokio::test]
async fn the_verification_unit_is_answered_and_another_key_is_not() {
    let url = sandbox().await;
    let nid = Nid::parse("19710302-4411").expect("a NID");
    let card = CardNumber::parse("MMH-1001-0001").expect("a card");

    let vu = outside(&url, vu());
    assert_eq!(vu.citizen(&nid).await.expect("the citizen").nid, nid);
    assert!(
        vu.citizen_photo(&nid)
            .await
            .expect("the photo")
            .starts_with(&[0xff, 0xd8])
    );
    assert_eq!(
        vu.coverage(&card).await.expect("the coverage").card_number,
        card
    );
    assert_eq!(
        vu.policy(&card).await.expect("the policy"),
        default_plans()[0].document
    );
    let unknown = Nid::parse("20000101-0000").expect("a NID");
    assert_eq!(
        refusal(vu.citizen(&unknown).await).0,
        ErrorCode::UnknownCitizen
    );
    // The insurer signs enrolments for minutes ahead, no more.
    let (code, message) = refusal(
        vu.enrol(
            &card,
            &EnrolmentRequest {
                patient: Address([0x22; 20]),
                nid: nid.clone(),
                deadline: now() + 24 * 3600,
            },
        )
        .await,
    );
    assert_eq!(code, ErrorCode::ServiceUnavailable);
    assert!(message.contains("deadline"), "{message}");

    let stranger = outside(&url, SecretKey::from_bytes(&[8; 32]).expect("a key"));
    for (code, message) in [
        refusal(stranger.citizen(&nid).await),
        refusal(stranger.citizen_photo(&nid).await),
        refusal(stranger.coverage(&card).await),
        refusal(stranger.policy(&card).await),
    ] {
        assert_eq!(code, ErrorCode::ServiceUnavailable);
        assert!(message.contains("401"), "{message}");
    }
}

/// A service that answers every request with a redirect to `to` (the same path there).
async fn redirecting_to(to: String) -> String {
    use axum::http::{StatusCode, Uri, header};
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let to = to.clone();
        async move {
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, format!("{to}{uri}"))],
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_redirect_from_an_outside_service_is_not_followed() {
    // The redirect leads to the real services, which would answer the VU's signed request.
    let services = sandbox().await;
    let redirecting = redirecting_to(services.clone()).await;
    let nid = Nid::parse("19710302-4411").expect("a NID");
    let card = CardNumber::parse("MMH-1001-0001").expect("a card");
    assert_eq!(
        outside(&services, vu())
            .citizen(&nid)
            .await
            .expect("the citizen")
            .nid,
        nid
    );

    let vu = outside(&redirecting, vu());
    for (code, message) in [
        refusal(vu.citizen(&nid).await),
        refusal(vu.citizen_photo(&nid).await),
        refusal(vu.coverage(&card).await),
        refusal(vu.policy(&card).await),
    ] {
        assert_eq!(code, ErrorCode::ServiceUnavailable, "{message}");
        assert!(message.contains("307"), "{message}");
        assert!(message.contains(&redirecting), "{message}");
    }
}
