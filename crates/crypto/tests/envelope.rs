//! Envelope v1 end to end: round trips at the chunk boundaries, every tamper case and its typed
//! error, granting and revoking readers, and properties over random records.

use std::io::{Read, Write};

use caretrail_crypto::envelope::{
    self, AddRecipientError, CHUNK_SIZE, DecryptError, Decryptor, EncryptError, Encryptor, Header,
    HeaderError, MAX_RECIPIENTS, RemoveRecipientError,
};
use caretrail_crypto::{PublicKey, SecretKey};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};

const SEALED_CHUNK: usize = CHUNK_SIZE + 16;
/// Fixed part of the header (magic, version, salt, count) and the bytes per recipient.
const FIXED: usize = 26;
const STANZA: usize = 33 + 129;
const MAC: usize = 32;

fn key() -> SecretKey {
    SecretKey::generate(&mut OsRng)
}

fn record(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn seal(recipients: &[&SecretKey], plaintext: &[u8]) -> Vec<u8> {
    let keys: Vec<PublicKey> = recipients.iter().map(|k| k.public_key()).collect();
    envelope::encrypt(&mut OsRng, &keys, plaintext).expect("encrypt")
}

fn header_len(recipients: usize) -> usize {
    FIXED + recipients * STANZA + MAC
}

#[test]
fn round_trips_at_chunk_boundaries() {
    let alice = key();
    let bob = key();
    for len in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        5 * CHUNK_SIZE + 7,
    ] {
        let plaintext = record(len);
        let sealed = seal(&[&alice, &bob], &plaintext);
        let chunks = len.div_ceil(CHUNK_SIZE).max(1);
        assert_eq!(
            sealed.len(),
            header_len(2) + len + chunks * 16,
            "length {len}: one tag per chunk, no empty final chunk after a full one"
        );
        assert_eq!(
            envelope::decrypt(&alice, &sealed).unwrap(),
            plaintext,
            "{len}"
        );
        assert_eq!(
            envelope::decrypt(&bob, &sealed).unwrap(),
            plaintext,
            "{len}"
        );
        assert_eq!(decrypt_streamed(&bob, &sealed).unwrap(), plaintext, "{len}");
    }
}

#[test]
fn streaming_in_odd_pieces_matches_the_simple_api() {
    let alice = key();
    let plaintext = record(3 * CHUNK_SIZE + 12_345);
    let mut writer = Encryptor::with_recipients(&mut OsRng, &[alice.public_key()])
        .unwrap()
        .wrap_output(Vec::new())
        .unwrap();
    for piece in plaintext.chunks(9_999) {
        writer.write_all(piece).unwrap();
    }
    let sealed = writer.finish().unwrap();

    let mut reader = Decryptor::new(&sealed[..])
        .unwrap()
        .decrypt(&alice)
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 7_777];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, plaintext);
    assert_eq!(envelope::decrypt(&alice, &sealed).unwrap(), plaintext);
}

/// A reader that hands out at most 5,000 bytes at a time, as a pipe or socket would.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(5_000);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn copy_from_a_reader_gives_the_same_envelope_as_writes() {
    let alice = key();
    for len in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE] {
        let plaintext = record(len);
        let seal_with = |copy: bool| {
            let mut rng = ChaCha20Rng::seed_from_u64(3);
            let mut writer = Encryptor::with_recipients(&mut rng, &[alice.public_key()])
                .unwrap()
                .wrap_output(Vec::new())
                .unwrap();
            if copy {
                let read = writer.copy_from(Trickle(&plaintext)).unwrap();
                assert_eq!(read, len as u64);
            } else {
                writer.write_all(&plaintext).unwrap();
            }
            writer.finish().unwrap()
        };
        let copied = seal_with(true);
        assert_eq!(copied, seal_with(false), "length {len}");
        assert_eq!(envelope::decrypt(&alice, &copied).unwrap(), plaintext);
    }
}

