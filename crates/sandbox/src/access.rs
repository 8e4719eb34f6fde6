//! Whom the sandbox serves, and for what.
//!
//! - The EC registry's citizens and photos, and the insurer's cards (coverage, policy document,
//!   enrolment), are served to the verification unit alone: each request carries the VU's EIP-712
//!   signature over its method, path, body and a deadline (`caretrail_crypto::service`), and the
//!   sandbox knows only the VU's address. A request without one, signed by another key, or whose
//!   deadline has passed or lies more than [`SERVICE_REQUEST_MAX_AHEAD_SECS`] ahead is refused 401.
//! - The insurer's fraud switch and publication trigger need the sandbox's admin token, as
//!   `Authorization: Bearer <token>`.
//!
//! The decisions ([`authorize_vu`], [`AdminToken::authorize`]) are pure: the middleware reads the
//! clock and the body and passes them in.

use crate::SandboxError;
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use caretrail_crypto::service::{ServiceRequest, service_request_signer};
use caretrail_types::{
    Address, SERVICE_DEADLINE_HEADER, SERVICE_REQUEST_MAX_AHEAD_SECS, SERVICE_SIGNATURE_HEADER,
    Signature,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The most bytes a signed request's body may have (identifiers and an enrolment: small JSON).
const MAX_SIGNED_BODY_BYTES: usize = 16 * 1024;

/// The shortest admin token the sandbox accepts.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 32;

/// Why the sandbox refuses a caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "this service answers the verification unit only: the request carries no \
         {SERVICE_SIGNATURE_HEADER} and {SERVICE_DEADLINE_HEADER} headers"
    )]
    Unsigned,
    #[error("the request's {header} header is not well formed")]
    Malformed { header: &'static str },
    #[error("the request's signature does not name a signer")]
    BadSignature,
    #[error(
        "the request was signed by {signer}, not by the verification unit this service answers"
    )]
    NotTheVerificationUnit { signer: Address },
    #[error("the request's deadline ({deadline}) has passed (now {now}): sign it again")]
    Expired { deadline: u64, now: u64 },
    #[error(
        "the request's deadline ({deadline}) lies more than {SERVICE_REQUEST_MAX_AHEAD_SECS} \
         seconds ahead (now {now})"
    )]
    TooFarAhead { deadline: u64, now: u64 },
    #[error("this is an admin operation: send the sandbox's admin token as Authorization: Bearer")]
    NoAdminToken,
    #[error("the admin token is wrong")]
    WrongAdminToken,
}

/// Whether a request to `method path` with `body`, carrying the `deadline` and `signature`
/// headers (as sent), comes from `verification_unit` and is still good at `now`.
pub fn authorize_vu(
    verification_unit: Address,
    method: &str,
    path: &str,
    body: &[u8],
    deadline: Option<&str>,
    signature: Option<&str>,
    now: u64,
) -> Result<(), AccessError> {
    let (Some(deadline), Some(signature)) = (deadline, signature) else {
        return Err(AccessError::Unsigned);
    };
    let deadline: u64 = deadline
        .trim()
        .parse()
        .map_err(|_| AccessError::Malformed {
            header: SERVICE_DEADLINE_HEADER,
        })?;
    let signature: Signature = signature
        .trim()
        .parse()
        .map_err(|_| AccessError::Malformed {
            header: SERVICE_SIGNATURE_HEADER,
        })?;
    if deadline < now {
        return Err(AccessError::Expired { deadline, now });
    }
    if deadline > now.saturating_add(SERVICE_REQUEST_MAX_AHEAD_SECS) {
        return Err(AccessError::TooFarAhead { deadline, now });
    }
    let request = ServiceRequest {
        method,
        path,
        body,
        deadline,
    };
    let signer =
        service_request_signer(&request, &signature).map_err(|_| AccessError::BadSignature)?;
    if signer != verification_unit {
        return Err(AccessError::NotTheVerificationUnit { signer });
    }
    Ok(())
}

