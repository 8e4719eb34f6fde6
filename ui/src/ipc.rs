//! The only place the UI talks to the outside: Tauri commands in the desktop app, the relay's
//! HTTP API when the same UI is served as a web page. Both give the same types and errors.

use caretrail_crypto::policy::review;
use caretrail_types::{ErrorCode, PolicyPublication, PolicyView, TxId, UiError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn internal(what: impl std::fmt::Display) -> UiError {
    UiError::new(ErrorCode::Internal, format!("the app failed: {what}"))
}

/// True inside the desktop app, where Tauri's global API is present.
pub fn in_desktop_app() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__TAURI__")).ok())
        .is_some_and(|v| !v.is_undefined())
}

/// Values cross the boundary as JSON text, so both sides use the same serde shapes.
fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, UiError> {
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|_| internal("a value from the app cannot be read"))?
        .into();
    serde_json::from_str(&text).map_err(internal)
}

async fn command<A: Serialize, T: DeserializeOwned>(name: &str, args: &A) -> Result<T, UiError> {
    let text = serde_json::to_string(args).map_err(internal)?;
    let args = js_sys::JSON::parse(&text).map_err(|_| internal("arguments"))?;
    match invoke(name, args).await {
        Ok(value) => from_js(&value),
        Err(error) => Err(from_js::<UiError>(&error).unwrap_or_else(|_| {
            internal(error.as_string().unwrap_or_else(|| "unknown error".into()))
        })),
    }
}

async fn relay_get<T: DeserializeOwned>(path: &str) -> Result<T, UiError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|e| {
            UiError::new(
                ErrorCode::RelayUnreachable,
                format!("the relay cannot be reached ({e}); is it running?"),
            )
        })?;
    if response.ok() {
        return response.json::<T>().await.map_err(internal);
    }
    let status = response.status();
    Err(response.json::<UiError>().await.unwrap_or_else(|_| {
        UiError::new(
            ErrorCode::RelayError,
            format!("the relay answered {status}"),
        )
    }))
}

/// The policy published by `tx_id`, checked against the hash the insurer signed. In the web page
/// the relay only fetches the chain's record; the check runs here, in the patient's browser.
pub async fn policy_show(tx_id: &str) -> Result<PolicyView, UiError> {
    if in_desktop_app() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Args<'a> {
            tx_id: &'a str,
        }
        return command("policy_show", &Args { tx_id }).await;
    }
    let tx = TxId::from_input(tx_id)
        .map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let publication: PolicyPublication = relay_get(&format!("/v1/policies/tx/{tx}")).await?;
    Ok(review(publication))
}
