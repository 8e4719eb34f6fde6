//! "Access log": every read of her records the relay logged (who, which record, on what ground,
//! when), each marked "verified" once its proof leads to a root the relay anchored on chain,
//! "pending" until the next anchor, "not verified" otherwise.

use super::short;
use super::state::{AccessLog, AccessLogAction as A, Status};
use crate::ipc;
use crate::patient::error_box;
use caretrail_protocol::audit::Mark;
use caretrail_types::format_unix_utc;
use yew::prelude::*;

fn load(state: &UseReducerHandle<AccessLog>) {
    let state = state.clone();
    state.dispatch(A::Loading);
    wasm_bindgen_futures::spawn_local(async move {
        match ipc::records_audit().await {
            Ok(reads) => state.dispatch(A::Loaded(reads)),
            Err(e) => state.dispatch(A::Failed(e)),
        }
    });
}

#[function_component(AccessLogScreen)]
pub fn access_log(props: &AccessLogProps) -> Html {
    let state = use_reducer(AccessLog::default);
    {
        let state = state.clone();
        use_effect_with((), move |_| load(&state));
    }
    let refresh = {
        let state = state.clone();
        Callback::from(move |_| load(&state))
    };
    let rows = state.reads.iter().flatten().rev().map(|checked| {
        let entry = &checked.read.entry;
        let who = if Some(entry.reader) == props.me {
            "you".to_owned()
        } else {
            entry.reader.to_string()
        };
        let (mark, class, text) = match checked.mark {
            Mark::Verified => ("verified", "mark verified", "✔ verified"),
            Mark::Pending => ("pending", "mark pending", "… pending"),
            Mark::NotVerified => ("not_verified", "mark unverified", "✘ not verified"),
        };
        html! {
            <tr class="read" data-mark={mark} data-record={entry.record.to_string()}>
                <td class="who mono">{ who }</td>
                <td class="what mono">{ short(&entry.record) }</td>
                <td class="ground">{ entry.ground.as_str() }</td>
                <td class="when">{ format_unix_utc(entry.at) }</td>
                <td><span class={class}>{ text }</span></td>
            </tr>
        }
    });
    html! {
        <section class="card" id="access-log">
            <div class="row spread">
                <h2>{ "Access log" }</h2>
                <button type="button" id="log-refresh" onclick={refresh} disabled={state.status.running()}>{ "Refresh" }</button>
            </div>
            <p class="hint">
                { "Every read of your records the relay served. A read is verified when its proof \
                   leads to a root the relay anchored on chain; reads since its last anchor are \
                   pending; a read whose proof fails was changed after the fact." }
            </p>
            {
                match &state.reads {
                    Some(reads) if reads.is_empty() => html! { <p class="hint" id="log-empty">{ "No reads yet." }</p> },
                    Some(_) => html! {
                        <table class="list" id="reads">
                            <thead><tr><th>{ "Who" }</th><th>{ "Record" }</th><th>{ "Ground" }</th><th>{ "When" }</th><th></th></tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    },
                    None => html! { <p class="status">{ "Reading the log…" }</p> },
                }
            }
            if let Status::Failed(e) = &state.status { { error_box(e) } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct AccessLogProps {
    /// Her address, to call her own reads "you".
    pub me: Option<caretrail_types::Address>,
}
