//! The QR payload codec on arbitrary input, as bytes, as text and as the base64url of bytes: it
//! never panics, whatever it accepts it writes back exactly (one encoding per payload), and the
//! offline checks of an accepted payload never panic either, whatever its signatures hold.
//! Run: `cd crates/protocol && cargo +nightly fuzz run qr -- -runs=1000000`.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::{self, Payload};
use caretrail_types::Address;
use libfuzzer_sys::fuzz_target;

const DOMAIN: RegistryDomain = RegistryDomain {
    chain_id: 31337,
    records: Address([0x5e; 20]),
};

fn checked(payload: &Payload, now: u64) {
    let here = Address([0x22; 20]);
    let _ = match payload {
        Payload::CheckIn(c) => c.check(DOMAIN, here, now),
        Payload::TestList(t) => t.check(DOMAIN, here, now),
        Payload::Kiosk(k) => k.check(DOMAIN, now),
    }
    .map_err(|e| e.to_string());
}

fuzz_target!(|data: &[u8]| {
    // The bytes as a payload's bytes.
    if let Ok(payload) = qr::from_bytes(data) {
        assert_eq!(qr::to_bytes(&payload), data);
        let text = qr::encode(&payload);
        assert_eq!(qr::decode(&text).as_ref(), Ok(&payload));
        let now = data.len() as u64 * 1_000_003;
        checked(&payload, now);
    }
    // The bytes as a scanned text.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(payload) = qr::decode(text) {
            assert_eq!(qr::encode(&payload), text);
        }
    }
    // The bytes shaped into a payload of the kind their first byte picks (lengths from the table
    // in `qr`'s docs), so that every run reaches an accepted payload and its checks, with
    // signatures of arbitrary bytes, rather than only the runs that hit a kind's exact length.
    if let Some((&pick, rest)) = data.split_first() {
        let (kind, len) = [(1, 187), (2, 147), (3, 260), (4, 107)][usize::from(pick % 4)];
        let mut bytes = vec![qr::VERSION, kind];
        bytes.extend(rest.iter().copied().take(len - 2));
        bytes.resize(len, 0);
        let payload = qr::from_bytes(&bytes).expect("a known kind at its length");
        assert_eq!(qr::to_bytes(&payload), bytes);
        checked(&payload, u64::from(pick) * 7_000_000);
    }
    // The bytes behind the prefix, as a well-formed text of them.
    let text = format!("{}{}", qr::PREFIX, URL_SAFE_NO_PAD.encode(data));
    match qr::decode(&text) {
        Ok(payload) => assert_eq!(qr::to_bytes(&payload), data),
        Err(e) => assert_eq!(qr::from_bytes(data).map(|_| ()), Err(e)),
    }
});