/// The sandbox's admin token: it turns the fraud switch and triggers publications. Zeroized,
/// never printed.
#[derive(Clone)]
pub struct AdminToken(Zeroizing<String>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// Why an admin token cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AdminTokenError {
    #[error(
        "the admin token must be at least {MIN_ADMIN_TOKEN_CHARS} visible ASCII characters \
         (e.g. 32 random bytes in hex)"
    )]
    Weak,
    #[error("the admin token file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

impl AdminToken {
    /// A token as given (from a file or the environment): long enough, visible ASCII only.
    pub fn new(text: &str) -> Result<Self, AdminTokenError> {
        let text = text.trim();
        if text.len() < MIN_ADMIN_TOKEN_CHARS || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AdminTokenError::Weak);
        }
        Ok(Self(Zeroizing::new(text.to_owned())))
    }

    /// 32 random bytes, in hex.
    pub fn random() -> Self {
        use rand_core::RngCore as _;
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand_core::OsRng.fill_bytes(bytes.as_mut());
        Self(Zeroizing::new(hex::encode(bytes.as_ref())))
    }

    /// The token kept in `path`, created there (readable by its owner alone) on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, AdminTokenError> {
        let fail = |source| AdminTokenError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::new(&Zeroizing::new(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let token = Self::random();
                caretrail_fs::create_new(path, token.0.as_bytes()).map_err(fail)?;
                Ok(token)
            }
            Err(e) => Err(fail(e)),
        }
    }

    /// The token, for a client of the sandbox's admin operations (e.g. a test).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the `Authorization` header's value is `Bearer <this token>`. The tokens are
    /// compared through their SHA-256, so the time taken tells nothing about the token.
    pub fn authorize(&self, authorization: Option<&str>) -> Result<(), AccessError> {
        let given = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(AccessError::NoAdminToken)?;
        if Sha256::digest(given.trim().as_bytes()) == Sha256::digest(self.0.as_bytes()) {
            Ok(())
        } else {
            Err(AccessError::WrongAdminToken)
        }
    }
}

/// Whom the sandbox serves: the verification unit (by its signing address) and its admin.
#[derive(Debug, Clone)]
pub struct Access {
    pub verification_unit: Address,
    pub admin_token: AdminToken,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A header's value as text; one that is not visible ASCII reads as empty (and so is malformed).
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .map(|value| value.to_str().unwrap_or_default())
}

/// Middleware: passes on requests signed by the verification unit, refuses the rest 401.
pub(crate) async fn require_vu(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Result<Response, SandboxError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_SIGNED_BODY_BYTES)
        .await
        .map_err(|e| SandboxError::BadRequest(format!("the request body cannot be read: {e}")))?;
    // The path as the caller sent it, before the sandbox's prefix (`/ec`, `/insurer`) was taken.
    let path = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(parts.uri.path(), |uri| uri.path());
    authorize_vu(
        access.verification_unit,
        parts.method.as_str(),
        path,
        &body,
        header_text(&parts.headers, SERVICE_DEADLINE_HEADER),
        header_text(&parts.headers, SERVICE_SIGNATURE_HEADER),
        now(),
    )?;
    Ok(next.run(Request::from_parts(parts, Body::from(body))).await)
}

