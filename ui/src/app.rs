//! The app's frame: header and the screens.

use crate::policy::PolicyLookup;
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let shell = if crate::ipc::in_desktop_app() {
        "desktop"
    } else {
        "web"
    };
    html! {
        <>
            <header class="bar">
                <h1>{ "Caretrail" }</h1>
                <span class="tag">{ "your health and insurance wallet" }</span>
                <span class="tag" id="shell">{ shell }</span>
            </header>
            <main>
                <PolicyLookup />
            </main>
        </>
    }
}
