//! Ethereum signatures: EIP-191 personal messages and EIP-712 typed data, hashed by alloy's
//! types, signed with k256, and recovered to the signer's address.

use alloy_primitives::{B256, U256, eip191_hash_message};
use alloy_sol_types::{Eip712Domain, SolStruct};
use caretrail_types::{Address, Signature};

use crate::{PublicKey, SecretKey};

/// Why a signature does not name a signer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("v is {0}, not 27 or 28")]
    BadRecoveryByte(u8),
    #[error("s is in the upper half of the curve order (use the low-s form)")]
    HighS,
    #[error("the signature does not recover a public key")]
    NotRecoverable,
}

/// Half the order of secp256k1: the largest `s` of a low-s signature.
const SECP256K1_HALF_ORDER: U256 = U256::from_be_bytes([
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
]);

/// Signs a 32-byte digest: `r ‖ s ‖ v` with low `s` and `v` = 27 or 28, the only form
/// OpenZeppelin's `ECDSA.recover` accepts.
pub fn sign_prehash(key: &SecretKey, digest: &[u8; 32]) -> Signature {
    let (signature, recovery) = key
        .signing_key()
        .sign_prehash_recoverable(digest)
        .expect("a 32-byte digest can be signed");
    // k256 already returns low s; normalising again keeps the promise if that ever changes.
    let (signature, recovery) = match signature.normalize_s() {
        Some(normalized) => (
            normalized,
            k256::ecdsa::RecoveryId::new(!recovery.is_y_odd(), recovery.is_x_reduced()),
        ),
        None => (signature, recovery),
    };
    let alloy =
        alloy_primitives::Signature::from_signature_and_parity(signature, recovery.is_y_odd());
    Signature(alloy.as_bytes())
}

/// The address that signed `digest`, from a signature in the strict form [`sign_prehash`] makes.
pub fn recover_prehash(
    digest: &[u8; 32],
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_key_prehash(digest, signature).map(|key| key.address())
}

/// The public key that signed `digest` (whose address [`recover_prehash`] gives): a reader's
/// encryption key, learnt from a signature of hers.
pub fn recover_key_prehash(
    digest: &[u8; 32],
    signature: &Signature,
) -> Result<PublicKey, SignatureError> {
    let bytes = &signature.0;
    if !matches!(bytes[64], 27 | 28) {
        return Err(SignatureError::BadRecoveryByte(bytes[64]));
    }
    if U256::from_be_slice(&bytes[32..64]) > SECP256K1_HALF_ORDER {
        return Err(SignatureError::HighS);
    }
    let parsed = alloy_primitives::Signature::try_from(&bytes[..])
        .map_err(|_| SignatureError::NotRecoverable)?;
    let key = parsed
        .recover_from_prehash(&B256::from(*digest))
        .map_err(|_| SignatureError::NotRecoverable)?;
    Ok(PublicKey::from_verifying_key(&key))
}

/// Signs `message` as an EIP-191 personal message (`"\x19Ethereum Signed Message:\n" ‖ len`).
pub fn sign_message(key: &SecretKey, message: &[u8]) -> Signature {
    sign_prehash(key, &eip191_hash_message(message).0)
}

/// The address that signed `message` as an EIP-191 personal message.
pub fn recover_message(message: &[u8], signature: &Signature) -> Result<Address, SignatureError> {
    recover_prehash(&eip191_hash_message(message).0, signature)
}

/// Signs an EIP-712 struct under `domain`.
pub fn sign_typed<T: SolStruct>(key: &SecretKey, value: &T, domain: &Eip712Domain) -> Signature {
    sign_prehash(key, &value.eip712_signing_hash(domain).0)
}

/// The address that signed an EIP-712 struct under `domain`.
pub fn recover_typed<T: SolStruct>(
    value: &T,
    domain: &Eip712Domain,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_prehash(&value.eip712_signing_hash(domain).0, signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::{eip712_domain, sol};
    use rand_core::OsRng;

    sol! {
        struct Consent {
            address grantee;
            bytes32 record;
            uint64 expiresAt;
        }
    }

    fn domain(chain_id: u64) -> Eip712Domain {
        eip712_domain! {
            name: "Caretrail test",
            version: "1",
            chain_id: chain_id,
            verifying_contract: alloy_primitives::Address::repeat_byte(0x11),
        }
    }

    fn consent() -> Consent {
        Consent {
            grantee: alloy_primitives::Address::repeat_byte(0x22),
            record: B256::repeat_byte(0x33),
            expiresAt: 1_800_000_000,
        }
    }

    #[test]
    fn personal_messages_recover_their_signer() {
        let key = SecretKey::generate(&mut OsRng);
        let signature = sign_message(&key, b"log in to Caretrail: nonce 42");
        assert_eq!(
            recover_message(b"log in to Caretrail: nonce 42", &signature),
            Ok(key.address())
        );
        assert_ne!(
            recover_message(b"log in to Caretrail: nonce 43", &signature),
            Ok(key.address())
        );
    }

    #[test]
    fn eip191_matches_a_known_vector() {
        // anvil's key 0 signing "hello" (the same bytes `cast wallet sign hello` prints).
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            &mut bytes,
        )
        .unwrap();
        let key = SecretKey::from_bytes(&bytes).unwrap();
        let signature = sign_message(&key, b"hello");
        assert_eq!(
            signature.to_string(),
            "0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c"
        );
    }

    #[test]
    fn typed_data_is_bound_to_its_domain_and_fields() {
        let key = SecretKey::generate(&mut OsRng);
        let signature = sign_typed(&key, &consent(), &domain(31337));
        assert_eq!(
            recover_typed(&consent(), &domain(31337), &signature),
            Ok(key.address())
        );
        // Another chain, or another field, recovers someone else.
        assert_ne!(
            recover_typed(&consent(), &domain(1), &signature),
            Ok(key.address())
        );
        let mut later = consent();
        later.expiresAt += 1;
        assert_ne!(
            recover_typed(&later, &domain(31337), &signature),
            Ok(key.address())
        );
    }

    #[test]
    fn non_strict_signatures_are_refused() {
        let key = SecretKey::generate(&mut OsRng);
        let digest = [9u8; 32];
        let good = sign_prehash(&key, &digest);
        assert!(U256::from_be_slice(&good.0[32..64]) <= SECP256K1_HALF_ORDER);

        let mut bad_v = good;
        bad_v.0[64] = 1;
        assert_eq!(
            recover_prehash(&digest, &bad_v),
            Err(SignatureError::BadRecoveryByte(1))
        );

        // The same signature with s' = n − s and the other v is valid ECDSA but malleable.
        let order = U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .unwrap();
        let high = order - U256::from_be_slice(&good.0[32..64]);
        let mut malleated = good;
        malleated.0[32..64].copy_from_slice(&high.to_be_bytes::<32>());
        malleated.0[64] = if good.0[64] == 27 { 28 } else { 27 };
        assert_eq!(
            recover_prehash(&digest, &malleated),
            Err(SignatureError::HighS)
        );

        let zero = Signature([0; 65]);
        assert_eq!(
            recover_prehash(&digest, &zero),
            Err(SignatureError::BadRecoveryByte(0))
        );
        let mut zero_rs = zero;
        zero_rs.0[64] = 27;
        assert_eq!(
            recover_prehash(&digest, &zero_rs),
            Err(SignatureError::NotRecoverable)
        );
    }
}
