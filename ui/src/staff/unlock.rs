//! Opens the workstation's keys in the app with their passwords (they never leave the app): the
//! organization's at reception; for a doctor, a lab or billing, her own, whose certificate the
//! relay then checks (who she is for it, or why not: revoked, expired, the wrong role), and the
//! workstation's copy of the organization's key, which anchors what she writes.

use crate::device::Role;
use crate::ipc;
use caretrail_types::{Address, StaffMember, UiError};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Who the opened key is.
#[derive(Debug, Clone, PartialEq)]
pub struct Unlocked {
    pub address: Address,
    /// A staff member's certificate as the relay read it (not reception's: its key is the
    /// organization's own).
    pub member: Option<StaffMember>,
}

impl Unlocked {
    pub fn organization_name(&self) -> String {
        self.member.as_ref().map_or_else(
            || format!("organization {}", self.address),
            |m| m.organization_name.clone(),
        )
    }
}

#[derive(Properties, PartialEq)]
pub struct UnlockProps {
    pub role: Role,
    pub on_unlock: Callback<Unlocked>,
}

async fn unlock(
    role: Role,
    password: &str,
    organization_password: &str,
) -> Result<Unlocked, UiError> {
    if role == Role::Reception {
        let address = ipc::reception_unlock(password).await?;
        Ok(Unlocked {
            address,
            member: None,
        })
    } else {
        let member = ipc::staff_unlock(password, organization_password).await?;
        Ok(Unlocked {
            address: member.staff,
            member: Some(member),
        })
    }
}

#[function_component(Unlock)]
pub fn unlock_form(props: &UnlockProps) -> Html {
    let password = use_node_ref();
    let organization_password = use_node_ref();
    let busy = use_state(|| false);
    let refusal = use_state(|| None::<UiError>);
    let onsubmit = {
        let (password, busy, refusal) = (password.clone(), busy.clone(), refusal.clone());
        let organization_password = organization_password.clone();
        let (role, on_unlock) = (props.role, props.on_unlock.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = password.cast::<HtmlInputElement>() else {
                return;
            };
            let organization = organization_password.cast::<HtmlInputElement>();
            let (busy, refusal, on_unlock) = (busy.clone(), refusal.clone(), on_unlock.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let second = organization.as_ref().map(HtmlInputElement::value);
                match unlock(role, &input.value(), second.as_deref().unwrap_or_default()).await {
                    Ok(unlocked) => {
                        input.set_value("");
                        if let Some(organization) = &organization {
                            organization.set_value("");
                        }
                        on_unlock.emit(unlocked);
                    }
                    Err(e) => refusal.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let what = match props.role {
        Role::Reception => "the organization's key on this workstation",
        _ => "your staff key",
    };
    html! {
        <section class="card" id="unlock">
            <h2>{ format!("Open {what}") }</h2>
            <form class="form" {onsubmit}>
                <label class="field"><span>{ "Password" }</span>
                    <input type="password" id="unlock-password" ref={password} autocomplete="current-password" />
                </label>
                if props.role != Role::Reception {
                    <label class="field"><span>{ "The workstation's password (the organization's key, which anchors what you write)" }</span>
                        <input type="password" id="unlock-organization-password" ref={organization_password} autocomplete="off" />
                    </label>
                }
                <button type="submit" id="unlock-submit" disabled={*busy}>{ "Open" }</button>
            </form>
            if let Some(e) = &*refusal {
                { crate::patient::error_box(e) }
            }
        </section>
    }
}
