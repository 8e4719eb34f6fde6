//! The staff's page (the desktop app's `staff.html`, a wasm of its own): the device's profile
//! names the role, and the page shows that role's screens only. Each opens the workstation's key
//! first, in the app (`unlock.rs`); then reception's kiosk (`reception.rs`); a doctor's live
//! queue (`queue.rs`) and her form for a visit picked from it (`doctor.rs`); the lab's scan of a
//! test-list code and its report (`lab.rs`) above its queue; billing's bill (`billing.rs`).

mod billing;
mod doctor;
mod lab;
mod queue;
mod reception;
mod unlock;

use crate::device::{DeviceProfile, Role};
use crate::ipc;
use caretrail_types::UiError;
use unlock::{Unlock, Unlocked};
use yew::prelude::*;

#[function_component(StaffApp)]
pub fn staff_app() -> Html {
    let device = use_state(|| None::<Result<DeviceProfile, UiError>>);
    let unlocked = use_state(|| None::<Unlocked>);
    {
        let device = device.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                device.set(Some(ipc::device_profile().await));
            });
        });
    }
    let on_unlock = {
        let unlocked = unlocked.clone();
        Callback::from(move |u: Unlocked| unlocked.set(Some(u)))
    };
    let role = device
        .as_ref()
        .and_then(|d| d.as_ref().ok())
        .map(|d| d.role);
    let screens = match (&*device, &*unlocked) {
        (None, _) => html! { <p class="muted">{ "Reading this device's profile…" }</p> },
        (Some(Err(e)), _) => html! { <p class="error" id="device-error">{ e.message.clone() }</p> },
        (Some(Ok(d)), None) => html! { <Unlock role={d.role} {on_unlock} /> },
        (Some(Ok(d)), Some(who)) => match d.role {
            Role::Reception => html! { <reception::Kiosk staff={d.staff.clone()} /> },
            Role::Doctor => html! { <DoctorDesk /> },
            Role::Lab => html! {
                <>
                    <lab::LabDesk />
                    <queue::Queue role={Role::Lab} />
                </>
            },
            Role::Billing => html! {
                <>
                    <p class="hint">{ format!("Signed in for {}.", who.organization_name()) }</p>
                    <billing::BillingDesk />
                </>
            },
            Role::Patient => html! {
                <p class="error">{ "This device is a patient's: her window is the patient page." }</p>
            },
        },
    };
    html! {
        <>
            <header class="bar">
                <h1>{ "Caretrail" }</h1>
                <span class="tag" id="role">{ role.map_or("staff", Role::label) }</span>
                if let Some(who) = &*unlocked {
                    <span class="tag mono" id="me">{ who.address.to_string() }</span>
                    if let Some(member) = &who.member {
                        <span class="tag" id="organization">{ member.organization_name.clone() }</span>
                    }
                }
            </header>
            <main>{ screens }</main>
        </>
    }
}

/// The doctor's queue, and the form for the visit she picks from it.
#[function_component(DoctorDesk)]
fn doctor_desk() -> Html {
    let picked = use_state(|| None::<caretrail_types::QueuedVisit>);
    let on_pick = {
        let picked = picked.clone();
        Callback::from(move |visit| picked.set(Some(visit)))
    };
    html! {
        <>
            <queue::Queue role={Role::Doctor} {on_pick} />
            if let Some(visit) = &*picked {
                <doctor::OrdersForm key={visit.assignment.assignment.visit_id.to_string()} visit={*visit} />
            }
        </>
    }
}
