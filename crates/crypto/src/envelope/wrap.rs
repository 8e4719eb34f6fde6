//! The content key wrapped for one reader with ECIES over secp256k1, in the `ecies` crate's format.
//!
//! `ephemeral public key (65, uncompressed) ‖ nonce (16) ‖ tag (16) ‖ encrypted content key (32)`,
//! where the AES-256-GCM key is HKDF-SHA256(ephemeral public key ‖ shared point), both points
//! uncompressed, empty salt and info: exactly what `ecies::encrypt` writes under its default
//! configuration, so eciespy and eciesjs open it too. Unwrapping is `ecies::decrypt` itself.
//! Wrapping is written out here only because `ecies` draws the ephemeral key and nonce from the
//! OS, and this crate takes its randomness from the caller.

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::ContentKey;
use crate::{PublicKey, SecretKey};

const EPHEMERAL_LEN: usize = 65;
const NONCE_LEN: usize = 16;
const TAG_LEN: usize = 16;
/// Bytes of one wrapped content key.
pub(crate) const WRAPPED_LEN: usize = EPHEMERAL_LEN + NONCE_LEN + TAG_LEN + 32;

/// `ecies`'s AES-256-GCM with a 16-byte nonce.
pub(crate) type WrapCipher = AesGcm<Aes256, U16>;

/// Wraps `key` so that only `recipient`'s secret key can unwrap it.
pub(crate) fn wrap(
    rng: &mut impl CryptoRngCore,
    recipient: &PublicKey,
    key: &ContentKey,
) -> [u8; WRAPPED_LEN] {
    let ephemeral = SecretKey::generate(rng);
    let ephemeral_public = ephemeral.public_key().to_uncompressed();
    let shared_point = Zeroizing::new(ephemeral.shared_point(recipient));
    let mut ikm = Zeroizing::new([0u8; 130]);
    ikm[..65].copy_from_slice(&ephemeral_public);
    ikm[65..].copy_from_slice(shared_point.as_slice());
    let mut wrap_key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, ikm.as_slice())
        .expand(&[], wrap_key.as_mut_slice())
        .expect("32 bytes is a valid HKDF-SHA256 length");
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);

    let mut out = [0u8; WRAPPED_LEN];
    out[..EPHEMERAL_LEN].copy_from_slice(&ephemeral_public);
    out[EPHEMERAL_LEN..EPHEMERAL_LEN + NONCE_LEN].copy_from_slice(&nonce);
    let body = &mut out[EPHEMERAL_LEN + NONCE_LEN + TAG_LEN..];
    body.copy_from_slice(key.as_bytes());
    let tag = WrapCipher::new((&*wrap_key).into())
        .encrypt_inout_detached(&Nonce::from(nonce), &[], body.into())
        .expect("32 bytes are within AES-GCM's limit");
    out[EPHEMERAL_LEN + NONCE_LEN..EPHEMERAL_LEN + NONCE_LEN + TAG_LEN].copy_from_slice(&tag);
    out
}

/// Unwraps a content key with the reader's secret key; `None` if it was not wrapped for this key
/// or was altered.
pub(crate) fn unwrap(identity: &SecretKey, wrapped: &[u8; WRAPPED_LEN]) -> Option<ContentKey> {
    let opened = Zeroizing::new(ecies::decrypt(identity.to_bytes().as_slice(), wrapped).ok()?);
    let key: [u8; 32] = opened.as_slice().try_into().ok()?;
    Some(ContentKey::from_bytes(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn the_ecies_crate_opens_our_wrap_and_we_open_its_encryption() {
        let reader = SecretKey::generate(&mut OsRng);
        let key = ContentKey::generate(&mut OsRng);

        let ours = wrap(&mut OsRng, &reader.public_key(), &key);
        let opened = ecies::decrypt(reader.to_bytes().as_slice(), &ours).unwrap();
        assert_eq!(opened, key.as_bytes());

        let theirs =
            ecies::encrypt(&reader.public_key().to_uncompressed(), key.as_bytes()).unwrap();
        let theirs: [u8; WRAPPED_LEN] = theirs.try_into().unwrap();
        assert_eq!(unwrap(&reader, &theirs).unwrap().as_bytes(), key.as_bytes());
    }

    #[test]
    fn another_key_or_an_altered_wrap_does_not_unwrap() {
        let reader = SecretKey::generate(&mut OsRng);
        let key = ContentKey::generate(&mut OsRng);
        let wrapped = wrap(&mut OsRng, &reader.public_key(), &key);
        assert!(unwrap(&SecretKey::generate(&mut OsRng), &wrapped).is_none());
        for position in [0, 1, 64, 65, 80, 81, 96, WRAPPED_LEN - 1] {
            let mut altered = wrapped;
            altered[position] ^= 0x01;
            assert!(unwrap(&reader, &altered).is_none(), "byte {position}");
        }
    }
}
