//! The patient's screens: registration (national ID, insurance card, policy document, photo,
//! password; each check shown as it runs; ends with H and the transaction id) and login.

use crate::ipc;
use crate::patient_state::{
    Chosen, Login, LoginAction, LoginStatus, RegisterAction, RegisterStatus, Registration,
};
use caretrail_types::{
    LoginInput, Progress, RegistrationInput, SignedIn, UiError, millionths_text,
};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub(crate) fn error_box(error: &UiError) -> Html {
    html! {
        <div class="error" id="error" role="alert">
            <div>{ &error.message }</div>
            <div class="code">{ format!("{:?}", error.code) }</div>
        </div>
    }
}

pub(crate) fn text_input(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    value: &str,
    on: Callback<String>,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        on.emit(input.value());
    });
    html! {
        <label class="field">
            <span>{ label }</span>
            <input {id} type={kind} value={value.to_owned()} {oninput} spellcheck="false" autocomplete="off" />
        </label>
    }
}

/// A file input that hands the chosen file's bytes to `on`.
pub(crate) fn file_input(
    id: &'static str,
    accept: &'static str,
    on: Callback<Chosen>,
    failed: Callback<UiError>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        let (on, failed) = (on.clone(), failed.clone());
        wasm_bindgen_futures::spawn_local(async move {
            match ipc::read_file(&input).await {
                Ok(Some((name, bytes))) => on.emit(Chosen {
                    name,
                    bytes: Rc::new(bytes),
                }),
                Ok(None) => {}
                Err(e) => failed.emit(e),
            }
        });
    });
    html! { <input {id} type="file" {accept} {onchange} /> }
}

#[function_component(Register)]
pub fn register() -> Html {
    let state = use_reducer(Registration::default);
    let local_error = use_state(|| None::<UiError>);
    let failed = {
        let local_error = local_error.clone();
        Callback::from(move |e: UiError| local_error.set(Some(e)))
    };
    let set = |f: fn(String) -> RegisterAction| {
        let state = state.clone();
        Callback::from(move |v: String| state.dispatch(f(v)))
    };
    let on_policy = {
        let state = state.clone();
        Callback::from(move |c: Chosen| state.dispatch(RegisterAction::Policy(c)))
    };
    let on_photo = {
        let state = state.clone();
        Callback::from(move |c: Chosen| state.dispatch(RegisterAction::Photo(c)))
    };
    let take_photo = {
        let (on_photo, failed, local_error) =
            (on_photo.clone(), failed.clone(), local_error.clone());
        Callback::from(move |_| {
            let (on_photo, failed) = (on_photo.clone(), failed.clone());
            local_error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::camera_capture().await {
                    Ok(photo) => on_photo.emit(Chosen {
                        name: format!("camera ({}×{})", photo.width, photo.height),
                        bytes: Rc::new(photo.jpeg),
                    }),
                    Err(e) => failed.emit(e),
                }
            });
        })
    };
    let submit = {
        let (state, local_error) = (state.clone(), local_error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(missing) = state.missing() {
                local_error.set(Some(missing));
                return;
            }
            local_error.set(None);
            let input = RegistrationInput {
                nid: state.nid.clone(),
                card_number: state.card_number.clone(),
                policy_document: state
                    .policy
                    .as_ref()
                    .map(|c| (*c.bytes).clone())
                    .unwrap_or_default(),
                photo: state
                    .photo
                    .as_ref()
                    .map(|c| (*c.bytes).clone())
                    .unwrap_or_default(),
                password: state.password.clone(),
            };
            state.dispatch(RegisterAction::Started);
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let steps = state.dispatcher();
                let outcome =
                    ipc::register(input, move |p| steps.dispatch(RegisterAction::Step(p))).await;
                match outcome {
                    Ok(done) => state.dispatch(RegisterAction::Done(Box::new(done))),
                    Err(e) => state.dispatch(RegisterAction::Failed(e)),
                }
            });
        })
    };
    let running = state.status == RegisterStatus::Running;
    let desktop = ipc::in_desktop_app();

    html! {
        <section class="card" id="register">
            <h2>{ "Register" }</h2>
            <p class="hint">
                { "Your national ID and photo are checked against the EC registry, your card and \
                   policy with your insurer and the chain. Your key is made on this device and \
                   never leaves it." }
            </p>
            <form class="form" onsubmit={submit}>
                { text_input("reg-nid", "National ID number", "text", &state.nid, set(RegisterAction::Nid)) }
                { text_input("reg-card", "Insurance card number", "text", &state.card_number, set(RegisterAction::Card)) }
                <label class="field">
                    <span>{ "Policy document (PDF or FHIR JSON)" }</span>
                    { file_input("reg-policy", ".pdf,.json,application/pdf,application/json", on_policy, failed.clone()) }
                    if let Some(c) = &state.policy { <span class="hint" id="reg-policy-name">{ format!("{} ({} bytes)", c.name, c.bytes.len()) }</span> }
                </label>
                <label class="field">
                    <span>{ "Your photo" }</span>
                    <span class="row">
                        if desktop { <button type="button" id="reg-camera" onclick={take_photo}>{ "Take photo" }</button> }
                        { file_input("reg-photo", "image/jpeg,image/png", on_photo, failed) }
                    </span>
                    if let Some(c) = &state.photo { <span class="hint" id="reg-photo-name">{ format!("{} ({} bytes)", c.name, c.bytes.len()) }</span> }
                </label>
                { text_input("reg-password", "Password (protects your key on this device)", "password", &state.password, set(RegisterAction::Password)) }
                { text_input("reg-confirm", "Password again", "password", &state.confirm, set(RegisterAction::Confirm)) }
                <button id="reg-submit" type="submit" disabled={running}>{ if running { "Registering…" } else { "Register" } }</button>
            </form>
            if let Some(e) = &*local_error { { error_box(e) } }
            { progress_list(&state) }
            {
                match &state.status {
                    RegisterStatus::Done(done) => html! {
                        <div class="done" id="reg-done">
                            <p><span class="mark verified">{ format!("✔ Registered: {}", done.name) }</span></p>
                            <dl class="facts">
                                <dt>{ "H (keep it: you log in with it)" }</dt><dd class="mono" id="reg-h">{ done.receipt.record.to_string() }</dd>
                                <dt>{ "Transaction" }</dt><dd class="mono" id="reg-tx">{ done.receipt.tx_id.to_string() }</dd>
                                <dt>{ "Your address" }</dt><dd class="mono">{ done.receipt.patient.to_string() }</dd>
                                <dt>{ "Face match" }</dt><dd>{ format!("distance {} (same person below {})", millionths_text(done.receipt.face.distance_millionths, 3), millionths_text(done.receipt.face.threshold_millionths, 2)) }</dd>
                            </dl>
                            { phrase_box(done.phrase.as_deref(), desktop) }
                        </div>
                    },
                    RegisterStatus::Failed(failure) => html! {
                        <>
                            { error_box(&failure.error) }
                            { phrase_box(failure.phrase.as_deref(), desktop) }
                        </>
                    },
                    _ => html! {},
                }
            }
        </section>
    }
}

