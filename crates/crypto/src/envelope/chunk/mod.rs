//! The body's AEAD: AES-256-GCM over one chunk at a time, from the fastest backend per target.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod native;
#[cfg(any(test, target_arch = "wasm32"))]
pub(crate) mod rustcrypto;

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::ChunkCipher;
#[cfg(target_arch = "wasm32")]
pub(crate) use rustcrypto::ChunkCipher;

pub(crate) const TAG_LEN: usize = 16;
pub(crate) const NONCE_LEN: usize = 12;

/// The authentication tag did not match: the chunk, its position or its key is not the one sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unauthentic;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_produce_the_same_ciphertext() {
        let key = [42u8; 32];
        let nonce = [7u8; NONCE_LEN];
        let native = native::ChunkCipher::new(&key);
        let pure = rustcrypto::ChunkCipher::new(&key);
        for len in [0, 1, 15, 16, 17, 4096, 65536] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut a = plain.clone();
            let tag_a = native.seal_in_place(&nonce, &[], &mut a);
            let mut b = plain.clone();
            let tag_b = pure.seal_in_place(&nonce, &[], &mut b);
            assert_eq!((a.clone(), tag_a), (b, tag_b), "length {len}");

            let mut sealed = a;
            sealed.extend_from_slice(&tag_a);
            let mut other = sealed.clone();
            assert_eq!(native.open_in_place(&nonce, &[], &mut sealed), Ok(len));
            assert_eq!(pure.open_in_place(&nonce, &[], &mut other), Ok(len));
            assert_eq!(&sealed[..len], &plain[..]);
            assert_eq!(&other[..len], &plain[..]);
        }
    }
}
