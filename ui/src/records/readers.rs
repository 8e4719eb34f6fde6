//! "Who can read": she lets an admitted participant (a hospital, an insurer) read one record or
//! every record of a kind until a date, and takes it back. Revoking stops what comes next only.

use super::short;
use super::state::{Act, Sharing, SharingAction as A, Status, kind_target};
use crate::clock::now;
use crate::ipc;
use crate::patient::{error_box, text_input};
use caretrail_types::{DOCUMENT_KIND, format_unix_utc};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[function_component(WhoCanReadScreen)]
pub fn who_can_read() -> Html {
    let state = use_reducer(Sharing::new);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::records_list().await {
                    Ok(listed) => state.dispatch(A::Records(listed)),
                    Err(e) => state.dispatch(A::Failed(e)),
                }
            });
        });
    }
    let set = |f: fn(String) -> A| {
        let state = state.clone();
        Callback::from(move |v: String| state.dispatch(f(v)))
    };
    let pick = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            state.dispatch(A::Target(select.value()));
        })
    };
    let run = |act: Act| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let state = state.clone();
            let now = now();
            let form = state
                .share()
                .and_then(|(reader, share)| Ok((reader, share, state.expires_at(now)?)));
            let (reader, share, until) = match form {
                Ok(form) => form,
                Err(e) => return state.dispatch(A::Failed(e)),
            };
            state.dispatch(A::Started);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = match act {
                    Act::Grant => ipc::records_grant(reader, share, until)
                        .await
                        .map(|r| (r, Some(until))),
                    Act::Revoke => ipc::records_revoke(reader, share).await.map(|r| (r, None)),
                };
                match outcome {
                    Ok((relayed, until)) => state.dispatch(A::Done(act, relayed, until)),
                    Err(e) => state.dispatch(A::Failed(e)),
                }
            });
        })
    };
    let running = state.status.running();
    let options = state.records.iter().map(|l| {
        let id = l.id.to_string();
        let when = l
            .stored
            .as_ref()
            .map(|s| format!(", stored {}", format_unix_utc(s.stored_at)))
            .unwrap_or_default();
        html! {
            <option value={id.clone()} selected={state.target == id}>
                { format!("{} {}{when}", l.kind, short(&l.id)) }
            </option>
        }
    });
    let every = kind_target(DOCUMENT_KIND);
    html! {
        <section class="card" id="who-can-read">
            <h2>{ "Who can read" }</h2>
            <p class="hint">
                { "Let an admitted hospital or insurer read one of your records, or every record \
                   of a kind, until a date. Your device adds their key to the record and signs \
                   the consent; the relay writes it on chain." }
            </p>
            <p class="warning" id="revoke-warning">
                { "Revoking stops reads from then on. It cannot take back what was already read: \
                   a reader who opened a record may have kept a copy." }
            </p>
            <div class="form">
                { text_input("share-reader", "Reader's address", "text", &state.reader, set(A::Reader)) }
                <label class="field">
                    <span>{ "What" }</span>
                    <select id="share-target" onchange={pick}>
                        { for options }
                        <option value={every.clone()} selected={state.target == every}>
                            { format!("every {DOCUMENT_KIND} record, now and later") }
                        </option>
                    </select>
                </label>
                { text_input("share-days", "For how many days", "text", &state.days, set(A::Days)) }
                <div class="row">
                    <button id="share-grant" type="button" disabled={running} onclick={run(Act::Grant)}>{ "Let them read" }</button>
                    <button id="share-revoke" type="button" class="secondary" disabled={running} onclick={run(Act::Revoke)}>{ "Revoke" }</button>
                </div>
            </div>
            {
                match &state.status {
                    Status::Running => html! { <p class="status">{ "Signing and sending…" }</p> },
                    Status::Done((Act::Grant, relayed, until)) => html! {
                        <p id="share-done"><span class="mark verified">{
                            format!("✔ Access granted until {} (transaction {})",
                                until.map(format_unix_utc).unwrap_or_default(), relayed.tx_id)
                        }</span></p>
                    },
                    Status::Done((Act::Revoke, relayed, _)) => html! {
                        <p id="share-done"><span class="mark verified">{
                            format!("✔ Access revoked (transaction {}); what was read before stays read", relayed.tx_id)
                        }</span></p>
                    },
                    Status::Failed(e) => error_box(e),
                    Status::Idle => html! {},
                }
            }
        </section>
    }
}
