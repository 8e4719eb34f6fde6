//! The header parser on arbitrary bytes: it never panics, and whatever it accepts it writes
//! back byte for byte (one encoding per header).

#![no_main]

use caretrail_crypto::envelope::Header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = Header::parse(data) {
        let bytes = header.to_bytes();
        assert_eq!(bytes.len(), header.len());
        assert_eq!(&bytes[..], &data[..header.len()]);
        let again = Header::parse(&bytes).expect("a written header parses");
        assert_eq!(
            again.recipients().collect::<Vec<_>>(),
            header.recipients().collect::<Vec<_>>()
        );
    }
});
