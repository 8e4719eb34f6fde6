//! The notice of a pending recovery of this device's registration (`caretrail_protocol::recovery`
//! says what it means for this device's key): on the device that holds the registration, a
//! warning with a way to cancel a recovery she did not ask for; on the device it is being
//! recovered to, when it can be finished, and a way to finish it.

use crate::ipc;
use crate::patient::error_box;
use caretrail_types::{RecoveryNotice, RecoveryStatus, UiError, format_unix_utc};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecoveryProps {
    /// Her key is open (cancelling needs it); the notice is read again when this changes.
    pub logged_in: bool,
}

#[derive(Clone, PartialEq)]
enum Shown {
    Nothing,
    Pending(RecoveryNotice),
    Done(&'static str),
    Failed(UiError),
}

#[function_component(RecoveryBanner)]
pub fn recovery_banner(props: &RecoveryProps) -> Html {
    let shown = use_state(|| Shown::Nothing);
    {
        let shown = shown.clone();
        use_effect_with(props.logged_in, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                // No relay, or no registration here: nothing to tell.
                match ipc::recovery_notice().await {
                    Ok(Some(notice)) => shown.set(Shown::Pending(notice)),
                    Ok(None) => shown.set(Shown::Nothing),
                    Err(_) => {}
                }
            });
        });
    }
    let act = |cancel: bool| {
        let shown = shown.clone();
        Callback::from(move |_| {
            let shown = shown.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let done = if cancel {
                    ipc::recovery_cancel()
                        .await
                        .map(|_| "The recovery is cancelled.")
                } else {
                    ipc::recovery_finish()
                        .await
                        .map(|_| "Recovered: log in with your ID, your password and H.")
                };
                shown.set(done.map_or_else(Shown::Failed, Shown::Done));
            });
        })
    };
    match &*shown {
        Shown::Nothing => html! {},
        Shown::Done(text) => {
            html! { <section class="card" id="recovery-done"><p>{ *text }</p></section> }
        }
        Shown::Failed(e) => error_box(e),
        Shown::Pending(notice) => {
            let when = format_unix_utc(notice.pending.executable_at);
            match notice.status {
                RecoveryStatus::Outgoing { to, may_cancel, .. } => html! {
                    <div class="error" id="recovery-warning" role="alert">
                        <strong>{ format!("A recovery moves your registration to the key {to} on {when}.") }</strong>
                        if !may_cancel {
                            <p>{ "The health authority proposed it; only the health authority may cancel it." }</p>
                        } else if props.logged_in {
                            <p>{ "If you did not ask for it, cancel it now." }</p>
                            <button type="button" id="recovery-cancel" onclick={act(true)}>{ "Cancel this recovery" }</button>
                        } else {
                            <p>{ "If you did not ask for it, log in and cancel it." }</p>
                        }
                    </div>
                },
                RecoveryStatus::Incoming { ready, .. } => html! {
                    <section class="card" id="recovery-incoming">
                        <strong>{ "Your registration is being recovered to this device's key." }</strong>
                        if ready {
                            <button type="button" id="recovery-finish" onclick={act(false)}>{ "Finish the recovery" }</button>
                        } else {
                            <p>{ format!("It can be finished on {when}, unless the key that holds it now cancels it.") }</p>
                        }
                    </section>
                },
            }
        }
    }
}
