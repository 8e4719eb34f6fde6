//! The web page's bills worker, a Web Worker with a wasm of its own: it reads her decrypted
//! claims and the insurer's answers (FHIR `Claim`s and `ClaimResponse`s) and her pinned policy's
//! terms, and computes her bills as the desktop client does
//! (`caretrail_protocol::visit::bill::DecryptedBills::views`), so the FHIR parsing never weighs
//! on the page's wasm. Its first message, `"ready"`, says it listens; each message after is the
//! JSON of a `DecryptedBills`, each answer the JSON of `Result<Vec<BillView>, UiError>`.

use caretrail_protocol::visit::bill::{BillView, DecryptedBills};
use caretrail_types::{ErrorCode, UiError};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

/// Her bills from the page's question `text`.
fn answer(text: &str) -> Result<Vec<BillView>, UiError> {
    serde_json::from_str::<DecryptedBills>(text)
        .map_err(|e| UiError::new(ErrorCode::Internal, format!("the page's bills: {e}")))?
        .views()
}

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, answer: &Result<Vec<BillView>, UiError>) {
    let text = serde_json::to_string(answer).unwrap_or_default();
    let _ = scope.post_message(&JsValue::from_str(&text));
}

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // A panic traps the wasm instance: the page hears why first, as an internal refusal.
    let reporter = scope.clone();
    std::panic::set_hook(Box::new(move |info| {
        let refusal = Err(UiError::new(
            ErrorCode::Internal,
            format!("the bills worker failed: {info}"),
        ));
        post(&reporter, &refusal);
    }));
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            post(&reply, &answer(&text));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages posted before the wasm is running are lost: the page waits for this one.
    let _ = scope.post_message(&JsValue::from_str("ready"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_protocol::visit::bill::DecryptedClaim;
    use caretrail_types::{Address, Hash32};

    #[test]
    fn a_question_that_is_not_her_bills_is_refused_and_no_bill_needs_no_policy() {
        let e = answer("not json").expect_err("refused");
        assert_eq!(e.code, ErrorCode::Internal);
        let none = DecryptedBills {
            patient: Address([1; 20]),
            publication: None,
            claims: vec![],
        };
        let text = serde_json::to_string(&none).expect("json");
        assert_eq!(answer(&text).expect("no bill"), vec![]);
        // A bill with no policy to check it against is refused, plainly.
        let one = DecryptedBills {
            claims: vec![DecryptedClaim {
                claim: Hash32([2; 32]),
                organization: Address([3; 20]),
                insurer: Address([4; 20]),
                json: "{}".into(),
                answers: vec![],
            }],
            ..none
        };
        let text = serde_json::to_string(&one).expect("json");
        let e = answer(&text).expect_err("no policy");
        assert_eq!(e.code, ErrorCode::NotRegistered);
        assert!(e.message.contains("no policy version"), "{e}");
    }
}
