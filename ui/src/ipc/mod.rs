//! The only place the UI talks to the outside. In the desktop app, Tauri commands
//! ([`tauri`](self::tauri)); when the same UI is served as a web page, the relay's HTTP API
//! ([`web`]), with the steps the app runs natively run here in wasm (`web_wallet.rs`,
//! `web_records.rs`). Both export the same functions with the same types and errors; each call
//! below picks the one for where the UI runs.

// Each page's wasm holds one shell's code: the other module is compiled (and checked) but never
// called there, so the linker leaves it out.
#[cfg_attr(not(feature = "desktop"), allow(dead_code))]
mod tauri;
#[cfg_attr(feature = "desktop", allow(dead_code))]
pub(crate) mod web;

/// The desktop app's call, or the web page's, chosen when the page is built (a runtime test
/// would keep both in an async function's state machine, and so in the wasm).
macro_rules! by_shell {
    ($desktop:expr, $web:expr) => {{
        #[cfg(feature = "desktop")]
        return $desktop;
        #[cfg(not(feature = "desktop"))]
        return $web;
    }};
}

use caretrail_protocol::records::{CheckedRead, Listed, Saved, Share, Transfer};
use caretrail_types::{
    Address, AnchoredRecord, CapturedPhoto, ErrorCode, Hash32, LoginInput, PolicyView, Progress,
    RegistrationError, RegistrationInput, RegistrationOutcome, Relayed, SignedIn, UiError,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

pub(crate) fn internal(what: impl std::fmt::Display) -> UiError {
    UiError::new(ErrorCode::Internal, format!("the app failed: {what}"))
}

/// True in the desktop app's pages (built with the `desktop` feature), which reach the app through
/// the IPC Tauri injects (`__TAURI_INTERNALS__`; the global `__TAURI__` API is off). A constant,
/// so that each page's wasm holds one shell's code only.
pub const fn in_desktop_app() -> bool {
    cfg!(feature = "desktop")
}

/// Values cross the boundary as JSON text, so both sides use the same serde shapes.
fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, UiError> {
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|_| internal("a value from the app cannot be read"))?
        .into();
    serde_json::from_str(&text).map_err(internal)
}

/// How a record's transfer is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordProgress {
    /// The chosen file going into the desktop app, slice by slice.
    IntoApp { done: u64, total: u64 },
    /// Encrypting, sending, receiving, decrypting, anchoring.
    Transfer(Transfer),
}

/// The policy published by `tx_id`, checked against the hash the insurer signed. In the web page
/// the relay only fetches the chain's record; the check runs here, in the patient's browser.
pub async fn policy_show(tx_id: &str) -> Result<PolicyView, UiError> {
    by_shell!(
        tauri::policy_show(tx_id).await,
        web::policy_show(tx_id).await
    )
}

/// Registers the patient: in the app through its command (progress over a Tauri channel); in
/// the web page right here, with the key kept in this browser.
pub async fn register(
    input: RegistrationInput,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<RegistrationOutcome, RegistrationError> {
    by_shell!(
        tauri::register(input, on_progress).await,
        web::register(input, on_progress).await
    )
}

/// Logs her in; her opened key stays with the app (or in this page's memory) until logout.
pub async fn login(input: LoginInput) -> Result<SignedIn, UiError> {
    by_shell!(tauri::login(input).await, web::login(input).await)
}

/// Forgets her opened key.
pub async fn logout() -> Result<(), UiError> {
    by_shell!(tauri::logout().await, web::logout().await)
}

/// What the login form is filled in with: H of this device's registration, and her ID where it
/// is kept readable (the desktop app; the web page keeps it sealed under her key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRegistration {
    pub id: Option<String>,
    pub record: Hash32,
}

/// The registration this device holds (the app's wallet, or this browser's).
pub async fn held_registration() -> Result<Option<HeldRegistration>, UiError> {
    by_shell!(
        tauri::held_registration().await,
        web::held_registration().await
    )
}

/// The recovery of this device's registration pending now, if one is, and what it means for
/// this device's key: the app reads it from the chain, the web page through the relay.
pub async fn recovery_notice() -> Result<Option<caretrail_types::RecoveryNotice>, UiError> {
    by_shell!(tauri::recovery_notice().await, web::recovery_notice().await)
}

/// Her opened key cancels the pending recovery of her registration (she must be logged in).
pub async fn recovery_cancel() -> Result<Relayed, UiError> {
    by_shell!(tauri::recovery_cancel().await, web::recovery_cancel().await)
}

/// Executes the pending recovery to this device's key once its timelock has passed.
pub async fn recovery_finish() -> Result<Relayed, UiError> {
    by_shell!(tauri::recovery_finish().await, web::recovery_finish().await)
}

/// A file offered for download: its name and a link to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub name: String,
    pub location: String,
}

/// A backup file of the key kept in this browser (the web page's), under its password.
pub async fn key_backup(password: &str) -> Result<Download, UiError> {
    by_shell!(
        tauri::key_backup(password).await,
        web::key_backup(password).await
    )
}

