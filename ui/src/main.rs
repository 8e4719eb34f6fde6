//! The web page: the patient's screens over the relay's HTTP API, the steps run here in wasm.

fn main() {
    yew::Renderer::<caretrail_ui::app::App>::new().render();
}
