//! Caretrail's front end: Yew components over a pure state reducer; all IO goes through [`ipc`].

mod app;
mod ipc;
mod policy;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
