//! Envelope v1: a record encrypted once under its own content key, readable by each recipient
//! whose public key the key is wrapped for. The byte layout is in `docs/envelope.md`.
//!
//! Two layers, as in age: [`encrypt`] / [`decrypt`] for records that fit in memory, and
//! [`Encryptor`] / [`Decryptor`] over `Write` / `Read` for large ones, in constant memory.

pub(crate) mod chunk;
mod error;
mod header;
mod stream;
pub(crate) mod wrap;

use std::io::{Read, Write};

use caretrail_types::Address;
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

pub use error::{AddRecipientError, DecryptError, EncryptError, HeaderError, RemoveRecipientError};
pub use header::Header;
pub use stream::{Decryptor, Encryptor, EnvelopeReader, EnvelopeWriter};

use crate::{PublicKey, SecretKey};

/// Plaintext bytes per body chunk.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// The most readers one envelope can have (keeps a hostile header's size bounded).
pub const MAX_RECIPIENTS: usize = 1024;

/// The random 256-bit key of one record. Wiped on drop; never leaves this module unwrapped.
pub(crate) struct ContentKey(Zeroizing<[u8; 32]>);

impl ContentKey {
    pub(crate) fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut_slice());
        Self(key)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn derive(&self, salt: Option<&[u8]>, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(salt, self.0.as_slice())
            .expand(info, out.as_mut_slice())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        out
    }

    /// The AES-256-GCM key of the body: salted per envelope, so a chunk from another envelope
    /// never opens here.
    pub(crate) fn payload_key(&self, salt: &[u8]) -> Zeroizing<[u8; 32]> {
        self.derive(Some(salt), b"caretrail/envelope/v1/payload")
    }

    /// The HMAC-SHA256 key that authenticates the header.
    pub(crate) fn header_mac_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive(None, b"caretrail/envelope/v1/header")
    }
}

/// Encrypts a record held in memory to `recipients`.
pub fn encrypt(
    rng: &mut impl CryptoRngCore,
    recipients: &[PublicKey],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    Ok(Encryptor::with_recipients(rng, recipients)?.encrypt_in_memory(plaintext))
}

/// Decrypts a record held in memory. Nothing is returned unless the whole record checks.
pub fn decrypt(identity: &SecretKey, envelope: &[u8]) -> Result<Vec<u8>, DecryptError> {
    Decryptor::new(envelope)?.decrypt_in_memory(identity)
}

/// A new header that lets one more reader open the envelope, from a recipient's key.
#[derive(Debug)]
pub struct RewrappedHeader {
    /// The new header.
    pub header: Vec<u8>,
    /// How many bytes of the old envelope it replaces; the body after them is unchanged.
    pub replaces: usize,
}

/// Grants `reader` access to an envelope without touching its body: `identity` (a recipient)
/// unwraps the content key and wraps it once more. Only the header is read from `envelope`.
///
/// Anyone who could read the record before can still read it after, and this cannot take back
/// what the new reader reads: removal is [`remove_recipient`], a full rotation.
pub fn add_recipient<R: Read>(
    rng: &mut impl CryptoRngCore,
    identity: &SecretKey,
    mut envelope: R,
    reader: &PublicKey,
) -> Result<RewrappedHeader, AddRecipientError> {
    let header = Header::read(&mut envelope)?;
    let key = header.open(identity).map_err(|e| match e {
        header::OpenError::NotARecipient => AddRecipientError::NotARecipient,
        header::OpenError::Tampered => AddRecipientError::HeaderTampered,
    })?;
    if header.recipient_keys().any(|k| k == *reader) {
        return Err(AddRecipientError::AlreadyARecipient(reader.address()));
    }
    if header.stanzas.len() >= MAX_RECIPIENTS {
        return Err(AddRecipientError::TooManyRecipients {
            max: MAX_RECIPIENTS,
        });
    }
    let mut stanzas = header.stanzas.clone();
    stanzas.push(header::Stanza {
        recipient: *reader,
        wrapped: wrap::wrap(rng, reader, &key),
    });
    Ok(RewrappedHeader {
        header: Header::seal(header.salt, stanzas, &key).to_bytes(),
        replaces: header.len(),
    })
}

/// Takes `removed` off an envelope's readers. This is a **rotation**: a new content key, a new
/// salt and a new body, written in full to `output` for the remaining recipients. The old
/// envelope must be deleted afterwards, and nothing can take back what `removed` already read.
/// Returns the remaining recipients.
pub fn remove_recipient<R: Read, W: Write>(
    rng: &mut impl CryptoRngCore,
    identity: &SecretKey,
    envelope: R,
    removed: &Address,
    output: W,
) -> Result<Vec<Address>, RemoveRecipientError> {
    let decryptor = Decryptor::new(envelope).map_err(DecryptError::from)?;
    if identity.address() == *removed {
        return Err(RemoveRecipientError::CannotRemoveSelf);
    }
    let current: Vec<PublicKey> = decryptor.header().recipient_keys().collect();
    if !current.iter().any(|k| k.address() == *removed) {
        return Err(RemoveRecipientError::NotARecipient(*removed));
    }
    let remaining: Vec<PublicKey> = current
        .into_iter()
        .filter(|k| k.address() != *removed)
        .collect();
    let mut plaintext = decryptor.decrypt(identity)?;
    let mut writer = Encryptor::with_recipients(rng, &remaining)?.wrap_output(output)?;
    writer.copy_from(&mut plaintext).map_err(error::from_io)?;
    writer.finish()?;
    Ok(remaining.iter().map(PublicKey::address).collect())
}
