//! `caretrail relay` and `caretrail sandbox`: each service alone, for operators and for pointing
//! a real endpoint at the other.

use anyhow::Context as _;
use caretrail::stack::{
    SANDBOX_ADMIN_TOKEN_ENV, default_assets_dir, listen, sandbox_admin_token,
    sandbox_admin_token_file,
};
use caretrail_chain::{PrivateKeySigner, Relayer, chain_id, rpc_url, secret_key};
use caretrail_client::Relay;
use caretrail_relay::edge::EdgeConfig;
use caretrail_relay::edge::host::AllowedHost;
use caretrail_relay::edge::tls::TlsFiles;
use caretrail_relay::storage::{S3Secret, StorageConfig};
use caretrail_relay::{InsurerRoute, NidSalt, RelayConfig};
use caretrail_sandbox::insurer::default_plans;
use caretrail_sandbox::{Access, EcRegistry, GovernmentRegistry, Insurer, Sandbox};
use caretrail_types::Address;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The chain's JSON-RPC URL.
    #[arg(long, env = "CARETRAIL_RPC_URL")]
    rpc_url: String,
    /// The URL clients should read the chain from, when it differs from --rpc-url.
    #[arg(long)]
    public_rpc_url: Option<String>,
    /// The PolicyRegistry contract's address.
    #[arg(long, env = "CARETRAIL_POLICY_REGISTRY")]
    registry: Address,
    /// A file holding the private key (hex) of the account that pays for relayed transactions
    /// (readable by its owner alone); else the key itself in CARETRAIL_RELAYER_KEY. Never on the
    /// command line, where `ps` shows it.
    #[arg(long, env = "CARETRAIL_RELAYER_KEY_FILE")]
    relayer_key_file: Option<PathBuf>,
    /// A file holding the verification unit's private key (hex): it signs tickets and its
    /// requests to the outside services, and its account holds the patient registry's verifier
    /// role; else the key itself in CARETRAIL_VERIFIER_KEY. It must not be the relayer's.
    #[arg(long, env = "CARETRAIL_VERIFIER_KEY_FILE")]
    verifier_key_file: Option<PathBuf>,
    /// The ParticipantRegistry contract's address: the relay pays only for the insurers it admits.
    #[arg(long, env = "CARETRAIL_PARTICIPANT_REGISTRY")]
    participants: Address,
    /// The PatientRegistry contract's address (the relayer's account must hold its verifier role).
    #[arg(long, env = "CARETRAIL_PATIENT_REGISTRY")]
    patients: Address,
    /// The RecordRegistry contract's address (records, consents, the relay's audit roots).
    #[arg(long, env = "CARETRAIL_RECORD_REGISTRY")]
    records: Address,
    /// The block the PatientRegistry was deployed in: the relay follows its log from there.
    #[arg(long, env = "CARETRAIL_FROM_BLOCK", default_value_t = 0)]
    from_block: u64,
    /// How often (seconds) the relay anchors the Merkle root of its new read-log entries.
    #[arg(long, default_value_t = caretrail::stack::DEFAULT_AUDIT_INTERVAL.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    audit_interval: u64,
    /// The EC registry's base URL (citizens by national ID, with photos).
    #[arg(
        long,
        env = "CARETRAIL_EC_REGISTRY",
        default_value = "http://127.0.0.1:7781/ec"
    )]
    ec_registry: String,
    /// An insurer, as CARD-PREFIX=BASE-URL (repeat for more).
    #[arg(long = "insurer", value_parser = insurer_route, default_value = "MMH=http://127.0.0.1:7781/insurer")]
    insurers: Vec<InsurerRoute>,
    /// Where the relay keeps its database and its NID salt.
    #[arg(long, env = "CARETRAIL_RELAY_DATA", default_value = ".caretrail/relay")]
    data_dir: PathBuf,
    /// Face models and citizen photos (installed by ./scripts/setup.sh).
    #[arg(long, env = "CARETRAIL_ASSETS")]
    assets: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1:7780")]
    listen: SocketAddr,
    /// The built web UI to serve at `/`.
    #[arg(long)]
    ui_dir: Option<PathBuf>,
    /// Where encrypted records are kept.
    #[command(flatten)]
    storage: Box<StorageArgs>,
    #[command(flatten)]
    edge: EdgeArgs,
}

