//! Billing (step 15): the desk bills a visit of its hospital. Each line a service as the
//! patient's policy names it and its amount; the anchored records it bills for. The app reads
//! her coverage from the chain, refuses a service her policy does not cover, a record billed
//! before or another insurer, then encrypts U_B for the insurer, her and the hospital, anchors
//! it and files it for the insurer. What the clerk typed stays in the form whatever the answer.
//! The hospital's open visits are listed (from the chain); picking one fills in its id.

use crate::ipc;
use caretrail_protocol::visit::bill::{Bill, BillLine};
use caretrail_types::{Address, ClaimNotice, ErrorCode, Hash32, UiError, Visit, format_unix_utc};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

fn invalid(message: String) -> UiError {
    UiError::new(ErrorCode::InvalidInput, message)
}

/// The form's fields as a bill: a line per non-empty `SERVICE=AMOUNT` line; the record ids
/// separated by line breaks, spaces or commas.
pub fn bill_of(lines: &str, records: &str) -> Result<Bill, UiError> {
    let lines = lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::parse::<BillLine>)
        .collect::<Result<Vec<_>, _>>()?;
    if lines.is_empty() {
        return Err(invalid("a bill has at least one line".into()));
    }
    let records = records
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<Hash32>()
                .map_err(|e| invalid(format!("{r:?} is not a record id: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Bill { lines, records })
}

/// What the form holds, checked: the visit, the bill and the insurer (when named).
fn form_of(
    visit: &str,
    lines: &str,
    records: &str,
    insurer: &str,
) -> Result<(Hash32, Bill, Option<Address>), UiError> {
    let visit = visit
        .trim()
        .parse::<Hash32>()
        .map_err(|e| invalid(format!("not a visit id: {e}")))?;
    let insurer = match insurer.trim() {
        "" => None,
        text => Some(
            text.parse::<Address>()
                .map_err(|e| invalid(format!("{text:?} is not an address: {e}")))?,
        ),
    };
    Ok((visit, bill_of(lines, records)?, insurer))
}

#[function_component(BillingDesk)]
pub fn billing_desk() -> Html {
    let (visit, lines, records, insurer) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<Result<ClaimNotice, UiError>>);
    let open = use_state(|| None::<Result<Vec<Visit>, UiError>>);
    {
        let open = open.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                open.set(Some(ipc::billing_visits().await));
            });
        });
    }
    // Picking an open visit fills in its id (which the clerk may still type).
    let pick = {
        let visit = visit.clone();
        Callback::from(move |e: Event| {
            let picked = e
                .target_dyn_into::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            if let (false, Some(field)) = (picked.is_empty(), visit.cast::<HtmlInputElement>()) {
                field.set_value(&picked);
            }
        })
    };
    let onsubmit = {
        let (visit, lines, records, insurer) = (
            visit.clone(),
            lines.clone(),
            records.clone(),
            insurer.clone(),
        );
        let (busy, outcome) = (busy.clone(), outcome.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let area = |r: &NodeRef| {
                r.cast::<HtmlTextAreaElement>()
                    .map(|t| t.value())
                    .unwrap_or_default()
            };
            let (visit_id, bill, insurer) = match form_of(
                &input(&visit),
                &area(&lines),
                &area(&records),
                &input(&insurer),
            ) {
                Ok(form) => form,
                Err(e) => return outcome.set(Some(Err(e))),
            };
            let (busy, outcome) = (busy.clone(), outcome.clone());
            busy.set(true);
            outcome.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(Some(ipc::billing_send(visit_id, &bill, insurer).await));
                busy.set(false);
            });
        })
    };
    html! {
        <section class="card" id="billing">
            <h2>{ "Send a bill" }</h2>
            <p class="hint">{ "Billed to the insurer the patient's registration names, against the policy version it pinned. Encrypted here for the insurer, her and the hospital, signed with your key, anchored by the hospital." }</p>
            <form class="form" {onsubmit}>
                {
                    match &*open {
                        None => html! { <p class="muted" id="bill-visits-reading">{ "Reading the hospital's open visits…" }</p> },
                        Some(Err(e)) => crate::patient::error_box(e),
                        Some(Ok(list)) if list.is_empty() => html! { <p class="hint" id="bill-visits-none">{ "No visit is open at this hospital." }</p> },
                        Some(Ok(list)) => html! {
                            <label class="field"><span>{ "Open visits" }</span>
                                <select id="bill-visit-pick" onchange={pick}>
                                    <option value="">{ "Pick a visit…" }</option>
                                    { for list.iter().map(|v| html! {
                                        <option value={v.visit_id.to_string()}>{ format!(
                                            "{} · patient {} · open until {}",
                                            crate::records::short(&v.visit_id), v.patient, format_unix_utc(v.expires_at)
                                        ) }</option>
                                    }) }
                                </select>
                            </label>
                        },
                    }
                }
                <label class="field"><span>{ "Visit id" }</span>
                    <input type="text" id="bill-visit" ref={visit} class="mono" placeholder="0x…" />
                </label>
                <label class="field"><span>{ "Lines (one a line: service=amount)" }</span>
                    <textarea id="bill-lines" ref={lines} rows="3" placeholder="Specialist consultation=800"/>
                </label>
                <label class="field"><span>{ "Records billed for (their ids, one a line or separated by spaces)" }</span>
                    <textarea id="bill-records" ref={records} rows="3" class="mono"/>
                </label>
                <label class="field"><span>{ "Insurer (optional: her registration names it)" }</span>
                    <input type="text" id="bill-insurer" ref={insurer} class="mono" />
                </label>
                <button type="submit" id="bill-submit" disabled={*busy}>{ if *busy { "Sending…" } else { "Sign and send" } }</button>
            </form>
            {
                match &*outcome {
                    None => html! {},
                    Some(Err(e)) => crate::patient::error_box(e),
                    Some(Ok(notice)) => html! {
                        <p class="ok" id="bill-sent">{ format!(
                            "✔ Claim {} sent to {} for {}, anchored and filed at {}",
                            notice.claim_id, notice.insurer, notice.patient, format_unix_utc(notice.filed_at)
                        ) }</p>
                    },
                }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_makes_a_bill_or_says_what_is_wrong() {
        let id = format!("0x{}", "ab".repeat(32));
        let (visit, bill, insurer) = form_of(
            &id,
            "Specialist consultation=800\n\nLaboratory tests = 1500\n",
            &format!("{id}\n"),
            "",
        )
        .expect("form");
        let (_, two, _) = form_of(&id, "Consultation=800", &format!(" {id}, {id} "), "")
            .expect("ids separated by a comma and spaces");
        assert_eq!(two.records.len(), 2);
        assert_eq!(visit, Hash32([0xab; 32]));
        assert_eq!(bill.lines.len(), 2);
        assert_eq!(bill.lines[1].service, "Laboratory tests");
        assert_eq!(bill.lines[1].amount, 1500);
        assert_eq!(bill.records, [Hash32([0xab; 32])]);
        assert_eq!(insurer, None);

        for (visit, lines, records, insurer) in [
            ("0x12", "Consultation=800", "", ""),
            (id.as_str(), "", "", ""),
            (id.as_str(), "Consultation", "", ""),
            (id.as_str(), "Consultation=eight hundred", "", ""),
            (id.as_str(), "Consultation=800", "not an id", ""),
            (id.as_str(), "Consultation=800", "", "0xnope"),
        ] {
            assert_eq!(
                form_of(visit, lines, records, insurer)
                    .map(|_| ())
                    .map_err(|e| e.code),
                Err(ErrorCode::InvalidInput),
                "{visit:?} {lines:?} {records:?} {insurer:?}"
            );
        }
    }
}
