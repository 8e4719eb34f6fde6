//! The relay's HTTP edge: what every request passes before a handler sees it, and the server
//! loop that accepts connections.
//!
//! From the socket inwards: with a certificate ([`tls`]), the TLS handshake, cut off when it has
//! not finished within [`EdgeLimits::header_read_timeout`]; hyper cuts off a client that has not
//! sent a whole request head within the same time (slowloris); then, on every answer, the security
//! headers ([`headers`]); the rate limit per client address ([`client`], tower_governor); the
//! `Host` allowlist ([`host`]); the limit on requests in flight, beyond which the relay answers
//! 503 at once instead of queueing; and inside the router, each route's time limit and the JSON
//! bodies' nesting limit ([`json`]).

pub mod client;
pub mod headers;
pub mod host;
pub mod json;
pub mod tls;

use crate::RelayError;
use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use host::{AllowedHost, AllowedHosts, HostRefusal};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;

/// Who may reach the relay, and how much of it.
#[derive(Debug, Clone, Default)]
pub struct EdgeConfig {
    /// Hosts the relay answers for besides its listen address and the loopback's names with
    /// its port (`--allowed-host`): the names clients reach it by.
    pub allowed_hosts: Vec<AllowedHost>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`); without
    /// any, the peer address is the client, whatever the headers say.
    pub trusted_proxies: Vec<IpAddr>,
    pub limits: EdgeLimits,
    /// The relay's certificate and key (`--tls-cert`, `--tls-key`): it then serves HTTPS alone.
    /// Without them it serves plain HTTP, and only on the loopback ([`tls::may_listen`]).
    pub tls: Option<tls::TlsFiles>,
}

/// The edge's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLimits {
    /// Requests one client address may send at once before it must wait.
    pub burst: u32,
    /// After a burst, one more request is allowed each time this passes.
    pub replenish_every: Duration,
    /// Requests handled at once by the whole relay; more are refused with 503 at once.
    pub in_flight: usize,
    /// The longest a request may take until its answer starts (a record's download streams on
    /// after that; its upload is under `body_idle_timeout` instead).
    pub request_timeout: Duration,
    /// The longest an upload of a record may pause between two pieces of its body.
    pub body_idle_timeout: Duration,
    /// The longest a client may take to send a request's head (and an idle connection may wait
    /// for its next request); with TLS, also the longest its handshake may take.
    pub header_read_timeout: Duration,
}

impl Default for EdgeLimits {
    /// Room for a page and the apps (and the test suites, which run hundreds of requests from
    /// one address): 200 at once, then 100 a second, per address; 256 in flight.
    fn default() -> Self {
        Self {
            burst: 200,
            replenish_every: Duration::from_millis(10),
            in_flight: 256,
            request_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// The guards around the router, on a relay listening at `listening`: the rate limit, the
/// `Host` allowlist and the limit on requests in flight. Requests must carry their peer's
/// `ConnectInfo<SocketAddr>`.
pub fn guarded(router: Router, config: &EdgeConfig, listening: SocketAddr) -> GuardedRouter {
    let limits = config.limits;
    let governor = GovernorConfigBuilder::default()
        .key_extractor(client::ClientAddress::new(&config.trusted_proxies))
        .period(limits.replenish_every)
        .burst_size(limits.burst.max(1))
        .finish()
        .map(Arc::new);
    let hosts = Arc::new(AllowedHosts::new(listening, &config.allowed_hosts));
    let router = router
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(edge_refusal))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    limits.in_flight.max(1),
                )),
        )
        .layer(axum::middleware::from_fn_with_state(hosts, host_allowed));
    match governor {
        Some(governor) => {
            let limiter = governor.limiter().clone();
            GuardedRouter {
                router: router.layer(
                    tower_governor::GovernorLayer::new(governor).error_handler(rate_refusal),
                ),
                prune: Some(Box::new(move || limiter.retain_recent())),
            }
        }
        // A zero period: no rate limit (the builder refuses it).
        None => GuardedRouter {
            router,
            prune: None,
        },
    }
}

/// A guarded router, with what keeps the rate limiter's table of client addresses bounded.
pub struct GuardedRouter {
    pub router: Router,
    /// Forgets the addresses whose quota is full again; call it now and then.
    pub prune: Option<Box<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for GuardedRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedRouter").finish_non_exhaustive()
    }
}

async fn host_allowed(
    axum::extract::State(hosts): axum::extract::State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    match hosts.check(request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(HostRefusal::NotAllowed(host)) => RelayError::WrongHost(host).into_response(),
        Err(refusal) => RelayError::BadRequest(refusal.to_string()).into_response(),
    }
}

/// The load shedder's and the timeout's errors as the relay's refusals.
async fn edge_refusal(error: tower::BoxError) -> RelayError {
    if error.is::<tower::load_shed::error::Overloaded>() {
        RelayError::Overloaded
    } else {
        RelayError::Internal(error.to_string())
    }
}

fn rate_refusal(error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, headers } => {
            let mut response = RelayError::RateLimited {
                wait_secs: wait_time.max(1),
            }
            .into_response();
            if let Some(headers) = headers {
                response.headers_mut().extend(headers);
            }
            response
        }
        GovernorError::UnableToExtractKey => {
            RelayError::Internal("the client's address is unknown".into()).into_response()
        }
        GovernorError::Other { msg, .. } => {
            RelayError::Internal(msg.unwrap_or_default()).into_response()
        }
    }
}

/// `route` answered within `limit`, or 503 `timed_out`.
pub fn timed<S: Clone + Send + Sync + 'static>(route: Router<S>, limit: Duration) -> Router<S> {
    route.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(
                move |error: tower::BoxError| async move {
                    if error.is::<tower::timeout::error::Elapsed>() {
                        RelayError::TimedOut(limit)
                    } else {
                        RelayError::Internal(error.to_string())
                    }
                },
            ))
            .timeout(limit),
    )
}

/// A streamed upload: no overall limit (a gibibyte takes minutes on a slow line), but the body
/// may not pause longer than `idle` between two pieces; a stalled upload ends as an interrupted
/// one.
pub fn body_idle_timeout(idle: Duration) -> tower_http::timeout::RequestBodyTimeoutLayer {
    tower_http::timeout::RequestBodyTimeoutLayer::new(idle)
}

/// Serves `router` on `listener` over HTTP/1.1 (inside TLS when `tls` is given) until `shutdown`
/// completes, then lets the requests in progress finish. Each request carries its peer's
/// `ConnectInfo<SocketAddr>`. A TLS handshake that has not finished within `header_read_timeout`
/// ends the connection.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("the relay cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request.map(Body::new))
            });
        // Taken now, so that a shutdown during the handshake still waits for this connection.
        let watcher = graceful.watcher();
        let http = http.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let served = match tls {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(tls) => {
                    let stream = match tokio::time::timeout(header_read_timeout, tls.accept(stream))
                        .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, "TLS handshake failed: {e}");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "no TLS handshake within {header_read_timeout:?}");
                            return;
                        }
                    };
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
            };
            if let Err(e) = served {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