/// Who may reach the relay: the names it answers for, and the proxies it believes.
#[derive(Debug, Args)]
pub struct EdgeArgs {
    /// A host name the relay also answers for, as clients write it in the URL (HOST or
    /// HOST:PORT; without a port, any port). The listen address and localhost, 127.0.0.1 and
    /// [::1] with its port are always allowed; a request naming any other host is refused, so
    /// that a page on another site cannot reach the relay by DNS rebinding. Repeat for more.
    #[arg(long = "allowed-host", value_name = "HOST[:PORT]")]
    allowed_hosts: Vec<AllowedHost>,
    /// A reverse proxy in front of the relay (its IP address): for requests from it, the
    /// client's address for the rate limits is read from X-Forwarded-For. Without this flag no
    /// forwarding header is believed. Repeat for more.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// The relay's TLS certificate chain, in PEM (the certificate first): with --tls-key, the
    /// relay serves HTTPS alone. Without them it serves plain HTTP, and refuses to listen
    /// beyond the loopback.
    #[arg(
        long,
        value_name = "FILE",
        env = "CARETRAIL_TLS_CERT",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert's certificate, in PEM.
    #[arg(
        long,
        value_name = "FILE",
        env = "CARETRAIL_TLS_KEY",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
}

impl EdgeArgs {
    pub fn config(&self) -> EdgeConfig {
        EdgeConfig {
            allowed_hosts: self.allowed_hosts.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            limits: Default::default(),
            tls: match (&self.tls_cert, &self.tls_key) {
                (Some(cert), Some(key)) => Some(TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                _ => None,
            },
        }
    }
}

/// The relay's record store: files under the data directory, or an S3 bucket.
#[derive(Debug, Args)]
struct StorageArgs {
    /// Where encrypted records are kept on disk [default: <data-dir>/objects].
    #[arg(long, env = "CARETRAIL_STORAGE_DIR", conflicts_with = "s3_bucket")]
    storage_dir: Option<PathBuf>,
    /// Keep encrypted records in this S3 bucket instead (credentials from
    /// CARETRAIL_S3_ACCESS_KEY_ID and CARETRAIL_S3_SECRET_ACCESS_KEY, else the environment's).
    #[arg(long, env = "CARETRAIL_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// The S3-compatible service's URL [default: Amazon S3 in --s3-region]; http:// is allowed.
    #[arg(long, env = "CARETRAIL_S3_ENDPOINT", requires = "s3_bucket")]
    s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "CARETRAIL_S3_REGION", default_value = "us-east-1")]
    s3_region: String,
}

impl StorageArgs {
    fn config(&self, data_dir: &Path) -> StorageConfig {
        let Some(bucket) = &self.s3_bucket else {
            return match &self.storage_dir {
                Some(dir) => StorageConfig::Local { dir: dir.clone() },
                None => StorageConfig::local_under(data_dir),
            };
        };
        let from_env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        StorageConfig::S3 {
            allow_http: self
                .s3_endpoint
                .as_deref()
                .is_some_and(|url| url.starts_with("http://")),
            endpoint: self.s3_endpoint.clone(),
            bucket: bucket.clone(),
            region: self.s3_region.clone(),
            access_key_id: from_env("CARETRAIL_S3_ACCESS_KEY_ID"),
            secret_access_key: from_env("CARETRAIL_S3_SECRET_ACCESS_KEY").map(S3Secret::new),
        }
    }
}

