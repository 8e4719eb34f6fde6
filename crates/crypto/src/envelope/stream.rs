//! STREAM over the body: fixed chunks, each sealed under a nonce of its counter and a last-chunk
//! flag, so that a truncated, reordered or spliced body fails to decrypt. Memory stays at one
//! chunk whatever the record's size.

use std::io::{self, BufRead, Read, Write};

use rand_core::CryptoRngCore;

use super::chunk::{ChunkCipher, NONCE_LEN, TAG_LEN};
use super::error::{DecryptError, EncryptError, HeaderError, from_io, into_io};
use super::header::{Header, OpenError, SALT_LEN, Stanza};
use super::{CHUNK_SIZE, ContentKey, MAX_RECIPIENTS, wrap};
use crate::{PublicKey, SecretKey};

const SEALED_CHUNK: usize = CHUNK_SIZE + TAG_LEN;

fn nonce(counter: u64, last: bool) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[3..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// Encrypts one record to a set of readers: a fresh content key, wrapped for each.
pub struct Encryptor {
    header: Header,
    cipher: ChunkCipher,
}

impl Encryptor {
    /// Draws a new content key and salt from `rng` and wraps the key for every recipient.
    pub fn with_recipients(
        rng: &mut impl CryptoRngCore,
        recipients: &[PublicKey],
    ) -> Result<Self, EncryptError> {
        let key = ContentKey::generate(rng);
        Self::with_key(rng, key, recipients)
    }

    pub(crate) fn with_key(
        rng: &mut impl CryptoRngCore,
        key: ContentKey,
        recipients: &[PublicKey],
    ) -> Result<Self, EncryptError> {
        if recipients.is_empty() {
            return Err(EncryptError::NoRecipients);
        }
        if recipients.len() > MAX_RECIPIENTS {
            return Err(EncryptError::TooManyRecipients {
                max: MAX_RECIPIENTS,
            });
        }
        let mut stanzas: Vec<Stanza> = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            if stanzas.iter().any(|s| s.recipient == *recipient) {
                return Err(EncryptError::DuplicateRecipient(recipient.address()));
            }
            stanzas.push(Stanza {
                recipient: *recipient,
                wrapped: wrap::wrap(rng, recipient, &key),
            });
        }
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let cipher = ChunkCipher::new(&key.payload_key(&salt));
        Ok(Self {
            header: Header::seal(salt, stanzas, &key),
            cipher,
        })
    }

    /// Writes the header to `output` and returns a writer for the body. The envelope is complete
    /// only after [`EnvelopeWriter::finish`]; without it a reader sees a truncated body.
    pub fn wrap_output<W: Write>(self, mut output: W) -> Result<EnvelopeWriter<W>, EncryptError> {
        output
            .write_all(&self.header.to_bytes())
            .map_err(EncryptError::Io)?;
        Ok(EnvelopeWriter {
            output,
            cipher: self.cipher,
            buffer: vec![0; SEALED_CHUNK],
            filled: 0,
            counter: 0,
        })
    }
}

