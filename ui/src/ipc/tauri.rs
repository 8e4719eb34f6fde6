//! The desktop app's side of [`crate::ipc`]: Tauri commands, progress over Tauri channels, and a
//! chosen file sent to the app in raw slices (a webview gives no path of a chosen file; a slice
//! goes as a `Uint8Array`, never through wasm memory or JSON).
//!
//! The app runs with `withGlobalTauri` off: no `window.__TAURI__` API is injected, and the UI
//! calls the IPC primitives Tauri always injects (`window.__TAURI_INTERNALS__`), the ones
//! `@tauri-apps/api`'s `invoke` and `Channel` are written over: `invoke(cmd, args, options)`, and
//! `transformCallback`, whose id names a channel (`__CHANNEL__:<id>`) in a command's arguments.

use super::{HeldRegistration, RecordProgress, from_js, internal};
use crate::device::{CheckinCode, DeviceProfile};
use caretrail_protocol::records::{CheckedRead, Listed, Saved, Share, Transfer};
use caretrail_protocol::visit::bill::{Bill, BillView};
use caretrail_protocol::visit::lab::LabOrder;
use caretrail_protocol::visit::orders::Orders;
use caretrail_types::{
    Address, AnchoredRecord, CapturedPhoto, DOCUMENT_KIND, Hash32, LoginInput, PolicyView, Profile,
    Progress, RegistrationError, RegistrationInput, RegistrationOutcome, Relayed, ScannedCode,
    SignedIn, UiError,
};
use caretrail_types::{
    Admission, ClaimNotice, LabUpload, QueuedVisit, StaffMember, StoredRecord, TestCode, Visit,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// How much of a chosen file goes to the app per IPC call.
const SLICE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

/// The header that names the upload a slice belongs to (the app's `staging::UPLOAD_HEADER`).
const UPLOAD_HEADER: &str = "caretrail-upload";

#[wasm_bindgen]
extern "C" {
    /// A command: its arguments, and options (headers, for raw bodies) or `undefined`.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], catch)]
    async fn invoke(cmd: &str, args: JsValue, options: JsValue) -> Result<JsValue, JsValue>;

    /// Registers `callback` for the app to call; its id names it in the app's messages.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = transformCallback)]
    fn transform_callback(callback: &js_sys::Function, once: bool) -> f64;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = unregisterCallback)]
    fn unregister_callback(id: f64);
}

/// What a Tauri channel delivers: its messages, numbered (they may arrive out of order when a
/// large one is fetched rather than evaluated), then an end mark.
#[derive(Deserialize)]
struct ChannelMessage {
    index: u64,
    #[serde(default)]
    message: serde_json::Value,
    #[serde(default)]
    end: bool,
}

/// Messages put back in order: the ones ready to hand on, as each arrives.
#[derive(Default)]
struct InOrder {
    next: u64,
    waiting: BTreeMap<u64, serde_json::Value>,
}

impl InOrder {
    fn arrived(&mut self, index: u64, message: serde_json::Value) -> Vec<serde_json::Value> {
        if index < self.next {
            return Vec::new();
        }
        self.waiting.insert(index, message);
        let mut ready = Vec::new();
        while let Some(message) = self.waiting.remove(&self.next) {
            ready.push(message);
            self.next += 1;
        }
        ready
    }
}

/// A Tauri channel the app streams a command's progress through, open while it lives.
struct Channel {
    id: f64,
    _listener: Closure<dyn FnMut(JsValue)>,
}

impl Channel {
    fn new<P: DeserializeOwned + 'static>(on_message: impl Fn(P) + 'static) -> Self {
        let mut order = InOrder::default();
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |raw: JsValue| {
            let Ok(delivered) = from_js::<ChannelMessage>(&raw) else {
                return;
            };
            if delivered.end {
                return;
            }
            for message in order.arrived(delivered.index, delivered.message) {
                if let Ok(step) = serde_json::from_value::<P>(message) {
                    on_message(step);
                }
            }
        });
        let id = transform_callback(listener.as_ref().unchecked_ref(), false);
        Self {
            id,
            _listener: listener,
        }
    }

    /// How the channel is named in a command's arguments.
    fn argument(&self) -> String {
        format!("__CHANNEL__:{}", self.id as u64)
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        unregister_callback(self.id);
    }
}

