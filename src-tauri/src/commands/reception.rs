//! The reception kiosk's commands: the workstation holds the organization's key (provisioned
//! into its keystore as `caretrail hospital provision` does); the key never crosses the IPC.

use crate::AppState;
use caretrail_types::{Address, QueuedVisit, UiError, Visit};
use tauri::State;

#[tauri::command]
pub async fn reception_unlock(
    state: State<'_, AppState>,
    password: String,
) -> Result<Address, UiError> {
    state.unlock(password)
}

#[tauri::command]
pub async fn reception_open(state: State<'_, AppState>, code: String) -> Result<Visit, UiError> {
    Ok(state.client()?.open_checkin(state.signer()?, &code).await?)
}

#[tauri::command]
pub async fn reception_assign(
    state: State<'_, AppState>,
    visit: Visit,
    staff: Address,
) -> Result<QueuedVisit, UiError> {
    let role = state.colleague(staff)?.role;
    Ok(state
        .client()?
        .assign_visit(&state.key()?, &visit, staff, role)
        .await?)
}
