//! Which network the command line trusts: the one in `--network FILE`, or, for a patient's
//! commands, the one pinned in her wallet (`network.json`, written from the first relay she
//! uses: trust on first use). A relay announcing another chain or other registries is refused
//! before anything else is sent to it.

use crate::policy::coded;
use caretrail_client::{Admitted, Client, PinnedNetwork, Trust};
use caretrail_types::{ErrorCode, UiError};
use clap::Args;
use std::path::{Path, PathBuf};

/// The file in a wallet directory that pins the network.
pub(crate) const PIN_FILE: &str = "network.json";

#[derive(Debug, Args)]
pub(crate) struct NetworkArg {
    /// The network to trust: a JSON file with chain_id, policy_registry, participant_registry,
    /// patient_registry and record_registry (and optionally rpc_url, a node to read the chain at
    /// instead of the relay's). Without it, a patient's commands trust the network pinned in
    /// her wallet (network.json, written from the first relay used).
    #[arg(
        id = "network",
        long = "network",
        env = "CARETRAIL_NETWORK",
        value_name = "FILE"
    )]
    pub(crate) pin_file: Option<PathBuf>,
    /// A certificate authority (PEM) to trust for an https relay besides the system's roots,
    /// e.g. the one that issued a private relay's certificate.
    #[arg(long = "ca-file", env = "CARETRAIL_CA_FILE", value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
}

impl NetworkArg {
    /// The trust this argument gives: its file's network, or the one pinned in `wallet`'s
    /// directory on first use (or, with no wallet, whatever the relay announces).
    pub(crate) fn trust(&self, wallet: Option<&Path>) -> anyhow::Result<Trust> {
        match (&self.pin_file, wallet) {
            (Some(file), _) => {
                let pin = PinnedNetwork::load(file)
                    .map_err(|e| coded(UiError::new(ErrorCode::InvalidInput, e.to_string())))?
                    .ok_or_else(|| {
                        coded(UiError::new(
                            ErrorCode::InvalidInput,
                            format!("--network {}: no such file", file.display()),
                        ))
                    })?;
                Ok(Trust::Pinned(pin))
            }
            (None, Some(wallet)) => Ok(Trust::FirstUse(wallet.join(PIN_FILE))),
            (None, None) => Ok(Trust::Announced),
        }
    }
}

/// A client of `relay` whose network `trust` admits (asked once here, so that a first use says
/// what it pinned), trusting the CA in `ca_file` too when there is one.
pub(crate) async fn client(
    relay: &str,
    trust: Trust,
    ca_file: Option<&Path>,
) -> anyhow::Result<Client> {
    let pinned_in = match &trust {
        Trust::FirstUse(file) => Some(file.clone()),
        Trust::Announced | Trust::Pinned(_) => None,
    };
    let ca = ca_file
        .map(caretrail_client::read_ca_file)
        .transpose()
        .map_err(UiError::from)
        .map_err(coded)?;
    let client = Client::trusting_with_ca(relay, trust, ca.as_deref())
        .map_err(UiError::from)
        .map_err(coded)?;
    let admitted = client.admit().await.map_err(UiError::from).map_err(coded)?;
    if let (Admitted::PinnedNow(network), Some(file)) = (admitted, pinned_in) {
        eprintln!(
            "pinned the relay's network on first use in {}: chain {}, policy registry {}, \
             participant registry {}, patient registry {}, record registry {}",
            file.display(),
            network.chain_id,
            network.policy_registry,
            network.participant_registry,
            network.patient_registry,
            network.record_registry
        );
    }
    Ok(client)
}
