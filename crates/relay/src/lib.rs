//! Caretrail's relay: the thin backend between the apps and the chain.
//!
//! It pays for and submits transactions that others signed (the insurer's policy publications),
//! checks them first (the relay's side of the paper's policy management unit), tells clients which
//! network it works with, and serves the web UI. Handlers are thin over the functions in
//! [`policy`]; [`app`] builds the router so tests drive it without a socket.

mod error;
pub mod policy;
mod routes;

pub use error::RelayError;
pub use routes::app;

use caretrail_chain::{Relayer, RpcUrl};
use caretrail_types::{Address, NetworkInfo};
use std::path::PathBuf;
use std::sync::Arc;

/// What a relay needs to run.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Where the relay itself reaches the chain.
    pub rpc_url: RpcUrl,
    /// The URL clients are told to read the chain from (often the same).
    pub public_rpc_url: String,
    pub chain_id: u64,
    pub policy_registry: Address,
    /// The account that pays for relayed transactions.
    pub relayer: Relayer,
    /// The participant registry: the relay pays only for insurers it has admitted, and asks it
    /// before any gas is spent.
    pub participant_registry: Address,
    /// The built web UI (`ui/dist`), served at `/` when set.
    pub ui_dir: Option<PathBuf>,
}

/// Shared state of the handlers.
pub type RelayState = Arc<RelayConfig>;

impl RelayConfig {
    pub fn network(&self) -> NetworkInfo {
        NetworkInfo {
            chain_id: self.chain_id,
            rpc_url: self.public_rpc_url.clone(),
            policy_registry: self.policy_registry,
            participant_registry: self.participant_registry,
        }
    }
}

/// Serves the relay on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: RelayConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(Arc::new(config)))
        .with_graceful_shutdown(shutdown)
        .await
}
