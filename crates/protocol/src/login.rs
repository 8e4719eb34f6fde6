//! Login, the paper's step 5: her ID selects this device's registration, her password opens her
//! key (the shell does that, through its key store and [`crate::password`]), and her key signs a
//! fresh challenge from the relay for H, which the relay checks against the chain.

use caretrail_crypto::SecretKey;
use caretrail_crypto::identity::{LoginDomain, sign_login};
use caretrail_types::{ErrorCode, Hash32, LoginRequest, NetworkInfo, Nid, Profile, UiError};

/// What login needs from what she typed: her ID, parsed, and H.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub nid: Nid,
    pub record: Hash32,
}

/// Checks her ID and H, and that this device holds a key registered for that ID (`held`), before
/// her password is tried.
pub fn attempt(id: &str, record: &str, held: Option<&Profile>) -> Result<Attempt, UiError> {
    let nid = Nid::parse(id).map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let record: Hash32 = record.trim().parse().map_err(|e| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("H is 32 bytes of hex: {e}"),
        )
    })?;
    match held {
        Some(profile) if profile.nid == nid => Ok(Attempt { nid, record }),
        _ => Err(UiError::new(
            ErrorCode::NoKey,
            format!("this device holds no key registered for the ID {nid}"),
        )),
    }
}

/// Her answer to the relay's challenge, bound to the relay she reached (`relay`, its origin) and
/// to the chain and patient registry of `network`: a signature one relay saw is worth nothing at
/// another, or on another chain.
pub fn request(
    key: &SecretKey,
    attempt: &Attempt,
    challenge: &Hash32,
    relay: &str,
    network: &NetworkInfo,
) -> LoginRequest {
    sign_login(
        key,
        LoginDomain {
            chain_id: network.chain_id,
            patients: network.patient_registry,
        },
        relay,
        &attempt.record,
        challenge,
    )
}
