//! `QrView`: a code the app makes, drawn large enough to scan from a phone's screen (an SVG of
//! its modules, black on white with its quiet zone, scaled to the screen's width up to 360 px,
//! crisp at any size), with its text below it, selected whole when focused, to copy. The scanner worker draws it
//! (`ipc::draw_code`): the page's wasm has no QR encoder.

use crate::ipc;
use crate::qr_draw::DrawnCode;
use caretrail_types::UiError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QrViewProps {
    /// The code's text (`ct:/…`).
    pub text: AttrValue,
}

#[function_component(QrView)]
pub fn qr_view(props: &QrViewProps) -> Html {
    let drawn = use_state(|| None::<Result<DrawnCode, UiError>>);
    {
        let drawn = drawn.clone();
        use_effect_with(props.text.clone(), move |text| {
            drawn.set(None);
            let text = text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                drawn.set(Some(ipc::draw_code(&text).await));
            });
        });
    }
    let select_all = Callback::from(|e: FocusEvent| {
        let field: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
        field.select();
    });
    let image = match &*drawn {
        None => html! { <p class="muted">{ "Drawing the code…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="qr-error">{ e.message.clone() }</p> },
        Some(Ok(code)) => {
            let side = code.side.to_string();
            html! {
                <svg class="qr-code" id="qr-code" viewBox={format!("0 0 {side} {side}")} width="360" height="360"
                    shape-rendering="crispEdges" role="img" aria-label="QR code">
                    <rect width={side.clone()} height={side} fill="#ffffff" />
                    <path d={code.path.clone()} fill="#000000" />
                </svg>
            }
        }
    };
    html! {
        <figure class="qr">
            { image }
            <figcaption>
                <textarea id="qr-text" class="mono" readonly=true rows="3" value={props.text.clone()} onfocus={select_all} />
            </figcaption>
        </figure>
    }
}
