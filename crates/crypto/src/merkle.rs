//! Merkle roots and inclusion proofs as OpenZeppelin's `MerkleProof` checks them: each pair of
//! nodes hashed in sorted order with keccak-256, an odd node carried up unchanged. Leaves come in
//! already hashed (OpenZeppelin's `StandardMerkleTree` leaves are hashed twice, so that a leaf
//! can never pass for an inner node).

use alloy_primitives::keccak256;
use caretrail_types::Hash32;

fn pair(a: &Hash32, b: &Hash32) -> Hash32 {
    let (low, high) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    let mut both = [0u8; 64];
    both[..32].copy_from_slice(&low.0);
    both[32..].copy_from_slice(&high.0);
    Hash32(keccak256(both).0)
}

/// The root over `leaves`, in their order; `None` for no leaves.
pub fn root(leaves: &[Hash32]) -> Option<Hash32> {
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|two| match two {
                [a, b] => pair(a, b),
                [a] => *a,
                _ => unreachable!("chunks of at most 2"),
            })
            .collect();
    }
    level.first().copied()
}

/// The proof that `leaves[index]` is under [`root`]`(leaves)`: the siblings from the leaf up.
pub fn proof(leaves: &[Hash32], mut index: usize) -> Option<Vec<Hash32>> {
    if index >= leaves.len() {
        return None;
    }
    let mut level = leaves.to_vec();
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = index ^ 1;
        if let Some(node) = level.get(sibling) {
            siblings.push(*node);
        }
        level = level
            .chunks(2)
            .map(|two| match two {
                [a, b] => pair(a, b),
                [a] => *a,
                _ => unreachable!("chunks of at most 2"),
            })
            .collect();
        index /= 2;
    }
    Some(siblings)
}

/// Whether `leaf` with `proof` gives `root` (OpenZeppelin's `MerkleProof.verify`).
pub fn verify(root: &Hash32, leaf: &Hash32, proof: &[Hash32]) -> bool {
    proof
        .iter()
        .fold(*leaf, |node, sibling| pair(&node, sibling))
        == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<Hash32> {
        (0..n).map(|i| Hash32(keccak256([i]).0)).collect()
    }

    #[test]
    fn every_leaf_proves_and_nothing_else_does() {
        for n in 1..=17 {
            let leaves = leaves(n);
            let root = root(&leaves).expect("root");
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = proof(&leaves, i).expect("proof");
                assert!(verify(&root, leaf, &proof), "{n} leaves, leaf {i}");
                let forged = Hash32(keccak256(leaf.0).0);
                assert!(!verify(&root, &forged, &proof), "{n} leaves, forged {i}");
            }
            assert_eq!(proof(&leaves, leaves.len()), None);
        }
        assert_eq!(root(&[]), None);
    }

    #[test]
    fn a_dropped_leaf_changes_the_root() {
        let all = leaves(8);
        let mut dropped = all.clone();
        dropped.remove(3);
        assert_ne!(root(&all), root(&dropped));
    }
}
