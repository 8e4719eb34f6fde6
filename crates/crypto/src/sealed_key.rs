//! The patient's key as the web page keeps it in the browser's storage: sealed under her password
//! (PBKDF2-HMAC-SHA256, 600,000 rounds, then AES-256-GCM bound to her address). The desktop app
//! keeps its key in the OS keyring as a V3 keystore (`caretrail-keystore`); this is the browser's
//! counterpart, where there is no keyring. Its backup file is that V3 keystore ([`crate::v3`]).

use crate::SecretKey;
use crate::envelope::chunk::{ChunkCipher, NONCE_LEN, TAG_LEN};
use crate::password::{self, WeakPassword};
use caretrail_types::Address;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// PBKDF2 rounds for a new seal (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const ROUNDS: u32 = 600_000;
/// The most rounds an opened seal may ask for (a planted seal cannot hang the page).
pub const MAX_ROUNDS: u32 = 10_000_000;
const SALT_LEN: usize = 16;
const AAD: &[u8] = b"caretrail sealed key v1";

/// A sealed key, as JSON in the browser's storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    pub version: u8,
    pub rounds: u32,
    #[serde(with = "hex_bytes")]
    pub salt: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub nonce: Vec<u8>,
    /// The 32-byte key encrypted, and its tag.
    #[serde(with = "hex_bytes")]
    pub sealed: Vec<u8>,
    /// Her address, readable without the password.
    pub address: Address,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("wrong password")]
    WrongPassword,
    #[error("the kept key is damaged: {0}")]
    Damaged(&'static str),
}

fn derive(password: &str, salt: &[u8], rounds: u32) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, rounds, key.as_mut());
    key
}

fn aad(address: &Address) -> Vec<u8> {
    [AAD, &address.0[..]].concat()
}

/// Seals `key` under `password` with `rounds` PBKDF2 rounds (use [`ROUNDS`]). The password must
/// pass the [password policy](crate::password), as the desktop keystore's must.
pub fn seal(
    key: &SecretKey,
    password: &str,
    rounds: u32,
    rng: &mut impl CryptoRngCore,
) -> Result<SealedKey, WeakPassword> {
    password::check(password)?;
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let cipher = ChunkCipher::new(&derive(password, &salt, rounds));
    let address = key.address();
    let mut sealed = key.to_bytes().to_vec();
    let tag = cipher.seal_in_place(&nonce, &aad(&address), &mut sealed);
    sealed.extend_from_slice(&tag);
    Ok(SealedKey {
        version: 1,
        rounds,
        salt: salt.to_vec(),
        nonce: nonce.to_vec(),
        sealed,
        address,
    })
}

/// Opens a sealed key with `password`; the key must be the one its address names.
pub fn open(sealed: &SealedKey, password: &str) -> Result<SecretKey, OpenError> {
    if sealed.version != 1 {
        return Err(OpenError::Damaged("unknown version"));
    }
    if sealed.rounds == 0 || sealed.rounds > MAX_ROUNDS {
        return Err(OpenError::Damaged("PBKDF2 rounds out of range"));
    }
    let nonce: [u8; NONCE_LEN] = sealed
        .nonce
        .as_slice()
        .try_into()
        .map_err(|_| OpenError::Damaged("nonce length"))?;
    if sealed.salt.len() != SALT_LEN || sealed.sealed.len() != 32 + TAG_LEN {
        return Err(OpenError::Damaged("field lengths"));
    }
    let cipher = ChunkCipher::new(&derive(password, &sealed.salt, sealed.rounds));
    let mut buf = Zeroizing::new(sealed.sealed.clone());
    let len = cipher
        .open_in_place(&nonce, &aad(&sealed.address), &mut buf)
        .map_err(|_| OpenError::WrongPassword)?;
    let bytes: [u8; 32] = buf[..len]
        .try_into()
        .map_err(|_| OpenError::Damaged("key length"))?;
    let key = SecretKey::from_bytes(&bytes).map_err(|_| OpenError::Damaged("not a key"))?;
    if key.address() != sealed.address {
        return Err(OpenError::Damaged("the key is not the address's"));
    }
    Ok(key)
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng as _;

    #[test]
    fn a_sealed_key_opens_only_with_its_password_and_unchanged() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let key = SecretKey::generate(&mut rng);
        let sealed = seal(&key, "correct horse battery", 1_000, &mut rng).unwrap();
        let json = serde_json::to_string(&sealed).unwrap();
        let back: SealedKey = serde_json::from_str(&json).unwrap();
        assert_eq!(
            open(&back, "correct horse battery").unwrap().address(),
            key.address()
        );
        assert_eq!(
            open(&back, "wrong horse").unwrap_err(),
            OpenError::WrongPassword
        );
        // Another address on the same seal: the tag (bound to the address) refuses it.
        let mut moved = back.clone();
        moved.address = Address([1; 20]);
        assert_eq!(
            open(&moved, "correct horse battery").unwrap_err(),
            OpenError::WrongPassword
        );
        let mut costly = back.clone();
        costly.rounds = MAX_ROUNDS + 1;
        assert!(matches!(
            open(&costly, "correct horse battery"),
            Err(OpenError::Damaged(_))
        ));
        let mut short = back;
        short.sealed.pop();
        assert!(matches!(
            open(&short, "correct horse battery"),
            Err(OpenError::Damaged(_))
        ));
    }

    #[test]
    fn a_key_is_never_sealed_under_a_weak_password() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let key = SecretKey::generate(&mut rng);
        assert!(matches!(
            seal(&key, "short", 1_000, &mut rng),
            Err(WeakPassword::TooShort { found: 5, .. })
        ));
        assert!(matches!(
            seal(&key, "password123456", 1_000, &mut rng),
            Err(WeakPassword::TooGuessable { .. })
        ));
    }
}