#[test]
fn the_callers_rng_is_the_only_randomness() {
    let alice = SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(1));
    let seal_with = |seed| {
        envelope::encrypt(
            &mut ChaCha20Rng::seed_from_u64(seed),
            &[alice.public_key()],
            b"a prescription",
        )
        .unwrap()
    };
    assert_eq!(seal_with(7), seal_with(7));
    assert_ne!(seal_with(7), seal_with(8));
}

/// The exact bytes of envelopes made from fixed seeds, recorded before the envelope's copying
/// was taken out: any change to the format (or to what the code writes) fails here. The short
/// one is pinned byte for byte, the longer ones (every chunk-boundary case) by SHA-256, each
/// written three ways: `encrypt`, `write_all` in odd pieces and `copy_from` a trickling reader.
#[test]
fn envelopes_from_a_fixed_seed_keep_their_bytes() {
    use sha2::{Digest, Sha256};

    let mut keys = ChaCha20Rng::seed_from_u64(2024);
    let alice = SecretKey::generate(&mut keys);
    let bob = SecretKey::generate(&mut keys);
    let readers = [alice.public_key(), bob.public_key()];
    let rng = || ChaCha20Rng::seed_from_u64(99);

    let short = envelope::encrypt(&mut rng(), &readers[..1], b"a prescription").unwrap();
    assert_eq!(hex::encode(&short), PINNED_SHORT);

    for (len, pinned) in PINNED_SHA256 {
        let plaintext = record(len);
        let simple = envelope::encrypt(&mut rng(), &readers, &plaintext).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&simple)), pinned, "length {len}");
        let mut writer = Encryptor::with_recipients(&mut rng(), &readers)
            .unwrap()
            .wrap_output(Vec::new())
            .unwrap();
        for piece in plaintext.chunks(9_999) {
            writer.write_all(piece).unwrap();
        }
        assert!(
            writer.finish().unwrap() == simple,
            "write_all, length {len}"
        );
        let mut writer = Encryptor::with_recipients(&mut rng(), &readers)
            .unwrap()
            .wrap_output(Vec::new())
            .unwrap();
        writer.copy_from(Trickle(&plaintext)).unwrap();
        assert!(
            writer.finish().unwrap() == simple,
            "copy_from, length {len}"
        );
        assert!(envelope::decrypt(&bob, &simple).unwrap() == plaintext);
    }
}

const PINNED_SHORT: &str = concat!(
    // magic, version, salt, count
    "4354524c454e5601801641225a48e92d058432a52d0d34f70001",
    // recipient key
    "02d9c61246e69046d505092110d5fd0ede9ad514bb62dc0f3ece7af1dc9348cf7f",
    // ephemeral key
    "04874cbd094e6d3157ae4d0e9b3fed0b023aa72a7c9b6da2044811223b9a861939077099b35f3632",
    "ab6826eb4c9576139ce3d5fb5cb0254ffa4b1d6e1916924058",
    // nonce, tag
    "7a4e4f77e0aacb874ed4f195113d8a83e8c0f1455cbb72d11f53f711c7641b16",
    // wrapped content key
    "879ab3f9b0806fdd9ec6a673dc13ef03b363e81d483fe43184c98a751a32a061",
    // header MAC
    "1db7a3428940f6c4a8d1ead7c57ff8fc138a6373dfcd6a061fed2dd26937cbc6",
    // the one chunk and its tag
    "1ed5b1c937cc639b925079dc117e45ce86a6fd1ea932264f7517bc2a1bbe",
);

