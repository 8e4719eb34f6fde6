//! The patient's and the readers' secp256k1 keys: a secret key that cannot leak, and a public key
//! whose Ethereum address is its recipient id.

use std::fmt;

use caretrail_types::Address;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use rand_core::CryptoRngCore;
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

/// Why bytes are not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a secret key is 32 bytes, a non-zero number below the secp256k1 group order")]
    InvalidSecretKey,
    #[error("not a secp256k1 public key (33-byte compressed or 65-byte uncompressed SEC1 point)")]
    InvalidPublicKey,
}

/// A secp256k1 secret key. It is wiped from memory when dropped, prints as `<redacted>`, and has
/// no `Serialize`: the only ways out are [`SecretKey::to_bytes`] (zeroizing) for the keystore,
/// and the operations that use it.
#[derive(Clone)]
pub struct SecretKey(k256::SecretKey);

impl SecretKey {
    /// A fresh key from the caller's cryptographic RNG.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self(k256::SecretKey::random(rng))
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        k256::SecretKey::from_slice(bytes)
            .map(Self)
            .map_err(|_| KeyError::InvalidSecretKey)
    }

    /// The 32 secret bytes, wiped when the returned value is dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes().into())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.public_key())
    }

    /// The Ethereum address of this key: the recipient id and the signer id.
    pub fn address(&self) -> Address {
        self.public_key().address()
    }

    /// The ECDH shared point with `peer`, uncompressed (ECIES hashes the whole point).
    pub(crate) fn shared_point(&self, peer: &PublicKey) -> [u8; 65] {
        let point = (peer.0.to_projective() * *self.0.to_nonzero_scalar()).to_affine();
        let encoded = point.to_encoded_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(encoded.as_bytes());
        out
    }

    pub(crate) fn signing_key(&self) -> k256::ecdsa::SigningKey {
        k256::ecdsa::SigningKey::from(&self.0)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl PartialEq for SecretKey {
    /// Constant time, as k256 compares scalars.
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for SecretKey {}

/// A secp256k1 public key: who can read an envelope, who signed a message.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(k256::PublicKey);

impl PublicKey {
    /// Parses a SEC1 point, compressed (33 bytes) or uncompressed (65 bytes).
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        // Only the two standard forms: SEC1 also has identity and compact encodings, which
        // would give one key several spellings.
        if !matches!(
            (bytes.len(), bytes.first()),
            (33, Some(2 | 3)) | (65, Some(4))
        ) {
            return Err(KeyError::InvalidPublicKey);
        }
        k256::PublicKey::from_sec1_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::InvalidPublicKey)
    }

    /// The 65-byte uncompressed SEC1 form (`0x04 ‖ x ‖ y`), as ECIES and the contracts take it.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let point = self.0.to_encoded_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// The 33-byte compressed SEC1 form.
    pub fn to_compressed(&self) -> [u8; 33] {
        let point = self.0.to_encoded_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// keccak-256 of `x ‖ y`, last 20 bytes: the Ethereum address.
    pub fn address(&self) -> Address {
        let hash = Keccak256::digest(&self.to_uncompressed()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Address(out)
    }

    pub(crate) fn from_verifying_key(key: &k256::ecdsa::VerifyingKey) -> Self {
        Self(k256::PublicKey::from(key))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.address())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // anvil's first development account: a published key with a known address.
    const ANVIL_0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn anvil_0() -> SecretKey {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(ANVIL_0, &mut bytes).unwrap();
        SecretKey::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn address_is_the_ethereum_address() {
        assert_eq!(
            anvil_0().address().to_string(),
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
    }

    #[test]
    fn secret_key_never_prints_its_value() {
        let key = anvil_0();
        for text in [
            format!("{key:?}"),
            format!("{key:#?}"),
            format!("{:?}", Some(&key)),
        ] {
            assert!(text.contains("<redacted>"), "{text}");
            assert!(!text.to_lowercase().contains(&ANVIL_0[..8]), "{text}");
            assert!(!text.contains("172"), "decimal bytes leaked: {text}"); // 0xac = 172
        }
    }

    #[test]
    fn invalid_secret_keys_are_refused() {
        assert_eq!(
            SecretKey::from_bytes(&[0; 32]).unwrap_err(),
            KeyError::InvalidSecretKey
        );
        assert_eq!(
            SecretKey::from_bytes(&[0xff; 32]).unwrap_err(),
            KeyError::InvalidSecretKey
        );
    }

    #[test]
    fn public_keys_round_trip_and_bad_points_are_refused() {
        let public = anvil_0().public_key();
        assert_eq!(
            PublicKey::from_sec1_bytes(&public.to_uncompressed()).unwrap(),
            public
        );
        assert_eq!(
            PublicKey::from_sec1_bytes(&public.to_compressed()).unwrap(),
            public
        );
        let mut off_curve = public.to_uncompressed();
        off_curve[64] ^= 1;
        assert_eq!(
            PublicKey::from_sec1_bytes(&off_curve).unwrap_err(),
            KeyError::InvalidPublicKey
        );
        assert_eq!(
            PublicKey::from_sec1_bytes(&public.to_uncompressed()[1..]).unwrap_err(),
            KeyError::InvalidPublicKey
        );
        let mut compact = public.to_compressed();
        compact[0] = 5;
        assert_eq!(
            PublicKey::from_sec1_bytes(&compact).unwrap_err(),
            KeyError::InvalidPublicKey
        );
    }
}
