//! A record's names as the record registry derives them, so the app, the web page and the relay
//! agree with the contract without asking it: the kind, the id and the batch leaf; the ciphertext
//! hash that is anchored, the SHA-256 of the envelope's body (never its header, which changes
//! when a reader is added); and the patient's EIP-712 signatures the registry accepts from a
//! relayer (her own anchor, a consent grant, a revocation), which the web page makes in wasm.

use crate::SecretKey;
use crate::envelope::{Header, HeaderError};
use crate::sign::{SignatureError, recover_typed, sign_typed};
use alloy_primitives::{Address as SolAddress, B256, keccak256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{
    Address, ConsentGrant, ConsentRevocation, ConsentScope, Hash32, OwnAnchor, Signature,
};
use sha2::{Digest, Sha256};

mod typed {
    alloy_sol_types::sol! {
        struct OwnAnchor {
            address patient;
            bytes32 kind;
            bytes32 ciphertextHash;
            uint64 deadline;
        }

        struct ConsentGrant {
            address patient;
            address grantee;
            uint8 scope;
            bytes32 target;
            uint64 expiresAt;
            uint256 nonce;
            uint64 deadline;
        }

        struct ConsentRevocation {
            address patient;
            address grantee;
            uint8 scope;
            bytes32 target;
            uint256 nonce;
            uint64 deadline;
        }
    }
}

/// The record registry's EIP-712 domain (as in its constructor).
pub fn record_registry_domain(chain_id: u64, records: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some("Caretrail RecordRegistry".into()),
        Some("1".into()),
        Some(alloy_primitives::U256::from(chain_id)),
        Some(SolAddress::from(records.0)),
        None,
    )
}

fn typed_anchor(anchor: &OwnAnchor) -> typed::OwnAnchor {
    typed::OwnAnchor {
        patient: SolAddress::from(anchor.patient.0),
        kind: B256::from(anchor.kind.0),
        ciphertextHash: B256::from(anchor.ciphertext_hash.0),
        deadline: anchor.deadline,
    }
}

/// The patient's signature over an anchor of her own record, for anyone to relay
/// (`anchorOwnRecordBySig`).
pub fn sign_own_anchor(
    key: &SecretKey,
    chain_id: u64,
    records: Address,
    anchor: &OwnAnchor,
) -> Signature {
    sign_typed(
        key,
        &typed_anchor(anchor),
        &record_registry_domain(chain_id, records),
    )
}

/// Who signed an own anchor, by the registry's rules.
pub fn own_anchor_signer(
    chain_id: u64,
    records: Address,
    anchor: &OwnAnchor,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_anchor(anchor),
        &record_registry_domain(chain_id, records),
        signature,
    )
}

/// A consent's scope as the registry codes it (`0` one record, `1` a kind).
pub fn consent_scope_code(scope: ConsentScope) -> u8 {
    match scope {
        ConsentScope::Record => 0,
        ConsentScope::Kind => 1,
    }
}

fn typed_grant(grant: &ConsentGrant) -> typed::ConsentGrant {
    typed::ConsentGrant {
        patient: SolAddress::from(grant.patient.0),
        grantee: SolAddress::from(grant.grantee.0),
        scope: consent_scope_code(grant.scope),
        target: B256::from(grant.target.0),
        expiresAt: grant.expires_at,
        nonce: alloy_primitives::U256::from(grant.nonce),
        deadline: grant.deadline,
    }
}

fn typed_revocation(revocation: &ConsentRevocation) -> typed::ConsentRevocation {
    typed::ConsentRevocation {
        patient: SolAddress::from(revocation.patient.0),
        grantee: SolAddress::from(revocation.grantee.0),
        scope: consent_scope_code(revocation.scope),
        target: B256::from(revocation.target.0),
        nonce: alloy_primitives::U256::from(revocation.nonce),
        deadline: revocation.deadline,
    }
}

/// The patient's signature over a consent grant, for anyone to relay (`grantAccessBySig`).
pub fn sign_consent_grant(
    patient: &SecretKey,
    chain_id: u64,
    records: Address,
    grant: &ConsentGrant,
) -> Signature {
    sign_typed(
        patient,
        &typed_grant(grant),
        &record_registry_domain(chain_id, records),
    )
}

/// The patient's signature over a revocation, for anyone to relay (`revokeAccessBySig`).
pub fn sign_consent_revocation(
    patient: &SecretKey,
    chain_id: u64,
    records: Address,
    revocation: &ConsentRevocation,
) -> Signature {
    sign_typed(
        patient,
        &typed_revocation(revocation),
        &record_registry_domain(chain_id, records),
    )
}

/// Who signed a grant, by the registry's rules (the relay asks before it pays).
pub fn consent_grant_signer(
    chain_id: u64,
    records: Address,
    grant: &ConsentGrant,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_grant(grant),
        &record_registry_domain(chain_id, records),
        signature,
    )
}

