//! Google's Wycheproof vectors run through the primitives this crate uses: ECDH and ECDSA
//! recovery over k256, AES-256-GCM from both body backends and the ECIES wrap, and HKDF-SHA256.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Nonce, Tag};
use caretrail_types::Signature;
use hkdf::Hkdf;
use k256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use wycheproof::TestResult;

use crate::envelope::chunk::{native, rustcrypto};
use crate::envelope::wrap::WrapCipher;
use crate::{PublicKey, SecretKey, sign};

/// What a suite did: vectors run, vectors that do not apply to the primitive (another size),
/// and failures with their test ids.
#[derive(Debug, Default)]
struct Tally {
    run: usize,
    not_applicable: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, id: usize, result: TestResult, accepted: bool) {
        self.run += 1;
        let ok = match result {
            TestResult::Valid => accepted,
            TestResult::Invalid => !accepted,
            TestResult::Acceptable => true,
        };
        if !ok {
            self.failures.push(format!(
                "tc {id}: expected {result:?}, accepted = {accepted}"
            ));
        }
    }

    fn assert_clean(self, suite: &str, at_least: usize) {
        println!(
            "{suite}: {} run, {} failed, {} not applicable",
            self.run,
            self.failures.len(),
            self.not_applicable
        );
        assert!(self.failures.is_empty(), "{suite}: {:#?}", self.failures);
        assert!(
            self.run >= at_least,
            "{suite}: only {} vectors ran",
            self.run
        );
    }
}

fn secret_key(bytes: &[u8]) -> Option<SecretKey> {
    // Wycheproof writes scalars as signed big-endian integers: strip a leading zero, left-pad.
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.len() > 32 {
        return None;
    }
    let mut out = [0u8; 32];
    out[32 - trimmed.len()..].copy_from_slice(&trimmed);
    SecretKey::from_bytes(&out).ok()
}

#[test]
fn ecdh_secp256k1() {
    use wycheproof::ecdh::{TestName, TestSet};
    let mut tally = Tally::default();
    for group in TestSet::load(TestName::EcdhSecp256k1).unwrap().test_groups {
        for test in group.tests {
            // The keys arrive as DER SubjectPublicKeyInfo; the product takes SEC1 points, so
            // the DER layer is k256's and the point is parsed and multiplied by ours.
            let accepted = k256::PublicKey::from_public_key_der(&test.public_key)
                .ok()
                .and_then(|der| {
                    use k256::elliptic_curve::sec1::ToEncodedPoint;
                    PublicKey::from_sec1_bytes(der.to_encoded_point(false).as_bytes()).ok()
                })
                .zip(secret_key(&test.private_key))
                .is_some_and(|(public, secret)| {
                    secret.shared_point(&public)[1..33] == test.shared_secret[..]
                });
            tally.check(test.tc_id, test.result, accepted);
        }
    }
    tally.assert_clean("ECDH secp256k1", 700);
}

#[test]
fn ecdsa_secp256k1_sha256_low_s() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut tally = Tally::default();
    for group in TestSet::load(TestName::EcdsaSecp256k1Sha256Bitcoin)
        .unwrap()
        .test_groups
    {
        let signer = PublicKey::from_sec1_bytes(&group.key.key)
            .expect("Wycheproof's group keys are valid")
            .address();
        for test in group.tests {
            if test.comment == "k*G has a large x-coordinate" {
                // r = x(kG) − n: recovering it needs recovery id 2 or 3, which Ethereum's
                // v = 27 | 28 (and ecrecover) cannot express. Such a signature turns up with
                // probability about 2^-128, and `sign_prehash` would then give another one.
                tally.not_applicable += 1;
                continue;
            }
            let digest: [u8; 32] = Sha256::digest(&test.msg).into();
            // The product recovers the signer from r ‖ s ‖ v; a DER signature that parses is
            // accepted if either recovery id gives the group's key.
            let accepted = k256::ecdsa::Signature::from_der(&test.sig).is_ok_and(|parsed| {
                let mut bytes = [0u8; 65];
                bytes[..64].copy_from_slice(&parsed.to_bytes());
                [27u8, 28].into_iter().any(|v| {
                    bytes[64] = v;
                    sign::recover_prehash(&digest, &Signature(bytes)) == Ok(signer)
                })
            });
            tally.check(test.tc_id, test.result, accepted);
        }
    }
    tally.assert_clean("ECDSA secp256k1 SHA-256 (low-S)", 400);
}