/// Lets go of a download's link once another replaces it.
pub fn forget_download(file: &Download) {
    by_shell!(tauri::forget_download(file), web::forget_download(file))
}

/// Restores her key into this browser (the web page's) from her phrase or a backup file.
pub async fn key_restore(
    input: crate::web_wallet::RestoreInput,
) -> Result<crate::web_wallet::Restored, UiError> {
    by_shell!(
        tauri::key_restore(input).await,
        web::key_restore(input).await
    )
}

/// A photo from the device's camera (the desktop app only; the web page takes a file).
pub async fn camera_capture() -> Result<CapturedPhoto, UiError> {
    by_shell!(tauri::camera_capture().await, web::camera_capture().await)
}

/// Scans with the device's camera until a code is read (`Some`), a stop (`None`), or the camera
/// fails: the app's camera, its previews (JPEG bytes) handed to `on_preview`; or the page's,
/// through `getUserMedia`, shown live in the view's `<video>`.
pub async fn scan_start(
    on_preview: impl Fn(js_sys::Uint8Array) + 'static,
    on_refusal: impl Fn(UiError) + 'static,
) -> Result<Option<caretrail_types::ScannedCode>, UiError> {
    by_shell!(tauri::scan_start(on_preview, on_refusal).await, {
        let _ = on_preview; // the page shows the camera's own stream
        crate::web_scan::scan_start(on_refusal).await
    })
}

/// Stops the scan under way.
pub async fn scan_stop() -> Result<(), UiError> {
    by_shell!(tauri::scan_stop().await, {
        crate::web_scan::scan_stop();
        Ok(())
    })
}

/// A picture file's code, read by the same decoder as the camera's frames.
pub async fn scan_image(file: &web_sys::File) -> Result<caretrail_types::ScannedCode, UiError> {
    by_shell!(
        tauri::scan_image(file).await,
        crate::web_scan::scan_image(file).await
    )
}

/// `text`'s QR code drawn (by the scanner worker, in both shells).
pub async fn draw_code(text: &str) -> Result<crate::qr_draw::DrawnCode, UiError> {
    crate::web_scan::draw_code(text).await
}

/// Her records: the chain's anchors joined with what the relay holds.
pub async fn records_list() -> Result<Vec<Listed>, UiError> {
    by_shell!(tauri::records_list().await, web::records_list().await)
}

/// Stores `file` as her `Document`: encrypted on this device, sent, anchored.
pub async fn records_put(
    file: &web_sys::File,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<AnchoredRecord, UiError> {
    by_shell!(
        tauri::records_put(file, on_progress).await,
        web::records_put(file, on_progress).await
    )
}

/// Opens her record `id`, checked against its anchor (by `author`, when given) and decrypted on
/// this device: saved to a file in the app, offered as a download in the web page.
pub async fn records_open(
    id: Hash32,
    author: Option<Address>,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Saved, UiError> {
    by_shell!(
        tauri::records_open(id, author, on_progress).await,
        web::records_open(id, author, on_progress).await
    )
}

/// Lets go of an opened record's plaintext that the screen no longer offers (the web page's
/// download link holds it in memory; the app's saved file stays where it was saved).
pub fn records_forget(saved: &Saved) {
    by_shell!(tauri::records_forget(saved), web::records_forget(saved))
}

/// Lets `reader` read what `share` covers until `expires_at`.
pub async fn records_grant(
    reader: Address,
    share: Share,
    expires_at: u64,
) -> Result<Relayed, UiError> {
    by_shell!(
        tauri::records_grant(reader, share, expires_at).await,
        web::records_grant(reader, share, expires_at).await
    )
}

/// Takes `reader`'s access back (what was read already stays read).
pub async fn records_revoke(reader: Address, share: Share) -> Result<Relayed, UiError> {
    by_shell!(
        tauri::records_revoke(reader, share).await,
        web::records_revoke(reader, share).await
    )
}

/// The reads of her records, each marked against the roots her relay anchored on chain.
pub async fn records_audit() -> Result<Vec<CheckedRead>, UiError> {
    by_shell!(tauri::records_audit().await, web::records_audit().await)
}

/// The network the web page's relay (its own origin) announces; the page trusts it, and shows it.
pub async fn web_network() -> Result<caretrail_types::NetworkInfo, UiError> {
    web::relay_get("/v1/network").await
}

/// The bytes of the first file chosen in a file input.
pub async fn read_file(
    input: &web_sys::HtmlInputElement,
) -> Result<Option<(String, Vec<u8>)>, UiError> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| internal("the file cannot be read"))?;
    Ok(Some((
        file.name(),
        js_sys::Uint8Array::new(&buffer).to_vec(),
    )))
}

/// The web page serves the patient only: the other roles' screens and her check-in code are the
/// desktop app's.
#[cfg_attr(feature = "desktop", allow(dead_code))]
fn desktop_only() -> UiError {
    UiError::new(
        ErrorCode::InvalidInput,
        "this is done in the Caretrail desktop app",
    )
}

