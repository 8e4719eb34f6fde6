//! The UI's one clock: unix seconds from the browser's (or the app's webview's) clock, passed to
//! the protocol's steps.

pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}
