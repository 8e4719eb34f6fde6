//! The envelope decoder on hostile input. Two shapes of input: raw bytes, and edits (flip,
//! cut, insert, delete) applied to a real two-chunk envelope so that the fuzzer gets past the
//! header's authentication into the body. The oracle: nothing but the untouched envelope
//! decrypts, and it decrypts to its plaintext, whatever sizes the reads come in.

#![no_main]

use std::io::Read;
use std::sync::LazyLock;

use caretrail_crypto::SecretKey;
use caretrail_crypto::envelope::{self, CHUNK_SIZE, Decryptor};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

struct Fixture {
    reader: SecretKey,
    plaintext: Vec<u8>,
    sealed: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let reader = SecretKey::generate(&mut rng);
    let other = SecretKey::generate(&mut rng);
    let plaintext: Vec<u8> = (0..CHUNK_SIZE + 100).map(|i| i as u8).collect();
    let sealed = envelope::encrypt(
        &mut rng,
        &[reader.public_key(), other.public_key()],
        &plaintext,
    )
    .expect("encrypt the fixture");
    Fixture {
        reader,
        plaintext,
        sealed,
    }
});

/// Applies 5-byte edits `[kind, offset (3 bytes), value]` to `base`.
fn edit(base: &[u8], ops: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    for op in ops.chunks_exact(5) {
        let at = usize::from(op[1]) | usize::from(op[2]) << 8 | usize::from(op[3]) << 16;
        let len = out.len().max(1);
        match op[0] % 4 {
            0 if !out.is_empty() => out[at % len] ^= op[4],
            1 => out.truncate(at % len),
            2 => out.insert(at % (out.len() + 1), op[4]),
            3 if !out.is_empty() => {
                out.remove(at % len);
            }
            _ => {}
        }
    }
    out
}

/// A reader that hands out the input in the sizes the fuzzer picks.
struct Trickle<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = match self.sizes.get(self.turn % self.sizes.len().max(1)) {
            Some(s) => usize::from(*s).max(1) * 97,
            None => buf.len(),
        };
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, rest) = rest.split_at(rest.len().min(8));
    let candidate = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        edit(&fixture.sealed, rest)
    };
    let untouched = candidate == fixture.sealed;

    match envelope::decrypt(&fixture.reader, &candidate) {
        Ok(plain) => {
            assert!(untouched, "an altered envelope decrypted");
            assert_eq!(plain, fixture.plaintext);
        }
        Err(_) => assert!(!untouched, "the untouched envelope did not decrypt"),
    }

    // The same through the streaming reader, fed in odd sizes.
    let streamed = Decryptor::new(Trickle {
        data: &candidate,
        sizes,
        turn: 0,
    })
    .ok()
    .and_then(|d| d.decrypt(&fixture.reader).ok())
    .and_then(|mut r| {
        let mut out = Vec::new();
        r.read_to_end(&mut out).ok().map(|_| out)
    });
    assert_eq!(streamed.is_some(), untouched);

    // Granting access needs an authentic header, never the body.
    let granted = envelope::add_recipient(
        &mut ChaCha20Rng::seed_from_u64(1),
        &fixture.reader,
        &candidate[..],
        &SecretKey::generate(&mut ChaCha20Rng::seed_from_u64(2)).public_key(),
    );
    if untouched {
        assert!(granted.is_ok());
    }
});
