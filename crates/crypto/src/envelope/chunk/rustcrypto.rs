//! AES-256-GCM from RustCrypto's `aes-gcm`, for targets ring does not build for (wasm32).

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use super::{NONCE_LEN, TAG_LEN, Unauthentic};

pub(crate) struct ChunkCipher(Aes256Gcm);

impl ChunkCipher {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> [u8; TAG_LEN] {
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::from(*nonce), aad, buf.into())
            .expect("a chunk is far below AES-GCM's length limit");
        tag.into()
    }

    /// Decrypts `ciphertext ‖ tag` in place; returns the plaintext length.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &mut [u8],
    ) -> Result<usize, Unauthentic> {
        let len = sealed.len().checked_sub(TAG_LEN).ok_or(Unauthentic)?;
        let (text, tag) = sealed.split_at_mut(len);
        let tag = Tag::try_from(&tag[..]).map_err(|_| Unauthentic)?;
        self.0
            .decrypt_inout_detached(&Nonce::from(*nonce), aad, text.into(), &tag)
            .map(|()| len)
            .map_err(|_| Unauthentic)
    }
}