const PINNED_SHA256: [(usize, &str); 7] = [
    (
        0,
        "a473bfc76b1c06eaf2857170ad34251ea626bf99a4815e0d3d4562fbe1ec1ade",
    ),
    (
        1,
        "1f8532dcc2b3026fb87eedab97a8a2e694079912765b61acddf2ae9f5d96b0b9",
    ),
    (
        CHUNK_SIZE - 1,
        "e2ad8acb5615264394f3eb18c27701e206503a7c97d0b71c8e1c38766b6b85bd",
    ),
    (
        CHUNK_SIZE,
        "03f21914a41c0a580b38fc6a77a01ddcf8012651d0e374530719f5d961de01f0",
    ),
    (
        CHUNK_SIZE + 1,
        "669456bd34a57e8e98bca404aa2f12da1564c22b659733137cabefd60b84b104",
    ),
    (
        2 * CHUNK_SIZE,
        "00f07c668447ffb5e6fbfa758d0c3d4e5661f562039914b4b13fae2e92329b83",
    ),
    (
        5 * CHUNK_SIZE + 7,
        "0fbde36e8e34a97c069a099eec10b08556d61aebed93dc6350119e92f826aff9",
    ),
];

#[test]
fn the_header_names_its_recipients() {
    let alice = key();
    let bob = key();
    let sealed = seal(&[&alice, &bob], b"x");
    let header = Header::parse(&sealed).unwrap();
    assert_eq!(header.len(), header_len(2));
    assert_eq!(
        header.recipients().collect::<Vec<_>>(),
        vec![alice.address(), bob.address()]
    );
    assert_eq!(header.to_bytes(), sealed[..header_len(2)]);
}

/// Decrypts through the streaming reader, fed in small reads (`envelope::decrypt` has its own
/// path for bytes in memory).
fn decrypt_streamed(identity: &SecretKey, bytes: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let mut out = Vec::new();
    Decryptor::new(Trickle(bytes))?.decrypt_to(identity, &mut out)?;
    Ok(out)
}

/// Why `envelope::decrypt` refuses `bytes`, after checking that the streaming reader refuses
/// them for the same reason.
fn decrypt_err(identity: &SecretKey, bytes: &[u8]) -> DecryptError {
    match (
        envelope::decrypt(identity, bytes),
        decrypt_streamed(identity, bytes),
    ) {
        (Err(in_memory), Err(streamed)) => {
            assert_eq!(format!("{in_memory:?}"), format!("{streamed:?}"));
            in_memory
        }
        _ => panic!("decrypted an envelope that should be refused"),
    }
}

