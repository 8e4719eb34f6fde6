//! A staff member's commands (doctor, lab, billing): her own key, certified by her organization
//! (the certificate in the device's profile); the key never crosses the IPC.

use crate::AppState;
use caretrail_types::{QueuedVisit, StaffMember, UiError};
use tauri::State;
use tauri::ipc::Channel;

#[tauri::command]
pub async fn staff_unlock(
    state: State<'_, AppState>,
    password: String,
) -> Result<StaffMember, UiError> {
    state.unlock_staff(password).await
}

/// Her queue of assigned visits, each sent on `on_visit` as the relay pushes it (server-sent
/// events); answers when the queue ends (her certificate did, or the relay went), or once a
/// visit can no longer be sent to the window.
#[tauri::command]
pub async fn staff_queue(
    state: State<'_, AppState>,
    on_visit: Channel<QueuedVisit>,
) -> Result<(), UiError> {
    state
        .follow_queue(|visit| on_visit.send(visit).is_ok())
        .await
}