/// A Tauri channel of raw bytes (the scan's previews, `InvokeResponseBody::Raw`): each message an
/// `ArrayBuffer`, handed on as a `Uint8Array`; one that arrives after a newer one is dropped (a
/// preview is only worth drawing while it is the latest).
struct RawChannel {
    id: f64,
    _listener: Closure<dyn FnMut(JsValue)>,
}

impl RawChannel {
    fn new(on_bytes: impl Fn(js_sys::Uint8Array) + 'static) -> Self {
        let mut latest: Option<f64> = None;
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |raw: JsValue| {
            let field = |name: &str| js_sys::Reflect::get(&raw, &JsValue::from_str(name)).ok();
            let Some(index) = field("index").and_then(|i| i.as_f64()) else {
                return;
            };
            let Some(message) =
                field("message").filter(|m| m.is_instance_of::<js_sys::ArrayBuffer>())
            else {
                return;
            };
            if latest.is_some_and(|seen| index <= seen) {
                return;
            }
            latest = Some(index);
            on_bytes(js_sys::Uint8Array::new(&message));
        });
        let id = transform_callback(listener.as_ref().unchecked_ref(), false);
        Self {
            id,
            _listener: listener,
        }
    }

    fn argument(&self) -> String {
        format!("__CHANNEL__:{}", self.id as u64)
    }
}

impl Drop for RawChannel {
    fn drop(&mut self) {
        unregister_callback(self.id);
    }
}

/// A command's refusal, in the shape it was sent.
fn refusal<E: DeserializeOwned>(error: &JsValue, plain: impl Fn(UiError) -> E) -> E {
    from_js::<E>(error).unwrap_or_else(|_| {
        plain(internal(
            error.as_string().unwrap_or_else(|| "unknown error".into()),
        ))
    })
}

fn args_of<A: Serialize>(args: &A) -> Result<JsValue, UiError> {
    let text = serde_json::to_string(args).map_err(internal)?;
    js_sys::JSON::parse(&text).map_err(|_| internal("arguments"))
}

async fn command<A: Serialize, T: DeserializeOwned>(name: &str, args: &A) -> Result<T, UiError> {
    match invoke(name, args_of(args)?, JsValue::UNDEFINED).await {
        Ok(value) => from_js(&value),
        Err(error) => Err(refusal(&error, |e| e)),
    }
}

/// A command that reports progress on a channel passed as its `onProgress` argument.
async fn command_with_progress<A, P, T, E>(
    name: &str,
    args: &A,
    on_progress: impl Fn(P) + 'static,
    plain: impl Fn(UiError) -> E,
) -> Result<T, E>
where
    A: Serialize,
    P: DeserializeOwned + 'static,
    T: DeserializeOwned,
    E: DeserializeOwned,
{
    let channel = Channel::new(on_progress);
    let args = args_of(args).map_err(&plain)?;
    js_sys::Reflect::set(
        &args,
        &JsValue::from_str("onProgress"),
        &JsValue::from_str(&channel.argument()),
    )
    .map_err(|_| plain(internal("arguments")))?;
    let outcome = invoke(name, args, JsValue::UNDEFINED).await;
    drop(channel);
    match outcome {
        Ok(value) => from_js(&value).map_err(plain),
        Err(error) => Err(refusal(&error, plain)),
    }
}

