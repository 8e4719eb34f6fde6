//! Serde for byte documents as standard base64 strings in JSON.
//!
//! A string is decoded where the parser holds it (serde_json lends it straight from the request's
//! bytes when it has no escapes), never copied into a `String` first: for an 8 MiB photo that
//! copy was 10.7 MiB more per request.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserializer, Serializer};

pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(bytes))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    d.deserialize_str(Base64)
}

/// Decodes the string it is shown, borrowed or not.
struct Base64;

impl serde::de::Visitor<'_> for Base64 {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a standard base64 string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        STANDARD.decode(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        #[serde(with = "super")]
        bytes: Vec<u8>,
    }

    #[test]
    fn decodes_borrowed_escaped_and_owned_strings_and_refuses_the_rest() {
        let plain: Doc = serde_json::from_slice(br#"{"bytes": "AP/8P78="}"#).expect("plain");
        assert_eq!(plain.bytes, [0x00, 0xFF, 0xFC, 0x3F, 0xBF]);
        // JSON may escape the slash: the parser then lends a string it unescaped.
        let escaped: Doc = serde_json::from_slice(br#"{"bytes": "AP\/8P78="}"#).expect("escaped");
        assert_eq!(escaped.bytes, plain.bytes);
        // From a reader nothing can be borrowed.
        let read: Doc =
            serde_json::from_reader(&br#"{"bytes": "AP/8P78="}"#[..]).expect("from a reader");
        assert_eq!(read.bytes, plain.bytes);
        let value: Doc = serde_json::from_value(serde_json::json!({ "bytes": "AP/8P78=" }))
            .expect("from a value");
        assert_eq!(value.bytes, plain.bytes);
        for bad in [
            r#"{"bytes": "AP/8P7"}"#,
            r#"{"bytes": "*"}"#,
            r#"{"bytes": 5}"#,
        ] {
            assert!(serde_json::from_str::<Doc>(bad).is_err(), "{bad}");
        }
    }
}
