//! This device's registration (its profile) as the web page keeps it in the browser's storage:
//! her address, H and the transaction in clear (all public on chain; the login form shows H), her
//! national ID and card number sealed in an envelope to her own key, which only her password
//! opens. The storage never holds the ID or the card in clear.

use caretrail_crypto::{SecretKey, envelope};
use caretrail_types::{Address, CardNumber, ErrorCode, Hash32, Nid, Profile, TxId, UiError};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

/// A profile with its ID and card sealed to her key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedProfile {
    pub patient: Address,
    /// H.
    pub record: Hash32,
    pub tx_id: TxId,
    /// Her ID and card number, as JSON, in an envelope to her key (hex).
    pub identity: String,
}

/// What the envelope holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    nid: Nid,
    card_number: CardNumber,
}

fn failed(what: impl std::fmt::Display) -> UiError {
    UiError::new(
        ErrorCode::Internal,
        format!("the kept registration: {what}"),
    )
}

/// Seals `profile` to `key`, which must be the profile's own.
pub fn seal(
    profile: &Profile,
    key: &SecretKey,
    rng: &mut impl CryptoRngCore,
) -> Result<SealedProfile, UiError> {
    if key.address() != profile.patient {
        return Err(failed(
            "another key's registration cannot be sealed to this one",
        ));
    }
    let identity = serde_json::to_vec(&Identity {
        nid: profile.nid.clone(),
        card_number: profile.card_number.clone(),
    })
    .map_err(failed)?;
    let sealed = envelope::encrypt(rng, &[key.public_key()], &identity).map_err(failed)?;
    Ok(SealedProfile {
        patient: profile.patient,
        record: profile.record,
        tx_id: profile.tx_id,
        identity: hex::encode(sealed),
    })
}

/// Opens a sealed profile with her key.
pub fn open(sealed: &SealedProfile, key: &SecretKey) -> Result<Profile, UiError> {
    if key.address() != sealed.patient {
        return Err(UiError::new(
            ErrorCode::NoKey,
            "the registration kept here is another key's",
        ));
    }
    let bytes = hex::decode(&sealed.identity).map_err(failed)?;
    let plain = envelope::decrypt(key, &bytes).map_err(failed)?;
    let identity: Identity = serde_json::from_slice(&plain).map_err(failed)?;
    Ok(Profile {
        nid: identity.nid,
        card_number: identity.card_number,
        patient: sealed.patient,
        record: sealed.record,
        tx_id: sealed.tx_id,
    })
}