/// A command that sends messages on a channel passed as its `channel` argument until it answers.
async fn command_with_channel<A, M, T>(
    name: &str,
    args: &A,
    channel: &str,
    on_message: impl Fn(M) + 'static,
) -> Result<T, UiError>
where
    A: Serialize,
    M: DeserializeOwned + 'static,
    T: DeserializeOwned,
{
    let messages = Channel::new(on_message);
    let args = args_of(args)?;
    js_sys::Reflect::set(
        &args,
        &JsValue::from_str(channel),
        &JsValue::from_str(&messages.argument()),
    )
    .map_err(|_| internal("arguments"))?;
    let outcome = invoke(name, args, JsValue::UNDEFINED).await;
    drop(messages);
    match outcome {
        Ok(value) => from_js(&value),
        Err(error) => Err(refusal(&error, |e| e)),
    }
}

pub async fn device_profile() -> Result<DeviceProfile, UiError> {
    command("device_profile", &serde_json::json!({})).await
}

pub async fn visit_organizations() -> Result<Vec<Admission>, UiError> {
    command("visit_organizations", &serde_json::json!({})).await
}

pub async fn visit_checkin_code(organization: Address) -> Result<CheckinCode, UiError> {
    let args = serde_json::json!({ "organization": organization });
    command("visit_checkin_code", &args).await
}

pub async fn reception_unlock(password: &str) -> Result<Address, UiError> {
    command(
        "reception_unlock",
        &serde_json::json!({ "password": password }),
    )
    .await
}

pub async fn reception_open(code: &str) -> Result<Visit, UiError> {
    command("reception_open", &serde_json::json!({ "code": code })).await
}

pub async fn reception_assign(visit: &Visit, staff: Address) -> Result<QueuedVisit, UiError> {
    let args = serde_json::json!({ "visit": visit, "staff": staff });
    command("reception_assign", &args).await
}

pub async fn staff_unlock(
    password: &str,
    organization_password: &str,
) -> Result<StaffMember, UiError> {
    let args = serde_json::json!({
        "password": password,
        "organizationPassword": organization_password,
    });
    command("staff_unlock", &args).await
}

pub async fn doctor_write(visit_id: Hash32, orders: &Orders) -> Result<Vec<StoredRecord>, UiError> {
    let args = serde_json::json!({ "visitId": visit_id, "orders": orders });
    command("doctor_write", &args).await
}

pub async fn lab_fetch(code: &str) -> Result<LabOrder, UiError> {
    command("lab_fetch", &serde_json::json!({ "code": code })).await
}

/// Each file staged in the app, then the report on `test_list` written with them.
pub async fn lab_report(
    test_list: Hash32,
    conclusion: &str,
    files: &[web_sys::File],
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Vec<StoredRecord>, UiError> {
    let on_progress = std::rc::Rc::new(on_progress);
    let mut staged = Vec::with_capacity(files.len());
    for file in files {
        let progress = on_progress.clone();
        staged.push(LabUpload {
            upload: stage(file, move |p| progress(p)).await?,
            content_type: if file.type_().is_empty() {
                "application/octet-stream".to_owned()
            } else {
                file.type_()
            },
        });
    }
    let args = serde_json::json!({
        "testList": test_list,
        "conclusion": conclusion,
        "files": staged,
    });
    command_with_progress(
        "lab_report",
        &args,
        move |step: Transfer| on_progress(RecordProgress::Transfer(step)),
        |e| e,
    )
    .await
}

pub async fn billing_visits() -> Result<Vec<caretrail_types::Visit>, UiError> {
    command("billing_visits", &serde_json::json!({})).await
}

pub async fn billing_send(
    visit_id: Hash32,
    bill: &Bill,
    insurer: Option<Address>,
) -> Result<ClaimNotice, UiError> {
    let args = serde_json::json!({
        "visitId": visit_id,
        "lines": bill.lines,
        "records": bill.records,
        "insurer": insurer,
    });
    command("billing_send", &args).await
}

pub async fn visit_test_code(record: Hash32, lab: Address) -> Result<TestCode, UiError> {
    let args = serde_json::json!({ "record": record, "lab": lab });
    command("visit_test_code", &args).await
}

pub async fn records_bills() -> Result<Vec<BillView>, UiError> {
    command("records_bills", &()).await
}

pub async fn staff_queue(on_visit: impl Fn(QueuedVisit) + 'static) -> Result<(), UiError> {
    command_with_channel("staff_queue", &serde_json::json!({}), "onVisit", on_visit).await
}

pub async fn policy_show(tx_id: &str) -> Result<PolicyView, UiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        tx_id: &'a str,
    }
    command("policy_show", &Args { tx_id }).await
}

