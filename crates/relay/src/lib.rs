//! Caretrail's relay: the thin backend between the apps, the outside services and the chain.
//!
//! It pays for and submits transactions that others signed (the insurer's policy publications),
//! checks them first (the relay's side of the paper's policy management unit), runs the paper's
//! verification unit for registration (NID, face match, card, policy hashes, enrolment) and the
//! login check, tells clients which network it works with, and serves the web UI. Handlers are
//! thin over the functions in [`policy`], [`registration`], [`login`], [`records`] and
//! [`audit`]; [`app`] builds the router so tests drive it without a socket. [`storage`] keeps
//! encrypted records.

pub mod audit;
pub mod chain_view;
pub mod claims;
pub mod db;
pub mod edge;
mod error;
pub mod face_queue;
pub mod face_worker;
pub mod login;
pub mod lookups;
pub mod outside;
pub mod patient_index;
pub mod policy;
pub mod queue;
pub mod records;
pub mod recovery;
pub mod registration;
pub mod relayed;
mod routes;
pub mod staff;
pub mod storage;

pub use error::RelayError;
pub use outside::InsurerRoute;
pub use routes::app;

use caretrail_chain::{Relayer, RpcUrl};
use caretrail_crypto::SecretKey;
use caretrail_face::FaceModel;
use caretrail_types::{Address, NetworkInfo};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// What a relay needs to run.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Where the relay itself reaches the chain.
    pub rpc_url: RpcUrl,
    /// The URL clients are told to read the chain from (often the same).
    pub public_rpc_url: String,
    pub chain_id: u64,
    pub policy_registry: Address,
    /// The account that pays for relayed transactions and anchors the read log's roots.
    pub relayer: Relayer,
    /// The verification unit's key, apart from the relayer's: it signs tickets and its requests to
    /// the outside services, and its account holds the patient registry's verifier role.
    pub verifier_key: SecretKey,
    /// The verification unit's account, which sends registrations (and pays for them).
    pub verifier: Relayer,
    /// The participant registry: the relay pays only for insurers it has admitted, and asks it
    /// before any gas is spent.
    pub participant_registry: Address,
    pub patient_registry: Address,
    /// Where records are anchored, consents kept and the relay's audit roots anchored; signed
    /// requests to the records API name it in their domain.
    pub record_registry: Address,
    /// The EC registry's base URL (citizens by national ID, with photos).
    pub ec_registry: String,
    /// The insurers' base URLs, by card prefix.
    pub insurers: Vec<InsurerRoute>,
    /// The verification unit's secret salt for NID commitments.
    pub nid_salt: NidSalt,
    /// Where the face model files are (`scripts/assets.sh` installs them).
    pub face_models: PathBuf,
    /// The relay's SQLite database file; `None` keeps it in memory (tests).
    pub database: Option<PathBuf>,
    /// The built web UI (`ui/dist`), served at `/` when set.
    pub ui_dir: Option<PathBuf>,
    /// Where encrypted records are kept (by default files under the data directory).
    pub storage: storage::StorageConfig,
    pub storage_limits: storage::StorageLimits,
    /// How often the relay anchors the Merkle root of its new read-log entries.
    pub audit_interval: std::time::Duration,
    /// The verification unit's limits: its face queue, and NID look-ups.
    pub verify_limits: VerifyLimits,
    /// The block the patient registry was deployed in: where its log is followed from.
    pub patients_from_block: u64,
    /// Who may reach the relay over HTTP, and how much: hosts, proxies, rate and time limits.
    pub edge: edge::EdgeConfig,
}

/// How much of the verification unit one client or one identity may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimits {
    pub face: face_queue::FaceLimits,
    /// Look-ups of one NID at the EC registry an hour, whoever asks.
    pub nid_lookups_per_hour: std::num::NonZeroU32,
}

impl Default for VerifyLimits {
    fn default() -> Self {
        Self {
            face: face_queue::FaceLimits::default(),
            nid_lookups_per_hour: std::num::NonZeroU32::new(10)
                .unwrap_or(std::num::NonZeroU32::MIN),
        }
    }
}

/// The VU's secret salt for NID commitments: 32 random bytes, zeroized, never printed.
#[derive(Clone)]
pub struct NidSalt(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for NidSalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NidSalt(<redacted>)")
    }
}