#[test]
fn malformed_headers_are_refused_with_their_reason() {
    let alice = key();
    let sealed = seal(&[&alice], b"hello");

    let mut magic = sealed.clone();
    magic[0] = b'X';
    assert!(matches!(
        decrypt_err(&alice, &magic),
        DecryptError::Header(HeaderError::NotAnEnvelope)
    ));

    let mut version = sealed.clone();
    version[7] = 2;
    assert!(matches!(
        decrypt_err(&alice, &version),
        DecryptError::Header(HeaderError::UnsupportedVersion(2))
    ));

    let mut none = sealed.clone();
    none[24..26].copy_from_slice(&0u16.to_be_bytes());
    assert!(matches!(
        decrypt_err(&alice, &none),
        DecryptError::Header(HeaderError::Malformed(_))
    ));

    let mut too_many = sealed.clone();
    too_many[24..26].copy_from_slice(&(MAX_RECIPIENTS as u16 + 1).to_be_bytes());
    assert!(matches!(
        decrypt_err(&alice, &too_many),
        DecryptError::Header(HeaderError::Malformed(_))
    ));

    let mut not_a_point = sealed.clone();
    not_a_point[FIXED] = 0x05;
    assert!(matches!(
        decrypt_err(&alice, &not_a_point),
        DecryptError::Header(HeaderError::Malformed(_))
    ));

    // The same recipient twice.
    let mut twice = sealed[..FIXED + STANZA].to_vec();
    twice[24..26].copy_from_slice(&2u16.to_be_bytes());
    twice.extend_from_slice(&sealed[FIXED..]);
    assert!(matches!(
        decrypt_err(&alice, &twice),
        DecryptError::Header(HeaderError::Malformed(_))
    ));

    for cut in [0, 5, 8, FIXED, FIXED + 100, header_len(1) - 1] {
        assert!(
            matches!(
                decrypt_err(&alice, &sealed[..cut]),
                DecryptError::Header(HeaderError::Truncated)
            ),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_stranger_is_not_a_recipient() {
    let sealed = seal(&[&key()], b"hello");
    assert!(matches!(
        decrypt_err(&key(), &sealed),
        DecryptError::NotARecipient
    ));
}

#[test]
fn any_change_to_the_header_is_detected() {
    let alice = key();
    let bob = key();
    let sealed = seal(&[&alice, &bob], b"hello");
    // Salt, alice's wrapped key, bob's stanza (which alice cannot unwrap), and the MAC.
    for position in [
        8,
        23,
        FIXED + 33,
        FIXED + STANZA - 1,
        FIXED + STANZA + 40,
        header_len(2) - MAC,
        header_len(2) - 1,
    ] {
        let mut altered = sealed.clone();
        altered[position] ^= 0x80;
        assert!(
            matches!(decrypt_err(&alice, &altered), DecryptError::HeaderTampered),
            "byte {position}"
        );
    }
    // Bob's public key replaced by a stranger's (a valid point).
    let mut swapped = sealed.clone();
    swapped[FIXED + STANZA..FIXED + STANZA + 33]
        .copy_from_slice(&key().public_key().to_compressed());
    assert!(matches!(
        decrypt_err(&alice, &swapped),
        DecryptError::HeaderTampered
    ));
    // Bob's stanza dropped.
    let mut dropped = sealed[..FIXED + STANZA].to_vec();
    dropped[24..26].copy_from_slice(&1u16.to_be_bytes());
    dropped.extend_from_slice(&sealed[FIXED + 2 * STANZA..]);
    assert!(matches!(
        decrypt_err(&alice, &dropped),
        DecryptError::HeaderTampered
    ));
}

#[test]
fn body_tampering_reordering_and_splicing_are_detected() {
    let alice = key();
    let plaintext = record(3 * CHUNK_SIZE + 100);
    let sealed = seal(&[&alice], &plaintext);
    let body = header_len(1);
    let chunk = |i: usize| body + i * SEALED_CHUNK..body + (i + 1) * SEALED_CHUNK;

    for (position, expected_chunk) in [
        (body, 0),
        (body + CHUNK_SIZE, 0), // the tag
        (chunk(1).start + 77, 1),
        (sealed.len() - 1, 3),
    ] {
        let mut altered = sealed.clone();
        altered[position] ^= 1;
        match decrypt_err(&alice, &altered) {
            DecryptError::BodyTampered { chunk } => assert_eq!(chunk, expected_chunk),
            other => panic!("byte {position}: {other:?}"),
        }
    }

    // Chunks 0 and 1 swapped.
    let mut reordered = sealed.clone();
    reordered[chunk(0)].copy_from_slice(&sealed[chunk(1)]);
    reordered[chunk(1)].copy_from_slice(&sealed[chunk(0)]);
    assert!(matches!(
        decrypt_err(&alice, &reordered),
        DecryptError::BodyTampered { chunk: 0 }
    ));

    // Chunk 1 taken from another record for the same reader.
    let other = seal(&[&alice], &plaintext);
    let mut spliced = sealed.clone();
    spliced[chunk(1)].copy_from_slice(&other[chunk(1)]);
    assert!(matches!(
        decrypt_err(&alice, &spliced),
        DecryptError::BodyTampered { chunk: 1 }
    ));

    // Another record's header on this body.
    let mut rehead = other[..body].to_vec();
    rehead.extend_from_slice(&sealed[body..]);
    assert!(matches!(
        decrypt_err(&alice, &rehead),
        DecryptError::BodyTampered { chunk: 0 }
    ));
}

#[test]
fn truncation_and_appended_bytes_are_detected() {
    let alice = key();
    let sealed = seal(&[&alice], &record(3 * CHUNK_SIZE + 100));
    let body = header_len(1);

    // Cut at a chunk boundary: what is left opens, but the last chunk is missing.
    for chunks in [1, 2, 3] {
        assert!(
            matches!(
                decrypt_err(&alice, &sealed[..body + chunks * SEALED_CHUNK]),
                DecryptError::Truncated
            ),
            "{chunks} chunks left"
        );
    }
    // No body at all, or less than a tag of it.
    assert!(matches!(
        decrypt_err(&alice, &sealed[..body]),
        DecryptError::Truncated
    ));
    assert!(matches!(
        decrypt_err(&alice, &sealed[..body + 15]),
        DecryptError::Truncated
    ));
    // Cut inside a chunk: that chunk no longer authenticates.
    assert!(matches!(
        decrypt_err(&alice, &sealed[..body + SEALED_CHUNK + 1000]),
        DecryptError::BodyTampered { chunk: 1 }
    ));

    // Bytes appended to the end change where the last chunk ends, so it no longer opens.
    let mut trailing = sealed.clone();
    trailing.push(0);
    assert!(matches!(
        decrypt_err(&alice, &trailing),
        DecryptError::BodyTampered { chunk: 3 }
    ));
    let mut empty_record = seal(&[&alice], b"");
    empty_record.extend_from_slice(b"junk");
    assert!(matches!(
        decrypt_err(&alice, &empty_record),
        DecryptError::BodyTampered { chunk: 0 }
    ));
    let mut full_last = seal(&[&alice], &record(CHUNK_SIZE));
    full_last.extend_from_slice(&[0; 17]);
    assert!(matches!(
        decrypt_err(&alice, &full_last),
        DecryptError::BodyTampered { chunk: 0 }
    ));
}

#[test]
fn encryption_refuses_bad_recipient_lists() {
    let alice = key();
    assert!(matches!(
        envelope::encrypt(&mut OsRng, &[], b"x"),
        Err(EncryptError::NoRecipients)
    ));
    match envelope::encrypt(&mut OsRng, &[alice.public_key(), alice.public_key()], b"x") {
        Err(EncryptError::DuplicateRecipient(address)) => assert_eq!(address, alice.address()),
        other => panic!("{other:?}"),
    }
    let crowd: Vec<PublicKey> = (0..=MAX_RECIPIENTS).map(|_| key().public_key()).collect();
    assert!(matches!(
        envelope::encrypt(&mut OsRng, &crowd, b"x"),
        Err(EncryptError::TooManyRecipients {
            max: MAX_RECIPIENTS
        })
    ));
}

#[test]
fn adding_a_reader_rewrites_only_the_header() {
    let patient = key();
    let doctor = key();
    let plaintext = record(2 * CHUNK_SIZE + 3);
    let sealed = seal(&[&patient], &plaintext);

    let rewrapped =
        envelope::add_recipient(&mut OsRng, &patient, &sealed[..], &doctor.public_key()).unwrap();
    assert_eq!(rewrapped.replaces, header_len(1));
    assert_eq!(rewrapped.header.len(), header_len(2));
    let mut granted = rewrapped.header.clone();
    granted.extend_from_slice(&sealed[rewrapped.replaces..]);

    assert_eq!(envelope::decrypt(&doctor, &granted).unwrap(), plaintext);
    assert_eq!(envelope::decrypt(&patient, &granted).unwrap(), plaintext);
    assert!(matches!(
        decrypt_err(&doctor, &sealed),
        DecryptError::NotARecipient
    ));

    assert!(matches!(
        envelope::add_recipient(&mut OsRng, &key(), &sealed[..], &doctor.public_key()),
        Err(AddRecipientError::NotARecipient)
    ));
    match envelope::add_recipient(&mut OsRng, &patient, &granted[..], &doctor.public_key()) {
        Err(AddRecipientError::AlreadyARecipient(address)) => {
            assert_eq!(address, doctor.address())
        }
        other => panic!("{other:?}"),
    }
    let mut altered = sealed.clone();
    altered[10] ^= 1;
    assert!(matches!(
        envelope::add_recipient(&mut OsRng, &patient, &altered[..], &doctor.public_key()),
        Err(AddRecipientError::HeaderTampered)
    ));
    assert!(matches!(
        envelope::add_recipient(
            &mut OsRng,
            &patient,
            &b"not an envelope"[..],
            &doctor.public_key()
        ),
        Err(AddRecipientError::Header(HeaderError::NotAnEnvelope))
    ));
}

#[test]
fn removing_a_reader_rotates_key_and_body() {
    let patient = key();
    let doctor = key();
    let insurer = key();
    let plaintext = record(CHUNK_SIZE + 10);
    let sealed = seal(&[&patient, &doctor, &insurer], &plaintext);

    let mut rotated = Vec::new();
    let remaining = envelope::remove_recipient(
        &mut OsRng,
        &patient,
        &sealed[..],
        &doctor.address(),
        &mut rotated,
    )
    .unwrap();
    assert_eq!(remaining, vec![patient.address(), insurer.address()]);
    assert!(matches!(
        decrypt_err(&doctor, &rotated),
        DecryptError::NotARecipient
    ));
    assert_eq!(envelope::decrypt(&patient, &rotated).unwrap(), plaintext);
    assert_eq!(envelope::decrypt(&insurer, &rotated).unwrap(), plaintext);
    // A new key and a new body: none of the old ciphertext is reused.
    let old_body = &sealed[header_len(3)..];
    let new_body = &rotated[header_len(2)..];
    assert_eq!(old_body.len(), new_body.len());
    assert_ne!(&old_body[..64], &new_body[..64]);

    assert!(matches!(
        envelope::remove_recipient(
            &mut OsRng,
            &patient,
            &sealed[..],
            &patient.address(),
            Vec::new()
        ),
        Err(RemoveRecipientError::CannotRemoveSelf)
    ));
    let stranger = key().address();
    match envelope::remove_recipient(&mut OsRng, &patient, &sealed[..], &stranger, Vec::new()) {
        Err(RemoveRecipientError::NotARecipient(address)) => assert_eq!(address, stranger),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        envelope::remove_recipient(
            &mut OsRng,
            &key(),
            &sealed[..],
            &doctor.address(),
            Vec::new()
        ),
        Err(RemoveRecipientError::Decrypt(DecryptError::NotARecipient))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_record_round_trips_whatever_the_write_sizes(
        plaintext in proptest::collection::vec(any::<u8>(), 0..(3 * CHUNK_SIZE)),
        piece in 1usize..(2 * CHUNK_SIZE),
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let alice = SecretKey::generate(&mut rng);
        let mut writer = Encryptor::with_recipients(&mut rng, &[alice.public_key()])
            .unwrap()
            .wrap_output(Vec::new())
            .unwrap();
        for part in plaintext.chunks(piece) {
            writer.write_all(part).unwrap();
        }
        let sealed = writer.finish().unwrap();
        // The same RNG draws give the same envelope through `encrypt`.
        let mut again = ChaCha20Rng::seed_from_u64(seed);
        SecretKey::generate(&mut again);
        let simple = envelope::encrypt(&mut again, &[alice.public_key()], &plaintext).unwrap();
        prop_assert!(simple == sealed);
        prop_assert!(decrypt_streamed(&alice, &sealed).unwrap() == plaintext);
        prop_assert_eq!(envelope::decrypt(&alice, &sealed).unwrap(), plaintext);
    }

    #[test]
    fn no_single_byte_change_goes_unnoticed(
        len in 0usize..(2 * CHUNK_SIZE + 10),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let alice = SecretKey::generate(&mut rng);
        let mut sealed = envelope::encrypt(&mut rng, &[alice.public_key()], &record(len)).unwrap();
        let at = position.index(sealed.len());
        sealed[at] ^= flip;
        let len = sealed.len();
        prop_assert!(envelope::decrypt(&alice, &sealed).is_err(), "byte {} of {}", at, len);
        prop_assert!(decrypt_streamed(&alice, &sealed).is_err(), "byte {} of {}", at, len);
    }
}