pub async fn register(
    input: RegistrationInput,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<RegistrationOutcome, RegistrationError> {
    #[derive(Serialize)]
    struct Args {
        input: RegistrationInput,
    }
    let plain = |error: UiError| RegistrationError {
        error,
        phrase: None,
    };
    command_with_progress("patient_register", &Args { input }, on_progress, plain).await
}

pub async fn login(input: LoginInput) -> Result<SignedIn, UiError> {
    #[derive(Serialize)]
    struct Args {
        input: LoginInput,
    }
    command("patient_login", &Args { input }).await
}

pub async fn logout() -> Result<(), UiError> {
    command("patient_logout", &()).await
}

pub async fn held_registration() -> Result<Option<HeldRegistration>, UiError> {
    let profile: Option<Profile> = command("patient_profile", &()).await?;
    Ok(profile.map(|profile| HeldRegistration {
        id: Some(profile.nid.to_string()),
        record: profile.record,
    }))
}

pub async fn camera_capture() -> Result<CapturedPhoto, UiError> {
    command("camera_capture", &()).await
}

pub async fn records_list() -> Result<Vec<Listed>, UiError> {
    command("records_list", &()).await
}

/// Sends `file` to the app in slices, then has it stored as her `Document`.
pub async fn records_put(
    file: &web_sys::File,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<AnchoredRecord, UiError> {
    let on_progress = std::rc::Rc::new(on_progress);
    let progress = on_progress.clone();
    let upload = stage(file, move |p| progress(p)).await?;
    #[derive(Serialize)]
    struct Args<'a> {
        upload: u64,
        kind: &'a str,
    }
    command_with_progress(
        "records_put",
        &Args {
            upload,
            kind: DOCUMENT_KIND,
        },
        move |step: Transfer| on_progress(RecordProgress::Transfer(step)),
        |e| e,
    )
    .await
}

/// Sends `file` to the app in slices (a staged upload the app names by number).
async fn stage(file: &web_sys::File, on_progress: impl Fn(RecordProgress)) -> Result<u64, UiError> {
    let upload: u64 = command("records_upload_begin", &()).await?;
    let headers = js_sys::Object::new();
    js_sys::Reflect::set(
        &headers,
        &JsValue::from_str(UPLOAD_HEADER),
        &JsValue::from_str(&upload.to_string()),
    )
    .map_err(|_| internal("headers"))?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("headers"), &headers)
        .map_err(|_| internal("headers"))?;
    let total = file.size();
    let mut start = 0.0;
    while start < total {
        let end = (start + SLICE_BYTES).min(total);
        let slice = file
            .slice_with_f64_and_f64(start, end)
            .map_err(|_| internal("the file cannot be sliced"))?;
        let buffer = JsFuture::from(slice.array_buffer())
            .await
            .map_err(|_| internal("the file cannot be read"))?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        if let Err(error) =
            invoke("records_upload_slice", bytes.into(), options.clone().into()).await
        {
            return Err(refusal(&error, |e| e));
        }
        start = end;
        on_progress(RecordProgress::IntoApp {
            done: end as u64,
            total: total as u64,
        });
    }
    Ok(upload)
}

pub async fn records_open(
    id: Hash32,
    author: Option<Address>,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Saved, UiError> {
    #[derive(Serialize)]
    struct Args {
        id: Hash32,
        author: Option<Address>,
    }
    command_with_progress(
        "records_open",
        &Args { id, author },
        move |step: Transfer| on_progress(RecordProgress::Transfer(step)),
        |e| e,
    )
    .await
}

pub async fn records_grant(
    reader: Address,
    share: Share,
    expires_at: u64,
) -> Result<Relayed, UiError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        reader: Address,
        share: Share,
        expires_at: u64,
    }
    command(
        "records_grant",
        &Args {
            reader,
            share,
            expires_at,
        },
    )
    .await
}