/// Who signed a revocation, by the registry's rules.
pub fn consent_revocation_signer(
    chain_id: u64,
    records: Address,
    revocation: &ConsentRevocation,
    signature: &Signature,
) -> Result<Address, SignatureError> {
    recover_typed(
        &typed_revocation(revocation),
        &record_registry_domain(chain_id, records),
        signature,
    )
}

/// A record kind from its name (a FHIR resource type such as `DiagnosticReport`): the ASCII bytes
/// left-aligned in 32, as the registry keeps it. `None` for an empty, non-ASCII or over-long name.
pub fn record_kind(name: &str) -> Option<Hash32> {
    if name.is_empty() || name.len() > 32 || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut kind = [0; 32];
    kind[..name.len()].copy_from_slice(name.as_bytes());
    Some(Hash32(kind))
}

/// A kind's name, when it is one [`record_kind`] makes.
pub fn kind_name(kind: &Hash32) -> Option<&str> {
    let end = kind.0.iter().position(|&b| b == 0).unwrap_or(32);
    if kind.0[end..].iter().any(|&b| b != 0) {
        return None;
    }
    std::str::from_utf8(&kind.0[..end])
        .ok()
        .filter(|name| record_kind(name).is_some())
}

/// The id the registry derives: `keccak256(abi.encode(patient, kind, ciphertextHash))`.
pub fn record_id(patient: Address, kind: Hash32, ciphertext_hash: Hash32) -> Hash32 {
    let mut encoded = [0u8; 96];
    encoded[12..32].copy_from_slice(&patient.0);
    encoded[32..64].copy_from_slice(&kind.0);
    encoded[64..].copy_from_slice(&ciphertext_hash.0);
    Hash32(keccak256(encoded).0)
}

/// The Merkle leaf of a record in a batch: its id hashed once more (the registry's
/// `recordLeaf`, OpenZeppelin's `StandardMerkleTree` leaf for `["address", "bytes32", "bytes32"]`).
pub fn record_leaf(patient: Address, kind: Hash32, ciphertext_hash: Hash32) -> Hash32 {
    Hash32(keccak256(record_id(patient, kind, ciphertext_hash).0).0)
}

/// The hash anchored for a record: SHA-256 of its envelope body, fed as it streams.
#[derive(Debug, Clone, Default)]
pub struct BodyHasher(Sha256);

impl BodyHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> Hash32 {
        Hash32(self.0.finalize().into())
    }
}

/// [`BodyHasher`] fed a whole envelope as it streams, header first: it finds where the header
/// ends (however many readers it has) and hashes only what follows, the body.
#[derive(Debug, Clone)]
pub struct EnvelopeBodyHasher {
    /// The header's bytes so far, until it parses whole.
    header: Option<Vec<u8>>,
    body: BodyHasher,
}

impl Default for EnvelopeBodyHasher {
    fn default() -> Self {
        Self {
            header: Some(Vec::new()),
            body: BodyHasher::new(),
        }
    }
}

impl EnvelopeBodyHasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the envelope's next bytes; refuses a malformed header.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), HeaderError> {
        let Some(pending) = &mut self.header else {
            self.body.update(bytes);
            return Ok(());
        };
        pending.extend_from_slice(bytes);
        match Header::parse(pending) {
            Ok(header) => {
                self.body.update(&pending[header.len()..]);
                self.header = None;
                Ok(())
            }
            Err(HeaderError::Truncated) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The body's hash; an envelope that ended inside its header is `Truncated`.
    pub fn finish(self) -> Result<Hash32, HeaderError> {
        match self.header {
            Some(_) => Err(HeaderError::Truncated),
            None => Ok(self.body.finish()),
        }
    }
}

/// A writer that passes an envelope through to `inner` as it is written, hashing its body on the
/// way (for the id and the anchor, without reading the envelope again).
#[derive(Debug)]
pub struct BodyHashingWriter<W> {
    inner: W,
    hasher: EnvelopeBodyHasher,
}

impl<W: std::io::Write> BodyHashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: EnvelopeBodyHasher::new(),
        }
    }

    /// The inner writer, flushed, and the body's hash.
    pub fn finish(mut self) -> std::io::Result<(W, Hash32)> {
        self.inner.flush()?;
        let hash = self
            .hasher
            .finish()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok((self.inner, hash))
    }
}

impl<W: std::io::Write> std::io::Write for BodyHashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher
            .update(&buf[..n])
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The length of an envelope's body for a plaintext of `plaintext_len` bytes: the plaintext and
/// a 16-byte tag per 64 KiB chunk (one chunk for an empty record). Size caps are stated for what
/// the patient stores and applied to what the relay receives through this.
pub fn envelope_body_len(plaintext_len: u64) -> u64 {
    let chunk = crate::envelope::CHUNK_SIZE as u64;
    plaintext_len + 16 * plaintext_len.div_ceil(chunk).max(1)
}

