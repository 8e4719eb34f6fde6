//! Login (the paper's step 5): H checked against the chain, with a fresh challenge signed by
//! the device key. A challenge is used once and expires; repeated failures under fresh challenges
//! lock out the key that failed. The tables stay bounded: waiting challenges are capped, expired
//! ones and sessions pruned, and a patient keeps a few live sessions at most.

use crate::db::ChallengeUse;
use crate::{Relay, RelayError, unix_now};
use caretrail_chain::is_registered;
use caretrail_crypto::identity::{LoginDomain, login_signer};
use caretrail_types::{ErrorCode, Hash32, LoginChallenge, LoginRequest, LoginSession};
use rand_core::{OsRng, RngCore as _};
use sha2::{Digest as _, Sha256};

/// How long a challenge may wait for its signature.
pub const CHALLENGE_TTL_SECS: u64 = 120;
/// Failures within [`LOCKOUT_WINDOW_SECS`] that lock a subject out.
pub const MAX_FAILURES: usize = 5;
pub const LOCKOUT_WINDOW_SECS: u64 = 15 * 60;
/// How long a session lasts.
pub const SESSION_TTL_SECS: u64 = 8 * 3600;
/// Challenges that may wait for their signature at once; beyond, new ones are refused.
pub const MAX_OPEN_CHALLENGES: u64 = 10_000;
/// Live sessions kept per patient; a new login ends her oldest beyond.
pub const SESSIONS_PER_PATIENT: u32 = 8;

fn random32() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

pub async fn challenge(relay: &Relay) -> Result<LoginChallenge, RelayError> {
    let now = unix_now();
    let challenge = LoginChallenge {
        challenge: Hash32(random32()),
        expires_at: now + CHALLENGE_TTL_SECS,
    };
    let kept = relay
        .db
        .issue_challenge(
            challenge.challenge,
            challenge.expires_at,
            now,
            MAX_OPEN_CHALLENGES,
        )
        .await?;
    if !kept {
        return Err(RelayError::refused(
            ErrorCode::RateLimited,
            "too many login challenges are waiting for an answer; try again in a few minutes",
        ));
    }
    Ok(challenge)
}

/// Logs her in. `host` is the `Host` the request came with: the login must be signed for this
/// relay's origin as she reached it, so a page or relay in between cannot pass her signature on.
pub async fn login(
    relay: &Relay,
    request: LoginRequest,
    host: Option<&str>,
) -> Result<LoginSession, RelayError> {
    let now = unix_now();
    signed_for_this_relay(&request.relay, host)?;
    // Failures count against the key that signed, never against H: H is public (an indexed
    // topic on chain), so counting them against H would let anyone lock her out. A signature
    // that names no key counts against nothing.
    let domain = LoginDomain {
        chain_id: relay.config.chain_id,
        patients: relay.config.patient_registry,
    };
    let signer = login_signer(domain, &request)
        .map_err(|e| RelayError::BadRequest(format!("the login signature is not valid: {e}")))?;
    let key_subject = format!("key:{signer}");
    locked_out(relay, &key_subject, now).await?;

    let refusal = match relay.db.use_challenge(request.challenge, now).await? {
        ChallengeUse::Fresh => None,
        ChallengeUse::Unknown => Some(RelayError::refused(
            ErrorCode::ChallengeRefused,
            "this login challenge was not issued by this relay; ask for a new one".to_owned(),
        )),
        ChallengeUse::AlreadyUsed => Some(RelayError::refused(
            ErrorCode::ChallengeRefused,
            "this login challenge was already used (a replay?); ask for a new one".to_owned(),
        )),
        ChallengeUse::Expired { at } => Some(RelayError::refused(
            ErrorCode::ChallengeRefused,
            format!(
                "this login challenge expired {}s ago; ask for a new one",
                now.saturating_sub(at)
            ),
        )),
    };
    // A stale, replayed or foreign challenge proves nothing about who sent the body (anyone who
    // saw one login can send it again), so it never counts against the key.
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    let config = &relay.config;
    let refusal = if is_registered(
        &config.rpc_url,
        config.patient_registry,
        signer,
        request.record,
    )
    .await?
    {
        None
    } else {
        match crate::patient_index::holder_of(relay, request.record).await? {
            None => Some(RelayError::refused(
                ErrorCode::UnknownRecord,
                format!("no patient is registered with H {}", request.record),
            )),
            Some(_) => Some(RelayError::refused(
                ErrorCode::ForeignKey,
                format!(
                    "H {} is registered to another key, not to this device's key {signer}",
                    request.record
                ),
            )),
        }
    };
    if let Some(refusal) = refusal {
        relay
            .db
            .record_failure(&key_subject, now, now.saturating_sub(LOCKOUT_WINDOW_SECS))
            .await?;
        return Err(refusal);
    }
    relay.db.clear_failures(&key_subject).await?;
    let token = hex::encode(random32());
    let expires_at = now + SESSION_TTL_SECS;
    relay
        .db
        .open_session(
            &hex::encode(Sha256::digest(token.as_bytes())),
            signer,
            request.record,
            expires_at,
            now,
            SESSIONS_PER_PATIENT,
        )
        .await?;
    Ok(LoginSession {
        patient: signer,
        record: request.record,
        token,
        expires_at,
    })
}