fn phrase_box(phrase: Option<&str>, desktop: bool) -> Html {
    match phrase {
        Some(words) => html! {
            <div class="phrase" id="reg-phrase">
                <strong>{ "Your recovery phrase: write it down now. It is shown only once." }</strong>
                <p class="mono">{ words }</p>
            </div>
        },
        None if !desktop => html! {
            <p class="hint">{ "Your key is kept in this browser, sealed under your password." }</p>
        },
        None => html! {},
    }
}

fn progress_list(state: &Registration) -> Html {
    if state.steps.is_empty() && state.status != RegisterStatus::Running {
        return html! {};
    }
    let local: Vec<Html> = state
        .steps
        .iter()
        .filter_map(|step| match step {
            Progress::PolicyHashed { media_type, hash } => {
                Some(format!("✓ Policy document hashed ({media_type}): {hash}"))
            }
            Progress::KeyReady { address, created } => Some(format!(
                "✓ {} key {address}",
                if *created { "New" } else { "Kept" }
            )),
            Progress::Submitting => Some("… Writing your registration on chain".into()),
            _ => None,
        })
        .map(|line| html! { <li>{ line }</li> })
        .collect();
    let verifying = state.steps.iter().any(|s| matches!(s, Progress::Verifying));
    let checks: Vec<Html> = state
        .checks()
        .into_iter()
        .map(|(check, detail)| {
            let (mark, class) = match (&detail, &state.status) {
                (Some(_), _) => ("✓", "ok"),
                (None, RegisterStatus::Running) if verifying => ("…", "pending"),
                (None, _) => ("·", "pending"),
            };
            html! {
                <li class={class} data-check={format!("{check:?}")}>
                    { format!("{mark} {}", check.label()) }
                    if let Some(d) = detail { <span class="hint">{ format!(": {d}") }</span> }
                </li>
            }
        })
        .collect();
    html! {
        <ul class="progress" id="reg-progress">
            { for local }
            if verifying { { for checks } }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct LoginProps {
    /// Told who logged in, when she does.
    pub on_login: Callback<SignedIn>,
}

#[function_component(LoginForm)]
pub fn login_form(props: &LoginProps) -> Html {
    let state = use_reducer(Login::default);
    {
        // H from this device's registration, when it holds one, and her ID where it is kept
        // readable (the web page keeps it sealed: she types it).
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(Some(held)) = ipc::held_registration().await {
                    if let Some(id) = held.id {
                        state.dispatch(LoginAction::Id(id));
                    }
                    state.dispatch(LoginAction::Record(held.record.to_string()));
                }
            });
        });
    }
    let set = |f: fn(String) -> LoginAction| {
        let state = state.clone();
        Callback::from(move |v: String| state.dispatch(f(v)))
    };
    let submit = {
        let state = state.clone();
        let on_login = props.on_login.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = LoginInput {
                id: state.id.clone(),
                password: state.password.clone(),
                record: state.record.clone(),
            };
            state.dispatch(LoginAction::Started);
            let (state, on_login) = (state.clone(), on_login.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::login(input).await {
                    Ok(session) => {
                        on_login.emit(session.clone());
                        state.dispatch(LoginAction::Done(session));
                    }
                    Err(e) => state.dispatch(LoginAction::Failed(e)),
                }
            });
        })
    };
    let running = state.status == LoginStatus::Running;
    html! {
        <section class="card" id="login">
            <h2>{ "Log in" }</h2>
            <p class="hint">{ "Your ID and password open your key on this device; H is checked against the chain." }</p>
            <form class="form" onsubmit={submit}>
                { text_input("login-id", "National ID number", "text", &state.id, set(LoginAction::Id)) }
                { text_input("login-password", "Password", "password", &state.password, set(LoginAction::Password)) }
                { text_input("login-h", "H", "text", &state.record, set(LoginAction::Record)) }
                <button id="login-submit" type="submit" disabled={running}>{ if running { "Logging in…" } else { "Log in" } }</button>
            </form>
            {
                match &state.status {
                    LoginStatus::Done(session) => html! {
                        <p id="login-done"><span class="mark verified">{ format!("✔ Logged in as {}", session.patient) }</span></p>
                    },
                    LoginStatus::Failed(e) => error_box(e),
                    _ => html! {},
                }
            }
        </section>
    }
}
