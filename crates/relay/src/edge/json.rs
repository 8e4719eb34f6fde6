//! The relay's JSON bodies: nested no deeper than [`MAX_JSON_DEPTH`], checked on the bytes before
//! serde sees them (serde_json's own limit is 128, and it recurses once per level even into
//! fields a request type ignores).

use crate::RelayError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// How deeply arrays and objects may nest in a request body. The relay's own request types nest
/// a few levels; a FHIR resource inside one stays well within this.
pub const MAX_JSON_DEPTH: usize = 32;

/// The first place where `text` nests deeper than `max` arrays and objects, as a byte offset.
/// Brackets inside strings do not count; malformed JSON is left for the parser to refuse.
pub fn too_deep_at(text: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (at, &byte) in text.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A JSON request body of type `T`: `Content-Type: application/json` (or `+json`), within the
/// route's body limit, nested no deeper than [`MAX_JSON_DEPTH`]. Every refusal is a
/// [`RelayError`].
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = RelayError;

    async fn from_request(request: Request, state: &S) -> Result<Self, RelayError> {
        if !is_json(request.headers()) {
            return Err(RelayError::BadRequest(
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                RelayError::BodyTooLarge(e.body_text())
            } else {
                RelayError::BadRequest(e.body_text())
            }
        })?;
        if let Some(at) = too_deep_at(&bytes, MAX_JSON_DEPTH) {
            return Err(RelayError::BadRequest(format!(
                "the JSON body nests more than {MAX_JSON_DEPTH} arrays or objects deep \
                 (at byte {at}); no request to this relay needs that"
            )));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

/// `application/json`, or a `+json` type, as axum's `Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert_eq!(too_deep_at(nested(32).as_bytes(), 32), None);
        assert_eq!(too_deep_at(nested(33).as_bytes(), 32), Some(32));
        let objects = format!("{}{}", r#"{"a":"#.repeat(33), "}".repeat(33));
        assert_eq!(too_deep_at(objects.as_bytes(), 32), Some(32 * 5));
        // Brackets in strings, escaped quotes included, are text.
        let text = format!(r#"{{"note": "{}\" [[", "n": [1, [2]]}}"#, "[".repeat(100));
        assert_eq!(too_deep_at(text.as_bytes(), 3), None);
        assert_eq!(too_deep_at(text.as_bytes(), 2), text.find("[2"));
        // Siblings do not add up: depth falls back as arrays close.
        let wide = "[[1],[2],[3],[4]]".repeat(50);
        assert_eq!(too_deep_at(wide.as_bytes(), 2), None);
    }

    #[test]
    fn json_content_types() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("value"));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/fhir+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
