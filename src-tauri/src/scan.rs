//! Scanning a code: a session over the camera (`caretrail_vision::camera::session`: frames at the
//! camera's pace on one blocking thread, the latest decoded on another, the rest dropped), its
//! previews sent to the view as raw JPEG bytes over a `Channel` (`InvokeResponseBody::Raw`), its
//! refusals as they change; or, where there is no camera, a picture file's code (`scan_image`,
//! its bytes a raw IPC body). Each verdict is `protocol::qr::scan`'s, through
//! `caretrail_vision::verdict`.

use crate::AppState;
use caretrail_types::{ErrorCode, ScannedCode, UiError};
use caretrail_vision::camera::session::{self, End, Event};
use caretrail_vision::camera::{Camera, CameraFrame, FrameSource, Pace};
use caretrail_vision::verdict::{read_frame, read_image_file};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tauri::State;
use tauri::ipc::{Channel, InvokeBody, InvokeResponseBody, Request};

/// At most this much of a picture file is read (a phone's photo is a few megabytes).
pub const MAX_PICTURE_BYTES: usize = 32 * 1024 * 1024;

#[tauri::command]
pub async fn scan_start(
    state: State<'_, AppState>,
    on_preview: Channel<InvokeResponseBody>,
    on_refusal: Channel<UiError>,
) -> Result<Option<ScannedCode>, UiError> {
    state.scanning().run(on_preview, on_refusal).await
}

#[tauri::command]
pub fn scan_stop(state: State<'_, AppState>) {
    state.scanning().stop()
}

#[tauri::command]
pub async fn scan_image(request: Request<'_>) -> Result<ScannedCode, UiError> {
    read_picture(request.body(), unix_now())
}

/// The scan under way, if any: its stop flag.
#[derive(Debug, Default)]
pub struct Scanning {
    current: Mutex<Option<Arc<AtomicBool>>>,
}

impl Scanning {
    /// Runs a session until a code is read (`Some`), it is stopped (`None`), or the camera fails.
    /// A new session stops the one before.
    pub async fn run(
        &self,
        on_preview: Channel<InvokeResponseBody>,
        on_refusal: Channel<UiError>,
    ) -> Result<Option<ScannedCode>, UiError> {
        let stop = Arc::new(AtomicBool::new(false));
        if let Some(before) = self.slot().replace(stop.clone()) {
            before.store(true, Ordering::SeqCst);
        }
        let flag = stop.clone();
        let end = tauri::async_runtime::spawn_blocking(move || {
            let events = |event: Event| match event {
                Event::Preview(preview) => {
                    let _ = on_preview.send(InvokeResponseBody::Raw(preview.jpeg));
                }
                Event::Refused(refusal) => {
                    let _ = on_refusal.send(refusal);
                }
            };
            run_camera_session(|| Camera::open_first(Pace::Scan), &events, &flag)
        })
        .await
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?;
        let mut slot = self.slot();
        if slot
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, &stop))
        {
            slot.take();
        }
        outcome(end)
    }

    /// Stops the session under way, if any.
    pub fn stop(&self) {
        if let Some(current) = self.slot().take() {
            current.store(true, Ordering::SeqCst);
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<AtomicBool>>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session over the source `open` gives (blocking).
fn run_camera_session<S: FrameSource>(
    open: impl FnOnce() -> Result<S, caretrail_vision::camera::CameraError>,
    events: &(dyn Fn(Event) + Sync),
    stop: &AtomicBool,
) -> End {
    let mut source = match open() {
        Ok(source) => source,
        Err(e) => return End::Failed(session::camera_refusal(&e, false)),
    };
    session::run(&mut source, &decode_frame, events, stop).0
}

fn decode_frame(frame: &CameraFrame) -> Result<ScannedCode, UiError> {
    let frame = frame
        .frame()
        .map_err(|e| UiError::new(ErrorCode::BadPicture, e.to_string()))?;
    read_frame(&frame, unix_now())
}

fn outcome(end: End) -> Result<Option<ScannedCode>, UiError> {
    match end {
        End::Read(code) => Ok(Some(code)),
        End::Stopped => Ok(None),
        End::Failed(refusal) => Err(refusal),
    }
}

/// A picture file's code, its bytes a raw IPC body.
fn read_picture(body: &InvokeBody, now: u64) -> Result<ScannedCode, UiError> {
    let InvokeBody::Raw(bytes) = body else {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "a picture travels as bytes",
        ));
    };
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(UiError::new(
            ErrorCode::BadPicture,
            format!(
                "the picture is {} MiB; at most {} MiB are read",
                bytes.len() >> 20,
                MAX_PICTURE_BYTES >> 20
            ),
        ));
    }
    read_image_file(bytes, now)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_vision::camera::CameraError;

    #[test]
    fn a_camera_that_cannot_open_is_no_camera_and_ends_the_session() {
        let end = run_camera_session::<Camera>(
            || Err(CameraError::NoCamera),
            &|_| {},
            &AtomicBool::new(false),
        );
        let e = outcome(end).expect_err("refused");
        assert_eq!(e.code, ErrorCode::NoCamera);
        assert!(e.message.contains("choose an image file"), "{e}");
    }

    #[test]
    fn this_machines_camera_scans_or_is_refused_plainly() {
        // With no camera (as here) the session ends at once with no_camera; with one, a stop
        // set before it starts ends it as stopped.
        let end = run_camera_session(
            || Camera::open_first(Pace::Scan),
            &|_| {},
            &AtomicBool::new(true),
        );
        match outcome(end) {
            Ok(None) => {}
            Ok(Some(code)) => panic!("a code read from nothing: {code:?}"),
            Err(e) => assert_eq!(e.code, ErrorCode::NoCamera, "{e}"),
        }
    }

    #[test]
    fn a_picture_file_is_read_and_refused_as_the_scan_view_reads_it() {
        let png = caretrail_vision::encode::QrImage::new("https://example.com")
            .and_then(|code| code.to_png(4))
            .expect("a PNG");
        let e = read_picture(&InvokeBody::Raw(png), 0).expect_err("not ours");
        assert_eq!(e.code, ErrorCode::NotCaretrail, "{e}");
        let e = read_picture(&InvokeBody::Raw(b"GIF89a broken".to_vec()), 0).expect_err("corrupt");
        assert_eq!(e.code, ErrorCode::BadPicture, "{e}");
        let e = read_picture(&InvokeBody::Json(serde_json::json!([1, 2])), 0).expect_err("json");
        assert_eq!(e.code, ErrorCode::InvalidInput, "{e}");
        let huge = vec![0u8; MAX_PICTURE_BYTES + 1];
        let e = read_picture(&InvokeBody::Raw(huge), 0).expect_err("too large");
        assert_eq!(e.code, ErrorCode::BadPicture, "{e}");
        assert!(e.message.contains("at most 32 MiB"), "{e}");
    }

    #[test]
    fn stopping_sets_the_current_sessions_flag_once() {
        let scanning = Scanning::default();
        let flag = Arc::new(AtomicBool::new(false));
        *scanning.slot() = Some(flag.clone());
        scanning.stop();
        assert!(flag.load(Ordering::SeqCst));
        assert!(scanning.slot().is_none());
        scanning.stop();
    }
}
