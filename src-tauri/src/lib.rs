//! Caretrail's desktop shell: wires the client and the patient's wallet into Tauri's state and
//! exposes one-line commands.

mod camera;
mod commands;

use caretrail_client::{Client, Wallet};
use caretrail_keystore::PlatformStore;
use caretrail_types::{ErrorCode, UiError};
use std::path::PathBuf;
use std::sync::OnceLock;
use tauri::Manager as _;

/// The relay the app talks to when `CARETRAIL_RELAY_URL` is not set.
const DEFAULT_RELAY_URL: &str = "http://127.0.0.1:7780";

/// The app's state: the client, or why it could not be made (shown on first use, never a crash);
/// and the patient's wallet, opened on first use (opening the OS keyring may wait on D-Bus).
#[derive(Debug)]
pub struct AppState {
    client: Result<Client, UiError>,
    wallet_dir: PathBuf,
    wallet: OnceLock<Wallet<PlatformStore>>,
}

impl AppState {
    pub fn new(wallet_dir: PathBuf) -> Self {
        let url = std::env::var("CARETRAIL_RELAY_URL").unwrap_or_else(|_| DEFAULT_RELAY_URL.into());
        Self {
            client: Client::new(&url).map_err(UiError::from),
            wallet_dir,
            wallet: OnceLock::new(),
        }
    }

    pub fn client(&self) -> Result<&Client, UiError> {
        self.client.as_ref().map_err(|e| {
            UiError::new(
                ErrorCode::InvalidInput,
                format!("CARETRAIL_RELAY_URL is not usable: {}", e.message),
            )
        })
    }

    /// Her wallet: the key in the OS keyring (or the key file where there is none), her profile
    /// in the app's data directory (`CARETRAIL_WALLET` moves it).
    pub fn wallet(&self) -> &Wallet<PlatformStore> {
        self.wallet
            .get_or_init(|| Wallet::new(PlatformStore::open(&self.wallet_dir), &self.wallet_dir))
    }
}

/// Runs the desktop app until its window closes.
pub fn run() {
    let outcome = tauri::Builder::default()
        .setup(|app| {
            let wallet_dir = match std::env::var_os("CARETRAIL_WALLET") {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => app.path().app_data_dir()?.join("wallet"),
            };
            app.manage(AppState::new(wallet_dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::policy_show,
            commands::patient_register,
            commands::patient_login,
            commands::patient_profile,
            commands::camera_capture,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = outcome {
        eprintln!("error: the Caretrail app could not start: {e}");
        std::process::exit(1);
    }
}
