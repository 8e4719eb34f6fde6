//! The web page's line on which network it trusts: the one the relay it was served from
//! announces (the page trusts its own origin), shown so she can compare it with what her
//! insurer or the operator publishes. The desktop app pins its network in its data directory.

use crate::ipc;
use caretrail_types::NetworkInfo;
use yew::prelude::*;

#[function_component(TrustedNetwork)]
pub fn trusted_network() -> Html {
    let network = use_state(|| None::<Result<NetworkInfo, String>>);
    {
        let network = network.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                network.set(Some(ipc::web_network().await.map_err(|e| e.message)));
            });
        });
    }
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    html! {
        <footer class="trust" id="trusted-network">
            { format!("This page trusts the relay it was served from ({origin}): ") }
            {
                match &*network {
                    None => html! { "asking it which network it works on…" },
                    Some(Err(message)) => html! { <span class="error">{ message.clone() }</span> },
                    Some(Ok(n)) => html! {
                        <span class="mono">
                            { format!(
                                "chain {} · policy registry {} · participant registry {} · patient registry {} · record registry {}",
                                n.chain_id, n.policy_registry, n.participant_registry,
                                n.patient_registry, n.record_registry
                            ) }
                        </span>
                    },
                }
            }
        </footer>
    }
}
