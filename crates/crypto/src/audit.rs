//! The relay's read log as a Merkle tree: an entry's leaf, so that the relay (which anchors the
//! roots) and the patient's app (which checks her entries against them) hash alike.

use alloy_primitives::keccak256;
use caretrail_types::{AuditEntry, Hash32};

/// An entry's leaf: `keccak256(keccak256(abi.encode(seq, reader, patient, record, ground, at)))`,
/// hashed twice as OpenZeppelin's `StandardMerkleTree` leaves are.
pub fn audit_leaf(entry: &AuditEntry) -> Hash32 {
    let mut encoded = [0u8; 192];
    encoded[24..32].copy_from_slice(&entry.seq.to_be_bytes());
    encoded[44..64].copy_from_slice(&entry.reader.0);
    encoded[76..96].copy_from_slice(&entry.patient.0);
    encoded[96..128].copy_from_slice(&entry.record.0);
    encoded[159] = entry.ground.code();
    encoded[184..192].copy_from_slice(&entry.at.to_be_bytes());
    Hash32(keccak256(keccak256(encoded).0).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::{Address, ReadGround};

    #[test]
    fn every_field_is_in_the_leaf() {
        let entry = AuditEntry {
            seq: 7,
            reader: Address([1; 20]),
            patient: Address([2; 20]),
            record: Hash32([3; 32]),
            ground: ReadGround::Consent,
            at: 1_800_000_000,
        };
        let leaf = audit_leaf(&entry);
        let changed = [
            AuditEntry {
                seq: 8,
                ..entry.clone()
            },
            AuditEntry {
                reader: Address([9; 20]),
                ..entry.clone()
            },
            AuditEntry {
                patient: Address([9; 20]),
                ..entry.clone()
            },
            AuditEntry {
                record: Hash32([9; 32]),
                ..entry.clone()
            },
            AuditEntry {
                ground: ReadGround::Patient,
                ..entry.clone()
            },
            AuditEntry {
                at: 1_800_000_001,
                ..entry.clone()
            },
        ];
        for other in changed {
            assert_ne!(audit_leaf(&other), leaf, "{other:?}");
        }
    }
}
