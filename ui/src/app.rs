//! The app's frame: header, the screens' tabs, and the screens.

use crate::patient::{LoginForm, Register};
use crate::policy::PolicyLookup;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Screen {
    Policy,
    Register,
    Login,
}

#[function_component(App)]
pub fn app() -> Html {
    let shell = if crate::ipc::in_desktop_app() {
        "desktop"
    } else {
        "web"
    };
    let screen = use_state(|| Screen::Policy);
    let tab = |which: Screen, id: &'static str, label: &'static str| {
        let screen = screen.clone();
        let class = if *screen == which {
            "tab active"
        } else {
            "tab"
        };
        html! {
            <button {id} type="button" {class} onclick={Callback::from(move |_| screen.set(which))}>{ label }</button>
        }
    };
    html! {
        <>
            <header class="bar">
                <h1>{ "Caretrail" }</h1>
                <span class="tag">{ "your health and insurance wallet" }</span>
                <span class="tag" id="shell">{ shell }</span>
            </header>
            <nav class="tabs">
                { tab(Screen::Policy, "tab-policy", "Check a policy") }
                { tab(Screen::Register, "tab-register", "Register") }
                { tab(Screen::Login, "tab-login", "Log in") }
            </nav>
            <main>
                {
                    match *screen {
                        Screen::Policy => html! { <PolicyLookup /> },
                        Screen::Register => html! { <Register /> },
                        Screen::Login => html! { <LoginForm /> },
                    }
                }
            </main>
        </>
    }
}
