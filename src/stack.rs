//! The whole local stack on one machine: an anvil chain, the contracts, the relay and the sandbox.
//!
//! With a data directory, the chain's state and the deployment are kept there, so a second run
//! finds its contracts and transactions again; without one, everything is fresh and ephemeral.

use anyhow::{Context as _, bail};
use caretrail_chain::local::LocalNode;
use caretrail_chain::{
    RpcUrl, admission_of, admit, chain_id, deploy_registries, grant_verifier, has_code,
    is_admitted, secret_key,
};
use caretrail_client::Relay;
use caretrail_relay::storage::StorageConfig;
use caretrail_relay::{InsurerRoute, NidSalt, RelayConfig, RelayState};
use caretrail_sandbox::insurer::default_plans;
use caretrail_sandbox::{
    Access, AdminToken, EcRegistry, GovernmentRegistry, Insurer, Publication, Sandbox,
};
use caretrail_types::{ParticipantKind, Registries};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Index of anvil's development accounts used for each job.
const DEPLOYER: usize = 0;
const RELAYER: usize = 1;
/// The verification unit's account: it holds the patient registry's verifier role.
const VERIFIER: usize = 2;

/// How often the relay anchors its read log unless told otherwise.
pub const DEFAULT_AUDIT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Where chain state, deployment and sandbox keys live; `None` for a throwaway stack.
    pub data_dir: Option<PathBuf>,
    pub anvil: PathBuf,
    pub relay_addr: SocketAddr,
    pub sandbox_addr: SocketAddr,
    /// The built web UI, served by the relay at `/`.
    pub ui_dir: Option<PathBuf>,
    /// Face models and citizen photos (`scripts/assets.sh` installs them).
    pub assets: PathBuf,
    /// Start the sandbox insurer with its fraud switch on (it serves altered policies).
    pub fraudulent_insurer: bool,
    /// Publish every sandbox plan at start, so patients can enrol in them.
    pub publish_plans: bool,
    /// Where the relay keeps records, when not the default (files under the data directory, or
    /// memory for a throwaway stack): e.g. an S3-compatible bucket.
    pub storage: Option<StorageConfig>,
    /// The relay's edge: the hosts it answers for, trusted proxies, rate and time limits.
    pub edge: caretrail_relay::edge::EdgeConfig,
}

impl StackOptions {
    /// A throwaway stack of the repository at `repo_root`: no data directory (nothing kept), free
    /// loopback ports, its anvil, the assets where setup installs them, no UI, nothing published,
    /// records in memory and the relay's default edge.
    pub fn throwaway(repo_root: &Path) -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            data_dir: None,
            anvil: caretrail_chain::local::anvil_path(repo_root),
            relay_addr: any_port,
            sandbox_addr: any_port,
            ui_dir: None,
            assets: default_assets_dir(),
            fraudulent_insurer: false,
            publish_plans: false,
            storage: None,
            edge: Default::default(),
        }
    }
}

/// Where `scripts/assets.sh` installs the assets unless `CARETRAIL_ASSETS` says otherwise.
pub fn default_assets_dir() -> PathBuf {
    match std::env::var_os("CARETRAIL_ASSETS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".cache/caretrail/assets"),
    }
}

/// The environment variable that gives the sandbox's admin token (it turns the insurer's fraud
/// switch and triggers its publications); without it, the token is kept in
/// [`sandbox_admin_token_file`], created there on first use.
pub const SANDBOX_ADMIN_TOKEN_ENV: &str = "CARETRAIL_SANDBOX_ADMIN_TOKEN";

/// Where the sandbox keeps its admin token under a data directory (readable by its owner alone).
pub fn sandbox_admin_token_file(data_dir: &Path) -> PathBuf {
    data_dir.join("sandbox/admin-token")
}

/// The sandbox's admin token: from [`SANDBOX_ADMIN_TOKEN_ENV`] when set, else kept under the data
/// directory, else (a throwaway stack) a random one.
pub fn sandbox_admin_token(data_dir: Option<&Path>) -> anyhow::Result<AdminToken> {
    if let Some(text) = std::env::var(SANDBOX_ADMIN_TOKEN_ENV)
        .ok()
        .filter(|t| !t.is_empty())
    {
        return AdminToken::new(&text).context(SANDBOX_ADMIN_TOKEN_ENV);
    }
    Ok(match data_dir {
        Some(dir) => AdminToken::load_or_create(&sandbox_admin_token_file(dir))?,
        None => AdminToken::random(),
    })
}