/// Middleware: passes on requests carrying the admin token, refuses the rest 401.
pub(crate) async fn require_admin(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Result<Response, SandboxError> {
    access.admin_token.authorize(header_text(
        request.headers(),
        header::AUTHORIZATION.as_str(),
    ))?;
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_crypto::SecretKey;
    use caretrail_crypto::service::sign_service_request;

    const NOW: u64 = 1_800_000_000;
    const PATH: &str = "/ec/v1/citizens/lookup";
    const BODY: &[u8] = br#"{"nid":"19710302-4411"}"#;

    fn vu() -> SecretKey {
        SecretKey::from_bytes(&[7; 32]).expect("a key")
    }

    fn signed(key: &SecretKey, deadline: u64) -> String {
        sign_service_request(
            key,
            &ServiceRequest {
                method: "POST",
                path: PATH,
                body: BODY,
                deadline,
            },
        )
        .to_string()
    }

    fn check(deadline: &str, signature: &str) -> Result<(), AccessError> {
        authorize_vu(
            vu().address(),
            "POST",
            PATH,
            BODY,
            Some(deadline),
            Some(signature),
            NOW,
        )
    }

    #[test]
    fn the_vus_signature_within_its_deadline_is_served() {
        let deadline = NOW + 30;
        assert_eq!(
            check(&deadline.to_string(), &signed(&vu(), deadline)),
            Ok(())
        );
        // Up to the last second of the window, both ends.
        assert_eq!(check(&NOW.to_string(), &signed(&vu(), NOW)), Ok(()));
        let last = NOW + SERVICE_REQUEST_MAX_AHEAD_SECS;
        assert_eq!(check(&last.to_string(), &signed(&vu(), last)), Ok(()));
    }

    #[test]
    fn anything_else_is_refused() {
        let other = SecretKey::from_bytes(&[8; 32]).expect("a key");
        let deadline = NOW + 30;
        let past = NOW - 1;
        let far = NOW + SERVICE_REQUEST_MAX_AHEAD_SECS + 1;
        assert_eq!(
            authorize_vu(vu().address(), "POST", PATH, BODY, None, None, NOW),
            Err(AccessError::Unsigned)
        );
        assert_eq!(
            authorize_vu(
                vu().address(),
                "POST",
                PATH,
                BODY,
                Some(&deadline.to_string()),
                None,
                NOW
            ),
            Err(AccessError::Unsigned)
        );
        assert_eq!(
            check(&deadline.to_string(), &signed(&other, deadline)),
            Err(AccessError::NotTheVerificationUnit {
                signer: other.address()
            })
        );
        assert_eq!(
            check(&past.to_string(), &signed(&vu(), past)),
            Err(AccessError::Expired {
                deadline: past,
                now: NOW
            })
        );
        assert_eq!(
            check(&far.to_string(), &signed(&vu(), far)),
            Err(AccessError::TooFarAhead {
                deadline: far,
                now: NOW
            })
        );
        // The deadline header must be the one signed: a later one recovers someone else.
        assert!(matches!(
            check(&(deadline + 1).to_string(), &signed(&vu(), deadline)),
            Err(AccessError::NotTheVerificationUnit { .. })
        ));
        assert_eq!(
            check("soon", &signed(&vu(), deadline)),
            Err(AccessError::Malformed {
                header: SERVICE_DEADLINE_HEADER
            })
        );
        assert_eq!(
            check(&deadline.to_string(), "0x1234"),
            Err(AccessError::Malformed {
                header: SERVICE_SIGNATURE_HEADER
            })
        );
        assert_eq!(
            check(&deadline.to_string(), &format!("0x{}", "00".repeat(65))),
            Err(AccessError::BadSignature)
        );
    }

    #[test]
    fn the_admin_token_is_checked_whole() {
        let token = AdminToken::random();
        let bearer = format!("Bearer {}", token.expose());
        assert_eq!(token.authorize(Some(&bearer)), Ok(()));
        assert_eq!(token.authorize(None), Err(AccessError::NoAdminToken));
        assert_eq!(
            token.authorize(Some(token.expose())),
            Err(AccessError::NoAdminToken)
        );
        assert_eq!(
            token.authorize(Some(&bearer[..bearer.len() - 1])),
            Err(AccessError::WrongAdminToken)
        );
        assert_eq!(
            token.authorize(Some(&format!("Bearer {}", AdminToken::random().expose()))),
            Err(AccessError::WrongAdminToken)
        );
    }

    #[test]
    fn a_short_admin_token_is_refused_and_a_kept_one_is_read_back() {
        assert!(matches!(
            AdminToken::new("secret"),
            Err(AdminTokenError::Weak)
        ));
        assert!(matches!(
            AdminToken::new(&format!("{} space", "x".repeat(32))),
            Err(AdminTokenError::Weak)
        ));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("sandbox/admin-token");
        let made = AdminToken::load_or_create(&path).expect("created");
        let read = AdminToken::load_or_create(&path).expect("read back");
        assert_eq!(made.expose(), read.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
