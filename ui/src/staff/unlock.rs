//! Opens the workstation's key in the app with its password (it never leaves the app): the
//! organization's at reception, her own for a doctor, a lab or billing, whose certificate the
//! relay then checks (who she is for it, or why not: revoked, expired, the wrong role).

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

async fn unlock(role: Role, password: &str) -> Result<Unlocked, UiError> {
    if role == Role::Reception {
        let address = ipc::reception_unlock(password).await?;
        Ok(Unlocked {
            address,
            member: None,
        })
    } else {
        let member = ipc::staff_unlock(password).await?;
        Ok(Unlocked {
            address: member.staff,
            member: Some(member),
        })
    }
}

#[function_component(Unlock)]
pub fn unlock_form(props: &UnlockProps) -> Html {
    let password = use_node_ref();
    let busy = use_state(|| false);
    let refusal = use_state(|| None::<UiError>);
    let onsubmit = {
        let (password, busy, refusal) = (password.clone(), busy.clone(), refusal.clone());
        let (role, on_unlock) = (props.role, props.on_unlock.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = password.cast::<HtmlInputElement>() else {
                return;
            };
            let (busy, refusal, on_unlock) = (busy.clone(), refusal.clone(), on_unlock.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match unlock(role, &input.value()).await {
                    Ok(unlocked) => {
                        input.set_value("");
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
                <button type="submit" id="unlock-submit" disabled={*busy}>{ "Open" }</button>
            </form>
            if let Some(e) = &*refusal {
                { crate::patient::error_box(e) }
            }
        </section>
    }
}