/// What the local stack gives the sandbox insurer to pay for its answers' anchors: 10 ether.
const INSURER_FUNDS_WEI: u128 = 10_000_000_000_000_000_000;

/// The card prefix of the sandbox insurer's cards.
pub const SANDBOX_CARD_PREFIX: &str = "MMH";

/// The deployed contracts, as kept in `<data_dir>/deployment.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: u64,
    pub registries: Registries,
    /// The chain's latest block just before the registries were deployed: logs are read from
    /// here. (A record written before this field existed reads as 0, the start of the chain.)
    #[serde(default)]
    pub from_block: u64,
    /// Which contracts were deployed (`caretrail_chain::contracts_version`); a record of other
    /// ones (or of none, written before this field) is deployed anew.
    #[serde(default = "no_contracts")]
    pub contracts: caretrail_types::Hash32,
}

/// What a deployment record written before versions were kept stands for: no known contracts.
fn no_contracts() -> caretrail_types::Hash32 {
    caretrail_types::Hash32::ZERO
}

/// A running stack. Call [`Stack::stop`] to end it cleanly (the chain saves its state).
#[derive(Debug)]
pub struct Stack {
    node: LocalNode,
    pub deployment: Deployment,
    /// True when this start deployed the contracts (false when it reused a deployment).
    pub deployed_now: bool,
    pub relay_url: String,
    pub sandbox_url: String,
    pub insurer: Arc<Insurer>,
    pub sandbox: Sandbox,
    pub relay: RelayState,
    /// What publishing each sandbox plan did at this start, by plan.
    pub publications: Vec<(String, Publication)>,
    /// Where the face models and citizen photos are.
    pub assets: PathBuf,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Stack {
    pub async fn start(options: StackOptions) -> anyhow::Result<Self> {
        Self::start_anchoring_every(options, DEFAULT_AUDIT_INTERVAL).await
    }

    /// [`Stack::start`], with the relay anchoring its read log every `audit_interval` (a short
    /// one lets a smoke test see reads verified within seconds).
    pub async fn start_anchoring_every(
        options: StackOptions,
        audit_interval: std::time::Duration,
    ) -> anyhow::Result<Self> {
        // The relay's listener is checked before anything starts: plain HTTP stays on the
        // loopback, and a certificate and key must load.
        let relay_tls = options.edge.tls.as_ref();
        caretrail_relay::edge::tls::may_listen(options.relay_addr, relay_tls.is_some())?;
        if let Some(files) = relay_tls {
            caretrail_relay::edge::tls::server_config(files)?;
        }
        let state_file = match &options.data_dir {
            Some(dir) => {
                // Keys, the salt and the database live here: its owner's alone.
                caretrail_fs::create_dir(&dir.join("chain"))
                    .and_then(|()| caretrail_fs::create_dir(dir))
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Some(dir.join("chain/anvil-state.json"))
            }
            None => None,
        };
        let node = LocalNode::start(&options.anvil, state_file.as_deref())?;
        let rpc = node.rpc_url();
        let (deployment, deployed_now) =
            ensure_deployed(&node, &rpc, options.data_dir.as_deref()).await?;

        let (shutdown, watcher) = watch::channel(false);
        let stopped = move |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };

        let insurer_key = match &options.data_dir {
            Some(dir) => Insurer::load_or_create_key(&dir.join("sandbox/insurer.key"))?,
            None => caretrail_chain::PrivateKeySigner::random(),
        };
        admit_sandbox_insurer(&node, &rpc, &deployment, &insurer_key).await?;
        // The insurer pays for anchoring its answers to claims, as a real one would.
        caretrail_chain::transfer(
            &rpc,
            node.dev_signer(DEPLOYER),
            secret_key(&insurer_key).address(),
            INSURER_FUNDS_WEI,
        )
        .await?;
        let relayer = node.dev_signer(RELAYER);
        // The verification unit has its own account, apart from the one that pays for relaying.
        let verifier = node.dev_signer(VERIFIER);
        grant_verifier(
            &rpc,
            node.dev_signer(DEPLOYER),
            deployment.registries.participants,
            caretrail_types::Address(verifier.address().into_array()),
        )
        .await?;

        let relay_listener = listen(options.relay_addr, "relay").await?;
        let relay_scheme = if relay_tls.is_some() { "https" } else { "http" };
        let relay_url = format!("{relay_scheme}://{}", relay_listener.local_addr()?);
        let sandbox_listener = listen(options.sandbox_addr, "sandbox").await?;
        let sandbox_url = format!("http://{}", sandbox_listener.local_addr()?);

        // Over TLS, the sandbox insurer trusts the certificates its sibling relay presents (the
        // relay's certificate file) besides the system's roots.
        let insurer_relay = match relay_tls {
            None => Relay::new(&relay_url)?,
            Some(files) => Relay::trusting(
                &relay_url,
                &std::fs::read(&files.cert)
                    .with_context(|| format!("cannot read {}", files.cert.display()))?,
            )?,
        };
        let insurer = Arc::new(Insurer::new(
            SANDBOX_INSURER_NAME,
            insurer_key,
            default_plans(),
            insurer_relay,
        ));
        insurer.set_fraud(options.fraudulent_insurer);

        let (nid_salt, database, storage) = match &options.data_dir {
            Some(dir) => (
                NidSalt::load_or_create(&dir.join("relay/nid-salt"))
                    .context("cannot keep the relay's NID salt")?,
                Some(dir.join("relay/relay.db")),
                StorageConfig::local_under(&dir.join("relay")),
            ),
            None => (NidSalt::random(), None, StorageConfig::Memory),
        };
        let storage = options.storage.clone().unwrap_or(storage);
        let relay_config = RelayConfig {
            rpc_url: rpc.clone(),
            public_rpc_url: rpc.to_string(),
            chain_id: deployment.chain_id,
            policy_registry: deployment.registries.policies,
            verifier_key: secret_key(&verifier),
            verifier: caretrail_chain::Relayer::new(&rpc, verifier),
            relayer: caretrail_chain::Relayer::new(&rpc, relayer),
            participant_registry: deployment.registries.participants,
            patient_registry: deployment.registries.patients,
            record_registry: deployment.registries.records,
            ec_registry: format!("{sandbox_url}/ec"),
            insurers: vec![InsurerRoute {
                card_prefix: SANDBOX_CARD_PREFIX.into(),
                url: format!("{sandbox_url}/insurer"),
            }],
            nid_salt,
            face_models: options.assets.join("face-models"),
            database,
            storage,
            storage_limits: Default::default(),
            audit_interval,
            verify_limits: Default::default(),
            patients_from_block: deployment.from_block,
            ui_dir: options.ui_dir.clone(),
            edge: options.edge.clone(),
        };
        // The sandbox answers the relay's verification unit: the key it signs its requests with.
        let sandbox = Sandbox {
            ec: Arc::new(EcRegistry::load(&options.assets.join("photos"))?),
            insurer: insurer.clone(),
            government: Arc::new(GovernmentRegistry::load()?),
            access: Arc::new(Access {
                verification_unit: relay_config.verifier_key.address(),
                admin_token: sandbox_admin_token(options.data_dir.as_deref())?,
            }),
        };
        let relay = caretrail_relay::Relay::open(relay_config).await?;
        let relay_task = tokio::spawn(caretrail_relay::serve(
            relay_listener,
            relay.clone(),
            stopped(watcher.clone()),
        ));
        let claims_task = {
            let (insurer, shutdown) = (insurer.clone(), watcher.clone());
            let scratch = match &options.data_dir {
                Some(dir) => dir.join("sandbox/claims"),
                None => std::env::temp_dir().join("caretrail-sandbox-claims"),
            };
            tokio::spawn(async move {
                insurer.serve_claims(&scratch, shutdown).await;
                Ok(())
            })
        };
        let sandbox_task = tokio::spawn(caretrail_sandbox::serve(
            sandbox_listener,
            sandbox.clone(),
            stopped(watcher),
        ));

        // Every plan is on chain before anyone can enrol in it (a no-op when it already is).
        let mut publications = Vec::new();
        for plan in default_plans()
            .into_iter()
            .filter(|_| options.publish_plans)
        {
            let outcome = insurer.publish_now(plan.slug).await?;
            publications.push((plan.slug.to_owned(), outcome));
        }

        Ok(Self {
            node,
            deployment,
            deployed_now,
            relay_url,
            sandbox_url,
            insurer,
            sandbox,
            relay,
            publications,
            assets: options.assets.clone(),
            shutdown,
            tasks: vec![relay_task, sandbox_task, claims_task],
        })
    }

