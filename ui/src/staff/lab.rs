//! The lab (steps 10–14): the patient's test-list code scanned with the camera, or read from a
//! picture file; the app checks it offline, fetches her test list with the organization's key
//! and decrypts it, and opens the code's visit if it carries one. The lab then reports: its
//! conclusion and the files it attaches (a PDF, an image, a large imaging file, each staged in
//! the app with progress), encrypted for her, the lab's organization and the ordering one, and
//! anchored. What the lab typed stays in the form whatever the answer.

use super::doctor::written_list;
use super::reception;
use crate::ipc::{self, RecordProgress};
use crate::records::short;
use crate::scan::ScanScreen;
use caretrail_protocol::records::Transfer;
use caretrail_protocol::visit::lab::LabOrder;
use caretrail_types::{ErrorCode, ScannedCode, StoredRecord, UiError};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// What a refusal means at the lab's desk.
pub fn refusal_title(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidInput => "Not a test-list code",
        ErrorCode::NotAReader => "Not shared with this lab: ask her for a new code",
        ErrorCode::WrongRole => "This key is not certified for the lab's work",
        ErrorCode::RecordNotFound | ErrorCode::UnknownRecord => "No such test list",
        other => reception::refusal_title(other),
    }
}

fn refusal_box(id: &'static str, e: &UiError) -> Html {
    reception::titled_refusal(id, e, refusal_title)
}

/// A transfer's bar: its percent and what is going on.
pub fn bar_of(progress: RecordProgress) -> (u8, &'static str) {
    let percent = |done: u64, total: u64| u8::try_from(done * 100 / total.max(1)).unwrap_or(100);
    match progress {
        RecordProgress::IntoApp { done, total } => {
            (percent(done, total), "Handing the file to the app")
        }
        RecordProgress::Transfer(Transfer::Encrypting { done, total }) => {
            (percent(done, total), "Encrypting")
        }
        RecordProgress::Transfer(Transfer::Uploading { done, total }) => {
            (percent(done, total), "Uploading")
        }
        RecordProgress::Transfer(Transfer::Downloading { done, total }) => {
            (percent(done, total), "Downloading")
        }
        RecordProgress::Transfer(Transfer::Decrypting) => (100, "Decrypting"),
        RecordProgress::Transfer(Transfer::Anchoring) => (100, "Anchoring"),
    }
}

#[function_component(LabDesk)]
pub fn lab_desk() -> Html {
    let fetching = use_state(|| false);
    let order = use_state(|| None::<Result<LabOrder, UiError>>);
    let on_code = {
        let (fetching, order) = (fetching.clone(), order.clone());
        Callback::from(move |code: ScannedCode| {
            let (fetching, order) = (fetching.clone(), order.clone());
            fetching.set(true);
            order.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                order.set(Some(ipc::lab_fetch(&code.text).await));
                fetching.set(false);
            });
        })
    };
    html! {
        <>
            <ScanScreen {on_code} title_of={Callback::from(refusal_title)} />
            <section class="card" id="lab-order">
                <h2>{ "The test list" }</h2>
                if *fetching {
                    <p class="muted" id="lab-fetching">{ "Checking the code, fetching and decrypting her test list…" }</p>
                }
                {
                    match &*order {
                        None => html! { <p class="hint">{ "Scan the patient's test-list code." }</p> },
                        Some(Err(e)) => refusal_box("lab-error", e),
                        Some(Ok(order)) => html! { <Report order={order.clone()} /> },
                    }
                }
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ReportProps {
    order: LabOrder,
}

#[function_component(Report)]
fn report(props: &ReportProps) -> Html {
    let (conclusion, files) = (use_node_ref(), use_node_ref());
    let busy = use_state(|| false);
    let bar = use_state(|| None::<(u8, &'static str)>);
    let outcome = use_state(|| None::<Result<Vec<StoredRecord>, UiError>>);
    let onsubmit = {
        let (conclusion, files) = (conclusion.clone(), files.clone());
        let (busy, bar, outcome) = (busy.clone(), bar.clone(), outcome.clone());
        let test_list = props.order.test_list;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = conclusion
                .cast::<HtmlTextAreaElement>()
                .map(|t| t.value())
                .unwrap_or_default();
            if text.trim().is_empty() {
                return outcome.set(Some(Err(UiError::new(
                    ErrorCode::InvalidInput,
                    "write the report's conclusion",
                ))));
            }
            let chosen: Vec<web_sys::File> = files
                .cast::<HtmlInputElement>()
                .and_then(|i| i.files())
                .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
                .unwrap_or_default();
            let (busy, bar, outcome) = (busy.clone(), bar.clone(), outcome.clone());
            busy.set(true);
            outcome.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let moved = bar.clone();
                let answer = ipc::lab_report(test_list, &text, &chosen, move |p| {
                    moved.set(Some(bar_of(p)));
                })
                .await;
                bar.set(None);
                outcome.set(Some(answer));
                busy.set(false);
            });
        })
    };
    let order = &props.order;
    let a = &order.authority.assignment.assignment;
    html! {
        <>
            <p class="ok" id="lab-taken">{ "Test list decrypted" }</p>
            <dl class="facts">
                <dt>{ "Patient" }</dt><dd class="mono" id="lab-patient">{ a.patient.to_string() }</dd>
                <dt>{ "Ordered by" }</dt><dd class="mono">{ order.ordered_by.to_string() }</dd>
                <dt>{ "Test list" }</dt><dd class="mono">{ short(&order.test_list) }</dd>
            </dl>
            <ul id="lab-tests">
                { for order.tests.iter().map(|t| html! {
                    <li class="test">{ format!("{} (LOINC {})", t.name, t.loinc) }</li>
                }) }
            </ul>
            <form class="form" {onsubmit}>
                <label class="field"><span>{ "Conclusion" }</span>
                    <textarea id="report-conclusion" ref={conclusion} rows="3"/>
                </label>
                <label class="field"><span>{ "Files (a PDF, images, imaging)" }</span>
                    <input type="file" id="report-files" ref={files} multiple=true />
                </label>
                <button type="submit" id="report-submit" disabled={*busy}>{ if *busy { "Reporting…" } else { "Sign and send the report" } }</button>
            </form>
            if let Some((value, label)) = *bar {
                <div class="transfer">
                    <progress id="report-progress" max="100" value={value.to_string()}></progress>
                    <span class="hint">{ format!("{label}… {value}%") }</span>
                </div>
            }
            {
                match &*outcome {
                    None => html! {},
                    Some(Err(e)) => refusal_box("report-error", e),
                    Some(Ok(written)) => written_list("report-written", written),
                }
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labs_refusals_are_named_for_the_lab() {
        assert_eq!(
            refusal_title(ErrorCode::InvalidInput),
            "Not a test-list code"
        );
        assert!(refusal_title(ErrorCode::NotAReader).contains("Not shared"));
        assert!(
            refusal_title(ErrorCode::WrongOrganization).contains("another health organization")
        );
        assert_eq!(
            bar_of(RecordProgress::Transfer(Transfer::Uploading {
                done: 1,
                total: 4
            })),
            (25, "Uploading")
        );
    }
}