/// [`BodyHasher`] over bytes in memory.
pub fn body_hash(body: &[u8]) -> Hash32 {
    let mut hasher = BodyHasher::new();
    hasher.update(body);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_refuse_what_the_registry_would_not_name() {
        let kind = record_kind("DiagnosticReport").expect("kind");
        assert_eq!(kind_name(&kind), Some("DiagnosticReport"));
        assert_eq!(record_kind(""), None);
        assert_eq!(record_kind("two words"), None);
        assert_eq!(record_kind(&"x".repeat(33)), None);
        let mut gap = kind;
        gap.0[31] = b'x';
        assert_eq!(kind_name(&gap), None, "a byte after the name's end");
    }

    #[test]
    fn a_consent_is_signed_for_one_registry_and_its_fields() {
        use rand_core::OsRng;
        let key = SecretKey::generate(&mut OsRng);
        let records = Address([5; 20]);
        let grant = ConsentGrant {
            patient: key.address(),
            grantee: Address([6; 20]),
            scope: ConsentScope::Kind,
            target: record_kind("Document").expect("kind"),
            expires_at: 2_000_000_000,
            nonce: 3,
            deadline: 1_900_000_000,
        };
        let signature = sign_consent_grant(&key, 31337, records, &grant);
        assert_eq!(
            consent_grant_signer(31337, records, &grant, &signature),
            Ok(key.address())
        );
        assert_ne!(
            consent_grant_signer(1, records, &grant, &signature),
            Ok(key.address())
        );
        let wider = ConsentGrant {
            scope: ConsentScope::Record,
            ..grant
        };
        assert_ne!(
            consent_grant_signer(31337, records, &wider, &signature),
            Ok(key.address())
        );
        let revocation = ConsentRevocation {
            patient: key.address(),
            grantee: grant.grantee,
            scope: grant.scope,
            target: grant.target,
            nonce: 4,
            deadline: grant.deadline,
        };
        let signature = sign_consent_revocation(&key, 31337, records, &revocation);
        assert_eq!(
            consent_revocation_signer(31337, records, &revocation, &signature),
            Ok(key.address())
        );
    }

    #[test]
    fn an_envelopes_body_is_hashed_without_its_header_however_it_is_cut() {
        use rand_core::OsRng;
        let readers = [
            SecretKey::generate(&mut OsRng).public_key(),
            SecretKey::generate(&mut OsRng).public_key(),
        ];
        let envelope =
            crate::envelope::encrypt(&mut OsRng, &readers, &[7u8; 200_000]).expect("encrypt");
        let header = Header::parse(&envelope).expect("header").len();
        let expected = body_hash(&envelope[header..]);
        for piece in [1, 57, 1000, 65_536, envelope.len()] {
            let mut hasher = EnvelopeBodyHasher::new();
            for bytes in envelope.chunks(piece) {
                hasher.update(bytes).expect("a well-formed header");
            }
            assert_eq!(hasher.finish().ok(), Some(expected), "pieces of {piece}");
        }
        let mut cut = EnvelopeBodyHasher::new();
        cut.update(&envelope[..header - 1]).expect("so far so good");
        assert!(matches!(cut.finish(), Err(HeaderError::Truncated)));
        let mut garbage = EnvelopeBodyHasher::new();
        assert!(garbage.update(b"not an envelope at all").is_err());
    }

    #[test]
    fn the_body_length_is_the_envelopes() {
        use rand_core::SeedableRng as _;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let key = crate::SecretKey::generate(&mut rng);
        let chunk = crate::envelope::CHUNK_SIZE;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5] {
            let sealed = crate::envelope::encrypt(&mut rng, &[key.public_key()], &vec![7u8; len])
                .expect("sealed");
            let header = crate::envelope::Header::parse(&sealed)
                .expect("header")
                .len();
            assert_eq!(
                envelope_body_len(len as u64),
                (sealed.len() - header) as u64,
                "{len}"
            );
        }
    }

    #[test]
    fn the_id_is_the_contracts_abi_encoding() {
        // keccak256(abi.encode(address(1), bytes32("Document"), bytes32(uint256(2)))), as
        // `cast keccak $(cast abi-encode "f(address,bytes32,bytes32)" ...)` prints it.
        let mut patient = [0u8; 20];
        patient[19] = 1;
        let mut hash = [0u8; 32];
        hash[31] = 2;
        let id = record_id(
            Address(patient),
            record_kind("Document").expect("kind"),
            Hash32(hash),
        );
        let mut encoded = Vec::new();
        encoded.extend_from_slice(&[0u8; 31]);
        encoded.push(1);
        encoded.extend_from_slice(b"Document");
        encoded.extend_from_slice(&[0u8; 24]);
        encoded.extend_from_slice(&hash);
        assert_eq!(id, Hash32(keccak256(&encoded).0));
    }
}
