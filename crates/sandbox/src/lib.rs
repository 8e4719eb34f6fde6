//! The outside world, for development and tests: services that stand in for the real external
//! parties, each a plain HTTP API that a real endpoint can replace by URL.
//!
//! - `/ec`: the EC registry (citizens by national ID, with their photos), [`ec`];
//! - `/insurer`: the insurer (coverage and policy documents by insurance card, enrolments, bills,
//!   publication of its plans through the relay, and a fraud switch), [`insurer`];
//! - `/gov`: the government health-service registry (licences), [`government`].
//!
//! Identifiers (national IDs, card numbers, licences) travel in `POST` bodies, never in URL
//! paths, so they stay out of access logs. Citizens, photos and cards are served to the
//! verification unit alone, and the insurer's fraud switch and publication trigger need the
//! admin token: [`access`].

pub mod access;
pub mod claims;
pub mod ec;
pub mod government;
pub mod insurer;

pub use access::{Access, AccessError, AdminToken, AdminTokenError};
pub use ec::EcRegistry;
pub use government::GovernmentRegistry;
pub use insurer::{Insurer, InsurerError, Publication};

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use caretrail_types::{ErrorCode, UiError};
use std::sync::Arc;

/// The sandbox's services.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub ec: Arc<EcRegistry>,
    pub insurer: Arc<Insurer>,
    pub government: Arc<GovernmentRegistry>,
    /// Whom the services answer: the verification unit, and the admin.
    pub access: Arc<Access>,
}

/// The sandbox services' router: each service under its own prefix.
pub fn app(sandbox: Sandbox) -> Router {
    Router::new()
        .nest("/ec", ec::routes(sandbox.ec, sandbox.access.clone()))
        .nest("/insurer", insurer::routes(sandbox.insurer, sandbox.access))
        .nest("/gov", government::routes(sandbox.government))
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sandbox: Sandbox,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(sandbox))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A sandbox service's refusal, as `{code, message}` JSON with its status.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    NotFound { code: ErrorCode, message: String },
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error("the sandbox's data is unusable: {0}")]
    Data(String),
    #[error(transparent)]
    Insurer(#[from] InsurerError),
    #[error(transparent)]
    Access(#[from] AccessError),
}

pub(crate) fn not_found(message: String) -> SandboxError {
    SandboxError::NotFound {
        code: ErrorCode::InvalidInput,
        message,
    }
}

impl IntoResponse for SandboxError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            Self::NotFound { code, .. } => (StatusCode::NOT_FOUND, *code),
            Self::Refused { code, .. } => (StatusCode::CONFLICT, *code),
            Self::Data(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
            Self::Insurer(InsurerError::UnknownPlan(_)) => {
                (StatusCode::NOT_FOUND, ErrorCode::InvalidInput)
            }
            Self::Insurer(InsurerError::Deadline(_)) => {
                (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput)
            }
            Self::Access(e) => (
                StatusCode::UNAUTHORIZED,
                match e {
                    AccessError::Expired { .. } | AccessError::TooFarAhead { .. } => {
                        ErrorCode::SignatureExpired
                    }
                    AccessError::Malformed { .. } | AccessError::BadSignature => {
                        ErrorCode::BadSignature
                    }
                    AccessError::Unsigned
                    | AccessError::NotTheVerificationUnit { .. }
                    | AccessError::NoAdminToken
                    | AccessError::WrongAdminToken => ErrorCode::Unauthorized,
                },
            ),
            Self::Insurer(InsurerError::Relay(e)) => (StatusCode::BAD_GATEWAY, e.code()),
            Self::Insurer(InsurerError::Chain(e)) => (StatusCode::BAD_GATEWAY, e.code()),
            Self::Insurer(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        };
        let admin = matches!(
            self,
            Self::Access(AccessError::NoAdminToken | AccessError::WrongAdminToken)
        );
        let mut response = (status, Json(UiError::new(code, self.to_string()))).into_response();
        if admin {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
