//! Caretrail's front end: Yew components over pure state reducers; all IO goes through [`ipc`].
//! Two pages are built from it, each its own wasm so that each stays within its size budget:
//! the web page (`main.rs`, the relay's HTTP API) and the desktop app's patient window
//! (`bin/patient.rs`, with the `desktop` feature: Tauri commands only).

pub mod app;
mod checkin;
mod clock;
mod device;
mod ipc;
mod key;
mod network;
mod patient;
mod patient_state;
mod policy;
mod qr_draw;
mod qr_view;
mod records;
mod recovery;
mod scan;
pub mod staff;
mod state;
mod visit;
mod web_records;
// The camera's side is the web page's; the scanner worker draws codes for both.
#[cfg_attr(feature = "desktop", allow(dead_code))]
mod web_scan;
mod web_visit;
mod web_wallet;
#[cfg_attr(feature = "desktop", allow(dead_code))]
mod worker;
