//! The web page's scanner: the camera through `getUserMedia`, shown live in a `<video>`; a frame
//! drawn on a canvas (at most 640 px wide) and posted to the scanner worker (`src/bin/scanner.rs`,
//! the decoder's own wasm) whenever it is idle, so the frames it had no time for are never
//! taken (no queue); a picture file goes the same way. A worker that dies (a panic traps its
//! wasm) or hangs is terminated and started again.

use crate::clock;
use crate::worker::{self, answer_of, failed, message_text};
use caretrail_types::{ErrorCode, ScannedCode, UiError};
use std::cell::Cell;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The worker's script: trunk's loader shim for the `scanner` bin.
const WORKER_SCRIPT: &str = "./scanner_loader.js";
/// The widest frame posted to the worker.
const FRAME_MAX_WIDTH: u32 = 640;

thread_local! {
    static STOP: Cell<bool> = const { Cell::new(false) };
}

/// The scanner worker, started again when it dies.
struct Scanner {
    worker: web_sys::Worker,
}

impl Scanner {
    /// A worker whose decoder is loaded.
    async fn start() -> Result<Self, UiError> {
        Ok(Self {
            worker: worker::start(WORKER_SCRIPT, "the scanner").await?,
        })
    }

    async fn restart(&mut self) -> Result<(), UiError> {
        self.worker.terminate();
        *self = Self::start().await?;
        Ok(())
    }

    /// The verdict on an RGBA frame; a worker that fails on it is restarted, and the frame
    /// refused as unreadable.
    async fn read(&mut self, image: &web_sys::ImageData) -> Result<ScannedCode, UiError> {
        let message = js_sys::Object::new();
        let set = |name: &str, value: &JsValue| {
            js_sys::Reflect::set(&message, &JsValue::from_str(name), value)
                .map_err(|e| failed("the frame", e))
        };
        set("width", &JsValue::from(image.width()))?;
        set("height", &JsValue::from(image.height()))?;
        set("now", &JsValue::from(clock::now() as f64))?;
        let pixels = js_sys::Uint8ClampedArray::new(&image.data().into());
        set("pixels", &pixels)?;
        // Polled first at `.await`, before the event loop can deliver the worker's answer.
        let answer = answer_of(&self.worker);
        self.worker
            .post_message_with_transfer(&message, &js_sys::Array::of1(&pixels.buffer()))
            .map_err(|e| failed("the frame cannot reach the scanner", e))?;
        match answer.await {
            Ok(event) => {
                let text = message_text(event);
                let answer = serde_json::from_str::<Result<ScannedCode, UiError>>(&text)
                    .unwrap_or_else(|e| Err(failed("the scanner's answer", e.to_string().into())));
                // A panic's report: its wasm is trapped now.
                if matches!(&answer, Err(e) if e.code == ErrorCode::Internal) {
                    self.restart().await?;
                }
                answer
            }
            Err(_) => {
                self.restart().await?;
                Err(UiError::new(
                    ErrorCode::UnreadableCode,
                    "the scanner failed on this picture and was restarted: hold the code still",
                ))
            }
        }
    }
}

/// The page's canvas `scan-frame`, with its 2D context.
fn canvas() -> Result<
    (
        web_sys::HtmlCanvasElement,
        web_sys::CanvasRenderingContext2d,
    ),
    UiError,
> {
    let missing = || UiError::new(ErrorCode::Internal, "the scan view has no canvas");
    let canvas: web_sys::HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("scan-frame"))
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(missing)?;
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(missing)?;
    Ok((canvas, context))
}

/// A picture's pixels at most [`FRAME_MAX_WIDTH`] wide.
fn pixels_of(
    draw: impl Fn(&web_sys::CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
    width: u32,
    height: u32,
) -> Result<web_sys::ImageData, UiError> {
    let (canvas, context) = canvas()?;
    let scale = (f64::from(FRAME_MAX_WIDTH) / f64::from(width.max(1))).min(1.0);
    let (w, h) = (
        (f64::from(width) * scale).round().max(1.0),
        (f64::from(height) * scale).round().max(1.0),
    );
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    draw(&context, w, h).map_err(|e| failed("the picture cannot be drawn", e))?;
    context
        .get_image_data(0.0, 0.0, w, h)
        .map_err(|e| failed("the picture cannot be read", e))
}

fn video() -> Result<web_sys::HtmlVideoElement, UiError> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("scan-video"))
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| UiError::new(ErrorCode::Internal, "the scan view has no video"))
}