pub async fn relay(args: RelayArgs) -> anyhow::Result<ExitCode> {
    let storage = args.storage.config(&args.data_dir);
    let rpc = rpc_url(&args.rpc_url)?;
    let chain = chain_id(&rpc).await?;
    let relayer = secret_from(
        args.relayer_key_file.as_deref(),
        "CARETRAIL_RELAYER_KEY",
        "the relayer's key",
    )?;
    let verifier_signer = secret_from(
        args.verifier_key_file.as_deref(),
        "CARETRAIL_VERIFIER_KEY",
        "the verification unit's key",
    )?;
    anyhow::ensure!(
        relayer.address() != verifier_signer.address(),
        "the verification unit's key is the relayer's: give each its own key"
    );
    caretrail_fs::create_dir(&args.data_dir)
        .with_context(|| format!("cannot make {}", args.data_dir.display()))?;
    let verifier = secret_key(&verifier_signer).address();
    let config = RelayConfig {
        public_rpc_url: args.public_rpc_url.unwrap_or_else(|| rpc.to_string()),
        verifier_key: secret_key(&verifier_signer),
        verifier: Relayer::new(&rpc, verifier_signer),
        relayer: Relayer::new(&rpc, relayer),
        rpc_url: rpc,
        chain_id: chain,
        policy_registry: args.registry,
        participant_registry: args.participants,
        patient_registry: args.patients,
        record_registry: args.records,
        ec_registry: args.ec_registry,
        insurers: args.insurers,
        nid_salt: NidSalt::load_or_create(&args.data_dir.join("nid-salt"))?,
        face_models: args
            .assets
            .unwrap_or_else(default_assets_dir)
            .join("face-models"),
        database: Some(args.data_dir.join("relay.db")),
        storage,
        storage_limits: Default::default(),
        audit_interval: std::time::Duration::from_secs(args.audit_interval),
        verify_limits: Default::default(),
        patients_from_block: args.from_block,
        ui_dir: args.ui_dir,
        edge: args.edge.config(),
    };
    let relay = caretrail_relay::Relay::open(config).await?;
    let listener = listen(args.listen, "relay").await?;
    relay.may_listen_on(listener.local_addr()?)?;
    let stop = crate::shutdown::requested();
    eprintln!(
        "relay listening on {}://{}",
        relay.scheme(),
        listener.local_addr()?
    );
    eprintln!(
        "its verification unit signs its requests to the EC registry and the insurers as \
         {verifier} (give it to them: caretrail sandbox --verifier {verifier})"
    );
    caretrail_relay::serve(listener, relay, stop).await?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The relay the sandbox insurer publishes through.
    #[arg(
        long,
        env = "CARETRAIL_RELAY_URL",
        default_value = "http://127.0.0.1:7780"
    )]
    relay: String,
    #[arg(long, default_value = "127.0.0.1:7781")]
    listen: SocketAddr,
    /// The verification unit's signing address (the relay prints it when it starts): the one
    /// caller served citizens, photos and cards.
    #[arg(long, env = "CARETRAIL_VERIFIER")]
    verifier: Address,
    /// Where the sandbox insurer keeps its key, and the sandbox its admin token (unless
    /// CARETRAIL_SANDBOX_ADMIN_TOKEN gives it): `sandbox/` under it.
    #[arg(long, default_value = ".caretrail")]
    data_dir: PathBuf,
    /// Face models and citizen photos (installed by ./scripts/setup.sh).
    #[arg(long, env = "CARETRAIL_ASSETS")]
    assets: Option<PathBuf>,
    /// Start the insurer with its fraud switch on (it serves altered policy documents).
    #[arg(long)]
    fraud: bool,
}

fn insurer_route(text: &str) -> Result<InsurerRoute, String> {
    let (prefix, url) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not CARD-PREFIX=BASE-URL"))?;
    Ok(InsurerRoute {
        card_prefix: prefix.trim().to_owned(),
        url: url.trim().to_owned(),
    })
}