#[test]
fn aes_256_gcm() {
    use wycheproof::aead::{TestName, TestSet};
    let mut body = Tally::default();
    let mut wrap = Tally::default();
    for group in TestSet::load(TestName::AesGcm).unwrap().test_groups {
        for test in group.tests {
            let applies = group.key_size == 256 && group.tag_size == 128;
            let tally = match group.nonce_size {
                96 if applies => &mut body,
                128 if applies => &mut wrap,
                _ => {
                    body.not_applicable += 1;
                    continue;
                }
            };
            let key: [u8; 32] = test.key[..].try_into().unwrap();
            let mut sealed = test.ct.to_vec();
            sealed.extend_from_slice(&test.tag);
            let accepted = if group.nonce_size == 96 {
                let nonce: [u8; 12] = test.nonce[..].try_into().unwrap();
                let mut results = Vec::new();
                // Both body backends: ring natively, aes-gcm in the browser.
                let mut a = sealed.clone();
                results.push(
                    native::ChunkCipher::new(&key)
                        .open_in_place(&nonce, &test.aad, &mut a)
                        .is_ok_and(|n| a[..n] == test.pt[..]),
                );
                let mut b = sealed.clone();
                results.push(
                    rustcrypto::ChunkCipher::new(&key)
                        .open_in_place(&nonce, &test.aad, &mut b)
                        .is_ok_and(|n| b[..n] == test.pt[..]),
                );
                if test.result == TestResult::Valid {
                    let mut c = test.pt.to_vec();
                    let tag =
                        native::ChunkCipher::new(&key).seal_in_place(&nonce, &test.aad, &mut c);
                    results.push(c == test.ct[..] && tag[..] == test.tag[..]);
                    let mut d = test.pt.to_vec();
                    let tag =
                        rustcrypto::ChunkCipher::new(&key).seal_in_place(&nonce, &test.aad, &mut d);
                    results.push(d == test.ct[..] && tag[..] == test.tag[..]);
                }
                assert!(
                    results.iter().all(|r| *r == results[0]),
                    "tc {}: the backends disagree: {results:?}",
                    test.tc_id
                );
                results[0]
            } else {
                let nonce: [u8; 16] = test.nonce[..].try_into().unwrap();
                let tag = Tag::try_from(&test.tag[..]).unwrap();
                let mut text = test.ct.to_vec();
                WrapCipher::new((&key).into())
                    .decrypt_inout_detached(
                        &Nonce::from(nonce),
                        &test.aad,
                        text.as_mut_slice().into(),
                        &tag,
                    )
                    .is_ok_and(|()| text == test.pt[..])
            };
            tally.check(test.tc_id, test.result, accepted);
        }
    }
    body.assert_clean("AES-256-GCM, 12-byte nonce (envelope body)", 60);
    wrap.assert_clean("AES-256-GCM, 16-byte nonce (ECIES wrap)", 5);
}

#[test]
fn hkdf_sha256() {
    use wycheproof::hkdf::{TestName, TestSet};
    let mut tally = Tally::default();
    for group in TestSet::load(TestName::HkdfSha256).unwrap().test_groups {
        for test in group.tests {
            let mut okm = vec![0u8; test.size];
            let accepted = Hkdf::<Sha256>::new(Some(&test.salt), &test.ikm)
                .expand(&test.info, &mut okm)
                .is_ok_and(|()| okm == test.okm[..]);
            tally.check(test.tc_id, test.result, accepted);
        }
    }
    tally.assert_clean("HKDF-SHA256", 80);
}
