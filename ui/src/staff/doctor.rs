//! The doctor's form (steps 8–9): for a visit in her queue, a prescription (U_P) and the tests
//! she orders (T_D, one `CODE=NAME` a line). The app writes them as FHIR R4 (with the visit's
//! Encounter), encrypts each for the patient and the organization, uploads them with her
//! signature, and the organization anchors them in one batch. What she typed stays in the form
//! whatever the answer.

use crate::ipc;
use crate::records::short;
use caretrail_protocol::records::kind_text;
use caretrail_protocol::visit::orders::{Orders, Prescription, TestOrder};
use caretrail_types::{ErrorCode, QueuedVisit, StoredRecord, UiError};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The form's fields as orders: a prescription when both its fields are filled (one without the
/// other is refused), a test per non-empty line. Codes and names are checked by the app.
pub fn orders_of(medication: &str, dosage: &str, tests: &str) -> Result<Orders, UiError> {
    let prescription = match (medication.trim(), dosage.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "a prescription needs both the medication and how to take it",
            ));
        }
        (medication, dosage) => Some(Prescription {
            medication: medication.to_owned(),
            dosage: dosage.to_owned(),
        }),
    };
    let tests = tests
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::parse::<TestOrder>)
        .collect::<Result<Vec<_>, _>>()?;
    if prescription.is_none() && tests.is_empty() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "write a prescription, a test, or both",
        ));
    }
    Ok(Orders {
        prescription,
        tests,
    })
}

#[derive(Properties, PartialEq)]
pub struct OrdersFormProps {
    pub visit: QueuedVisit,
}

#[function_component(OrdersForm)]
pub fn orders_form(props: &OrdersFormProps) -> Html {
    let (medication, dosage, tests) = (use_node_ref(), use_node_ref(), use_node_ref());
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<Result<Vec<StoredRecord>, UiError>>);
    let onsubmit = {
        let (medication, dosage, tests) = (medication.clone(), dosage.clone(), tests.clone());
        let (busy, outcome) = (busy.clone(), outcome.clone());
        let visit_id = props.visit.assignment.assignment.visit_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let tests = tests
                .cast::<HtmlTextAreaElement>()
                .map(|t| t.value())
                .unwrap_or_default();
            let orders = match orders_of(&value(&medication), &value(&dosage), &tests) {
                Ok(orders) => orders,
                Err(e) => return outcome.set(Some(Err(e))),
            };
            let (busy, outcome) = (busy.clone(), outcome.clone());
            busy.set(true);
            outcome.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(Some(ipc::doctor_write(visit_id, &orders).await));
                busy.set(false);
            });
        })
    };
    let a = &props.visit.assignment.assignment;
    html! {
        <section class="card" id="orders">
            <h2>{ "Prescription and tests" }</h2>
            <p class="hint">{ format!("For the patient {} at visit {}. Encrypted here for her and your organization, signed with your key, anchored by your organization.", a.patient, short(&a.visit_id)) }</p>
            <form class="form" {onsubmit}>
                <label class="field"><span>{ "Medication" }</span>
                    <input type="text" id="orders-medication" ref={medication} placeholder="Amoxicillin 500 mg capsule" />
                </label>
                <label class="field"><span>{ "How to take it" }</span>
                    <input type="text" id="orders-dosage" ref={dosage} placeholder="1 capsule 3 times a day for 7 days" />
                </label>
                <label class="field"><span>{ "Tests (one a line: LOINC code=name)" }</span>
                    <textarea id="orders-tests" ref={tests} rows="3" placeholder="58410-2=Complete blood count"/>
                </label>
                <button type="submit" id="orders-submit" disabled={*busy}>{ if *busy { "Writing and anchoring…" } else { "Write and sign" } }</button>
            </form>
            {
                match &*outcome {
                    None => html! {},
                    Some(Err(e)) => crate::patient::error_box(e),
                    Some(Ok(written)) => written_list("orders-written", written),
                }
            }
        </section>
    }
}

/// The records a staff member wrote, each as the relay stored it and anchored.
pub fn written_list(id: &'static str, written: &[StoredRecord]) -> Html {
    html! {
        <div class="done" {id}>
            <p class="ok">{ format!("✔ {} records written, encrypted, signed and anchored", written.len()) }</p>
            <ul>
                { for written.iter().map(|r| html! {
                    <li class="written" data-id={r.id.to_string()} data-kind={kind_text(&r.kind)}>
                        { format!("{} {} ({} bytes){}", kind_text(&r.kind), short(&r.id), r.size,
                            if r.batch.is_some() { ", anchored in one batch" } else { ", anchored" }) }
                    </li>
                }) }
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_makes_orders_or_says_what_is_missing() {
        let orders = orders_of(
            " Amoxicillin 500 mg ",
            "3 a day",
            "58410-2=Complete blood count\n\n 2345-7 = Glucose \n",
        )
        .expect("orders");
        assert_eq!(
            orders.prescription.map(|p| p.medication),
            Some("Amoxicillin 500 mg".to_owned())
        );
        let codes: Vec<_> = orders.tests.iter().map(|t| t.loinc.as_str()).collect();
        assert_eq!(codes, ["58410-2", "2345-7"]);
        assert_eq!(orders.tests[1].name, "Glucose");
        let tests_only = orders_of("", "", "58410-2=Complete blood count").expect("tests");
        assert_eq!(tests_only.prescription, None);

        for (medication, dosage, tests) in [
            ("Amoxicillin", "", ""),
            ("", "3 a day", "58410-2=CBC"),
            ("", "", ""),
            ("", "", "Complete blood count"),
        ] {
            let refused = orders_of(medication, dosage, tests).map_err(|e| e.code);
            assert_eq!(
                refused,
                Err(ErrorCode::InvalidInput),
                "{medication:?} {dosage:?} {tests:?}"
            );
        }
    }
}