impl Encryptor {
    /// Encrypts a record held in memory straight into the returned envelope: each chunk of
    /// plaintext is copied once, to where its ciphertext belongs, and sealed there.
    pub(super) fn encrypt_in_memory(self, plaintext: &[u8]) -> Vec<u8> {
        // An empty record is one empty last chunk.
        let chunks = plaintext.len().div_ceil(CHUNK_SIZE).max(1);
        let mut out = Vec::with_capacity(self.header.len() + plaintext.len() + chunks * TAG_LEN);
        out.extend_from_slice(&self.header.to_bytes());
        for (counter, index) in (0u64..).zip(0..chunks) {
            let piece =
                &plaintext[index * CHUNK_SIZE..plaintext.len().min((index + 1) * CHUNK_SIZE)];
            let start = out.len();
            out.extend_from_slice(piece);
            let last = index + 1 == chunks;
            let tag = self
                .cipher
                .seal_in_place(&nonce(counter, last), &[], &mut out[start..]);
            out.extend_from_slice(&tag);
        }
        out
    }
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encryptor")
            .field("recipients", &self.header.recipients().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Encrypts the body as it is written, one chunk at a time.
pub struct EnvelopeWriter<W: Write> {
    output: W,
    cipher: ChunkCipher,
    /// One chunk and room for its tag; `filled` bytes of plaintext so far.
    buffer: Vec<u8>,
    filled: usize,
    counter: u64,
}

impl<W: Write> EnvelopeWriter<W> {
    fn seal_buffer(&mut self, last: bool) -> io::Result<()> {
        let end = self.filled + TAG_LEN;
        let tag = self.cipher.seal_in_place(
            &nonce(self.counter, last),
            &[],
            &mut self.buffer[..self.filled],
        );
        self.buffer[self.filled..end].copy_from_slice(&tag);
        self.output.write_all(&self.buffer[..end])?;
        self.filled = 0;
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| io::Error::other("the record has more chunks than the nonce counts"))?;
        Ok(())
    }

    /// Encrypts everything `input` has, reading straight into the chunk buffer (no copy through
    /// an intermediate buffer, unlike `io::copy`). Returns the number of bytes read.
    pub fn copy_from<R: Read>(&mut self, mut input: R) -> io::Result<u64> {
        let mut total = 0u64;
        loop {
            // Up to one byte past a full chunk, into the room kept for its tag: a full chunk is
            // sealed as a middle chunk only once a byte after it has come, and reading that byte
            // with the chunk keeps it at one `read` per chunk.
            let n = read_some(&mut input, &mut self.buffer[self.filled..=CHUNK_SIZE])?;
            if n == 0 {
                return Ok(total);
            }
            self.filled += n;
            total += n as u64;
            if self.filled > CHUNK_SIZE {
                let next = self.buffer[CHUNK_SIZE];
                self.filled = CHUNK_SIZE;
                self.seal_buffer(false)?;
                self.buffer[0] = next;
                self.filled = 1;
            }
        }
    }

    /// Seals the last chunk and returns the output. Must be called: it is what makes the
    /// envelope complete.
    pub fn finish(mut self) -> Result<W, EncryptError> {
        self.seal_buffer(true).map_err(EncryptError::Io)?;
        self.output.flush().map_err(EncryptError::Io)?;
        Ok(self.output)
    }
}

impl<W: Write> Write for EnvelopeWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full chunk is sealed only once more data arrives: until then it may be the last.
        if self.filled == CHUNK_SIZE {
            self.seal_buffer(false)?;
        }
        let take = data.len().min(CHUNK_SIZE - self.filled);
        self.buffer[self.filled..self.filled + take].copy_from_slice(&data[..take]);
        self.filled += take;
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }
}

impl<W: Write> std::fmt::Debug for EnvelopeWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeWriter")
            .field("chunks_written", &self.counter)
            .finish_non_exhaustive()
    }
}

/// One `read`, retried on interruption.
fn read_some<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// An envelope whose header has been read; the body follows in `input`.
pub struct Decryptor<R: Read> {
    header: Header,
    input: R,
}

