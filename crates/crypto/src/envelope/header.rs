//! The envelope header: salt, the content key wrapped per recipient, and its MAC.

use std::io::{self, Read};

use caretrail_types::Address;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::HeaderError;
use super::wrap::{self, WRAPPED_LEN};
use super::{ContentKey, MAX_RECIPIENTS};
use crate::{PublicKey, SecretKey};

pub(crate) const MAGIC: &[u8; 7] = b"CTRLENV";
pub(crate) const VERSION: u8 = 1;
pub(crate) const SALT_LEN: usize = 16;
const FIXED_LEN: usize = MAGIC.len() + 1 + SALT_LEN + 2;
const RECIPIENT_LEN: usize = 33;
const STANZA_LEN: usize = RECIPIENT_LEN + WRAPPED_LEN;
const MAC_LEN: usize = 32;

/// One reader: her public key and the content key wrapped for it.
#[derive(Clone, Debug)]
pub(crate) struct Stanza {
    pub(crate) recipient: PublicKey,
    pub(crate) wrapped: [u8; WRAPPED_LEN],
}

/// A parsed, not yet authenticated, envelope header. Only a recipient can authenticate it.
#[derive(Clone, Debug)]
pub struct Header {
    pub(crate) salt: [u8; SALT_LEN],
    pub(crate) stanzas: Vec<Stanza>,
    mac: [u8; MAC_LEN],
}

impl Header {
    /// A header for `stanzas`, authenticated under `key`.
    pub(crate) fn seal(salt: [u8; SALT_LEN], stanzas: Vec<Stanza>, key: &ContentKey) -> Self {
        let mut header = Self {
            salt,
            stanzas,
            mac: [0; MAC_LEN],
        };
        header.mac = header.compute_mac(key);
        header
    }

    /// Parses a header from the start of `bytes` (the body may follow).
    pub fn parse(mut bytes: &[u8]) -> Result<Self, HeaderError> {
        Self::read(&mut bytes)
    }

    /// Reads exactly the header from `reader`, leaving it at the first body byte.
    pub fn read<R: Read>(reader: &mut R) -> Result<Self, HeaderError> {
        let mut fixed = [0u8; FIXED_LEN];
        // The magic first, so that a short file that is not an envelope is called that.
        let got = read_up_to(reader, &mut fixed[..MAGIC.len() + 1])?;
        if fixed[..got.min(MAGIC.len())] != MAGIC[..got.min(MAGIC.len())] {
            return Err(HeaderError::NotAnEnvelope);
        }
        if got < MAGIC.len() + 1 {
            return Err(HeaderError::Truncated);
        }
        let version = fixed[MAGIC.len()];
        if version != VERSION {
            return Err(HeaderError::UnsupportedVersion(version));
        }
        read_exact(reader, &mut fixed[MAGIC.len() + 1..])?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&fixed[MAGIC.len() + 1..MAGIC.len() + 1 + SALT_LEN]);
        let count = usize::from(u16::from_be_bytes([
            fixed[FIXED_LEN - 2],
            fixed[FIXED_LEN - 1],
        ]));
        if count == 0 {
            return Err(HeaderError::Malformed("it lists no recipient"));
        }
        if count > MAX_RECIPIENTS {
            return Err(HeaderError::Malformed(
                "it lists more recipients than allowed",
            ));
        }
        let mut stanzas: Vec<Stanza> = Vec::with_capacity(count);
        for _ in 0..count {
            let mut raw = [0u8; STANZA_LEN];
            read_exact(reader, &mut raw)?;
            let recipient = PublicKey::from_sec1_bytes(&raw[..RECIPIENT_LEN])
                .map_err(|_| HeaderError::Malformed("a recipient is not a secp256k1 public key"))?;
            if stanzas.iter().any(|s| s.recipient == recipient) {
                return Err(HeaderError::Malformed("a recipient is listed twice"));
            }
            let mut wrapped = [0u8; WRAPPED_LEN];
            wrapped.copy_from_slice(&raw[RECIPIENT_LEN..]);
            stanzas.push(Stanza { recipient, wrapped });
        }
        let mut mac = [0u8; MAC_LEN];
        read_exact(reader, &mut mac)?;
        Ok(Self { salt, stanzas, mac })
    }

    /// The header's bytes, as written before the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.authenticated_bytes();
        out.extend_from_slice(&self.mac);
        out
    }

    /// Its length in bytes: where the body starts.
    pub fn len(&self) -> usize {
        FIXED_LEN + self.stanzas.len() * STANZA_LEN + MAC_LEN
    }

    /// Never true: a header always has its fixed part.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The recipient ids (Ethereum addresses) the header names. Unauthenticated until a
    /// recipient has opened it.
    pub fn recipients(&self) -> impl Iterator<Item = Address> + '_ {
        self.stanzas.iter().map(|s| s.recipient.address())
    }

    pub(crate) fn recipient_keys(&self) -> impl Iterator<Item = PublicKey> + '_ {
        self.stanzas.iter().map(|s| s.recipient)
    }

    /// The content key, if `identity` is a recipient and the header is authentic.
    pub(crate) fn open(&self, identity: &SecretKey) -> Result<ContentKey, OpenError> {
        let me = identity.public_key();
        let stanza = self
            .stanzas
            .iter()
            .find(|s| s.recipient == me)
            .ok_or(OpenError::NotARecipient)?;
        let key = wrap::unwrap(identity, &stanza.wrapped).ok_or(OpenError::Tampered)?;
        let mac = self.mac_state(&key);
        mac.verify_slice(&self.mac)
            .map_err(|_| OpenError::Tampered)?;
        Ok(key)
    }

    fn authenticated_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.salt);
        let count = u16::try_from(self.stanzas.len()).expect("at most MAX_RECIPIENTS stanzas");
        out.extend_from_slice(&count.to_be_bytes());
        for stanza in &self.stanzas {
            out.extend_from_slice(&stanza.recipient.to_compressed());
            out.extend_from_slice(&stanza.wrapped);
        }
        out
    }

    fn mac_state(&self, key: &ContentKey) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.header_mac_key().as_slice())
            .expect("HMAC takes any key length");
        mac.update(&self.authenticated_bytes());
        mac
    }

    fn compute_mac(&self, key: &ContentKey) -> [u8; MAC_LEN] {
        self.mac_state(key).finalize().into_bytes().into()
    }
}

/// Why a header did not give up its content key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    NotARecipient,
    Tampered,
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, HeaderError> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(HeaderError::Io(e)),
        }
    }
    Ok(got)
}

fn read_exact<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<(), HeaderError> {
    reader.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => HeaderError::Truncated,
        _ => HeaderError::Io(e),
    })
}
