//! The only place the UI talks to the outside: Tauri commands in the desktop app, the relay's
//! HTTP API when the same UI is served as a web page. Both give the same types and errors.

use caretrail_crypto::policy::review;
use caretrail_types::{
    CapturedPhoto, ErrorCode, LoginInput, LoginSession, PolicyPublication, PolicyView, Profile,
    Progress, RegistrationError, RegistrationInput, RegistrationOutcome, TxId, UiError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// Tauri's channel: the app streams a command's progress through it.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = Channel)]
    type TauriChannel;
    #[wasm_bindgen(constructor, js_namespace = ["window", "__TAURI__", "core"], js_class = "Channel")]
    fn new() -> TauriChannel;
    #[wasm_bindgen(method, setter, js_class = "Channel")]
    fn set_onmessage(this: &TauriChannel, f: &js_sys::Function);
}

pub(crate) fn internal(what: impl std::fmt::Display) -> UiError {
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

pub(crate) async fn relay_get<T: DeserializeOwned>(path: &str) -> Result<T, UiError> {
    relay_answer(gloo_net::http::Request::get(path).send().await).await
}

/// The relay's answer, or its refusal, in the shapes the app gives.
async fn relay_answer<T: DeserializeOwned>(
    sent: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<T, UiError> {
    let response = sent.map_err(|e| {
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

/// Posts JSON to the relay (the web page); answers or refusals in the same shapes as the app's.
pub(crate) async fn relay_post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, UiError> {
    let request = gloo_net::http::Request::post(path)
        .json(body)
        .map_err(internal)?;
    relay_answer(request.send().await).await
}

/// Registers the patient: in the app through its command (progress over a Tauri channel); in
/// the web page right here, with the key kept in this browser.
pub async fn register(
    input: RegistrationInput,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<RegistrationOutcome, RegistrationError> {
    if !in_desktop_app() {
        return crate::web_wallet::register(input, on_progress).await;
    }
    let plain = |error: UiError| RegistrationError {
        error,
        phrase: None,
    };
    let channel = TauriChannel::new();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |message: JsValue| {
        if let Ok(step) = from_js::<Progress>(&message) {
            on_progress(step);
        }
    });
    channel.set_onmessage(listener.as_ref().unchecked_ref());
    let text = serde_json::to_string(&serde_json::json!({ "input": input }))
        .map_err(|e| plain(internal(e)))?;
    let args = js_sys::JSON::parse(&text).map_err(|_| plain(internal("arguments")))?;
    js_sys::Reflect::set(&args, &JsValue::from_str("onProgress"), &channel)
        .map_err(|_| plain(internal("arguments")))?;
    let outcome = invoke("patient_register", args).await;
    drop(listener);
    match outcome {
        Ok(value) => from_js(&value).map_err(plain),
        Err(error) => Err(from_js::<RegistrationError>(&error).unwrap_or_else(|_| {
            plain(internal(
                error.as_string().unwrap_or_else(|| "unknown error".into()),
            ))
        })),
    }
}

pub async fn login(input: LoginInput) -> Result<LoginSession, UiError> {
    if !in_desktop_app() {
        return crate::web_wallet::login(input).await;
    }
    #[derive(Serialize)]
    struct Args {
        input: LoginInput,
    }
    command("patient_login", &Args { input }).await
}

/// Her registration on this device (the app's wallet, or this browser's).
pub async fn profile() -> Result<Option<Profile>, UiError> {
    if !in_desktop_app() {
        return crate::web_wallet::profile();
    }
    command("patient_profile", &()).await
}

/// A photo from the device's camera (the desktop app only; the web page takes a file).
pub async fn camera_capture() -> Result<CapturedPhoto, UiError> {
    if !in_desktop_app() {
        return Err(UiError::new(
            ErrorCode::NoCamera,
            "the web page takes the photo from an image file",
        ));
    }
    command("camera_capture", &()).await
}

/// The bytes of the first file chosen in a file input.
pub async fn read_file(
    input: &web_sys::HtmlInputElement,
) -> Result<Option<(String, Vec<u8>)>, UiError> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| internal("the file cannot be read"))?;
    Ok(Some((
        file.name(),
        js_sys::Uint8Array::new(&buffer).to_vec(),
    )))
}
