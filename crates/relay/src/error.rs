//! The relay's one error type: every refusal leaves as `{code, message}` JSON with its status.

use crate::storage::StorageError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use caretrail_chain::ChainError;
use caretrail_types::{ErrorCode, UiError};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    HashMismatch(String),
    #[error("no such endpoint")]
    NotFound,
    #[error("{0} is not an insurer this relay publishes for")]
    NotAdmitted(caretrail_types::Address),
    #[error("the document is {size} bytes; the most a policy publication may carry is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("the request is too large: {0}")]
    BodyTooLarge(String),
    /// A refusal with its own code (registration and login), said in full in `message`.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error("the relay's database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the relay failed: {0}")]
    Internal(String),
    /// The edge's refusals: before any handler ran, or instead of one that ran too long.
    #[error("too many requests from your address; try again in {wait_secs} s")]
    RateLimited { wait_secs: u64 },
    #[error("the relay is answering as many requests as it may at once; try again in a moment")]
    Overloaded,
    #[error(
        "the relay gave up on this request after {} s; anything it had already sent to the chain \
         may still land, so look before you try again", .0.as_secs_f32()
    )]
    TimedOut(std::time::Duration),
    #[error("this relay does not answer for the host {0:?}; use the relay's own address")]
    WrongHost(String),
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The record store's refusal or failure; a backend that is down is told without its
    /// address (logged in full).
    #[error("{}", storage_message(.0))]
    Storage(#[from] StorageError),
}

fn storage_message(error: &StorageError) -> String {
    match error {
        StorageError::Unavailable(_) => {
            "the record store cannot be reached; nothing was stored or read, try again later".into()
        }
        other => other.to_string(),
    }
}

impl RelayError {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }
}

impl From<UiError> for RelayError {
    fn from(error: UiError) -> Self {
        Self::refused(error.code, error.message)
    }
}

impl RelayError {
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            Self::NotFound => (StatusCode::NOT_FOUND, ErrorCode::InvalidInput),
            Self::NotAdmitted(_) => (StatusCode::FORBIDDEN, ErrorCode::NotAdmitted),
            Self::BodyTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::InvalidInput),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::InvalidInput),
            Self::HashMismatch(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::HashMismatch),
            Self::Refused { code, .. } => {
                let status = match code {
                    ErrorCode::UnknownCitizen
                    | ErrorCode::UnknownRecord
                    | ErrorCode::RecordNotFound
                    | ErrorCode::NotRegistered
                    | ErrorCode::NoRecoveryPending
                    | ErrorCode::UnknownVisit => StatusCode::NOT_FOUND,
                    ErrorCode::AlreadyRegistered
                    | ErrorCode::RecoveryPending
                    | ErrorCode::PolicyMismatch
                    | ErrorCode::RecordExists
                    | ErrorCode::Replayed => StatusCode::CONFLICT,
                    ErrorCode::ContentMismatch => StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::NotAReader
                    | ErrorCode::ConsentExpired
                    | ErrorCode::ConsentRevoked
                    | ErrorCode::WrongRole
                    | ErrorCode::NotAssigned
                    | ErrorCode::CertificateExpired
                    | ErrorCode::CertificateRevoked
                    | ErrorCode::VisitClosed => StatusCode::FORBIDDEN,
                    ErrorCode::WrongChain
                    | ErrorCode::WrongRelay
                    | ErrorCode::SignatureExpired
                    | ErrorCode::BadSignature => StatusCode::UNAUTHORIZED,
                    ErrorCode::PhotoRefused | ErrorCode::CardRefused => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                    ErrorCode::FaceMismatch | ErrorCode::ForeignKey | ErrorCode::NotAdmitted => {
                        StatusCode::FORBIDDEN
                    }
                    ErrorCode::ChallengeRefused | ErrorCode::TicketRefused => {
                        StatusCode::UNAUTHORIZED
                    }
                    ErrorCode::LockedOut | ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::ServiceUnavailable => StatusCode::BAD_GATEWAY,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, *code)
            }
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Overloaded),
            Self::TimedOut(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::TimedOut),
            Self::WrongHost(_) => (StatusCode::MISDIRECTED_REQUEST, ErrorCode::WrongHost),
            Self::Database(_) | Self::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
            Self::Chain(e) => {
                let code = e.code();
                let status = match code {
                    ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
                    ErrorCode::TxNotFound | ErrorCode::NotAPolicyPublication => {
                        StatusCode::NOT_FOUND
                    }
                    // The contract said no: the request comes from someone not admitted to make
                    // it, or conflicts with what is on chain.
                    ErrorCode::NotAdmitted => StatusCode::FORBIDDEN,
                    ErrorCode::ChainRefused | ErrorCode::AlreadyRegistered => StatusCode::CONFLICT,
                    _ => StatusCode::BAD_GATEWAY,
                };
                (status, code)
            }
            Self::Storage(e) => match e {
                StorageError::AlreadyExists => (StatusCode::CONFLICT, ErrorCode::RecordExists),
                StorageError::HashMismatch { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ContentMismatch)
                }
                StorageError::TooLarge { .. } => {
                    (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge)
                }
                StorageError::Interrupted(_) => {
                    (StatusCode::BAD_REQUEST, ErrorCode::ContentMismatch)
                }
                StorageError::InvalidId => (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
                StorageError::NotFound => (StatusCode::NOT_FOUND, ErrorCode::RecordNotFound),
                StorageError::Unavailable(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::StorageUnavailable,
                ),
            },
        }
    }
}

impl From<JsonRejection> for RelayError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::BodyTooLarge(rejection.body_text())
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        // Refusals' messages may name a national ID or echo an outside service: only their code
        // is logged, so the relay's log keeps no personal data.
        match &self {
            Self::Refused { code, .. } if status.is_server_error() => {
                tracing::warn!(%status, ?code, "request refused");
            }
            Self::Storage(e) if status.is_server_error() => {
                tracing::warn!(%status, error = %e, "record store failed");
            }
            _ if status.is_server_error() => {
                tracing::warn!(%status, error = %self, "request failed")
            }
            _ => {}
        }
        // A refusal is about this one request: no cache keeps it.
        (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(UiError::new(code, self.to_string())),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::Hash32;

    #[test]
    fn storage_failures_have_their_status_and_code() {
        let cases = [
            (StorageError::AlreadyExists, 409, ErrorCode::RecordExists),
            (
                StorageError::HashMismatch {
                    expected: Hash32([1; 32]),
                    actual: Hash32([2; 32]),
                },
                422,
                ErrorCode::ContentMismatch,
            ),
            (StorageError::TooLarge { cap: 10 }, 413, ErrorCode::TooLarge),
            (
                StorageError::Interrupted("reset".into()),
                400,
                ErrorCode::ContentMismatch,
            ),
            (StorageError::NotFound, 404, ErrorCode::RecordNotFound),
            (StorageError::InvalidId, 400, ErrorCode::InvalidInput),
            (
                StorageError::Unavailable("http://10.0.0.7:9000/bucket: connection refused".into()),
                503,
                ErrorCode::StorageUnavailable,
            ),
        ];
        for (error, status, code) in cases {
            let error = RelayError::from(error);
            assert_eq!(
                error.status_and_code(),
                (StatusCode::from_u16(status).expect("status"), code),
                "{error}"
            );
        }
        let down = RelayError::from(StorageError::Unavailable("http://10.0.0.7:9000".into()));
        assert!(!down.to_string().contains("10.0.0.7"), "{down}");
    }
}
