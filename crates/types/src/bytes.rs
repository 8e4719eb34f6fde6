//! Fixed-size byte strings as the chain shows them: `0x`-prefixed lowercase hex.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Why a hex string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseHexError {
    #[error("expected {expected} hex digits after 0x, found {found}")]
    WrongLength { expected: usize, found: usize },
    #[error("not hexadecimal: {0:?}")]
    NotHex(String),
}

fn parse_fixed<const N: usize>(text: &str) -> Result<[u8; N], ParseHexError> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    if digits.len() != 2 * N {
        return Err(ParseHexError::WrongLength {
            expected: 2 * N,
            found: digits.len(),
        });
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out).map_err(|_| ParseHexError::NotHex(digits.to_owned()))?;
    Ok(out)
}

macro_rules! fixed_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
        }

        impl FromStr for $name {
            type Err = ParseHexError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                parse_fixed::<$len>(text).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "0x{}", hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_bytes!(
    /// A 32-byte hash (SHA-256 or keccak-256).
    Hash32,
    32
);
fixed_bytes!(
    /// An Ethereum transaction hash: the id a user pastes to look up a publication.
    TxId,
    32
);
fixed_bytes!(
    /// An Ethereum account or contract address.
    Address,
    20
);
fixed_bytes!(
    /// A 65-byte secp256k1 signature `r ‖ s ‖ v`.
    Signature,
    65
);

impl Hash32 {
    pub const ZERO: Self = Self([0; 32]);
}

/// What a user typed where a transaction id was expected, and why it is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a transaction id: {reason}")]
pub struct InvalidTxId {
    pub text: String,
    pub reason: ParseHexError,
}

impl TxId {
    /// Parses a transaction id as a user typed or pasted it, with a message fit to show her.
    pub fn from_input(text: &str) -> Result<Self, InvalidTxId> {
        text.parse().map_err(|reason| InvalidTxId {
            text: text.trim().to_owned(),
            reason,
        })
    }
}

/// Variable-length bytes as `0x`-prefixed hex in JSON.
pub(crate) mod hex_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("0x{}", hex::encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| serde::de::Error::custom("hex bytes start with 0x"))?;
        hex::decode(digits).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tx_id_round_trips_through_text_and_json() {
        let text = "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let id: TxId = text.parse().expect("valid");
        assert_eq!(id.to_string(), text);
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<TxId>(&json).expect("parse"), id);
    }

    #[test]
    fn tx_id_accepts_surrounding_space_and_no_prefix() {
        let id: TxId = format!("  {}\n", "ab".repeat(32)).parse().expect("valid");
        assert_eq!(id.0, [0xab; 32]);
    }

    #[test]
    fn tx_id_refuses_wrong_length_and_non_hex() {
        assert_eq!(
            "0x1234".parse::<TxId>(),
            Err(ParseHexError::WrongLength {
                expected: 64,
                found: 4
            })
        );
        assert!(matches!(
            format!("0x{}", "zz".repeat(32)).parse::<TxId>(),
            Err(ParseHexError::NotHex(_))
        ));
        assert!("".parse::<TxId>().is_err());
        assert!(serde_json::from_str::<Address>("\"0x12\"").is_err());
    }
}
