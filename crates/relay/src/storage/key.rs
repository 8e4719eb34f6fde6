//! Object names of a record: built only from a 32-byte record id, so no caller can name another
//! object (no `..`, no slash, no prefix of its own choosing).

use super::StorageError;
use caretrail_types::Hash32;
use object_store::path::Path;
use std::fmt;

/// The name of a record in the store: its 32-byte id (the id the chain anchors).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordKey(Hash32);

impl RecordKey {
    pub fn new(id: Hash32) -> Self {
        Self(id)
    }

    /// Parses a record id as it arrives in a request: 64 hex digits, `0x` in front or not.
    /// Anything else (a path, `..`, a shorter or longer id) is [`StorageError::InvalidId`].
    pub fn from_hex(text: &str) -> Result<Self, StorageError> {
        let digits = text.strip_prefix("0x").unwrap_or(text);
        if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StorageError::InvalidId);
        }
        let mut id = [0u8; 32];
        hex::decode_to_slice(digits, &mut id).map_err(|_| StorageError::InvalidId)?;
        Ok(Self(Hash32(id)))
    }

    pub fn id(&self) -> Hash32 {
        self.0
    }

    /// `records/<64 lowercase hex>/header`: rewritten when a reader is added.
    pub fn header_path(&self) -> Path {
        self.path("header")
    }

    /// `records/<64 lowercase hex>/body`: written once, never overwritten.
    pub fn body_path(&self) -> Path {
        self.path("body")
    }

    fn path(&self, part: &str) -> Path {
        Path::from(format!("records/{}/{part}", hex::encode(self.0.0)))
    }
}

impl From<Hash32> for RecordKey {
    fn from(id: Hash32) -> Self {
        Self(id)
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKey({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_32_byte_id_names_a_record() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let key = RecordKey::from_hex(hex).expect("an id");
        assert_eq!(key, RecordKey::from_hex(&format!("0x{hex}")).expect("0x"));
        assert_eq!(
            key.body_path().as_ref(),
            "records/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff/body"
        );
        for bad in [
            "",
            "..",
            "../../etc/passwd",
            &hex[..63],
            &format!("{hex}00"),
            &format!("{}/x", &hex[..62]),
            &format!("{}..", &hex[..62]),
            &format!("{}\u{e9}", &hex[..62]),
            " 00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
        ] {
            assert!(
                matches!(RecordKey::from_hex(bad), Err(StorageError::InvalidId)),
                "{bad:?}"
            );
        }
    }
}