impl NidSalt {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub fn random() -> Self {
        use rand_core::RngCore as _;
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand_core::OsRng.fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    /// The salt kept in `path` (hex), created there on first use. Losing it would let one NID
    /// register again under a new commitment, so it lives with the relay's data.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                hex::decode_to_slice(text.trim(), bytes.as_mut()).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} is not 32 bytes of hex: {e}", path.display()),
                    )
                })?;
                Ok(Self(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let salt = Self::random();
                // Readable by the relay's user alone, and never replaced: with the salt, every
                // NID commitment on chain could be tested against guessed national IDs.
                caretrail_fs::create_new(path, hex::encode(salt.0.as_ref()).as_bytes())?;
                Ok(salt)
            }
            Err(e) => Err(e),
        }
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A running relay: its configuration and what it opened from it.
#[derive(Debug)]
pub struct Relay {
    pub config: RelayConfig,
    pub db: db::Database,
    pub storage: storage::Storage,
    outside: outside::Outside,
    face: face_worker::FaceWorker<FaceModel>,
    /// Photo checks and face matches waiting or running: each holds photos, so the queue is short,
    /// a full one refuses at once instead of piling up, and a place lasts as long as its work.
    face_queue: face_queue::FaceQueue,
    /// NID look-ups at the EC registry, limited per NID.
    nid_lookups: lookups::NidLookups,
    /// Verify requests being read or worked on (as many as the face queue has places).
    verify_rooms: Arc<tokio::sync::Semaphore>,
    /// Held while the read log is being anchored: one run at a time.
    audit_turn: tokio::sync::Mutex<()>,
    /// Held while the patient registry's log is being followed: one reader at a time.
    patient_index_turn: tokio::sync::Mutex<()>,
    /// Visits assigned to staff, to every staff queue that is followed (each keeps its own).
    assignments: tokio::sync::broadcast::Sender<caretrail_types::QueuedVisit>,
    /// Claims filed, to every insurer's queue that is followed.
    claims: tokio::sync::broadcast::Sender<caretrail_types::ClaimNotice>,
    /// The Content-Security-Policy on every answer, naming the web page's inline loader script.
    page_policy: axum::http::HeaderValue,
    /// The TLS side of the listener, from `edge.tls` (read when the relay opens).
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// Shared state of the handlers.
pub type RelayState = Arc<Relay>;

/// Why a relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Face(#[from] caretrail_face::ModelError),
    #[error("the face model's thread cannot start: {0}")]
    FaceThread(std::io::Error),
    #[error("the relay's database cannot be opened: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the relay's record store cannot be opened: {0}")]
    Storage(#[from] storage::StorageError),
    #[error(transparent)]
    Tls(#[from] edge::tls::TlsError),
    #[error("{0}")]
    Config(String),
}

impl Relay {
    /// Opens the database and the record store, loads the face models and the TLS certificate,
    /// and checks the outside services' URLs.
    pub async fn open(config: RelayConfig) -> Result<RelayState, StartError> {
        let tls = config
            .edge
            .tls
            .as_ref()
            .map(edge::tls::server_config)
            .transpose()?;
        let face = FaceModel::load(&config.face_models)?;
        let db = db::Database::open(config.database.as_deref()).await?;
        let storage = storage::Storage::open(&config.storage, config.storage_limits)?;
        let outside = outside::Outside::new(
            &config.ec_registry,
            &config.insurers,
            config.verifier_key.clone(),
        )
        .map_err(StartError::Config)?;
        let limits = config.verify_limits;
        let page_policy = edge::headers::policy_for(config.ui_dir.as_deref());
        Ok(Arc::new(Self {
            tls,
            page_policy,
            config,
            db,
            storage,
            outside,
            face: face_worker::FaceWorker::start(face).map_err(StartError::FaceThread)?,
            face_queue: face_queue::FaceQueue::new(limits.face),
            nid_lookups: lookups::NidLookups::new(limits.nid_lookups_per_hour),
            verify_rooms: Arc::new(tokio::sync::Semaphore::new(limits.face.places)),
            audit_turn: tokio::sync::Mutex::new(()),
            patient_index_turn: tokio::sync::Mutex::new(()),
            assignments: tokio::sync::broadcast::channel(queue::LIVE_CAPACITY).0,
            claims: tokio::sync::broadcast::channel(claims::LIVE_CAPACITY).0,
        }))
    }

    /// Whether the relay may listen at `addr`: with TLS anywhere, without it on the loopback
    /// alone. [`serve`] asks first; a caller that spawns it can ask before, for a startup error.
    pub fn may_listen_on(
        &self,
        addr: std::net::SocketAddr,
    ) -> Result<(), edge::tls::PlainBeyondLoopback> {
        edge::tls::may_listen(addr, self.tls.is_some())
    }

    /// `https` when the relay serves TLS, else `http`: how its URL starts.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    pub fn network(&self) -> NetworkInfo {
        let c = &self.config;
        NetworkInfo {
            chain_id: c.chain_id,
            rpc_url: c.public_rpc_url.clone(),
            policy_registry: c.policy_registry,
            participant_registry: c.participant_registry,
            patient_registry: c.patient_registry,
            record_registry: c.record_registry,
            relay: c.relayer.account(),
        }
    }

    /// Runs `job` with the face model on its thread ([`face_worker`]; a match is about half a
    /// second of CPU), in a place of the face queue taken for `client` and `nid`. The place goes
    /// into the job: if the client hangs up, the place stays taken until the model is done.
    pub async fn with_face_model<T: Send + 'static>(
        &self,
        client: std::net::IpAddr,
        nid: &caretrail_types::Nid,
        job: impl FnOnce(&FaceModel) -> T + Send + 'static,
    ) -> Result<T, RelayError> {
        let place = self.face_queue.take(client, nid).map_err(|busy| {
            let code = match busy {
                face_queue::Busy::Full => caretrail_types::ErrorCode::ServiceUnavailable,
                _ => caretrail_types::ErrorCode::RateLimited,
            };
            RelayError::refused(code, busy.to_string())
        })?;
        self.face
            .run(move |model| {
                let _place = place;
                job(model)
            })
            .await
            .map_err(|e| RelayError::Internal(e.to_string()))
    }

