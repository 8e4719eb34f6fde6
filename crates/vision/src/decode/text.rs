//! The text of a QR code's bytes when the reader hands over bytes (rqrr does): UTF-8, then
//! Shift_JIS (the other encoding QR readers meet in practice), then Latin-1, which takes any bytes.

/// Which encoding the bytes were read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    ShiftJis,
    Latin1,
}

/// The text of `bytes`, in the first encoding of UTF-8, Shift_JIS and Latin-1 that reads them
/// without error.
pub fn text_from_bytes(bytes: &[u8]) -> (String, TextEncoding) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), TextEncoding::Utf8);
    }
    if let Some(text) =
        encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return (text.into_owned(), TextEncoding::ShiftJis);
    }
    // ISO-8859-1 proper: each byte is the code point of the same number (encoding_rs would read
    // the label as windows-1252, which differs in 0x80–0x9F).
    (
        bytes.iter().map(|&b| char::from(b)).collect(),
        TextEncoding::Latin1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_read_as_utf8() {
        assert_eq!(
            text_from_bytes("ct:/é日本".as_bytes()),
            ("ct:/é日本".to_owned(), TextEncoding::Utf8)
        );
    }

    #[test]
    fn shift_jis_is_read_when_not_utf8() {
        // 日本 in Shift_JIS: 93 FA 96 7B (not valid UTF-8).
        assert_eq!(
            text_from_bytes(&[0x93, 0xFA, 0x96, 0x7B]),
            ("日本".to_owned(), TextEncoding::ShiftJis)
        );
    }

    #[test]
    fn latin1_takes_what_neither_reads() {
        // 0xA0 is neither a UTF-8 lead byte nor a Shift_JIS byte.
        assert_eq!(
            text_from_bytes(&[b'a', 0xA0, 0xE9]),
            ("a\u{A0}é".to_owned(), TextEncoding::Latin1)
        );
    }
}
