//! The app's frame: header, the screens' tabs, and the screens. Her records' screens appear
//! once she is logged in (her key is open in the app, or in this page's memory).

use crate::checkin::CheckinScreen;
use crate::ipc;
use crate::key::KeyScreen;
use crate::network::TrustedNetwork;
use crate::patient::{LoginForm, Register};
use crate::policy::PolicyLookup;
use crate::records::{AccessLogScreen, MyRecordsScreen, WhoCanReadScreen};
use crate::recovery::RecoveryBanner;
use crate::scan::ScanScreen;
use crate::visit::{BillsScreen, TestsScreen};
use caretrail_types::SignedIn;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Screen {
    Policy,
    Register,
    Login,
    Key,
    Records,
    Readers,
    Log,
    Scan,
    Checkin,
    Tests,
    Bills,
}

#[function_component(App)]
pub fn app() -> Html {
    let shell = if ipc::in_desktop_app() {
        "desktop"
    } else {
        "web"
    };
    let screen = use_state(|| Screen::Policy);
    let session = use_state(|| None::<SignedIn>);
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
    let on_login = {
        let session = session.clone();
        Callback::from(move |signed_in: SignedIn| session.set(Some(signed_in)))
    };
    let logout = {
        let (session, screen) = (session.clone(), screen.clone());
        Callback::from(move |_| {
            let (session, screen) = (session.clone(), screen.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // Forgetting a key in memory cannot fail in a way she could act on.
                let _ = ipc::logout().await;
                session.set(None);
                screen.set(Screen::Login);
            });
        })
    };
    let me = session.as_ref().map(|s| s.patient);
    let logged_in = session.is_some();
    html! {
        <>
            <header class="bar">
                <h1>{ "Caretrail" }</h1>
                <span class="tag">{ "your health and insurance wallet" }</span>
                <span class="tag" id="shell">{ shell }</span>
                if let Some(signed_in) = &*session {
                    <span class="tag mono" id="me">{ signed_in.patient.to_string() }</span>
                    <button type="button" id="logout" class="quiet" onclick={logout}>{ "Log out" }</button>
                }
            </header>
            <nav class="tabs">
                { tab(Screen::Policy, "tab-policy", "Check a policy") }
                { tab(Screen::Register, "tab-register", "Register") }
                { tab(Screen::Login, "tab-login", "Log in") }
                if shell == "web" {
                    { tab(Screen::Key, "tab-key", "Your key") }
                }
                { tab(Screen::Scan, "tab-scan", "Scan a code") }
                if logged_in {
                    { tab(Screen::Checkin, "tab-checkin", "Check in") }
                    { tab(Screen::Tests, "tab-tests", "Tests") }
                }
                if logged_in {
                    { tab(Screen::Bills, "tab-bills", "Bills") }
                    { tab(Screen::Records, "tab-records", "My records") }
                    { tab(Screen::Readers, "tab-readers", "Who can read") }
                    { tab(Screen::Log, "tab-log", "Access log") }
                }
            </nav>
            <main>
                // Inside the page's column, above the screen.
                <RecoveryBanner {logged_in} />
                {
                    match (*screen, logged_in) {
                        (Screen::Policy, _) => html! { <PolicyLookup /> },
                        (Screen::Register, _) => html! { <Register /> },
                        (Screen::Key, _) => html! { <KeyScreen /> },
                        (Screen::Scan, _) => html! { <ScanScreen /> },
                        (Screen::Records, true) => html! { <MyRecordsScreen /> },
                        (Screen::Checkin, true) => html! { <CheckinScreen /> },
                        (Screen::Tests, true) => html! { <TestsScreen /> },
                        (Screen::Bills, true) => html! { <BillsScreen /> },
                        (Screen::Readers, true) => html! { <WhoCanReadScreen /> },
                        (Screen::Log, true) => html! { <AccessLogScreen {me} /> },
                        _ => html! { <LoginForm {on_login} /> },
                    }
                }
            </main>
            if !ipc::in_desktop_app() {
                <TrustedNetwork />
            }
        </>
    }
}