impl<R: Read> Decryptor<R> {
    /// Reads and parses the header (not yet authenticated: only a recipient can).
    pub fn new(mut input: R) -> Result<Self, HeaderError> {
        let header = Header::read(&mut input)?;
        Ok(Self { header, input })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Opens the envelope with `identity`: a reader of the plaintext. Its `read` fails with an
    /// `io::Error` carrying a [`DecryptError`] on a tampered or truncated body; the bytes it gave
    /// before an error must be discarded. [`Decryptor::decrypt_to`] does that bookkeeping.
    pub fn decrypt(self, identity: &SecretKey) -> Result<EnvelopeReader<R>, DecryptError> {
        Ok(EnvelopeReader {
            cipher: self.body_cipher(identity)?,
            input: self.input,
            buffer: vec![0; SEALED_CHUNK + 1],
            filled: 0,
            carry: None,
            plain: 0..0,
            counter: 0,
            done: false,
        })
    }

    /// The body's cipher, once `identity` has opened the header.
    fn body_cipher(&self, identity: &SecretKey) -> Result<ChunkCipher, DecryptError> {
        let key = self.header.open(identity).map_err(|e| match e {
            OpenError::NotARecipient => DecryptError::NotARecipient,
            OpenError::Tampered => DecryptError::HeaderTampered,
        })?;
        Ok(ChunkCipher::new(&key.payload_key(&self.header.salt)))
    }

    /// Decrypts the whole body into `output`; returns the plaintext length.
    pub fn decrypt_to<W: Write>(
        self,
        identity: &SecretKey,
        mut output: W,
    ) -> Result<u64, DecryptError> {
        let mut reader = self.decrypt(identity)?;
        let mut copied = 0u64;
        loop {
            // Straight from the chunk buffer: one write per chunk, no bounce buffer.
            let plain = reader.fill_buf().map_err(from_io)?;
            if plain.is_empty() {
                break;
            }
            let n = plain.len();
            output.write_all(plain).map_err(DecryptError::Io)?;
            reader.consume(n);
            copied += n as u64;
        }
        output.flush().map_err(DecryptError::Io)?;
        Ok(copied)
    }
}

impl Decryptor<&[u8]> {
    /// Decrypts a body held in memory straight into the returned plaintext: each sealed chunk is
    /// copied once, to where its plaintext belongs, and opened there (the streaming reader would
    /// copy it into its chunk buffer and out again).
    pub(super) fn decrypt_in_memory(self, identity: &SecretKey) -> Result<Vec<u8>, DecryptError> {
        let cipher = self.body_cipher(identity)?;
        let mut body = self.input;
        // The plaintext is shorter than the body, and each chunk's tag is dropped before the
        // next chunk comes: this never reallocates.
        let mut out = Vec::with_capacity(body.len());
        let mut counter = 0u64;
        loop {
            let (sealed, last) = chunk_extent(body.len())?;
            let start = out.len();
            out.extend_from_slice(&body[..sealed]);
            let len = open_chunk(&cipher, counter, &mut out[start..], last)?;
            out.truncate(start + len);
            if last {
                return Ok(out);
            }
            body = &body[sealed..];
            counter += 1;
        }
    }
}

impl<R: Read> std::fmt::Debug for Decryptor<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl<R: Read> std::fmt::Debug for EnvelopeReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvelopeReader")
            .field("chunks_read", &self.counter)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Decrypts the body as it is read, one authenticated chunk at a time.
pub struct EnvelopeReader<R: Read> {
    input: R,
    cipher: ChunkCipher,
    /// One sealed chunk plus one byte of look-ahead, which tells a full last chunk from a
    /// full chunk with more to come.
    buffer: Vec<u8>,
    filled: usize,
    carry: Option<u8>,
    plain: std::ops::Range<usize>,
    counter: u64,
    done: bool,
}

impl<R: Read> EnvelopeReader<R> {
    fn fill(&mut self) -> io::Result<()> {
        if let Some(byte) = self.carry.take() {
            self.buffer[0] = byte;
            self.filled = 1;
        }
        while self.filled < self.buffer.len() {
            match self.input.read(&mut self.buffer[self.filled..]) {
                Ok(0) => break,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Authenticates and decrypts the next chunk into `plain`.
    fn next_chunk(&mut self) -> Result<(), DecryptError> {
        self.fill().map_err(DecryptError::Io)?;
        let (sealed, last) = chunk_extent(self.filled)?;
        let len = open_chunk(&self.cipher, self.counter, &mut self.buffer[..sealed], last)?;
        self.plain = 0..len;
        self.counter += 1;
        self.done = last;
        if !last {
            // Keep the look-ahead byte for the next chunk; the plaintext is still in the buffer.
            self.carry = Some(self.buffer[SEALED_CHUNK]);
        }
        self.filled = 0;
        Ok(())
    }
}

/// How long the next sealed chunk is and whether it is the last, from how many body bytes are
/// left (counting at most one past a full chunk): every chunk but the last is full, so only a
/// byte after a full chunk says that more chunks follow.
fn chunk_extent(remaining: usize) -> Result<(usize, bool), DecryptError> {
    if remaining < TAG_LEN {
        // Nothing (or less than a tag) where a chunk must be: the last chunk is missing.
        return Err(DecryptError::Truncated);
    }
    Ok((remaining.min(SEALED_CHUNK), remaining <= SEALED_CHUNK))
}

/// Authenticates and decrypts chunk `counter` (`ciphertext ‖ tag`) in place; returns the length
/// of its plaintext, which starts where the ciphertext did.
fn open_chunk(
    cipher: &ChunkCipher,
    counter: u64,
    sealed: &mut [u8],
    last: bool,
) -> Result<usize, DecryptError> {
    // A full chunk right before the end is either the real last chunk or a middle chunk whose
    // successors were cut off. The backend may overwrite a chunk it fails to open, so keep a copy
    // to tell the two apart; this happens at most once per record.
    let boundary = (sealed.len() == SEALED_CHUNK && last).then(|| sealed.to_vec());
    match (
        cipher.open_in_place(&nonce(counter, last), &[], sealed),
        boundary,
    ) {
        // An empty last chunk is written only for an empty record.
        (Ok(0), _) if last && counter > 0 => Err(DecryptError::BodyTampered { chunk: counter }),
        (Ok(len), _) => Ok(len),
        (Err(_), Some(mut copy)) => {
            let cut_short = cipher
                .open_in_place(&nonce(counter, false), &[], &mut copy)
                .is_ok();
            Err(if cut_short {
                DecryptError::Truncated
            } else {
                DecryptError::BodyTampered { chunk: counter }
            })
        }
        (Err(_), None) => Err(DecryptError::BodyTampered { chunk: counter }),
    }
}

impl<R: Read> Read for EnvelopeReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = out.len().min(available.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Hands out each chunk's plaintext where it was decrypted, without a copy.
impl<R: Read> BufRead for EnvelopeReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.plain.is_empty() && !self.done {
            self.next_chunk().map_err(into_io)?;
        }
        Ok(&self.buffer[self.plain.clone()])
    }

    fn consume(&mut self, amount: usize) {
        self.plain.start = (self.plain.start + amount).min(self.plain.end);
    }
}
