//! The web page's side of [`crate::ipc`]: the relay's HTTP API, on the page's own origin. The
//! steps the desktop client runs natively run here in wasm (`web_wallet.rs`, `web_records.rs`);
//! this module is their transport: JSON calls, signed requests (`caretrail-request`), and large
//! transfers, which go through `XMLHttpRequest` with a `Blob` as body or answer, so they move
//! with progress events and never sit in wasm memory.

use super::{Download, HeldRegistration, RecordProgress, internal};
use crate::web_wallet::{RestoreInput, Restored};
use crate::{web_records, web_visit, web_wallet};
use caretrail_crypto::policy::review;
use caretrail_protocol::records::{CheckedRead, Listed, Saved, Share};
use caretrail_protocol::request::retry_wait;
use caretrail_types::{
    Address, AnchoredRecord, CapturedPhoto, ErrorCode, Hash32, LoginInput, PolicyPublication,
    PolicyView, Progress, REQUEST_HEADER, RegistrationError, RegistrationInput,
    RegistrationOutcome, Relayed, SignedIn, SignedRelayRequest, TxId, UiError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

fn unreachable(e: impl std::fmt::Display) -> UiError {
    UiError::new(
        ErrorCode::RelayUnreachable,
        format!("the relay cannot be reached ({e}); is it running?"),
    )
}

/// The relay's refusal, from its JSON, or a plain one with the status.
fn refusal(status: u16, body: &str) -> UiError {
    serde_json::from_str::<UiError>(body).unwrap_or_else(|_| {
        UiError::new(
            ErrorCode::RelayError,
            format!("the relay answered {status}"),
        )
    })
}

/// Sends the request `build` makes; one the relay refuses as one too many from this address
/// goes again after the wait it names, as [`retry_wait`] decides (the desktop client does the
/// same).
async fn send(
    build: &dyn Fn() -> Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<gloo_net::http::Response, UiError> {
    let mut retries = 0;
    loop {
        let response = build()
            .map_err(internal)?
            .send()
            .await
            .map_err(unreachable)?;
        let header = response.headers().get("retry-after");
        match retry_wait(response.status(), header.as_deref(), retries) {
            Some(seconds) => {
                retries += 1;
                // At most RATE_LIMIT_MAX_WAIT_SECS: a few thousand milliseconds.
                crate::clock::pause(i32::try_from(seconds * 1000).unwrap_or(i32::MAX)).await;
            }
            None => return Ok(response),
        }
    }
}

/// The relay's answer's text, or its refusal, in the shapes the app gives (one copy of the
/// exchange for every answer's type: the page's wasm stays small).
async fn answer_text(
    build: &dyn Fn() -> Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<String, UiError> {
    let response = send(build).await?;
    let (ok, status) = (response.ok(), response.status());
    let text = response.text().await;
    match (ok, text) {
        (true, text) => text.map_err(internal),
        (false, text) => Err(refusal(status, &text.unwrap_or_default())),
    }
}

/// The relay's answer as `T`, or its refusal.
async fn relay_answer<T: DeserializeOwned>(
    build: &dyn Fn() -> Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<T, UiError> {
    serde_json::from_str(&answer_text(build).await?).map_err(internal)
}

pub(crate) async fn relay_get<T: DeserializeOwned>(path: &str) -> Result<T, UiError> {
    relay_answer(&|| gloo_net::http::Request::get(path).build()).await
}

/// Posts JSON to the relay; answers or refusals in the same shapes as the app's.
pub(crate) async fn relay_post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, UiError> {
    relay_answer(&|| gloo_net::http::Request::post(path).json(body)).await
}

/// A signed GET of JSON.
pub(crate) async fn signed_get<T: DeserializeOwned>(
    path: &str,
    signed: &SignedRelayRequest,
) -> Result<T, UiError> {
    let header = signed.to_header();
    relay_answer(&|| {
        gloo_net::http::Request::get(path)
            .header(REQUEST_HEADER, &header)
            .build()
    })
    .await
}

/// A signed GET of a few bytes (an envelope's header).
pub(crate) async fn signed_get_bytes(
    path: &str,
    signed: &SignedRelayRequest,
) -> Result<Vec<u8>, UiError> {
    let header = signed.to_header();
    let response = send(&|| {
        gloo_net::http::Request::get(path)
            .header(REQUEST_HEADER, &header)
            .build()
    })
    .await?;
    if response.ok() {
        return response.binary().await.map_err(internal);
    }
    let status = response.status();
    Err(refusal(status, &response.text().await.unwrap_or_default()))
}

/// A signed PUT of a few bytes (an envelope's new header), answered in JSON.
pub(crate) async fn signed_put_bytes<T: DeserializeOwned>(
    path: &str,
    signed: &SignedRelayRequest,
    bytes: &[u8],
) -> Result<T, UiError> {
    let header = signed.to_header();
    relay_answer(&|| {
        gloo_net::http::Request::put(path)
            .header(REQUEST_HEADER, &header)
            .header("content-type", "application/octet-stream")
            .body(js_sys::Uint8Array::from(bytes))
    })
    .await
}

/// A large transfer through `XMLHttpRequest`: `body` sent with upload progress, the answer
/// received as a `Blob` with download progress. A refusal comes back as the relay's `{code,
/// message}`.
pub(crate) async fn transfer(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&web_sys::Blob>,
    on_progress: impl Fn(u64, u64) + 'static,
) -> Result<web_sys::Blob, UiError> {
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| internal("XMLHttpRequest"))?;
    xhr.open_with_async(method, path, true)
        .map_err(|_| internal("XMLHttpRequest.open"))?;
    for (name, value) in headers {
        xhr.set_request_header(name, value)
            .map_err(|_| internal("a request header"))?;
    }
    xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Blob);
    let on_progress = std::rc::Rc::new(on_progress);
    let progress = {
        let on_progress = on_progress.clone();
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            on_progress(e.loaded() as u64, e.total() as u64);
        })
    };
    match body {
        Some(_) => xhr
            .upload()
            .map_err(|_| internal("XMLHttpRequest.upload"))?
            .set_onprogress(Some(progress.as_ref().unchecked_ref())),
        None => xhr.set_onprogress(Some(progress.as_ref().unchecked_ref())),
    }
    // Resolves when the request ends, however it ends; the status tells which.
    let ended = js_sys::Promise::new(&mut |resolve, _| {
        xhr.set_onloadend(Some(&resolve));
    });
    match body {
        Some(blob) => xhr.send_with_opt_blob(Some(blob)),
        None => xhr.send(),
    }
    .map_err(|_| unreachable("the request could not be sent"))?;
    JsFuture::from(ended)
        .await
        .map_err(|_| internal("XMLHttpRequest"))?;
    drop(progress);
    let status = xhr
        .status()
        .map_err(|_| internal("XMLHttpRequest.status"))?;
    if status == 0 {
        return Err(unreachable("the connection failed"));
    }
    let answer: web_sys::Blob = xhr
        .response()
        .map_err(|_| internal("XMLHttpRequest.response"))?
        .dyn_into()
        .map_err(|_| internal("the answer is not a Blob"))?;
    if (200..300).contains(&status) {
        return Ok(answer);
    }
    Err(refusal(status, &blob_text(&answer).await))
}