pub async fn sandbox(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let insurer = Arc::new(Insurer::new(
        "Meridian Mutual Health Insurance (sandbox)",
        Insurer::load_or_create_key(&args.data_dir.join("sandbox/insurer.key"))?,
        default_plans(),
        Relay::new(&args.relay)?,
    ));
    insurer.set_fraud(args.fraud);
    let sandbox = Sandbox {
        ec: Arc::new(EcRegistry::load(
            &args
                .assets
                .unwrap_or_else(default_assets_dir)
                .join("photos"),
        )?),
        insurer,
        government: Arc::new(GovernmentRegistry::load()?),
        access: Arc::new(Access {
            verification_unit: args.verifier,
            admin_token: sandbox_admin_token(Some(&args.data_dir))?,
        }),
    };
    let listener = listen(args.listen, "sandbox").await?;
    let stop = crate::shutdown::requested();
    eprintln!("sandbox listening on http://{}", listener.local_addr()?);
    eprintln!(
        "it answers citizens, photos and cards to {} alone; its admin token (fraud switch, \
         publication) is {}",
        args.verifier,
        match std::env::var_os(SANDBOX_ADMIN_TOKEN_ENV) {
            Some(_) => format!("{SANDBOX_ADMIN_TOKEN_ENV}'s"),
            None => format!("in {}", sandbox_admin_token_file(&args.data_dir).display()),
        }
    );
    caretrail_sandbox::serve(listener, sandbox, stop).await?;
    Ok(ExitCode::SUCCESS)
}

/// A private key (hex) from the file `file` names, else from the environment variable `var`;
/// never from the command line, where `ps` shows it. A file others may read is refused.
fn secret_from(file: Option<&Path>, var: &str, what: &str) -> anyhow::Result<PrivateKeySigner> {
    let text = match file {
        Some(path) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = std::fs::metadata(path)
                    .with_context(|| format!("cannot read {what} from {}", path.display()))?
                    .permissions()
                    .mode();
                anyhow::ensure!(
                    mode & 0o077 == 0,
                    "{} holds {what} but others may read it (mode {:o}): chmod 600 it",
                    path.display(),
                    mode & 0o777
                );
            }
            zeroize::Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {what} from {}", path.display()))?,
            )
        }
        None => zeroize::Zeroizing::new(std::env::var(var).map_err(|_| {
            anyhow::anyhow!("{what} is missing: give its file (see --help) or set {var}")
        })?),
    };
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{what} is not a secp256k1 private key in hex"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_private_files_or_the_environment_never_the_command_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = "ab".repeat(32);
        let private = dir.path().join("relayer.key");
        caretrail_fs::create_new(&private, key.as_bytes()).expect("written");
        let from_file = secret_from(Some(&private), "CARETRAIL_TEST_UNSET_KEY", "a key")
            .expect("read from its file");
        assert_eq!(hex::encode(from_file.to_bytes()), key);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let open = dir.path().join("open.key");
            std::fs::write(&open, key.as_bytes()).expect("written");
            std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let refused = secret_from(Some(&open), "CARETRAIL_TEST_UNSET_KEY", "a key")
                .expect_err("others may read it");
            assert!(refused.to_string().contains("chmod 600"), "{refused}");
        }
        let missing = secret_from(None, "CARETRAIL_TEST_UNSET_KEY", "the relayer's key")
            .expect_err("no file, no variable");
        assert!(
            missing.to_string().contains("CARETRAIL_TEST_UNSET_KEY"),
            "{missing}"
        );
        let garbled = dir.path().join("garbled.key");
        caretrail_fs::create_new(&garbled, b"not a key").expect("written");
        assert!(secret_from(Some(&garbled), "CARETRAIL_TEST_UNSET_KEY", "a key").is_err());
    }

    #[test]
    fn the_relay_takes_no_key_on_its_command_line() {
        use clap::CommandFactory as _;
        let help = crate::Cli::command().render_long_help().to_string();
        assert!(!help.contains("--relayer-key "), "{help}");
        let mut cli = crate::Cli::command();
        let relay = cli.find_subcommand_mut("relay").expect("the relay command");
        let names: Vec<String> = relay
            .get_arguments()
            .filter_map(|a| a.get_long().map(str::to_owned))
            .collect();
        // A flag named for a key takes the key itself; the TLS key's flag names its file.
        assert!(
            names.iter().all(|n| !n.ends_with("-key") || n == "tls-key"),
            "a key on the command line: {names:?}"
        );
        assert!(names.contains(&"relayer-key-file".to_owned()), "{names:?}");
        assert!(names.contains(&"verifier-key-file".to_owned()), "{names:?}");
    }
}
