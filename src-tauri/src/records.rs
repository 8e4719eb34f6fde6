//! The patient's records commands: one line each over `caretrail_client`'s records use cases,
//! with her key from the session in `AppState` (it never crosses the IPC). A file to store comes
//! in raw slices (`records_upload_begin`, `records_upload_slice`, see `staging.rs`); progress
//! goes back over a Tauri `Channel`.

use crate::AppState;
use crate::staging::UPLOAD_HEADER;
use caretrail_client::{CheckedRead, Listed, Saved, Share, Transfer, TransferProgress};
use caretrail_types::{Address, AnchoredRecord, ErrorCode, Hash32, Relayed, UiError};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use tauri::State;
use tauri::ipc::{Channel, InvokeBody, Request};

#[tauri::command]
pub async fn records_list(state: State<'_, AppState>) -> Result<Vec<Listed>, UiError> {
    Ok(state.client()?.list_records(&state.key()?).await?)
}

#[tauri::command]
pub async fn records_upload_begin(state: State<'_, AppState>) -> Result<u64, UiError> {
    state.staging().begin()
}

/// One slice of the file: a raw body (a `Uint8Array` on the JS side), its upload named in the
/// `caretrail-upload` header. Answers the bytes staged so far.
#[tauri::command]
pub async fn records_upload_slice(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<u64, UiError> {
    let (upload, bytes) = raw_slice(&request)?;
    state.staging().append(upload, &bytes)
}

#[tauri::command]
pub async fn records_put(
    state: State<'_, AppState>,
    upload: u64,
    kind: String,
    on_progress: Channel<Transfer>,
) -> Result<AnchoredRecord, UiError> {
    // The staged file goes (when `staged` drops) whatever happens next.
    let (staged, key) = (state.staging().finish(upload)?, state.key()?);
    Ok(state
        .client()?
        .put_record(
            &key,
            staged.path(),
            &kind,
            &state.scratch_dir(),
            to_screen(on_progress),
        )
        .await?)
}

/// Opens her record `id` (checked against its anchor by `author`, when given), decrypted into a
/// file in the app's data directory; answers where.
#[tauri::command]
pub async fn records_open(
    state: State<'_, AppState>,
    id: Hash32,
    author: Option<Address>,
    on_progress: Channel<Transfer>,
) -> Result<Saved, UiError> {
    let (key, output) = (state.key()?, state.opened_path(&id)?);
    let opened = state
        .client()?
        .get_record(
            &key,
            key.address(),
            id,
            author,
            &output,
            to_screen(on_progress),
        )
        .await?;
    Ok(Saved {
        opened,
        location: output.display().to_string(),
    })
}

#[tauri::command]
pub async fn records_grant(
    state: State<'_, AppState>,
    reader: Address,
    share: Share,
    expires_at: u64,
) -> Result<Relayed, UiError> {
    Ok(state
        .client()?
        .grant_records(&state.key()?, reader, &share, expires_at)
        .await?)
}

#[tauri::command]
pub async fn records_revoke(
    state: State<'_, AppState>,
    reader: Address,
    share: Share,
) -> Result<Relayed, UiError> {
    Ok(state
        .client()?
        .revoke_records(&state.key()?, reader, &share)
        .await?)
}

#[tauri::command]
pub async fn records_audit(state: State<'_, AppState>) -> Result<Vec<CheckedRead>, UiError> {
    let key = state.key()?;
    Ok(state.client()?.audit(&key, key.address()).await?)
}

/// The upload a raw slice belongs to, and its bytes.
fn raw_slice<'a>(request: &'a Request<'_>) -> Result<(u64, Cow<'a, [u8]>), UiError> {
    let not_bytes = || {
        UiError::new(
            ErrorCode::InvalidInput,
            "a slice of a file travels as bytes",
        )
    };
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => Cow::Borrowed(bytes.as_slice()),
        // Where the webview cannot use Tauri's custom-protocol IPC, its postMessage fallback
        // sends the bytes as a JSON array of numbers.
        InvokeBody::Json(value) => Cow::Owned(
            value
                .as_array()
                .ok_or_else(not_bytes)?
                .iter()
                .map(|n| n.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(not_bytes)?,
        ),
    };
    let upload = request
        .headers()
        .get(UPLOAD_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            UiError::new(
                ErrorCode::InvalidInput,
                format!("a slice names its upload in the {UPLOAD_HEADER} header"),
            )
        })?;
    Ok((upload, bytes))
}

/// Where a transfer's progress goes: the screen's channel, once per percent of each step (a
/// 200 MiB file moves in thousands of chunks).
pub(crate) fn to_screen(channel: Channel<Transfer>) -> TransferProgress {
    let last = Mutex::new(None::<(u8, u64)>);
    Arc::new(move |step: Transfer| {
        let percent = |done: u64, total: u64| done * 100 / total.max(1);
        let at = match step {
            Transfer::Encrypting { done, total } => (0, percent(done, total)),
            Transfer::Uploading { done, total } => (1, percent(done, total)),
            Transfer::Downloading { done, total } => (2, percent(done, total)),
            Transfer::Decrypting => (3, 0),
            Transfer::Anchoring => (4, 0),
        };
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if *last != Some(at) {
            *last = Some(at);
            let _ = channel.send(step);
        }
    })
}
