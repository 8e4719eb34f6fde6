//! The desktop app's patient window (built with the `desktop` feature: Tauri commands only, so
//! none of the web page's wasm-side key custody and encryption is in it).

fn main() {
    yew::Renderer::<caretrail_ui::app::App>::new().render();
}
