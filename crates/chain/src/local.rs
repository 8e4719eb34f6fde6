//! A local anvil node: the default chain of the run command and of the tests.

use crate::{ChainError, RpcUrl};
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::signers::local::PrivateKeySigner;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where to find anvil: `$CARETRAIL_ANVIL`, else the pinned npm binary under `contracts/`.
pub fn anvil_path(workspace_root: &Path) -> PathBuf {
    std::env::var_os("CARETRAIL_ANVIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root.join("contracts/node_modules/.bin/anvil"))
}

/// A running anvil on a free loopback port; stopped (and its state saved) when dropped.
pub struct LocalNode {
    instance: AnvilInstance,
}

impl fmt::Debug for LocalNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalNode")
            .field("endpoint", &self.instance.endpoint())
            .finish()
    }
}

impl LocalNode {
    /// Starts anvil. With `state`, the chain is loaded from that file if it exists and saved to it
    /// every few seconds and when the node stops, so a second run sees the same chain.
    pub fn start(anvil: &Path, state: Option<&Path>) -> Result<Self, ChainError> {
        Self::spawn(anvil, state, None)
    }

    /// Starts a fresh anvil under an older or newer set of rules (`cancun`, `prague`, ...): for
    /// measuring gas as it was or will be charged.
    pub fn start_with_hardfork(anvil: &Path, hardfork: &str) -> Result<Self, ChainError> {
        Self::spawn(anvil, None, Some(hardfork))
    }

    fn spawn(
        anvil: &Path,
        state: Option<&Path>,
        hardfork: Option<&str>,
    ) -> Result<Self, ChainError> {
        if !anvil.exists() {
            return Err(ChainError::Unreachable {
                url: anvil.display().to_string(),
                reason: "anvil is not installed there; run the README's setup".into(),
            });
        }
        let mut builder = Anvil::new().path(anvil);
        if let Some(state) = state {
            builder = builder
                .arg("--state")
                .arg(state)
                .arg("--state-interval")
                .arg("5");
        }
        if let Some(hardfork) = hardfork {
            builder = builder.arg("--hardfork").arg(hardfork);
        }
        let instance = builder.try_spawn().map_err(|e| ChainError::Unreachable {
            url: anvil.display().to_string(),
            reason: format!("anvil did not start: {e}"),
        })?;
        Ok(Self { instance })
    }

    pub fn rpc_url(&self) -> RpcUrl {
        self.instance.endpoint_url()
    }

    /// One of anvil's funded development accounts (index 0 deploys, 1 relays by convention).
    pub fn dev_signer(&self, index: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.instance.keys()[index].clone())
    }

    /// Moves this node's clock `seconds` ahead and mines a block there (a timelock passing, in
    /// tests).
    pub async fn pass_time(&self, seconds: u64) -> Result<(), ChainError> {
        use alloy::providers::{Provider as _, ProviderBuilder};
        let rpc = self.rpc_url();
        let provider = ProviderBuilder::new().connect_http(rpc.clone());
        let failed = |e: alloy::transports::TransportError| ChainError::from_transport(&rpc, e);
        let _: serde_json::Value = provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await
            .map_err(failed)?;
        let _: serde_json::Value = provider
            .raw_request("evm_mine".into(), ())
            .await
            .map_err(failed)?;
        Ok(())
    }
}
