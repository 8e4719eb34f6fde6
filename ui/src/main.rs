//! Caretrail's front end: Yew components over a pure state reducer; all IO goes through [`ipc`].

mod app;
mod clock;
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
mod state;
mod web_records;
mod web_scan;
mod web_wallet;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
