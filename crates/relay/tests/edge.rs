//! The relay's HTTP edge, on a real socket where it matters: the security headers on every
//! answer, the `Host` allowlist, the rate limit per client address, the limit on requests in
//! flight, the request and header-read time limits, and the JSON nesting limit.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use caretrail_relay::edge::{EdgeConfig, EdgeLimits};
use caretrail_relay::{Relay, RelayConfig, app};
use caretrail_types::{ErrorCode, UiError};
use common::config;
use http_body_util::BodyExt as _;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tower::ServiceExt as _;

/// A relay served on a free loopback port; dropping it stops the server.
struct Served {
    url: String,
    addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve(config: RelayConfig) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let relay = Relay::open(config).await.expect("the relay opens");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(caretrail_relay::serve(listener, relay, async {
        let _ = stopped.await;
    }));
    Served {
        url: format!("http://{addr}"),
        addr,
        _stop: stop,
    }
}

fn with_limits(limits: EdgeLimits) -> RelayConfig {
    RelayConfig {
        edge: EdgeConfig {
            limits,
            ..EdgeConfig::default()
        },
        ..config()
    }
}

/// A client from `from` (a loopback address: Linux routes all of 127/8 to `lo`), which gives up
/// after a generous while rather than hang when the relay does not answer.
fn client_from(from: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(from))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn refusal(response: reqwest::Response) -> (StatusCode, HeaderMap, UiError) {
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body");
    let error = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "not an error body ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, headers, error)
}

fn assert_secured(headers: &HeaderMap, what: &str) {
    let header = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name} in {headers:?}"))
            .to_str()
            .expect("text")
            .to_owned()
    };
    let policy = header("content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{what}: {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(
        header("cross-origin-opener-policy"),
        "same-origin",
        "{what}"
    );
}

async fn oneshot(config: RelayConfig, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let relay = Relay::open(config).await.expect("the relay opens");
    let response = app(relay).oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body").to_bytes().to_vec();
    (parts.status, parts.headers, body)
}

