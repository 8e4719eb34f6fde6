//! A record's names as the record registry derives them, so the app, the web page and the relay
//! agree with the contract without asking it: the kind, the id and the batch leaf; and the
//! ciphertext hash that is anchored, the SHA-256 of the envelope's body (never its header, which
//! changes when a reader is added).

use crate::SecretKey;
use crate::sign::{SignatureError, recover_typed, sign_typed};
use alloy_primitives::{Address as SolAddress, B256, keccak256};
use alloy_sol_types::Eip712Domain;
use caretrail_types::{Address, Hash32, OwnAnchor, Signature};
use sha2::{Digest, Sha256};

mod typed {
    alloy_sol_types::sol! {
        struct OwnAnchor {
            address patient;
            bytes32 kind;
            bytes32 ciphertextHash;
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
