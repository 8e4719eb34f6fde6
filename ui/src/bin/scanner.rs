//! The web page's QR scanner, a Web Worker with a wasm of its own (so the decoder never weighs
//! on the page's wasm, and a panic, which traps a wasm instance, takes only this worker down: the
//! page restarts it). Each message is a frame, `{ width, height, now, pixels }` (RGBA bytes,
//! `now` in unix seconds); each answer the JSON of the scan view's verdict,
//! `Result<ScannedCode, UiError>` (`caretrail_vision::verdict`, the app's and the CLI's). Its
//! first message, `"ready"`, says it listens. A message `{ draw }` asks for a code's drawing
//! instead (`QrView`), answered as `Result<DrawnCode, UiError>`.

#[path = "../qr_draw.rs"]
mod qr_draw;

use caretrail_types::{ErrorCode, ScannedCode, UiError};
use caretrail_vision::decode::{DecodeError, Frame, PixelFormat};
use caretrail_vision::encode::{QUIET_ZONE, QrImage};
use caretrail_vision::verdict::{read_luma, verdict};
use qr_draw::DrawnCode;
use std::time::Duration;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

/// The worker's first message: its decoder is loaded and listening.
const READY: &str = "ready";

fn number(data: &JsValue, name: &str) -> f64 {
    js_sys::Reflect::get(data, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// The SVG path of a code's dark modules, one unit a module, offset by the quiet zone.
fn modules_path(code: &QrImage) -> String {
    let mut path = String::new();
    for y in 0..code.modules() {
        for x in 0..code.modules() {
            if code.is_dark(x, y) {
                path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
            }
        }
    }
    path
}

/// The drawing of `text`'s code, or why it cannot be drawn (too long for a code read off a
/// screen).
fn draw(text: &str) -> Result<DrawnCode, UiError> {
    let code =
        QrImage::new(text).map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    Ok(DrawnCode {
        side: code.modules() + 2 * QUIET_ZONE,
        path: modules_path(&code),
    })
}

/// The verdict on one frame message.
fn judge(data: &JsValue, clock: &web_sys::Performance) -> Result<ScannedCode, UiError> {
    let (width, height) = (number(data, "width") as u32, number(data, "height") as u32);
    let now = number(data, "now") as u64;
    let pixels = js_sys::Reflect::get(data, &JsValue::from_str("pixels"))
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Uint8ClampedArray>().ok())
        .map(|p| p.to_vec())
        .unwrap_or_default();
    match Frame::new(&pixels, width, height, PixelFormat::Rgba8) {
        Ok(frame) => {
            let start = clock.now();
            read_luma(&frame.to_luma(), now, &mut || {
                Duration::from_secs_f64(((clock.now() - start) / 1000.0).max(0.0))
            })
        }
        Err(e) => verdict(&Err(DecodeError::Frame(e)), now),
    }
}

/// A panic traps the wasm instance: before it does, the page hears why, as an internal
/// refusal, and starts a new worker.
fn report_panics(scope: web_sys::DedicatedWorkerGlobalScope) {
    std::panic::set_hook(Box::new(move |info| {
        let refusal: Result<ScannedCode, UiError> = Err(UiError::new(
            ErrorCode::Internal,
            format!("the scanner failed on this picture: {info}"),
        ));
        let text = serde_json::to_string(&refusal).unwrap_or_default();
        let _ = scope.post_message(&JsValue::from_str(&text));
    }));
}

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    report_panics(scope.clone());
    let Some(clock) = scope.performance() else {
        return;
    };
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let asked = js_sys::Reflect::get(&data, &JsValue::from_str("draw"))
                .ok()
                .and_then(|text| text.as_string());
            let text = match asked {
                Some(asked) => serde_json::to_string(&draw(&asked)),
                None => serde_json::to_string(&judge(&data, &clock)),
            }
            .unwrap_or_default();
            let _ = reply.post_message(&JsValue::from_str(&text));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages posted before the wasm is running are lost: the page waits for this one.
    let _ = scope.post_message(&JsValue::from_str(READY));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_draws_each_dark_module_once_inside_the_quiet_zone() {
        let code = QrImage::new("ct:/AQQ").expect("encodes");
        let path = modules_path(&code);
        let dark = (0..code.modules())
            .flat_map(|y| (0..code.modules()).map(move |x| (x, y)))
            .filter(|&(x, y)| code.is_dark(x, y))
            .count();
        assert_eq!(path.matches("h1v1h-1z").count(), dark);
        // The top-left finder's corner is dark, at the quiet zone's edge.
        assert!(
            path.starts_with(&format!("M{QUIET_ZONE} {QUIET_ZONE}h1v1h-1z")),
            "{path}"
        );
        let last = code.modules() - 1 + QUIET_ZONE;
        assert!(
            path.contains(&format!("M{last} {QUIET_ZONE}h1")),
            "the top-right finder"
        );
        assert!(
            !path.contains(&format!("M{} ", last + 1)),
            "nothing past the code"
        );
    }

    #[test]
    fn a_text_too_long_for_a_screen_code_is_refused() {
        let drawn = draw("ct:/AQQ").expect("drawn");
        assert_eq!(drawn.side, 21 + 8);
        let e = draw(&"x".repeat(700)).expect_err("too dense");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("version 15"), "{e}");
    }
}
