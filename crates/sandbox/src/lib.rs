//! The outside world, for development and tests: services that stand in for the real external
//! parties, each a plain HTTP API that a real endpoint can replace by URL.
//!
//! For now: the insurer, which holds policy documents and publishes them on chain through the
//! relay, signing each version with its own key.

pub mod insurer;

pub use insurer::{Insurer, InsurerError, Publication};

use axum::Router;
use std::sync::Arc;

/// The sandbox services' router: the insurer under `/insurer`.
pub fn app(insurer: Arc<Insurer>) -> Router {
    Router::new().nest("/insurer", insurer::routes(insurer))
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    insurer: Arc<Insurer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(insurer))
        .with_graceful_shutdown(shutdown)
        .await
}
