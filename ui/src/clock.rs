//! The UI's one clock: unix seconds from the browser's (or the app's webview's) clock, passed to
//! the protocol's steps.

pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Resolves after `ms` milliseconds (the browser's timer).
#[cfg_attr(feature = "desktop", allow(dead_code))]
pub async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
