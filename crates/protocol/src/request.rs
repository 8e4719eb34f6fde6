//! Signed requests to the relay's records API: the signer's side ([`sign`]) and the relay's
//! ([`check`], then [`replayed`] when its nonce store has seen the nonce). The relay keeps each
//! nonce until the request's deadline, so its store stays bounded by [`MAX_TTL_SECS`].

use caretrail_crypto::SecretKey;
use caretrail_crypto::request::{nonce_key, relay_request_signer, sign_relay_request};
use caretrail_types::{
    Address, ErrorCode, Hash32, RelayAction, RelayRequest, SignedRelayRequest, UiError,
};
use rand_core::CryptoRngCore;

/// How long a request stays good after it is signed.
pub const TTL_SECS: u64 = 120;
/// The furthest ahead a deadline may lie (a little clock skew on top of [`TTL_SECS`]).
pub const MAX_TTL_SECS: u64 = 300;

/// Where requests are signed for: the relay's chain and its record registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    pub chain_id: u64,
    pub records: Address,
}

/// What a request asks, before it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    pub action: RelayAction,
    pub patient: Address,
    pub subject: Hash32,
    pub content: Hash32,
}

/// Signs `ask` with `key`, good for [`TTL_SECS`] after `now`, with a fresh nonce from `rng`.
pub fn sign(
    key: &SecretKey,
    domain: Domain,
    ask: Ask,
    now: u64,
    rng: &mut impl CryptoRngCore,
) -> SignedRelayRequest {
    let mut nonce = [0u8; 32];
    rng.fill_bytes(&mut nonce);
    sign_relay_request(
        key,
        domain.chain_id,
        domain.records,
        RelayRequest {
            signer: key.address(),
            action: ask.action,
            patient: ask.patient,
            subject: ask.subject,
            content: ask.content,
            deadline: now.saturating_add(TTL_SECS),
            nonce: Hash32(nonce),
        },
    )
}

/// A request that passed [`check`]: its signer, and the nonce the relay must now use up (keep
/// `nonce` until `keep_until`; a second use is [`replayed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fresh {
    pub signer: Address,
    pub nonce: Hash32,
    pub keep_until: u64,
}

/// The relay's check of a signed request at `now`: its domain is this relay's, it asks `action`,
/// its deadline has not passed and is not too far ahead, and its signer signed it.
pub fn check(
    signed: &SignedRelayRequest,
    domain: Domain,
    action: RelayAction,
    now: u64,
) -> Result<Fresh, UiError> {
    if signed.chain_id != domain.chain_id || signed.records != domain.records {
        return Err(UiError::new(
            ErrorCode::WrongChain,
            format!(
                "the request was signed for chain {} and registry {}; this relay serves chain {} \
                 and registry {}",
                signed.chain_id, signed.records, domain.chain_id, domain.records
            ),
        ));
    }
    let request = &signed.request;
    if request.action != action {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            format!(
                "the request was signed for {}, not {}",
                request.action.as_str(),
                action.as_str()
            ),
        ));
    }
    if request.deadline < now {
        return Err(UiError::new(
            ErrorCode::SignatureExpired,
            format!(
                "the request's signature expired {} s ago; sign it again",
                now - request.deadline
            ),
        ));
    }
    if request.deadline > now.saturating_add(MAX_TTL_SECS) {
        return Err(UiError::new(
            ErrorCode::SignatureExpired,
            format!(
                "the request's deadline lies more than {MAX_TTL_SECS} s ahead; is the device's \
                 clock right?"
            ),
        ));
    }
    match relay_request_signer(signed) {
        Ok(signer) if signer == request.signer => Ok(Fresh {
            signer,
            nonce: nonce_key(request),
            keep_until: request.deadline,
        }),
        _ => Err(UiError::new(
            ErrorCode::BadSignature,
            format!("the request is not signed by {}", request.signer),
        )),
    }
}

/// The refusal for a nonce the relay has seen.
pub fn replayed() -> UiError {
    UiError::new(
        ErrorCode::Replayed,
        "this signed request was already used; sign a new one",
    )
}

/// How many times a request the relay refused as one too many (429) is sent again.
pub const RATE_LIMIT_RETRIES: u32 = 3;
/// The longest a client waits, as the relay's `Retry-After` asks, before it sends a rate-limited
/// request again; a longer wait is the user's to decide: the refusal is shown.
pub const RATE_LIMIT_MAX_WAIT_SECS: u64 = 5;

/// Whether, and after how many seconds, a client sends again a request the relay answered with
/// `status` and `retry_after` (its `Retry-After` header) after `retries` earlier tries. The relay
/// refuses one too many (429) before it handles the request, so a signed request's nonce is
/// not used up and the same request may go again. `Retry-After` is in whole seconds, rounded
/// down: "0" means less than one, so at least 1 s is waited; 1 s when it names none.
pub fn retry_wait(status: u16, retry_after: Option<&str>, retries: u32) -> Option<u64> {
    if status != 429 || retries >= RATE_LIMIT_RETRIES {
        return None;
    }
    let seconds = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    (seconds <= RATE_LIMIT_MAX_WAIT_SECS).then_some(seconds)
}
