//! The patient's window's commands (her records' are in `records.rs`, the scan's in `scan.rs`).

use crate::AppState;
use caretrail_client::{BillView, Profile, Progress};
use caretrail_types::{
    Address, Admission, CapturedPhoto, ErrorCode, LoginInput, PolicyView, RecoveryNotice,
    RegistrationError, RegistrationInput, RegistrationOutcome, Relayed, SignedIn, UiError,
};
use caretrail_types::{Hash32, TestCode};
use tauri::State;
use tauri::ipc::Channel;

#[tauri::command]
pub async fn policy_show(state: State<'_, AppState>, tx_id: String) -> Result<PolicyView, UiError> {
    Ok(state.client()?.policy_show(&tx_id).await?)
}

#[tauri::command]
pub async fn patient_register(
    state: State<'_, AppState>,
    input: RegistrationInput,
    on_progress: Channel<Progress>,
) -> Result<RegistrationOutcome, RegistrationError> {
    let client = state.client().map_err(|error| RegistrationError {
        error,
        phrase: None,
    })?;
    client
        .register_input(state.wallet(), input, |p| drop(on_progress.send(p)))
        .await
}

#[tauri::command]
pub async fn patient_login(
    state: State<'_, AppState>,
    input: LoginInput,
) -> Result<SignedIn, UiError> {
    let (session, key) = state
        .client()?
        .login_keeping_key(state.wallet(), input)
        .await?;
    state.keep_key(key);
    Ok(SignedIn::from(&session))
}

#[tauri::command]
pub async fn patient_logout(state: State<'_, AppState>) -> Result<(), UiError> {
    state.forget_key();
    Ok(())
}

#[tauri::command]
pub async fn patient_profile(state: State<'_, AppState>) -> Result<Option<Profile>, UiError> {
    Ok(state.wallet().profile()?)
}

#[tauri::command]
pub async fn camera_capture() -> Result<CapturedPhoto, UiError> {
    tauri::async_runtime::spawn_blocking(crate::camera::capture)
        .await
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?
}

#[tauri::command]
pub async fn patient_recovery_status(
    state: State<'_, AppState>,
) -> Result<Option<RecoveryNotice>, UiError> {
    Ok(state.client()?.recovery_notice(state.wallet()).await?)
}

#[tauri::command]
pub async fn patient_recovery_cancel(state: State<'_, AppState>) -> Result<Relayed, UiError> {
    Ok(state
        .client()?
        .cancel_recovery_with_key(state.wallet(), &state.key()?)
        .await?)
}

#[tauri::command]
pub async fn patient_recovery_finish(state: State<'_, AppState>) -> Result<Relayed, UiError> {
    Ok(state.client()?.finish_recovery(state.wallet()).await?)
}

#[tauri::command]
pub async fn visit_organizations(state: State<'_, AppState>) -> Result<Vec<Admission>, UiError> {
    Ok(state.client()?.health_organizations().await?)
}

#[tauri::command]
pub async fn visit_checkin_code(
    state: State<'_, AppState>,
    organization: Address,
) -> Result<crate::CheckinCode, UiError> {
    state.checkin_code(organization).await
}

/// Her test-list code for a lab's organization, sharing her test list `record` (step 10).
#[tauri::command]
pub async fn visit_test_code(
    state: State<'_, AppState>,
    record: Hash32,
    lab: Address,
) -> Result<TestCode, UiError> {
    state.test_code(record, lab).await
}

/// Her bills, the insurer's answers, and her own computation of what her policy pays.
#[tauri::command]
pub async fn records_bills(state: State<'_, AppState>) -> Result<Vec<BillView>, UiError> {
    Ok(state
        .client()?
        .bills(&state.key()?, &state.scratch_dir())
        .await?)
}