async fn camera() -> Result<web_sys::MediaStream, UiError> {
    let no_camera = |e: JsValue| {
        let name = js_sys::Reflect::get(&e, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        UiError::new(
            ErrorCode::NoCamera,
            format!("the browser gives no camera ({name}); choose a picture file instead"),
        )
    };
    let devices = web_sys::window()
        .ok_or_else(|| no_camera(JsValue::NULL))?
        .navigator()
        .media_devices()
        .map_err(no_camera)?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    let stream = JsFuture::from(
        devices
            .get_user_media_with_constraints(&constraints)
            .map_err(no_camera)?,
    )
    .await
    .map_err(no_camera)?;
    stream.dyn_into().map_err(no_camera)
}

fn stop_tracks(stream: &web_sys::MediaStream) {
    for track in stream.get_tracks() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

fn camera_lost(stream: &web_sys::MediaStream) -> bool {
    let tracks = stream.get_video_tracks();
    tracks.length() == 0
        || tracks.iter().all(|t| {
            t.dyn_into::<web_sys::MediaStreamTrack>()
                .is_ok_and(|t| t.ready_state() == web_sys::MediaStreamTrackState::Ended)
        })
}

/// Scans with the camera until a code is read (`Some`), [`scan_stop`] (`None`), or the camera
/// fails; `on_refusal` hears each change of refusal.
pub async fn scan_start(on_refusal: impl Fn(UiError)) -> Result<Option<ScannedCode>, UiError> {
    STOP.set(false);
    let stream = camera().await?;
    let video = video()?;
    video.set_muted(true);
    video.set_src_object(Some(&stream));
    if let Ok(playing) = video.play() {
        let _ = JsFuture::from(playing).await;
    }
    let outcome = scan_stream(&stream, &video, on_refusal).await;
    stop_tracks(&stream);
    video.set_src_object(None);
    outcome
}

async fn scan_stream(
    stream: &web_sys::MediaStream,
    video: &web_sys::HtmlVideoElement,
    on_refusal: impl Fn(UiError),
) -> Result<Option<ScannedCode>, UiError> {
    let mut scanner = Scanner::start().await?;
    let mut last: Option<ErrorCode> = None;
    loop {
        if STOP.get() {
            return Ok(None);
        }
        if camera_lost(stream) {
            return Err(UiError::new(
                ErrorCode::CameraLost,
                "the camera stopped giving pictures: was it unplugged or taken by another program?",
            ));
        }
        if video.video_width() == 0 {
            crate::clock::pause(50).await;
            continue;
        }
        let image = pixels_of(
            |context, w, h| {
                context.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h)
            },
            video.video_width(),
            video.video_height(),
        )?;
        match scanner.read(&image).await {
            Ok(code) => return Ok(Some(code)),
            Err(refusal) if last != Some(refusal.code) => {
                last = Some(refusal.code);
                on_refusal(refusal);
            }
            Err(_) => {}
        }
    }
}

/// `text`'s code drawn by a scanner worker (`QrView`, in both shells).
pub async fn draw_code(text: &str) -> Result<crate::qr_draw::DrawnCode, UiError> {
    let message = js_sys::Object::new();
    js_sys::Reflect::set(
        &message,
        &JsValue::from_str("draw"),
        &JsValue::from_str(text),
    )
    .map_err(|e| failed("the code", e))?;
    let drawn = worker::ask_once(WORKER_SCRIPT, "the scanner", &message).await?;
    serde_json::from_str::<Result<crate::qr_draw::DrawnCode, UiError>>(&drawn)
        .unwrap_or_else(|e| Err(failed("the scanner's drawing", e.to_string().into())))
}

/// Stops the page's scan.
pub fn scan_stop() {
    STOP.set(true);
}

/// A picture file's code, read by the scanner worker.
pub async fn scan_image(file: &web_sys::File) -> Result<ScannedCode, UiError> {
    let window = web_sys::window().ok_or_else(|| UiError::new(ErrorCode::Internal, "no window"))?;
    let promise = window
        .create_image_bitmap_with_blob(file)
        .map_err(|e| failed("the picture", e))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| {
            UiError::new(
                ErrorCode::BadPicture,
                "the picture cannot be read: the file is not an image the browser can open",
            )
        })?
        .unchecked_into();
    let image = pixels_of(
        |context, w, h| context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h),
        bitmap.width(),
        bitmap.height(),
    );
    bitmap.close();
    let mut scanner = Scanner::start().await?;
    let read = scanner.read(&image?).await;
    scanner.worker.terminate();
    read
}
