//! Reception's kiosk (steps 6 and 7): the patient's check-in code scanned with the camera, or
//! read from a picture file where there is none; the app checks it offline, asks the chain that
//! H is hers and opens the visit with the organization's key; then reception picks a doctor (or
//! a lab) from the workstation's directory and the organization signs the assignment (TKN_D),
//! which the relay pushes to that queue. Every refusal is named for what it means at the desk.

use crate::device::Colleague;
use crate::ipc;
use crate::scan::ScanScreen;
use caretrail_types::{
    Address, ErrorCode, QueuedVisit, ScannedCode, UiError, Visit, format_unix_utc,
};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// What a refusal means for the person at the desk.
pub fn refusal_title(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadSignature => {
            "Forged or altered code: it is not signed by the patient it names"
        }
        ErrorCode::SignatureExpired | ErrorCode::CodeExpired => {
            "Expired code: ask her to show a fresh one"
        }
        ErrorCode::WrongOrganization => "A code for another health organization",
        ErrorCode::UnknownRecord => {
            "Not a registered patient: the chain holds no such registration"
        }
        ErrorCode::NotCaretrail => "Not a Caretrail code",
        ErrorCode::DamagedCode | ErrorCode::UnreadableCode => "Damaged code: it cannot be read",
        ErrorCode::NoQrCode => "No code in the picture",
        ErrorCode::SeveralCodes => "Several codes in the picture: show one",
        ErrorCode::NewerCode => "A code from a newer Caretrail",
        ErrorCode::BadPicture => "Not a picture this kiosk can read",
        ErrorCode::InvalidInput => "Not a check-in code",
        ErrorCode::ChainRefused => "The chain refused to open the visit (a code used before?)",
        ErrorCode::NotAdmitted => "This organization is not admitted",
        ErrorCode::NoKey => "The organization's key is not open on this workstation",
        ErrorCode::UnknownVisit | ErrorCode::VisitClosed => "The visit is not open",
        ErrorCode::NoCamera | ErrorCode::CameraLost => "No camera: read a picture of the code",
        _ => "Refused",
    }
}

fn refusal_box(id: &'static str, e: &UiError) -> Html {
    titled_refusal(id, e, refusal_title)
}

