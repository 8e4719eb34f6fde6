//! Caretrail's desktop shell: wires the client into Tauri's state and exposes one-line commands.

mod commands;

use caretrail_client::Client;
use caretrail_types::{ErrorCode, UiError};

/// The relay the app talks to when `CARETRAIL_RELAY_URL` is not set.
const DEFAULT_RELAY_URL: &str = "http://127.0.0.1:7780";

/// The app's state: the client, or why it could not be made (shown on first use, never a crash).
#[derive(Debug)]
pub struct AppState {
    client: Result<Client, UiError>,
}

impl AppState {
    pub fn from_env() -> Self {
        let url = std::env::var("CARETRAIL_RELAY_URL").unwrap_or_else(|_| DEFAULT_RELAY_URL.into());
        Self {
            client: Client::new(&url).map_err(UiError::from),
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
}

/// Runs the desktop app until its window closes.
pub fn run() {
    let outcome = tauri::Builder::default()
        .manage(AppState::from_env())
        .invoke_handler(tauri::generate_handler![commands::policy_show])
        .run(tauri::generate_context!());
    if let Err(e) = outcome {
        eprintln!("error: the Caretrail app could not start: {e}");
        std::process::exit(1);
    }
}