pub async fn records_revoke(reader: Address, share: Share) -> Result<Relayed, UiError> {
    #[derive(Serialize)]
    struct Args {
        reader: Address,
        share: Share,
    }
    command("records_revoke", &Args { reader, share }).await
}

pub async fn records_audit() -> Result<Vec<CheckedRead>, UiError> {
    command("records_audit", &()).await
}

pub async fn recovery_notice() -> Result<Option<caretrail_types::RecoveryNotice>, UiError> {
    command("patient_recovery_status", &()).await
}

pub async fn recovery_cancel() -> Result<Relayed, UiError> {
    command("patient_recovery_cancel", &()).await
}

pub async fn recovery_finish() -> Result<Relayed, UiError> {
    command("patient_recovery_finish", &()).await
}

/// Scans with the app's camera until a code is read (`Some`), `scan_stop` (`None`), or the camera
/// fails; previews (JPEG bytes) and refusals arrive as they come.
pub async fn scan_start(
    on_preview: impl Fn(js_sys::Uint8Array) + 'static,
    on_refusal: impl Fn(UiError) + 'static,
) -> Result<Option<ScannedCode>, UiError> {
    let previews = RawChannel::new(on_preview);
    let refusals = Channel::new(on_refusal);
    let args = js_sys::Object::new();
    for (name, channel) in [
        ("onPreview", previews.argument()),
        ("onRefusal", refusals.argument()),
    ] {
        js_sys::Reflect::set(
            &args,
            &JsValue::from_str(name),
            &JsValue::from_str(&channel),
        )
        .map_err(|_| internal("arguments"))?;
    }
    let outcome = invoke("scan_start", args.into(), JsValue::UNDEFINED).await;
    drop((previews, refusals));
    match outcome {
        Ok(value) => from_js(&value),
        Err(error) => Err(refusal(&error, |e| e)),
    }
}

pub async fn scan_stop() -> Result<(), UiError> {
    command("scan_stop", &serde_json::json!({})).await
}

/// A picture file's code: its bytes go to the app as a raw IPC body.
pub async fn scan_image(file: &web_sys::File) -> Result<ScannedCode, UiError> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| internal("the file cannot be read"))?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    match invoke("scan_image", bytes.into(), JsValue::UNDEFINED).await {
        Ok(value) => from_js(&value),
        Err(error) => Err(refusal(&error, |e| e)),
    }
}

fn web_page_only() -> UiError {
    UiError::new(
        caretrail_types::ErrorCode::InvalidInput,
        "the desktop app keeps its key in the OS keyring; this is the web page's",
    )
}

pub async fn key_backup(_password: &str) -> Result<super::Download, UiError> {
    Err(web_page_only())
}

pub async fn key_restore(
    _input: crate::web_wallet::RestoreInput,
) -> Result<crate::web_wallet::Restored, UiError> {
    Err(web_page_only())
}

/// The app offers no download links (an opened record is saved to a file).
pub fn forget_download(_file: &super::Download) {}

/// An opened record's file stays where the app saved it.
pub fn records_forget(_saved: &Saved) {}

#[cfg(test)]
mod tests {
    use super::InOrder;
    use serde_json::json;

    #[test]
    fn channel_messages_are_handed_on_in_order() {
        let mut order = InOrder::default();
        assert_eq!(
            order.arrived(1, json!("b")),
            Vec::<serde_json::Value>::new()
        );
        assert_eq!(order.arrived(0, json!("a")), vec![json!("a"), json!("b")]);
        assert_eq!(order.arrived(2, json!("c")), vec![json!("c")]);
        assert_eq!(
            order.arrived(1, json!("b again")),
            Vec::<serde_json::Value>::new()
        );
    }
}