/// A refusal under the title `title_of` gives it at this desk, with its message and code.
pub fn titled_refusal(
    id: &'static str,
    e: &UiError,
    title_of: fn(ErrorCode) -> &'static str,
) -> Html {
    html! {
        <div class="error" {id} role="alert">
            <div class="refusal-title"><strong>{ title_of(e.code) }</strong></div>
            <div>{ &e.message }</div>
            <div class="code">{ format!("{:?}", e.code) }</div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct KioskProps {
    /// The workstation's staff directory.
    pub staff: Vec<Colleague>,
}

#[function_component(Kiosk)]
pub fn kiosk(props: &KioskProps) -> Html {
    let opening = use_state(|| false);
    let opened = use_state(|| None::<Result<Visit, UiError>>);
    let assigned = use_state(|| None::<Result<QueuedVisit, UiError>>);
    let chosen = use_state(|| props.staff.first().map(|c| c.address));
    let on_code = {
        let (opening, opened, assigned) = (opening.clone(), opened.clone(), assigned.clone());
        Callback::from(move |code: ScannedCode| {
            let (opening, opened, assigned) = (opening.clone(), opened.clone(), assigned.clone());
            opening.set(true);
            opened.set(None);
            assigned.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                opened.set(Some(ipc::reception_open(&code.text).await));
                opening.set(false);
            });
        })
    };
    let on_start = {
        let (opened, assigned) = (opened.clone(), assigned.clone());
        Callback::from(move |()| {
            opened.set(None);
            assigned.set(None);
        })
    };
    let on_choose = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.value().parse::<Address>().ok());
        })
    };
    let assign = {
        let (opened, assigned, chosen) = (opened.clone(), assigned.clone(), chosen.clone());
        Callback::from(move |_| {
            let (Some(Ok(visit)), Some(staff)) = ((*opened).clone(), *chosen) else {
                return;
            };
            let assigned = assigned.clone();
            wasm_bindgen_futures::spawn_local(async move {
                assigned.set(Some(ipc::reception_assign(&visit, staff).await));
            });
        })
    };
    let name_of = |address: Address| {
        props
            .staff
            .iter()
            .find(|c| c.address == address)
            .map_or_else(|| address.to_string(), |c| c.name.clone())
    };
    html! {
        <>
            <ScanScreen {on_code} {on_start} title_of={Callback::from(refusal_title)} />
            <section class="card" id="visit">
                <h2>{ "The visit" }</h2>
                if *opening {
                    <p class="muted" id="visit-opening">{ "Checking the code and opening the visit…" }</p>
                }
                {
                    match &*opened {
                        None => html! { <p class="hint">{ "Scan the patient's check-in code." }</p> },
                        Some(Err(e)) => refusal_box("visit-error", e),
                        Some(Ok(visit)) => html! {
                            <>
                                <p class="ok" id="visit-opened">{ "Visit opened" }</p>
                                <dl class="facts">
                                    <dt>{ "Patient" }</dt><dd class="mono" id="visit-patient">{ visit.patient.to_string() }</dd>
                                    <dt>{ "Visit" }</dt><dd class="mono" id="visit-id">{ visit.visit_id.to_string() }</dd>
                                    <dt>{ "Open until" }</dt><dd>{ format_unix_utc(visit.expires_at) }</dd>
                                </dl>
                                <div class="row">
                                    <label>{ "Assign to " }
                                        <select id="assign-staff" onchange={on_choose}>
                                            { for props.staff.iter().map(|c| html! {
                                                <option value={c.address.to_string()} selected={Some(c.address) == *chosen}>
                                                    { format!("{} ({})", c.name, c.role.name()) }
                                                </option>
                                            }) }
                                        </select>
                                    </label>
                                    <button type="button" id="assign" onclick={assign} disabled={chosen.is_none()}>{ "Assign" }</button>
                                </div>
                                if props.staff.is_empty() {
                                    <p class="warning">{ "This workstation's directory names no staff to assign." }</p>
                                }
                            </>
                        },
                    }
                }
                {
                    match &*assigned {
                        None => html! {},
                        Some(Err(e)) => refusal_box("assign-error", e),
                        Some(Ok(q)) => html! {
                            <p class="ok" id="assigned">{ format!(
                                "Assigned to {} as {} until {}",
                                name_of(q.assignment.assignment.staff),
                                q.assignment.assignment.role.name(),
                                format_unix_utc(q.assignment.assignment.expires_at),
                            ) }</p>
                        },
                    }
                }
            </section>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_check_in_code_is_named_for_what_it_means() {
        let cases = [
            (ErrorCode::BadSignature, "Forged"),
            (ErrorCode::SignatureExpired, "Expired"),
            (ErrorCode::WrongOrganization, "another health organization"),
            (ErrorCode::UnknownRecord, "Not a registered patient"),
            (ErrorCode::NotCaretrail, "Not a Caretrail code"),
            (ErrorCode::DamagedCode, "Damaged"),
            (ErrorCode::UnreadableCode, "Damaged"),
            (ErrorCode::InvalidInput, "Not a check-in code"),
            (ErrorCode::ChainRefused, "used before"),
        ];
        for (code, title) in cases {
            assert!(
                refusal_title(code).contains(title),
                "{code:?}: {}",
                refusal_title(code)
            );
        }
        let titles: std::collections::BTreeSet<_> =
            cases[..6].iter().map(|(c, _)| refusal_title(*c)).collect();
        assert_eq!(
            titles.len(),
            6,
            "the six kinds of bad code read differently"
        );
    }
}
