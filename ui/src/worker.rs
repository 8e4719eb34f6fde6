//! The page's side of its Web Workers, each a wasm of its own built from `src/bin/` (the
//! scanner, `scanner.rs`; her bills, `bills.rs`), so what they carry never weighs on the page's
//! wasm: a worker is started and heard say `ready` (what is posted before is lost), then each
//! message posted gets one answer, or is given up after [`WORKER_DEADLINE_MS`].

use caretrail_types::{ErrorCode, UiError};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A worker that has not answered by then is taken for hung.
pub(crate) const WORKER_DEADLINE_MS: i32 = 5_000;

/// The worker's first message: its wasm is loaded and it listens.
const READY: &str = "ready";

/// An internal refusal for `what` failing with the browser's error `e`.
pub(crate) fn failed(what: &str, e: JsValue) -> UiError {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_default();
    UiError::new(ErrorCode::Internal, format!("{what}: {detail}"))
}

/// The next message (or error) of `worker`, or a rejection after [`WORKER_DEADLINE_MS`].
pub(crate) async fn answer_of(worker: &web_sys::Worker) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&reject, WORKER_DEADLINE_MS);
        }
    });
    JsFuture::from(promise).await
}

/// The text a worker posted.
pub(crate) fn message_text(event: JsValue) -> String {
    event
        .dyn_into::<web_sys::MessageEvent>()
        .ok()
        .and_then(|event| event.data().as_string())
        .unwrap_or_default()
}

/// The worker of `script` (trunk's loader shim of its bin), once it says it listens; `what`
/// names it in a refusal.
pub(crate) async fn start(script: &str, what: &str) -> Result<web_sys::Worker, UiError> {
    let worker =
        web_sys::Worker::new(script).map_err(|e| failed(&format!("{what} cannot start"), e))?;
    match answer_of(&worker).await.map(message_text) {
        Ok(ready) if ready == READY => Ok(worker),
        _ => {
            worker.terminate();
            Err(UiError::new(
                ErrorCode::Internal,
                format!("{what} did not start: reload the page"),
            ))
        }
    }
}

/// A worker of `script` started for one question, `message`, and its answer's text; the worker
/// is ended after.
pub(crate) async fn ask_once(
    script: &str,
    what: &str,
    message: &JsValue,
) -> Result<String, UiError> {
    let worker = start(script, what).await?;
    // Polled first at `.await`, before the event loop can deliver the worker's answer.
    let answer = answer_of(&worker);
    let posted = worker
        .post_message(message)
        .map_err(|e| failed(&format!("the question cannot reach {what}"), e));
    let answered = match posted {
        Ok(()) => answer.await.map(message_text).map_err(|_| {
            UiError::new(
                ErrorCode::Internal,
                format!("{what} did not answer: reload the page"),
            )
        }),
        Err(e) => Err(e),
    };
    worker.terminate();
    answered
}