/// The device's profile: its role, which picks the screens.
pub async fn device_profile() -> Result<crate::device::DeviceProfile, UiError> {
    by_shell!(tauri::device_profile().await, Err(desktop_only()))
}

/// The admitted health organizations she may check in at.
pub async fn visit_organizations() -> Result<Vec<caretrail_types::Admission>, UiError> {
    by_shell!(
        tauri::visit_organizations().await,
        web::visit_organizations().await
    )
}

/// Her check-in code for `organization`, signed with her session's key.
pub async fn visit_checkin_code(
    organization: Address,
) -> Result<crate::device::CheckinCode, UiError> {
    by_shell!(
        tauri::visit_checkin_code(organization).await,
        web::visit_checkin_code(organization).await
    )
}

/// Opens the workstation's organization key (reception); its address.
pub async fn reception_unlock(password: &str) -> Result<Address, UiError> {
    by_shell!(tauri::reception_unlock(password).await, {
        let _ = password;
        Err(desktop_only())
    })
}

/// Opens the visit of a check-in code's text.
pub async fn reception_open(code: &str) -> Result<caretrail_types::Visit, UiError> {
    by_shell!(tauri::reception_open(code).await, {
        let _ = code;
        Err(desktop_only())
    })
}

/// Assigns `staff` (from the workstation's directory) to `visit`: TKN_D.
pub async fn reception_assign(
    visit: &caretrail_types::Visit,
    staff: Address,
) -> Result<caretrail_types::QueuedVisit, UiError> {
    by_shell!(tauri::reception_assign(visit, staff).await, {
        let _ = (visit, staff);
        Err(desktop_only())
    })
}

/// Opens her staff key and the workstation's organization key, and shows the relay her
/// certificate: who she is for it.
pub async fn staff_unlock(
    password: &str,
    organization_password: &str,
) -> Result<caretrail_types::StaffMember, UiError> {
    by_shell!(
        tauri::staff_unlock(password, organization_password).await,
        {
            let _ = (password, organization_password);
            Err(desktop_only())
        }
    )
}

/// The doctor's prescription and test list for a visit she is assigned: the records written,
/// anchored in one batch.
pub async fn doctor_write(
    visit_id: Hash32,
    orders: &caretrail_protocol::visit::orders::Orders,
) -> Result<Vec<caretrail_types::StoredRecord>, UiError> {
    by_shell!(tauri::doctor_write(visit_id, orders).await, {
        let _ = (visit_id, orders);
        Err(desktop_only())
    })
}

/// The lab takes in a test-list code's text: the order it reports on.
pub async fn lab_fetch(code: &str) -> Result<caretrail_protocol::visit::lab::LabOrder, UiError> {
    by_shell!(tauri::lab_fetch(code).await, {
        let _ = code;
        Err(desktop_only())
    })
}

/// The lab's report on `test_list`: its conclusion and `files`, each staged in the app, then
/// all encrypted, sent and anchored.
pub async fn lab_report(
    test_list: Hash32,
    conclusion: &str,
    files: &[web_sys::File],
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Vec<caretrail_types::StoredRecord>, UiError> {
    by_shell!(
        tauri::lab_report(test_list, conclusion, files, on_progress).await,
        {
            let _ = (test_list, conclusion, files, on_progress);
            Err(desktop_only())
        }
    )
}

/// The visits of the billing desk's hospital still open, newest first.
pub async fn billing_visits() -> Result<Vec<caretrail_types::Visit>, UiError> {
    by_shell!(tauri::billing_visits().await, Err(desktop_only()))
}

/// The billing desk's bill for a visit of its hospital.
pub async fn billing_send(
    visit_id: Hash32,
    bill: &caretrail_protocol::visit::bill::Bill,
    insurer: Option<Address>,
) -> Result<caretrail_types::ClaimNotice, UiError> {
    by_shell!(tauri::billing_send(visit_id, bill, insurer).await, {
        let _ = (visit_id, bill, insurer);
        Err(desktop_only())
    })
}

/// Her test-list code for a lab's organization.
pub async fn visit_test_code(
    record: Hash32,
    lab: Address,
) -> Result<caretrail_types::TestCode, UiError> {
    by_shell!(
        tauri::visit_test_code(record, lab).await,
        web::visit_test_code(record, lab).await
    )
}

/// Her bills, the insurer's answers, and her own computation of what her policy pays.
pub async fn records_bills() -> Result<Vec<caretrail_protocol::visit::bill::BillView>, UiError> {
    by_shell!(tauri::records_bills().await, web::records_bills().await)
}

/// Her live queue: each assigned visit handed to `on_visit` as the relay pushes it; answers when
/// the queue ends.
pub async fn staff_queue(
    on_visit: impl Fn(caretrail_types::QueuedVisit) + 'static,
) -> Result<(), UiError> {
    by_shell!(tauri::staff_queue(on_visit).await, {
        let _ = on_visit;
        Err(desktop_only())
    })
}