/// A (small) Blob's text.
pub(crate) async fn blob_text(blob: &web_sys::Blob) -> String {
    JsFuture::from(blob.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default()
}

pub async fn policy_show(tx_id: &str) -> Result<PolicyView, UiError> {
    let tx = TxId::from_input(tx_id)
        .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let publication: PolicyPublication = relay_get(&format!("/v1/policies/tx/{tx}")).await?;
    Ok(review(publication))
}

pub async fn register(
    input: RegistrationInput,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<RegistrationOutcome, RegistrationError> {
    web_wallet::register(input, on_progress).await
}

pub async fn login(input: LoginInput) -> Result<SignedIn, UiError> {
    web_wallet::login(input)
        .await
        .map(|session| SignedIn::from(&session))
}

pub async fn logout() -> Result<(), UiError> {
    web_wallet::logout();
    Ok(())
}

pub async fn held_registration() -> Result<Option<HeldRegistration>, UiError> {
    Ok(web_wallet::held_record()?.map(|record| HeldRegistration { id: None, record }))
}

pub async fn key_backup(password: &str) -> Result<Download, UiError> {
    let (name, json) = web_wallet::backup(password)?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| internal("the browser cannot make a Blob"))?;
    let location = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| internal("the browser cannot offer the file"))?;
    Ok(Download { name, location })
}

pub async fn key_restore(input: RestoreInput) -> Result<Restored, UiError> {
    web_wallet::restore(input).await
}

pub async fn camera_capture() -> Result<CapturedPhoto, UiError> {
    Err(UiError::new(
        ErrorCode::NoCamera,
        "the web page takes the photo from an image file",
    ))
}

pub async fn records_list() -> Result<Vec<Listed>, UiError> {
    web_records::list(&web_wallet::session_key()?).await
}

pub async fn records_put(
    file: &web_sys::File,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<AnchoredRecord, UiError> {
    web_records::put(&web_wallet::session_key()?, file, on_progress).await
}

pub async fn records_open(
    id: Hash32,
    author: Option<Address>,
    on_progress: impl Fn(RecordProgress) + 'static,
) -> Result<Saved, UiError> {
    web_records::open(&web_wallet::session_key()?, id, author, on_progress).await
}

pub fn records_forget(saved: &Saved) {
    // A link that is already gone needs no revoking.
    let _ = web_sys::Url::revoke_object_url(&saved.location);
}

pub async fn records_grant(
    reader: Address,
    share: Share,
    expires_at: u64,
) -> Result<Relayed, UiError> {
    web_records::grant(&web_wallet::session_key()?, reader, &share, expires_at).await
}

pub async fn records_revoke(reader: Address, share: Share) -> Result<Relayed, UiError> {
    web_records::revoke(&web_wallet::session_key()?, reader, &share).await
}

pub async fn records_audit() -> Result<Vec<CheckedRead>, UiError> {
    web_records::audit(&web_wallet::session_key()?).await
}

pub async fn visit_organizations() -> Result<Vec<caretrail_types::Admission>, UiError> {
    web_visit::organizations().await
}

pub async fn visit_checkin_code(
    organization: Address,
) -> Result<crate::device::CheckinCode, UiError> {
    web_visit::code(organization).await
}

pub async fn visit_test_code(
    record: Hash32,
    lab: Address,
) -> Result<caretrail_types::TestCode, UiError> {
    web_visit::test_code(record, lab).await
}

pub async fn records_bills() -> Result<Vec<caretrail_protocol::visit::bill::BillView>, UiError> {
    web_visit::bills().await
}

pub async fn recovery_notice() -> Result<Option<caretrail_types::RecoveryNotice>, UiError> {
    web_wallet::recovery_notice().await
}

pub async fn recovery_cancel() -> Result<Relayed, UiError> {
    web_wallet::recovery_cancel().await
}

pub async fn recovery_finish() -> Result<Relayed, UiError> {
    web_wallet::recovery_finish().await
}

/// Lets go of a download's link (one already gone needs no revoking).
pub fn forget_download(file: &super::Download) {
    let _ = web_sys::Url::revoke_object_url(&file.location);
}
