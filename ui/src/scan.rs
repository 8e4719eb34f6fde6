//! "Scan a code": the camera's preview while the code is looked for (the app's JPEG previews
//! drawn on a canvas; the page's camera live in a `<video>`), then the code's kind, or the
//! refusal (not Caretrail's, damaged, newer, expired, no camera, camera lost); where there is no
//! camera, a picture file read by the same decoder.

use crate::ipc;
use crate::qr_view::QrView;
use caretrail_types::{ScannedCode, UiError, format_unix_utc};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What the screen shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanView {
    pub scanning: bool,
    pub read: Option<ScannedCode>,
    /// The latest refusal: of the frame just decoded while scanning, or why the scan ended.
    pub refusal: Option<UiError>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScanAction {
    Started,
    Refused(UiError),
    Ended(Result<Option<ScannedCode>, UiError>),
}

impl Reducible for ScanView {
    type Action = ScanAction;

    fn reduce(self: std::rc::Rc<Self>, action: ScanAction) -> std::rc::Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ScanAction::Started => {
                next = ScanView {
                    scanning: true,
                    ..ScanView::default()
                }
            }
            ScanAction::Refused(refusal) => next.refusal = Some(refusal),
            ScanAction::Ended(Ok(read)) => {
                next.scanning = false;
                if read.is_some() {
                    next.refusal = None;
                }
                next.read = read;
            }
            ScanAction::Ended(Err(refusal)) => {
                next.scanning = false;
                next.read = None;
                next.refusal = Some(refusal);
            }
        }
        next.into()
    }
}

/// Draws a JPEG preview on the canvas `scan-preview`.
async fn draw(jpeg: js_sys::Uint8Array) -> Option<()> {
    let window = web_sys::window()?;
    let parts = js_sys::Array::of1(&jpeg);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/jpeg");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(&blob).ok()?)
            .await
            .ok()?
            .dyn_into()
            .ok()?;
    let canvas: web_sys::HtmlCanvasElement = window
        .document()?
        .get_element_by_id("scan-preview")?
        .dyn_into()
        .ok()?;
    canvas.set_width(bitmap.width());
    canvas.set_height(bitmap.height());
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)
        .ok()?;
    bitmap.close();
    Some(())
}

#[derive(Properties, PartialEq, Default)]
pub struct ScanProps {
    /// Where the code read goes (the kiosk opens the visit); without it, the screen shows the
    /// code again to be scanned from this screen.
    #[prop_or_default]
    pub on_code: Option<Callback<ScannedCode>>,
    /// Told when a scan or a picture's read begins (the kiosk clears the visit it showed).
    #[prop_or_default]
    pub on_start: Option<Callback<()>>,
    /// A refusal's title for the person scanning (the kiosk's), shown above its message.
    #[prop_or_default]
    pub title_of: Option<Callback<caretrail_types::ErrorCode, &'static str>>,
}

