//! The relay the tests open: its chain is not running, so any request that got as far as the
//! chain would fail with `chain_unreachable`, and a different code proves the relay refused it
//! first.

use caretrail_chain::{PrivateKeySigner, Relayer, rpc_url};
use caretrail_relay::{NidSalt, RelayConfig};
use caretrail_types::Address;

/// The test relay's configuration.
pub fn config() -> RelayConfig {
    let (relayer, verifier) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    RelayConfig {
        rpc_url: rpc_url("http://127.0.0.1:9").expect("url"),
        public_rpc_url: "http://127.0.0.1:9".into(),
        chain_id: 31337,
        policy_registry: Address([0x11; 20]),
        verifier_key: caretrail_chain::secret_key(&verifier),
        verifier: Relayer::new(&rpc_url("http://127.0.0.1:9").expect("url"), verifier),
        relayer: Relayer::new(&rpc_url("http://127.0.0.1:9").expect("url"), relayer),
        participant_registry: Address([0x22; 20]),
        patient_registry: Address([0x33; 20]),
        record_registry: Address([0x44; 20]),
        ec_registry: "http://127.0.0.1:9/ec".into(),
        insurers: Vec::new(),
        nid_salt: NidSalt::random(),
        face_models: assets().join("face-models"),
        database: None,
        ui_dir: None,
        storage: caretrail_relay::storage::StorageConfig::Memory,
        storage_limits: Default::default(),
        audit_interval: std::time::Duration::from_secs(60),
        verify_limits: Default::default(),
        patients_from_block: 0,
        edge: Default::default(),
    }
}

pub fn assets() -> std::path::PathBuf {
    match std::env::var_os("CARETRAIL_ASSETS") {
        Some(dir) => dir.into(),
        None => std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
            .join(".cache/caretrail/assets"),
    }
}
