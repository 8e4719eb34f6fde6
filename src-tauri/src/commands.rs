//! Tauri commands: one-line adapters over `caretrail-client`.

use crate::AppState;
use caretrail_types::{PolicyView, UiError};
use tauri::State;

#[tauri::command]
pub async fn policy_show(state: State<'_, AppState>, tx_id: String) -> Result<PolicyView, UiError> {
    Ok(state.client()?.policy_show(&tx_id).await?)
}
