//! The relay's JSON bodies: nested no deeper than [`MAX_JSON_DEPTH`], checked on the bytes before
//! serde sees them (serde_json's own limit is 128, and it recurses once per level even into
//! fields a request type ignores).
//!
//! A body is read into one buffer the size its `Content-Length` declares, and a declared length
//! beyond the route's limit is refused before anything is read. (axum's `Bytes` extractor keeps
//! every piece as it arrives, then copies them all into one buffer: twice the body at its peak,
//! for a verify request's 10 MiB of base64.)

use crate::RelayError;
use axum::RequestExt as _;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt as _;
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

    async fn from_request(request: Request, _state: &S) -> Result<Self, RelayError> {
        if !is_json(request.headers()) {
            return Err(RelayError::BadRequest(
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = read_body(request).await?;
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

/// The body of `request`, within the route's limit (axum's `DefaultBodyLimit`), in one buffer:
/// sized by `Content-Length` when the request declares it (refused at once beyond the limit),
/// grown as the pieces come otherwise.
async fn read_body(request: Request) -> Result<Vec<u8>, RelayError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut body: Body = request.into_limited_body();
    // With a limit, the body's upper bound is the limit or less (http_body_util::Limited).
    let most = axum::body::HttpBody::size_hint(&body).upper();
    if let (Some(declared), Some(most)) = (declared, most)
        && declared > most
    {
        return Err(too_large(most));
    }
    // No room is set aside for a body of unbounded length.
    let capacity = most.map_or(0, |most| declared.unwrap_or(0).min(most));
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if is_length_limit(&e) {
                too_large(most.unwrap_or_default())
            } else {
                RelayError::BadRequest(format!("the request body could not be read: {e}"))
            }
        })?;
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

fn too_large(most: u64) -> RelayError {
    RelayError::BodyTooLarge(format!(
        "the request body is larger than this route takes ({most} bytes)"
    ))
}

/// Whether `error` comes from the body limit (`http_body_util::Limited`, inside axum's errors).
fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
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

    /// A route taking `JsonBody` bodies of at most 64 bytes, and a request to it.
    async fn send(body: Body, content_length: Option<usize>) -> axum::http::StatusCode {
        use tower::ServiceExt as _;
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(|JsonBody(value): JsonBody<serde_json::Value>| async move {
                axum::Json(value)
            })
            .layer(axum::extract::DefaultBodyLimit::max(64)),
        );
        let mut request = Request::post("/").header(header::CONTENT_TYPE, "application/json");
        if let Some(length) = content_length {
            request = request.header(header::CONTENT_LENGTH, length);
        }
        let request = request.body(body).expect("request");
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), app.oneshot(request));
        answer
            .await
            .expect("an answer in time")
            .expect("infallible")
            .status()
    }

    #[tokio::test]
    async fn a_body_declared_beyond_the_limit_is_refused_before_it_is_read() {
        // The body never comes: only the declared length can refuse it.
        let never = || {
            Body::from_stream(futures_util::stream::pending::<
                Result<axum::body::Bytes, std::io::Error>,
            >())
        };
        assert_eq!(
            send(never(), Some(65)).await,
            axum::http::StatusCode::PAYLOAD_TOO_LARGE
        );
        let small = r#"{"a": [1, 2, 3]}"#;
        assert_eq!(
            send(Body::from(small), Some(small.len())).await,
            axum::http::StatusCode::OK
        );
        // Without a declared length the limit still holds as the pieces come.
        let pieces = |n: usize| {
            let piece = || Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"        "));
            let text = std::iter::once(Ok(axum::body::Bytes::from_static(b"[")))
                .chain(std::iter::repeat_with(piece).take(n))
                .chain(std::iter::once(Ok(axum::body::Bytes::from_static(b"]"))));
            Body::from_stream(futures_util::stream::iter(text))
        };
        assert_eq!(send(pieces(7), None).await, axum::http::StatusCode::OK);
        assert_eq!(
            send(pieces(8), None).await,
            axum::http::StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
