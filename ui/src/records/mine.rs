//! "My records": her records with kind, who wrote them (as her device checked it: she, a staff
//! member of an organization at a visit, an insurer; else the anchor's author), when and in which
//! transaction they were anchored, each opened and decrypted on her device; and a file stored as
//! a new record, with a progress bar.

use super::short;
use super::state::{MyRecords, MyRecordsAction as A, Status};
use crate::ipc;
use crate::patient::error_box;
use caretrail_protocol::records::{Listed, Saved};
use caretrail_types::{Hash32, format_unix_utc};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Fetches her list into `state`.
fn refresh(state: &UseReducerHandle<MyRecords>) {
    let state = state.clone();
    state.dispatch(A::Listing);
    wasm_bindgen_futures::spawn_local(async move {
        match ipc::records_list().await {
            Ok(listed) => state.dispatch(A::Listed(listed)),
            Err(e) => state.dispatch(A::ListFailed(e)),
        }
    });
}

fn progress_bar(id: &'static str, bar: Option<(u8, &'static str)>) -> Html {
    match bar {
        Some((value, label)) => html! {
            <div class="transfer">
                <progress {id} max="100" value={value.to_string()}></progress>
                <span class="hint" id={format!("{id}-label")}>{ format!("{label}… {value}%") }</span>
            </div>
        },
        None => html! {},
    }
}

#[function_component(MyRecordsScreen)]
pub fn my_records() -> Html {
    let state = use_reducer(MyRecords::default);
    {
        let state = state.clone();
        use_effect_with((), move |_| refresh(&state));
    }
    let choose = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.dispatch(A::Chose(input.files().and_then(|f| f.get(0))));
        })
    };
    let upload = {
        let state = state.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(file) = state.file.clone() else {
                state.dispatch(A::UploadFailed(caretrail_types::UiError::new(
                    caretrail_types::ErrorCode::InvalidInput,
                    "choose a file first",
                )));
                return;
            };
            state.dispatch(A::Uploading);
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let moves = state.dispatcher();
                match ipc::records_put(&file, move |p| moves.dispatch(A::UploadMoved(p))).await {
                    Ok(done) => {
                        state.dispatch(A::Uploaded(Box::new(done)));
                        refresh(&state);
                    }
                    Err(e) => state.dispatch(A::UploadFailed(e)),
                }
            });
        })
    };
    let open = {
        let state = state.clone();
        Callback::from(move |listed: Listed| {
            if let Status::Done(previous) = &state.opened {
                ipc::records_forget(previous);
            }
            state.dispatch(A::Opening(listed.id));
            let author = listed.anchor.as_ref().map(|(a, _)| a.author);
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let moves = state.dispatcher();
                match ipc::records_open(listed.id, author, move |p| moves.dispatch(A::OpenMoved(p)))
                    .await
                {
                    Ok(saved) => state.dispatch(A::Opened(Box::new(saved))),
                    Err(e) => state.dispatch(A::OpenFailed(e)),
                }
            });
        })
    };
    let uploading = state.upload.running();
    html! {
        <>
            <section class="card" id="records-store">
                <h2>{ "Store a document" }</h2>
                <p class="hint">
                    { "An old lab report, a letter, a scan: it is encrypted on this device to your \
                       key, stored by the relay, and anchored on chain under your address." }
                </p>
                <form class="form" onsubmit={upload}>
                    <label class="field">
                        <span>{ "File (PDF or image)" }</span>
                        <input id="record-file" type="file" onchange={choose} />
                        if let Some(file) = &state.file {
                            <span class="hint" id="record-file-name">{ format!("{} ({} bytes)", file.name(), file.size()) }</span>
                        }
                    </label>
                    <button id="record-upload" type="submit" disabled={uploading}>
                        { if uploading { "Storing…" } else { "Store" } }
                    </button>
                </form>
                { progress_bar("record-progress", state.upload_bar) }
                {
                    match &state.upload {
                        Status::Done(done) => html! {
                            <p id="record-uploaded" data-id={done.anchor.record_id.to_string()}><span class="mark verified">
                                { format!("✔ Stored and anchored: record {} (transaction {})", short(&done.anchor.record_id), done.relayed.tx_id) }
                            </span></p>
                        },
                        Status::Failed(e) => error_box(e),
                        _ => html! {},
                    }
                }
            </section>
            <section class="card" id="records-mine">
                <div class="row spread">
                    <h2>{ "My records" }</h2>
                    <button type="button" id="records-refresh" onclick={ let state = state.clone(); Callback::from(move |_| refresh(&state)) }>{ "Refresh" }</button>
                </div>
                {
                    match &state.list {
                        Status::Done(listed) if listed.is_empty() => html! {
                            <p class="hint" id="records-none">{ "No records yet." }</p>
                        },
                        Status::Done(listed) => records_table(listed, &state.opening, &state.opened, &open),
                        Status::Failed(e) => error_box(e),
                        _ => html! { <p class="status">{ "Reading your records…" }</p> },
                    }
                }
                { progress_bar("open-progress", state.open_bar.filter(|_| state.opened.running())) }
                { opened_box(&state.opened) }
            </section>
        </>
    }
}

fn records_table(
    listed: &[Listed],
    opening: &Option<Hash32>,
    opened: &Status<Saved>,
    open: &Callback<Listed>,
) -> Html {
    let rows = listed.iter().map(|l| {
        let author = super::writer_text(l);
        let anchor = l
            .anchor
            .as_ref()
            .map_or_else(|| "not anchored yet".into(), |(_, tx)| tx.to_string());
        let date = l
            .stored
            .as_ref()
            .map_or_else(|| "—".into(), |s| format_unix_utc(s.stored_at));
        let busy = opened.running() && *opening == Some(l.id);
        let onclick = {
            let (open, l) = (open.clone(), l.clone());
            Callback::from(move |_| open.emit(l.clone()))
        };
        html! {
            <tr class="record" data-id={l.id.to_string()}>
                <td class="kind">{ &l.kind }</td>
                <td class="author mono">{ author }</td>
                <td class="date">{ date }</td>
                <td class="anchor mono">{ anchor }</td>
                <td><button type="button" class="record-open" disabled={busy} {onclick}>{ if busy { "Opening…" } else { "Open" } }</button></td>
            </tr>
        }
    });
    html! {
        <table class="list" id="records">
            <thead><tr><th>{ "Kind" }</th><th>{ "Written by" }</th><th>{ "Stored" }</th><th>{ "Anchor (transaction)" }</th><th></th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

fn opened_box(opened: &Status<Saved>) -> Html {
    match opened {
        Status::Done(saved) => {
            let opened = &saved.opened;
            let name = format!("record-{}", &opened.record.to_string()[2..18]);
            html! {
                <div class="done" id="record-opened">
                    <p><span class="mark verified">{ format!("✔ Opened on this device: {} bytes, written by {}, as anchored in {}", opened.size, opened.anchor.author, opened.anchored_in) }</span></p>
                    if ipc::in_desktop_app() {
                        <p>{ "Saved to " }<span class="mono" id="record-saved">{ &saved.location }</span></p>
                    } else {
                        <p><a id="record-download" href={saved.location.clone()} download={name}>{ "Save the file" }</a></p>
                    }
                </div>
            }
        }
        Status::Failed(e) => error_box(e),
        _ => html! {},
    }
}
