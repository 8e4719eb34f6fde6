//! Her side of the visit after check-in (the desktop app and the web page alike): "Tests", her test lists (T_D, written
//! by a doctor) and the code she shows a lab for one (step 10: for a lab of another organization
//! than the doctor's, the app first makes it a reader and grants it on chain); and "Bills", each
//! bill of hers with the insurer's answers and her own computation of what her on-chain policy
//! says it owes, any difference flagged (step 15).

use crate::ipc;
use crate::patient::error_box;
use crate::qr_view::QrView;
use crate::records::{short, writer_text};
use caretrail_protocol::records::{Listed, Writer};
use caretrail_protocol::visit::bill::{Adjudicated, BillView, Outcome};
use caretrail_types::{Address, Admission, Hash32, StaffRole, TestCode, UiError, format_unix_utc};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Her test lists: the `ServiceRequest` records a doctor wrote, as her device checked them.
pub fn test_lists(listed: &[Listed]) -> Vec<&Listed> {
    listed
        .iter()
        .filter(|l| {
            l.kind == "ServiceRequest"
                && matches!(&l.writer, Some(Writer::Staff(by)) if by.role == StaffRole::Doctor)
        })
        .collect()
}

#[function_component(TestsScreen)]
pub fn tests_screen() -> Html {
    let lists = use_state(|| None::<Result<Vec<Listed>, UiError>>);
    let labs = use_state(|| None::<Result<Vec<Admission>, UiError>>);
    let chosen = use_state(|| None::<(Hash32, Address)>);
    let code = use_state(|| None::<Result<TestCode, UiError>>);
    let busy = use_state(|| false);
    {
        let (lists, labs) = (lists.clone(), labs.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                lists.set(Some(ipc::records_list().await));
                labs.set(Some(ipc::visit_organizations().await));
            });
        });
    }
    let show = {
        let (code, busy) = (code.clone(), busy.clone());
        Callback::from(move |(record, lab): (Hash32, Address)| {
            let (code, busy) = (code.clone(), busy.clone());
            busy.set(true);
            code.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                code.set(Some(ipc::visit_test_code(record, lab).await));
                busy.set(false);
            });
        })
    };
    let labs_list: Vec<Admission> = match &*labs {
        Some(Ok(list)) => list.clone(),
        _ => Vec::new(),
    };
    let rows = match &*lists {
        None => html! { <p class="muted">{ "Reading your records…" }</p> },
        Some(Err(e)) => error_box(e),
        Some(Ok(listed)) => {
            let found = test_lists(listed);
            if found.is_empty() {
                html! { <p class="hint" id="tests-none">{ "No test list yet: a doctor's test list appears here once it is written and anchored." }</p> }
            } else {
                html! {
                    <table class="list" id="tests">
                        <thead><tr><th>{ "Test list" }</th><th>{ "Written by" }</th><th>{ "Lab" }</th><th></th></tr></thead>
                        <tbody>
                            { for found.into_iter().map(|l| {
                                let record = l.id;
                                let first = labs_list.first().map(|a| a.signer);
                                let picked = chosen.as_ref().filter(|(r, _)| *r == record).map(|(_, lab)| *lab).or(first);
                                let on_choose = {
                                    let chosen = chosen.clone();
                                    Callback::from(move |e: Event| {
                                        let select: HtmlSelectElement = e.target_unchecked_into();
                                        if let Ok(lab) = select.value().parse::<Address>() {
                                            chosen.set(Some((record, lab)));
                                        }
                                    })
                                };
                                let onclick = {
                                    let show = show.clone();
                                    Callback::from(move |_| {
                                        if let Some(lab) = picked {
                                            show.emit((record, lab));
                                        }
                                    })
                                };
                                html! {
                                    <tr class="test-list" data-id={record.to_string()}>
                                        <td class="mono">{ short(&record) }</td>
                                        <td>{ writer_text(l) }</td>
                                        <td>
                                            <select class="test-lab" onchange={on_choose}>
                                                { for labs_list.iter().map(|a| html! {
                                                    <option value={a.signer.to_string()} selected={Some(a.signer) == picked}>
                                                        { format!("{} ({})", a.name, a.licence_id) }
                                                    </option>
                                                }) }
                                            </select>
                                        </td>
                                        <td><button type="button" class="test-show" disabled={*busy || picked.is_none()} {onclick}>{ "Show the code" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }
            }
        }
    };
    html! {
        <section class="card" id="tests-screen">
            <h2>{ "Tests" }</h2>
            <p class="hint">{ "Show the lab the code for a test list: it lets that lab read this list, and nothing else, for three days." }</p>
            if let Some(Err(e)) = &*labs {
                { error_box(e) }
            }
            { rows }
            if *busy {
                <p class="muted" id="test-code-making">{ "Sharing the test list with the lab…" }</p>
            }
            {
                match &*code {
                    None => html! {},
                    Some(Err(e)) => error_box(e),
                    Some(Ok(c)) => html! {
                        <>
                            <p id="test-code-valid">{ format!("For the lab of {} until {}.", c.lab, format_unix_utc(c.expires_at)) }</p>
                            <QrView text={c.text.clone()} />
                        </>
                    },
                }
            }
        </section>
    }
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Queued => "queued",
        Outcome::Complete => "complete",
        Outcome::Partial => "partial",
        Outcome::Error => "refused",
    }
}

fn expected_rows(expected: &Adjudicated) -> Html {
    html! {
        { for expected.lines.iter().map(|l| html! {
            <tr class="line">
                <td>{ &l.service }</td>
                <td class="amount">{ l.submitted }</td>
                <td class="amount">{ l.copay }</td>
                <td class="amount">{ l.benefit }</td>
                <td class="hint">{ l.reason.clone().unwrap_or_default() }</td>
            </tr>
        }) }
    }
}

fn bill_card(view: &BillView) -> Html {
    let answer = view.answers.last();
    html! {
        <div class="bill card" data-claim={view.claim.to_string()}>
            <h3>{ format!("Bill {} from {}", short(&view.claim), view.organization) }</h3>
            <p>{ format!("To insurer {}", view.insurer) }</p>
            <table class="list">
                <thead><tr><th>{ "Service" }</th><th>{ "Billed" }</th><th>{ "You pay (your policy)" }</th><th>{ "Insurer pays (your policy)" }</th><th></th></tr></thead>
                <tbody>{ expected_rows(&view.expected) }</tbody>
            </table>
            <p class="bill-expected">{ format!("Your policy says the insurer pays {} ({}).", view.expected.benefit, outcome_text(view.expected.outcome)) }</p>
            {
                match answer {
                    None => html! { <p class="warning bill-answer">{ "No answer from the insurer yet." }</p> },
                    Some(a) => html! {
                        <p class="bill-answer" data-outcome={outcome_text(a.outcome)}>{ format!("The insurer answered: {}, pays {}.", outcome_text(a.outcome), a.benefit) }</p>
                    },
                }
            }
            if view.differences.is_empty() {
                if answer.is_some_and(|a| a.outcome != Outcome::Queued) {
                    <p class="ok bill-agrees">{ "✔ The answer agrees with your policy." }</p>
                }
            } else {
                <div class="error bill-differences" role="alert">
                    <strong>{ "The insurer's answer differs from what your published policy says:" }</strong>
                    <ul>{ for view.differences.iter().map(|d| html! { <li>{ d }</li> }) }</ul>
                </div>
            }
        </div>
    }
}

#[function_component(BillsScreen)]
pub fn bills_screen() -> Html {
    let bills = use_state(|| None::<Result<Vec<BillView>, UiError>>);
    let refresh = {
        let bills = bills.clone();
        Callback::from(move |_| {
            let bills = bills.clone();
            bills.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                bills.set(Some(ipc::records_bills().await));
            });
        })
    };
    {
        let refresh = refresh.clone();
        use_effect_with((), move |_| refresh.emit(()));
    }
    html! {
        <section class="card" id="bills">
            <h2>{ "Bills" }</h2>
            <p class="hint">{ "Each bill sent for you, the insurer's answer, and what the policy version your registration pinned on chain says the insurer owes, computed on this device." }</p>
            <button type="button" id="bills-refresh" class="quiet" onclick={refresh.reform(|_| ())}>{ "Refresh" }</button>
            {
                match &*bills {
                    None => html! { <p class="muted">{ "Reading your bills…" }</p> },
                    Some(Err(e)) => error_box(e),
                    Some(Ok(list)) if list.is_empty() => html! { <p class="hint" id="bills-none">{ "No bill yet." }</p> },
                    Some(Ok(list)) => html! { <>{ for list.iter().map(bill_card) }</> },
                }
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::WrittenBy;

    fn listed(kind: &str, writer: Option<Writer>) -> Listed {
        Listed {
            id: Hash32([1; 32]),
            kind: kind.into(),
            anchor: None,
            stored: None,
            writer,
        }
    }

    #[test]
    fn her_test_lists_are_the_ones_a_doctor_wrote_and_each_writer_is_named() {
        let by = |role| WrittenBy {
            staff: Address([2; 20]),
            role,
            organization: Address([3; 20]),
            organization_name: "St Olav".into(),
            visit_id: Hash32([4; 32]),
        };
        let all = [
            listed("ServiceRequest", Some(Writer::Staff(by(StaffRole::Doctor)))),
            listed("ServiceRequest", Some(Writer::Staff(by(StaffRole::Lab)))),
            listed("ServiceRequest", Some(Writer::Patient)),
            listed(
                "MedicationRequest",
                Some(Writer::Staff(by(StaffRole::Doctor))),
            ),
            listed(
                "ServiceRequest",
                Some(Writer::Unproven {
                    reason: "forged".into(),
                }),
            ),
        ];
        assert_eq!(test_lists(&all).len(), 1);
        let text = writer_text(&all[0]);
        assert!(
            text.starts_with("doctor 0x0202") && text.ends_with("at St Olav"),
            "{text}"
        );
        assert_eq!(writer_text(&all[2]), "you");
        assert_eq!(writer_text(&all[4]), "not proven: forged");
        assert_eq!(writer_text(&listed("Document", None)), "—");
    }
}
