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
    let attempt = parse(id, record)?;
    attempt.held_by(held)?;
    Ok(attempt)
}

/// Her ID and H, parsed. [`attempt`] is this and [`Attempt::held_by`]; a shell that keeps her ID
/// sealed under her key (the web page) checks it once her password opened the key.
pub fn parse(id: &str, record: &str) -> Result<Attempt, UiError> {
    let nid = Nid::parse(id).map_err(|e| UiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let record: Hash32 = record.trim().parse().map_err(|e| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("H is 32 bytes of hex: {e}"),
        )
    })?;
    Ok(Attempt { nid, record })
}

impl Attempt {
    /// This device holds a key registered for her ID.
    pub fn held_by(&self, held: Option<&Profile>) -> Result<(), UiError> {
        match held {
            Some(profile) if profile.nid == self.nid => Ok(()),
            _ => Err(UiError::new(
                ErrorCode::NoKey,
                format!(
                    "this device holds no key registered for the ID {}",
                    self.nid
                ),
            )),
        }
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