#[function_component(ScanScreen)]
pub fn scan_screen(props: &ScanProps) -> Html {
    let view = use_reducer(ScanView::default);
    {
        let (read, on_code) = (view.read.clone(), props.on_code.clone());
        use_effect_with(read, move |read| {
            if let (Some(code), Some(on_code)) = (read, on_code) {
                on_code.emit(code.clone());
            }
        });
    }
    let started = props.on_start.clone();
    let start = {
        let (view, started) = (view.clone(), started.clone());
        Callback::from(move |_| {
            let view = view.clone();
            if let Some(started) = &started {
                started.emit(());
            }
            view.dispatch(ScanAction::Started);
            wasm_bindgen_futures::spawn_local(async move {
                let refused = view.clone();
                let ended = ipc::scan_start(
                    |jpeg| {
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = draw(jpeg).await;
                        })
                    },
                    move |refusal| refused.dispatch(ScanAction::Refused(refusal)),
                )
                .await;
                view.dispatch(ScanAction::Ended(ended));
            });
        })
    };
    let stop = Callback::from(|_| {
        wasm_bindgen_futures::spawn_local(async {
            let _ = ipc::scan_stop().await;
        })
    });
    let on_file = {
        let view = view.clone();
        let started = started.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // Emptied, so that the next picture chosen (the same one again too) is read afresh.
            input.set_value("");
            let view = view.clone();
            if let Some(started) = &started {
                started.emit(());
            }
            view.dispatch(ScanAction::Started);
            wasm_bindgen_futures::spawn_local(async move {
                let read = ipc::scan_image(&file).await.map(Some);
                view.dispatch(ScanAction::Ended(read));
            });
        })
    };
    html! {
        <section class="card" id="scan">
            <h2>{ "Scan a code" }</h2>
            <div class="row">
                <button type="button" id="scan-start" onclick={start} disabled={view.scanning}>{ "Start the camera" }</button>
                <button type="button" id="scan-stop" class="quiet" onclick={stop} disabled={!view.scanning}>{ "Stop" }</button>
                <label>{ "or read a picture: " }
                    <input type="file" id="scan-file" accept="image/png,image/jpeg,image/gif" onchange={on_file} />
                </label>
            </div>
            if ipc::in_desktop_app() {
                <canvas id="scan-preview" width="640" height="360" hidden={!view.scanning}></canvas>
            } else {
                <video id="scan-video" autoplay=true playsinline=true hidden={!view.scanning}></video>
                <canvas id="scan-frame" hidden=true></canvas>
            }
            if let Some(code) = &view.read {
                <p id="scan-kind" class="ok">{ format!("Read: a {}", code.kind.label()) }</p>
                <p>{ format!("valid until {}", format_unix_utc(code.expires_at)) }</p>
                <p><code id="scan-text" class="mono">{ code.text.clone() }</code></p>
                if props.on_code.is_none() {
                    <p>{ "The code read, to show again:" }</p>
                    <QrView text={code.text.clone()} />
                }
            }
            if let Some(refusal) = &view.refusal {
                <p id="scan-error" class="error">
                    if let Some(title_of) = &props.title_of {
                        <strong class="refusal-title">{ title_of.emit(refusal.code) }</strong><br />
                    }
                    { refusal.message.clone() }
                </p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{ErrorCode, QrKind};
    use std::rc::Rc;

    fn code() -> ScannedCode {
        ScannedCode {
            kind: QrKind::Kiosk,
            text: "ct:/AQQ".into(),
            expires_at: 9,
        }
    }

    #[test]
    fn a_scan_shows_refusals_while_it_runs_then_the_code_it_read() {
        let view = Rc::new(ScanView::default()).reduce(ScanAction::Started);
        assert!(view.scanning);
        let refusal = UiError::new(ErrorCode::NotCaretrail, "not a Caretrail code");
        let view = view.reduce(ScanAction::Refused(refusal.clone()));
        assert_eq!(view.refusal, Some(refusal));
        let view = view.reduce(ScanAction::Ended(Ok(Some(code()))));
        assert!(!view.scanning);
        assert_eq!(view.read, Some(code()));
        assert_eq!(
            view.refusal, None,
            "the code read replaces the last refusal"
        );
    }

    #[test]
    fn a_scan_that_fails_shows_why_and_a_new_one_starts_clean() {
        let lost = UiError::new(ErrorCode::CameraLost, "the camera stopped giving pictures");
        let view = Rc::new(ScanView::default())
            .reduce(ScanAction::Started)
            .reduce(ScanAction::Ended(Err(lost.clone())));
        assert!(!view.scanning);
        assert_eq!(view.refusal, Some(lost));
        let view = view.reduce(ScanAction::Started);
        assert_eq!(view.refusal, None);
        assert_eq!(view.read, None);
        let stopped = view.reduce(ScanAction::Ended(Ok(None)));
        assert!(!stopped.scanning && stopped.read.is_none());
    }
}