/// The loader trunk puts in `index.html`, as it writes it.
const LOADER: &str = "\nimport init, * as bindings from '/caretrail-ui-1.js';\nconst wasm = await init({ module_or_path: '/caretrail-ui-1_bg.wasm' });\n";

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_v1_is_never_stored() {
    let ui = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        ui.path().join("index.html"),
        format!(
            "<!doctype html><html><head><script type=\"module\">{LOADER}</script></head></html>"
        ),
    )
    .expect("index");
    let with_ui = || RelayConfig {
        ui_dir: Some(ui.path().to_owned()),
        ..config()
    };
    let get = |path: &str| Request::get(path).body(Body::empty()).expect("request");

    // The page: its loader is allowed by its hash, and nothing else inline.
    let (status, headers, body) = oneshot(with_ui(), get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("init("));
    assert_secured(&headers, "/");
    use sha2::Digest as _;
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(LOADER.as_bytes()),
    );
    let policy = headers["content-security-policy"].to_str().expect("text");
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");

    // The API, and its refusals.
    for (request, expected) in [
        (get("/v1/health"), StatusCode::OK),
        (get("/v1/no-such-thing"), StatusCode::NOT_FOUND),
        (
            Request::post("/v1/policies")
                .header("content-type", "application/json")
                .body(Body::from("{not json"))
                .expect("request"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let what = request.uri().to_string();
        let (status, headers, _) = oneshot(with_ui(), request).await;
        assert_eq!(status, expected, "{what}");
        assert_secured(&headers, &what);
        assert_eq!(headers["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn a_request_naming_another_host_is_refused() {
    let served = serve(RelayConfig {
        edge: EdgeConfig {
            allowed_hosts: vec!["relay.example.org".parse().expect("host")],
            ..EdgeConfig::default()
        },
        ..config()
    })
    .await;
    let port = served.addr.port();
    let client = client_from([127, 0, 0, 1]);
    let health = format!("{}/v1/health", served.url);
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "relay.example.org".to_owned(),
    ] {
        let response = client
            .get(&health)
            .header("host", &host)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{host}");
    }
    // A page on attacker.example whose name now resolves to 127.0.0.1 (DNS rebinding).
    for host in [
        format!("attacker.example:{port}"),
        format!("127.0.0.1:{}", port ^ 1),
    ] {
        let response = client
            .get(&health)
            .header("host", &host)
            .send()
            .await
            .expect("send");
        let (status, headers, error) = refusal(response).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_eq!(error.code, ErrorCode::WrongHost, "{host}");
        assert!(error.message.contains(&host), "{}", error.message);
        assert_secured(&headers, "a wrong host");
        assert_eq!(headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn a_flood_from_one_address_is_limited_while_another_is_served() {
    let served = serve(with_limits(EdgeLimits {
        burst: 3,
        replenish_every: Duration::from_secs(3600),
        ..EdgeLimits::default()
    }))
    .await;
    let flooder = client_from([127, 0, 0, 1]);
    let challenges = format!("{}/v1/login/challenges", served.url);
    for _ in 0..3 {
        let response = flooder.post(&challenges).send().await.expect("send");
        assert_eq!(response.status(), 200);
    }
    let (status, headers, error) =
        refusal(flooder.post(&challenges).send().await.expect("send")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.code, ErrorCode::RateLimited);
    let wait: u64 = headers["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(wait > 0, "{wait}");
    assert_secured(&headers, "a rate-limited answer");
    // Every route counts against the same address.
    let health = format!("{}/v1/health", served.url);
    assert_eq!(
        flooder.get(&health).send().await.expect("send").status(),
        429
    );

    // Another client address is served meanwhile.
    let other = client_from([127, 0, 0, 2]);
    assert_eq!(other.get(&health).send().await.expect("send").status(), 200);
    assert_eq!(
        other.post(&challenges).send().await.expect("send").status(),
        200
    );
}

#[tokio::test]
async fn the_client_waits_as_a_rate_limited_answer_asks_and_sends_again_once_it_may() {
    // One request a second after a burst of two: the client's third and fourth wait their turn.
    let served = serve(with_limits(EdgeLimits {
        burst: 2,
        replenish_every: Duration::from_secs(1),
        ..EdgeLimits::default()
    }))
    .await;
    let client = caretrail_client::Relay::new(&served.url).expect("client");
    let started = std::time::Instant::now();
    for _ in 0..4 {
        let _: serde_json::Value = client.get("v1/health").await.expect("served in turn");
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the relay's waits were kept: {:?}",
        started.elapsed()
    );

    // A wait longer than the client keeps (an hour here) is the user's to decide: refused at once.
    let served = serve(with_limits(EdgeLimits {
        burst: 1,
        replenish_every: Duration::from_secs(3600),
        ..EdgeLimits::default()
    }))
    .await;
    let client = caretrail_client::Relay::new(&served.url).expect("client");
    let _: serde_json::Value = client.get("v1/health").await.expect("the first");
    let started = std::time::Instant::now();
    let refused = client
        .get::<serde_json::Value>("v1/health")
        .await
        .expect_err("rate-limited");
    let refused = UiError::from(refused);
    assert_eq!(refused.code, ErrorCode::RateLimited, "{refused}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it did not wait the hour"
    );
}

/// A chain node that accepts connections and never answers; it says when a connection came.
async fn silent_chain() -> (String, tokio::sync::mpsc::Receiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (called, calls) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
            let _ = called.send(()).await;
        }
    });
    (url, calls)
}

fn on_chain(url: &str, limits: EdgeLimits) -> RelayConfig {
    let rpc = caretrail_chain::rpc_url(url).expect("url");
    RelayConfig {
        rpc_url: rpc,
        ..with_limits(limits)
    }
}

#[tokio::test]
async fn a_request_over_its_time_limit_is_answered_503() {
    let (chain, _calls) = silent_chain().await;
    let served = serve(on_chain(
        &chain,
        EdgeLimits {
            request_timeout: Duration::from_secs(1),
            ..EdgeLimits::default()
        },
    ))
    .await;
    // Reading a participant asks the chain, which never answers.
    let url = format!("{}/v1/participants/0x{}", served.url, "22".repeat(20));
    let response = client_from([127, 0, 0, 1])
        .get(&url)
        .send()
        .await
        .expect("the relay answers before the client gives up");
    let (status, headers, error) = refusal(response).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code, ErrorCode::TimedOut);
    assert!(
        error.message.contains("may still land"),
        "{}",
        error.message
    );
    assert_secured(&headers, "a timed-out answer");
}

#[tokio::test]
async fn beyond_the_requests_in_flight_the_relay_refuses_at_once() {
    let (chain, mut calls) = silent_chain().await;
    let served = serve(on_chain(
        &chain,
        EdgeLimits {
            in_flight: 1,
            ..EdgeLimits::default()
        },
    ))
    .await;
    let url = format!("{}/v1/participants/0x{}", served.url, "22".repeat(20));
    let stuck = tokio::spawn({
        let client = client_from([127, 0, 0, 1]);
        async move { client.get(&url).send().await }
    });
    // The first request is in its handler once the relay has called the chain.
    calls.recv().await.expect("the relay calls the chain");
    let (status, headers, error) = refusal(
        client_from([127, 0, 0, 2])
            .get(format!("{}/v1/health", served.url))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error.code, ErrorCode::Overloaded);
    assert_secured(&headers, "an overloaded answer");
    stuck.abort();
}

#[tokio::test]
async fn a_slow_sender_is_cut_off_after_the_header_timeout() {
    let served = serve(with_limits(EdgeLimits {
        header_read_timeout: Duration::from_secs(1),
        ..EdgeLimits::default()
    }))
    .await;
    let stream = tokio::net::TcpStream::connect(served.addr)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    // One header line every 100 ms, for up to 30 s: a head that is never finished.
    let dribble = tokio::spawn(async move {
        let start = format!("GET /v1/health HTTP/1.1\r\nHost: {}\r\n", served.addr);
        if writer.write_all(start.as_bytes()).await.is_err() {
            return false;
        }
        for i in 0..300 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer
                .write_all(format!("X-Slow-{i}: x\r\n").as_bytes())
                .await
                .is_err()
            {
                return false;
            }
        }
        true
    });
    // The relay closes the connection without an answer.
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    assert!(
        !dribble.is_finished() || !dribble.await.expect("dribble"),
        "the relay waited for the whole dribble"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn deeply_nested_json_is_refused() {
    let post = |body: String| {
        Request::post("/v1/policies")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let nested = |depth: usize| {
        format!(
            "{{\"signed\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let (status, headers, body) = oneshot(config(), post(nested(40))).await;
    let error: UiError = serde_json::from_slice(&body).expect("an error body");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(
        error.message.contains("nests more than 32"),
        "{}",
        error.message
    );
    assert_eq!(headers["cache-control"], "no-store");
    // Within the limit, the same body is refused for what it is, not for its depth.
    let (status, _, body) = oneshot(config(), post(nested(20))).await;
    let error: UiError = serde_json::from_slice(&body).expect("an error body");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!error.message.contains("nests"), "{}", error.message);
}
