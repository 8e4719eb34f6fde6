//! The policy screen: paste a transaction id, see the policy and whether it matches the chain.

use crate::ipc;
use crate::state::{Action, Lookup, Status};
use caretrail_types::{PolicyView, format_unix_utc};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A `?tx=0x...` in the page's address opens that policy directly.
fn tx_from_address() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("tx")
}

#[function_component(PolicyLookup)]
pub fn policy_lookup() -> Html {
    let state = use_reducer(Lookup::default);

    let look_up = {
        let state = state.clone();
        Callback::from(move |tx_id: String| {
            let state = state.clone();
            state.dispatch(Action::Started);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::policy_show(&tx_id).await {
                    Ok(view) => state.dispatch(Action::Loaded(Box::new(view))),
                    Err(error) => state.dispatch(Action::Failed(error)),
                }
            });
        })
    };

    {
        let state = state.clone();
        let look_up = look_up.clone();
        use_effect_with((), move |_| {
            if let Some(tx) = tx_from_address() {
                state.dispatch(Action::Input(tx.clone()));
                look_up.emit(tx);
            }
        });
    }

    let on_input = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.dispatch(Action::Input(input.value()));
        })
    };
    let on_submit = {
        let state = state.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            look_up.emit(state.input.clone());
        })
    };
    let loading = state.status == Status::Loading;

    html! {
        <>
            <section class="card">
                <h2>{ "Check an insurance policy" }</h2>
                <p class="hint">
                    { "Paste the transaction id your insurer gave you. The policy is read from the \
                       chain and its hash checked against what the insurer signed." }
                </p>
                <form class="lookup" onsubmit={on_submit}>
                    <input id="tx-id" type="text" placeholder="0x… transaction id"
                        spellcheck="false" autocomplete="off"
                        value={state.input.clone()} oninput={on_input} />
                    <button id="show" type="submit" disabled={loading}>{ "Show policy" }</button>
                </form>
                { status_line(&state.status) }
            </section>
            if let Status::Loaded(view) = &state.status {
                <PolicyCard view={(**view).clone()} />
            }
        </>
    }
}

fn status_line(status: &Status) -> Html {
    match status {
        Status::Idle | Status::Loaded(_) => html! {},
        Status::Loading => html! { <p class="status" id="loading">{ "Reading the chain…" }</p> },
        Status::Failed(error) => html! {
            <div class="error" id="error" role="alert">
                <div>{ &error.message }</div>
                <div class="code">{ format!("{:?}", error.code) }</div>
            </div>
        },
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    view: PolicyView,
}

#[function_component(PolicyCard)]
fn policy_card(props: &CardProps) -> Html {
    let view = &props.view;
    let p = &view.publication;
    let mark = if view.check.verified {
        html! { <span class="mark verified" id="verified">{ "✔ Verified: matches the hash on chain" }</span> }
    } else {
        html! {
            <span class="mark unverified" id="unverified">
                { format!("✘ Not verified: {}", view.check.problem.clone().unwrap_or_default()) }
            </span>
        }
    };
    html! {
        <section class="card" id="policy">
            <h2 id="policy-title">{ view.title.clone().unwrap_or_else(|| "Untitled policy".into()) }</h2>
            { mark }
            <dl class="facts">
                <dt>{ "Signed by" }</dt><dd class="mono" id="signer">{ p.insurer.to_string() }</dd>
                <dt>{ "Insurer" }</dt>
                <dd id="insurer">
                    { view.insurer_name.clone().unwrap_or_else(|| "not named".into()) }
                    <span class="hint">{ " (as the document names it; the signer is not yet checked against a registry of admitted insurers)" }</span>
                </dd>
                <dt>{ "Version" }</dt><dd id="version">{ p.signed.version }</dd>
                <dt>{ "Published" }</dt><dd id="block-time">{ format!("{} (block {})", format_unix_utc(p.block_time), p.block_number) }</dd>
                <dt>{ "Effective from" }</dt><dd>{ format_unix_utc(p.signed.effective_at) }</dd>
                <dt>{ "Policy id" }</dt><dd class="mono">{ p.signed.policy_id.to_string() }</dd>
                <dt>{ "Content hash" }</dt><dd class="mono">{ p.signed.content_hash.to_string() }</dd>
                <dt>{ "Transaction" }</dt><dd class="mono">{ p.tx_id.to_string() }</dd>
            </dl>
            {
                match &view.text {
                    Some(text) => html! { <pre class="document" id="document">{ text }</pre> },
                    None => html! { <p class="hint">{ format!("A {} document of {} bytes.", p.signed.media_type, p.document.len()) }</p> },
                }
            }
        </section>
    }
}