/// Refuses a subject with too many recent failures, saying when to try again.
async fn locked_out(relay: &Relay, subject: &str, now: u64) -> Result<(), RelayError> {
    let failures = relay
        .db
        .failures_since(subject, now.saturating_sub(LOCKOUT_WINDOW_SECS))
        .await?;
    if failures.len() >= MAX_FAILURES {
        let oldest = failures[failures.len() - MAX_FAILURES];
        let wait = (oldest + LOCKOUT_WINDOW_SECS).saturating_sub(now).max(1);
        return Err(RelayError::refused(
            ErrorCode::LockedOut,
            format!(
                "{MAX_FAILURES} failed logins in {} minutes: locked for {} more minute(s)",
                LOCKOUT_WINDOW_SECS / 60,
                wait.div_ceil(60)
            ),
        ));
    }
    Ok(())
}

/// Refuses a login signed for another relay than the one the request reached: the host and port
/// of the signed origin must be the request's `Host`.
fn signed_for_this_relay(signed: &str, host: Option<&str>) -> Result<(), RelayError> {
    let wrong = |why: String| RelayError::refused(ErrorCode::WrongRelay, why);
    let url = reqwest::Url::parse(signed)
        .map_err(|e| wrong(format!("the login names no relay origin ({signed:?}: {e})")))?;
    let authority = match (url.host_str(), url.port()) {
        (Some(name), Some(port)) => format!("{name}:{port}"),
        (Some(name), None) => name.to_owned(),
        (None, _) => return Err(wrong(format!("the login's relay {signed:?} names no host"))),
    };
    match host {
        Some(host) if host.eq_ignore_ascii_case(&authority) => Ok(()),
        Some(host) => Err(wrong(format!(
            "the login was signed for the relay at {signed}, not this one ({host}); log in \
             at the relay you trust"
        ))),
        None => Err(wrong(
            "the request names no host to check the login's relay against".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_for_the_relay_whose_host_it_names() {
        let ok = [
            ("http://127.0.0.1:7780", "127.0.0.1:7780"),
            ("https://Relay.Example", "relay.example"),
            ("https://relay.example/", "relay.example"),
            ("http://[::1]:7780", "[::1]:7780"),
        ];
        for (signed, host) in ok {
            assert!(
                signed_for_this_relay(signed, Some(host)).is_ok(),
                "{signed} {host}"
            );
        }
        let refused = [
            ("http://127.0.0.1:7780", Some("127.0.0.1:7781")),
            ("http://evil.example", Some("relay.example")),
            ("https://relay.example", Some("relay.example:8443")),
            ("not a url", Some("relay.example")),
            ("http://127.0.0.1:7780", None),
        ];
        for (signed, host) in refused {
            let Err(RelayError::Refused { code, .. }) = signed_for_this_relay(signed, host) else {
                panic!("{signed} at {host:?} accepted");
            };
            assert_eq!(code, ErrorCode::WrongRelay);
        }
    }
}