    /// Room for one more verify request, if there is any (held until dropped).
    pub fn verify_room(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.verify_rooms.clone().try_acquire_owned().ok()
    }

    /// Places of the face queue taken now (waiting or running).
    pub fn face_work_in_flight(&self) -> usize {
        self.face_queue.in_use()
    }
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Serves the relay on `listener` until `shutdown` completes, anchoring its read log at the
/// configured interval meanwhile. The relay answers for the listen address and the loopback's
/// names, and for the configured hosts; its edge ([`edge`]) limits each client address. With a
/// certificate it serves HTTPS alone; without one, it refuses (an `InvalidInput` error holding
/// [`edge::tls::PlainBeyondLoopback`]) a listener beyond the loopback.
pub async fn serve(
    listener: tokio::net::TcpListener,
    relay: RelayState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    relay
        .may_listen_on(listener.local_addr()?)
        .map_err(|refused| std::io::Error::new(std::io::ErrorKind::InvalidInput, refused))?;
    let anchoring = tokio::spawn(audit::anchor_every(
        relay.clone(),
        relay.config.audit_interval,
    ));
    let edge = &relay.config.edge;
    let guarded = edge::guarded(routes::routes(relay.clone()), edge, listener.local_addr()?);
    let pruning = guarded.prune.map(|prune| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                prune();
            }
        })
    });
    let router = edge::headers::secured(guarded.router, relay.page_policy.clone());
    let served = edge::serve(
        listener,
        router,
        relay.tls.clone().map(tokio_rustls::TlsAcceptor::from),
        edge.limits.header_read_timeout,
        shutdown,
    )
    .await;
    anchoring.abort();
    if let Some(pruning) = pruning {
        pruning.abort();
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nid_salt_is_kept_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("relay/nid-salt");
        let made = NidSalt::load_or_create(&path).expect("made");
        assert_eq!(
            NidSalt::load_or_create(&path).expect("read").bytes(),
            made.bytes()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{made:?}"), "NidSalt(<redacted>)");
    }
}