    pub fn rpc_url(&self) -> RpcUrl {
        self.node.rpc_url()
    }

    /// The chain node, e.g. for its funded development accounts.
    pub fn node(&self) -> &LocalNode {
        &self.node
    }

    /// Stops the servers, then the chain (which saves its state when it has a data directory).
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if let Ok(Err(e)) = task.await {
                tracing::warn!("a service ended with an error: {e}");
            }
        }
        drop(self.node);
    }
}

/// Listens on `addr` for the named service, saying plainly when the port is taken.
pub async fn listen(addr: SocketAddr, what: &str) -> anyhow::Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => Ok(listener),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "the {what} cannot listen on {addr}: the port is in use (is another Caretrail running? \
             choose another port, or 0 for any free one)"
        ),
        Err(e) => Err(e).with_context(|| format!("the {what} cannot listen on {addr}")),
    }
}

/// Reuses the deployment recorded in the data directory when its contract is still on the chain,
/// and deploys (and records) a new one otherwise.
async fn ensure_deployed(
    node: &LocalNode,
    rpc: &RpcUrl,
    data_dir: Option<&Path>,
) -> anyhow::Result<(Deployment, bool)> {
    let chain = chain_id(rpc).await?;
    let record = data_dir.map(|dir| dir.join("deployment.json"));
    if let Some(path) = &record
        && let Ok(text) = std::fs::read_to_string(path)
    {
        match serde_json::from_str::<Deployment>(&text) {
            Ok(known) if known.contracts != caretrail_chain::contracts_version() => {
                tracing::warn!(
                    "{} records a deployment of other contracts than this version's; deploying \
                     anew (what the old contracts hold stays with them)",
                    path.display()
                )
            }
            Ok(known)
                if known.chain_id == chain
                    && has_code(rpc, known.registries.participants).await?
                    && has_code(rpc, known.registries.policies).await?
                    && has_code(rpc, known.registries.patients).await?
                    && has_code(rpc, known.registries.records).await? =>
            {
                return Ok((known, false));
            }
            Ok(_) => tracing::warn!(
                "{} names registries that this chain does not hold; deploying anew",
                path.display()
            ),
            Err(e) => tracing::warn!(
                "{} is not a deployment record of this version ({e}); deploying anew",
                path.display()
            ),
        }
    }
    let from_block = caretrail_chain::latest_block(rpc).await?;
    let deployment = Deployment {
        chain_id: chain,
        registries: deploy_registries(rpc, node.dev_signer(DEPLOYER)).await?,
        from_block,
        contracts: caretrail_chain::contracts_version(),
    };
    if let Some(path) = &record {
        std::fs::write(path, serde_json::to_string_pretty(&deployment)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok((deployment, true))
}

/// The sandbox insurer's name, as it is admitted and as its service answers.
const SANDBOX_INSURER_NAME: &str = "Meridian Mutual Health Insurance (sandbox)";

/// The sandbox insurer's licence in the sandbox government registry.
const SANDBOX_INSURER_LICENCE: &str = "INS-SANDBOX-0001";

/// Admits the sandbox insurer on chain, as the health authority (the deployer), unless it is
/// already admitted (a reused chain).
async fn admit_sandbox_insurer(
    node: &LocalNode,
    rpc: &RpcUrl,
    deployment: &Deployment,
    insurer_key: &caretrail_chain::PrivateKeySigner,
) -> anyhow::Result<()> {
    let key = secret_key(insurer_key);
    let participants = deployment.registries.participants;
    if is_admitted(rpc, participants, key.address(), ParticipantKind::Insurer).await? {
        return Ok(());
    }
    let admission = admission_of(
        &key,
        ParticipantKind::Insurer,
        SANDBOX_INSURER_LICENCE,
        SANDBOX_INSURER_NAME,
    );
    admit(rpc, node.dev_signer(DEPLOYER), participants, &admission).await?;
    Ok(())
}
