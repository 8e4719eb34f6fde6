//! A staff member's commands (doctor, lab, billing): her own key, certified by her organization
//! (the certificate in the device's profile), and the workstation's copy of the organization's
//! key, which anchors what she writes; neither key crosses the IPC.

use crate::AppState;
use crate::records::to_screen;
use caretrail_client::{LabOrder, Transfer};
use caretrail_protocol::visit::bill::{Bill, BillLine};
use caretrail_protocol::visit::orders::Orders;
use caretrail_types::{
    Address, ClaimNotice, Hash32, LabUpload, QueuedVisit, StaffMember, StoredRecord, UiError, Visit,
};
use tauri::State;
use tauri::ipc::Channel;

#[tauri::command]
pub async fn staff_unlock(
    state: State<'_, AppState>,
    password: String,
    organization_password: String,
) -> Result<StaffMember, UiError> {
    state.unlock_staff(password, organization_password).await
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

/// The doctor's prescription and test list for a visit she is assigned (steps 8–9).
#[tauri::command]
pub async fn doctor_write(
    state: State<'_, AppState>,
    visit_id: Hash32,
    orders: Orders,
) -> Result<Vec<StoredRecord>, UiError> {
    state.write_orders(visit_id, &orders).await
}

/// The lab takes in a scanned test-list code (steps 10–12).
#[tauri::command]
pub async fn lab_fetch(state: State<'_, AppState>, code: String) -> Result<LabOrder, UiError> {
    state.lab_fetch(&code).await
}

/// The lab's report on a test list it took in, with the files staged for it (steps 13–14).
#[tauri::command]
pub async fn lab_report(
    state: State<'_, AppState>,
    test_list: Hash32,
    conclusion: String,
    files: Vec<LabUpload>,
    on_progress: Channel<Transfer>,
) -> Result<Vec<StoredRecord>, UiError> {
    state
        .lab_report(test_list, conclusion, files, to_screen(on_progress))
        .await
}

/// The visits of its hospital still open, which the billing desk may bill.
#[tauri::command]
pub async fn billing_visits(state: State<'_, AppState>) -> Result<Vec<Visit>, UiError> {
    state.open_visits().await
}

/// The billing desk's bill for a visit of its hospital (step 15).
#[tauri::command]
pub async fn billing_send(
    state: State<'_, AppState>,
    visit_id: Hash32,
    lines: Vec<BillLine>,
    records: Vec<Hash32>,
    insurer: Option<Address>,
) -> Result<ClaimNotice, UiError> {
    state
        .send_bill(visit_id, &Bill { lines, records }, insurer)
        .await
}
