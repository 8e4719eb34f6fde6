//! "Check in" (step 6, the desktop app and the web page): she picks an admitted health
//! organization (the participant registry's), and her app signs her check-in code for it with
//! her session's key: her `VisitToken` and H, shown as a QR code for reception's kiosk. A code may open the visit
//! for 10 minutes (`notAfter`); a fresh one replaces it a minute before.

use crate::device::CheckinCode;
use crate::ipc;
use crate::qr_view::QrView;
use caretrail_types::{Address, Admission, UiError, format_unix_utc};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::Closure;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// How long before its `notAfter` a code is replaced (time for the kiosk to open the visit).
pub const REFRESH_BEFORE_SECS: u64 = 60;

/// Milliseconds from `now` until a code valid until `not_after` is replaced: a minute before, or
/// at once when that is past (never sooner than a second, so a wrong clock cannot spin).
pub fn refresh_in_ms(not_after: u64, now: u64) -> u32 {
    let secs = not_after
        .saturating_sub(REFRESH_BEFORE_SECS)
        .saturating_sub(now)
        .max(1);
    u32::try_from(secs.saturating_mul(1000)).unwrap_or(u32::MAX)
}

#[function_component(CheckinScreen)]
pub fn checkin_screen() -> Html {
    let organizations = use_state(|| None::<Result<Vec<Admission>, UiError>>);
    let chosen = use_state(|| None::<Address>);
    let code = use_state(|| None::<Result<CheckinCode, UiError>>);
    let busy = use_state(|| false);
    {
        let (organizations, chosen) = (organizations.clone(), chosen.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let found = ipc::visit_organizations().await;
                if let Ok(list) = &found {
                    chosen.set(list.first().map(|a| a.signer));
                }
                organizations.set(Some(found));
            });
        });
    }
    let fetch = {
        let (code, busy) = (code.clone(), busy.clone());
        Callback::from(move |organization: Address| {
            let (code, busy) = (code.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                code.set(Some(ipc::visit_checkin_code(organization).await));
                busy.set(false);
            });
        })
    };
    // A fresh code a minute before this one's notAfter, as long as the screen shows it.
    {
        let fetch = fetch.clone();
        let shown = code.as_ref().and_then(|c| c.as_ref().ok()).cloned();
        use_effect_with(shown, move |shown| {
            let timer = shown.as_ref().and_then(|shown| {
                let organization = shown.organization;
                let renew = Closure::once(move || fetch.emit(organization));
                let id = web_sys::window()?
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        renew.as_ref().unchecked_ref(),
                        i32::try_from(refresh_in_ms(shown.not_after, crate::clock::now()))
                            .unwrap_or(i32::MAX),
                    )
                    .ok()?;
                Some((id, renew))
            });
            move || {
                if let (Some((id, _renew)), Some(window)) = (timer, web_sys::window()) {
                    window.clear_timeout_with_handle(id);
                }
            }
        });
    }
    let on_choose = {
        let (chosen, code) = (chosen.clone(), code.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.value().parse::<Address>().ok());
            code.set(None);
        })
    };
    let show = {
        let (fetch, chosen) = (fetch.clone(), chosen.clone());
        Callback::from(move |_| {
            if let Some(organization) = *chosen {
                fetch.emit(organization);
            }
        })
    };
    let picker = match &*organizations {
        None => html! { <p class="muted">{ "Reading the admitted health organizations…" }</p> },
        Some(Err(e)) => crate::patient::error_box(e),
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="warning" id="checkin-none">{ "No health organization is admitted yet." }</p>
        },
        Some(Ok(list)) => html! {
            <div class="row">
                <label>{ "Where: " }
                    <select id="checkin-organization" onchange={on_choose}>
                        { for list.iter().map(|a| html! {
                            <option value={a.signer.to_string()} selected={Some(a.signer) == *chosen}>
                                { format!("{} ({})", a.name, a.licence_id) }
                            </option>
                        }) }
                    </select>
                </label>
                <button type="button" id="checkin-show" onclick={show} disabled={*busy || chosen.is_none()}>{ "Show my check-in code" }</button>
            </div>
        },
    };
    html! {
        <section class="card" id="checkin">
            <h2>{ "Check in" }</h2>
            <p class="hint">{ "Show this code at the reception desk. It carries no health data: your signed visit token and your registration's H." }</p>
            { picker }
            {
                match &*code {
                    None => html! {},
                    Some(Err(e)) => crate::patient::error_box(e),
                    Some(Ok(c)) => html! {
                        <>
                            <p id="checkin-valid">{ format!("To open the visit before {}; a new code replaces it a minute before.", format_unix_utc(c.not_after)) }</p>
                            <QrView text={c.text.clone()} />
                        </>
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
    fn a_code_is_replaced_a_minute_before_it_can_no_longer_open_the_visit() {
        assert_eq!(refresh_in_ms(1_000 + 600, 1_000), 540_000);
        assert_eq!(
            refresh_in_ms(1_000 + 30, 1_000),
            1_000,
            "already within the minute"
        );
        assert_eq!(
            refresh_in_ms(500, 1_000),
            1_000,
            "past: at once, not in a loop"
        );
    }
}
