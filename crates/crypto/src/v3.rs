//! The Ethereum V3 keystore (the JSON geth, MetaMask and `cast` read and write): the patient's
//! key sealed under her password with scrypt (or, when imported, PBKDF2), AES-128-CTR and a
//! Keccak-256 MAC, written and read in memory.
//!
//! [`seal`] writes scrypt at [`SCRYPT_LOG_N`] (n = 2^17), r = 8, p = 1. [`V3Keystore::parse`]
//! checks every field before anything is derived, so that no file can run for hours, take
//! gigabytes, or decrypt with a cipher it ignores; [`V3Keystore::open`] then derives and decrypts.

use caretrail_types::Address;
use rand_core::CryptoRngCore;
use serde_json::{Map, Value, json};
use sha3::{Digest, Keccak256};
use zeroize::Zeroizing;

use crate::SecretKey;
use crate::password::{self, WeakPassword};

/// scrypt's cost for a new keystore, as log2(n): n = 2^17 (128 MiB with r = 8), OWASP's
/// recommended minimum for scrypt and eight times eth-keystore's (and `cast`'s) 2^13.
pub const SCRYPT_LOG_N: u8 = 17;
/// scrypt's block size for a new keystore.
pub const SCRYPT_R: u32 = 8;
/// scrypt's parallelism for a new keystore.
pub const SCRYPT_P: u32 = 1;

/// The largest keystore file read, in bytes. A V3 keystore is about 500 bytes; the cap only stops
/// a wrong file from being read whole.
pub const MAX_KEYSTORE_BYTES: usize = 64 * 1024;

/// The costliest scrypt accepted, as n·r·p: geth's "standard" parameters (n = 2^18, r = 8, p = 1),
/// the most any common wallet writes, about a second on a laptop. scrypt's time grows with n·r·p
/// and its memory (128·n·r bytes) with n·r, which is at most n·r·p: so this one cap bounds both,
/// to twice a new keystore's cost and 256 MiB. A planted file asking for more (n = 2^30, or
/// r = p = 2^20) is refused before anything is derived.
pub const MAX_SCRYPT_WORK: u64 = (1 << 18) * 8;

/// The most PBKDF2 rounds accepted, a few seconds here; geth writes 262,144.
pub const MAX_PBKDF2_ROUNDS: u64 = 10_000_000;

/// Why a text is not a V3 keystore this crate decrypts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidKeystore {
    #[error("a keystore file is at most {limit} bytes; this one has {found}")]
    TooLarge { limit: usize, found: usize },
    #[error("not JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("not an Ethereum V3 keystore: {0}")]
    NotV3(&'static str),
    #[error("keystore version {0}; only version 3 is supported")]
    Version(String),
    #[error("cipher {0:?}; only aes-128-ctr is supported")]
    Cipher(String),
    #[error("key derivation {0:?}; only scrypt and pbkdf2 (hmac-sha256) are supported")]
    Kdf(String),
    #[error("the key derivation asks for more work than a wallet writes ({0})")]
    KdfTooCostly(&'static str),
    #[error("field `{field}`: {expected} bytes expected, found {found}")]
    Length {
        field: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("field `{field}`: {reason}")]
    Field {
        field: &'static str,
        reason: &'static str,
    },
    #[error("the file says it is the key of {stated}, but it holds the key of {actual}")]
    AddressMismatch { stated: Address, actual: Address },
    #[error("the decrypted key is not a secp256k1 secret key")]
    NotAKey,
}

/// How a keystore derives its AES and MAC key from the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
    },
    /// PBKDF2-HMAC-SHA256 with `c` rounds.
    Pbkdf2 {
        c: u32,
    },
}

/// A V3 keystore, checked and decoded: every field a decryption reads.
#[derive(Clone, PartialEq, Eq)]
pub struct V3Keystore {
    /// The address the file states (geth, `cast` and this crate write it; some wallets do not).
    pub address: Option<Address>,
    pub kdf: Kdf,
    salt: Vec<u8>,
    iv: [u8; 16],
    ciphertext: [u8; 32],
    mac: [u8; 32],
}

impl std::fmt::Debug for V3Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V3Keystore")
            .field("address", &self.address)
            .field("kdf", &self.kdf)
            .finish_non_exhaustive()
    }
}

/// Why a [`V3Keystore`] did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("wrong password")]
    WrongPassword,
    #[error(transparent)]
    Invalid(InvalidKeystore),
}

impl V3Keystore {
    /// Checks `text` field by field (see [`InvalidKeystore`] for what is refused) without deriving
    /// anything from a password.
    pub fn parse(text: &str) -> Result<Self, InvalidKeystore> {
        if text.len() > MAX_KEYSTORE_BYTES {
            return Err(InvalidKeystore::TooLarge {
                limit: MAX_KEYSTORE_BYTES,
                found: text.len(),
            });
        }
        // Parsed as a plain value and read field by field: serde's messages would quote the
        // values.
        let json: Value = serde_json::from_str(text).map_err(|error| InvalidKeystore::NotJson {
            line: error.line(),
            column: error.column(),
        })?;
        let top = json
            .as_object()
            .ok_or(InvalidKeystore::NotV3("not a JSON object"))?;

        match top.get("version") {
            Some(Value::Number(n)) if n.as_u64() == Some(3) => {}
            Some(other) => return Err(InvalidKeystore::Version(other.to_string())),
            None => return Err(InvalidKeystore::NotV3("no `version`")),
        }
        check_id(top)?;
        let crypto = top
            .get("crypto")
            .and_then(Value::as_object)
            .ok_or(InvalidKeystore::NotV3("no `crypto` object"))?;

        let cipher = string(crypto, "cipher")?;
        if cipher != "aes-128-ctr" {
            return Err(InvalidKeystore::Cipher(cipher.to_owned()));
        }
        let cipherparams = crypto
            .get("cipherparams")
            .and_then(Value::as_object)
            .ok_or(InvalidKeystore::Field {
                field: "cipherparams",
                reason: "missing or not an object",
            })?;
        let iv = fixed(cipherparams, "iv")?;
        let ciphertext = fixed(crypto, "ciphertext")?;
        let mac = fixed(crypto, "mac")?;
        let (kdf, salt) = check_kdf(crypto)?;

        let address = match top.get("address") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                Some(text.parse().map_err(|_| InvalidKeystore::Field {
                    field: "address",
                    reason: "not a 20-byte hex address",
                })?)
            }
            Some(_) => {
                return Err(InvalidKeystore::Field {
                    field: "address",
                    reason: "not a string",
                });
            }
        };
        Ok(Self {
            address,
            kdf,
            salt,
            iv,
            ciphertext,
            mac,
        })
    }

    /// Derives the key from `password`, checks the MAC, decrypts, and refuses a key that is not
    /// the address the file states.
    pub fn open(&self, password: &[u8]) -> Result<SecretKey, OpenError> {
        let derived = derive(self.kdf, password, &self.salt);
        if !constant_time_eq(&mac(&derived, &self.ciphertext), &self.mac) {
            return Err(OpenError::WrongPassword);
        }
        let mut bytes = Zeroizing::new(self.ciphertext);
        aes_128_ctr(&derived, &self.iv, bytes.as_mut());
        let key = SecretKey::from_bytes(&bytes)
            .map_err(|_| OpenError::Invalid(InvalidKeystore::NotAKey))?;
        match self.address {
            Some(stated) if stated != key.address() => {
                Err(OpenError::Invalid(InvalidKeystore::AddressMismatch {
                    stated,
                    actual: key.address(),
                }))
            }
            _ => Ok(key),
        }
    }
}

/// Seals `key` under `password` as a V3 keystore JSON text: scrypt at n = 2^[`SCRYPT_LOG_N`],
/// r = [`SCRYPT_R`], p = [`SCRYPT_P`], a fresh 32-byte salt and IV, and the `address` field geth
/// writes, so the address is known while locked. The password must pass the
/// [password policy](crate::password).
pub fn seal(
    key: &SecretKey,
    password: &str,
    rng: &mut impl CryptoRngCore,
) -> Result<String, WeakPassword> {
    password::check(password)?;
    Ok(seal_with(
        &key.to_bytes(),
        Some(key.address()),
        password.as_bytes(),
        Kdf::Scrypt {
            log_n: SCRYPT_LOG_N,
            r: SCRYPT_R,
            p: SCRYPT_P,
        },
        rng,
    ))
}

/// [`seal`] of any 32 bytes, with any key derivation and no password policy: for tests and the
/// bench only, which write keystores as other wallets do (a product path calls [`seal`]).
#[doc(hidden)]
pub fn seal_with(
    secret: &[u8; 32],
    address: Option<Address>,
    password: &[u8],
    kdf: Kdf,
    rng: &mut impl CryptoRngCore,
) -> String {
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut iv);
    let mut uuid = [0u8; 16];
    rng.fill_bytes(&mut uuid);
    let derived = derive(kdf, password, &salt);
    let mut ciphertext = *secret;
    aes_128_ctr(&derived, &iv, &mut ciphertext);
    let mac = mac(&derived, &ciphertext);
    let kdfparams = match kdf {
        Kdf::Scrypt { log_n, r, p } => json!({
            "dklen": 32, "n": 1u64 << log_n, "r": r, "p": p, "salt": hex::encode(salt),
        }),
        Kdf::Pbkdf2 { c } => json!({
            "dklen": 32, "c": c, "prf": "hmac-sha256", "salt": hex::encode(salt),
        }),
    };
    let kdf_name = match kdf {
        Kdf::Scrypt { .. } => "scrypt",
        Kdf::Pbkdf2 { .. } => "pbkdf2",
    };
    let mut json = json!({
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": { "iv": hex::encode(iv) },
            "ciphertext": hex::encode(ciphertext),
            "kdf": kdf_name,
            "kdfparams": kdfparams,
            "mac": hex::encode(mac),
        },
        "id": uuid_v4(uuid),
        "version": 3,
    });
    if let Some(address) = address {
        json["address"] = Value::String(hex::encode(address.0));
    }
    json.to_string()
}

/// The 32-byte key the password derives: its first half is the AES-128 key, its second the
/// MAC key.
fn derive(kdf: Kdf, password: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut derived = Zeroizing::new([0u8; 32]);
    match kdf {
        Kdf::Scrypt { log_n, r, p } => {
            // `parse` admitted only parameters scrypt accepts, and `seal` writes its own.
            let params = scrypt::Params::new(log_n, r, p, 32).expect("checked scrypt parameters");
            scrypt::scrypt(password, salt, &params, derived.as_mut())
                .expect("32 bytes is a valid scrypt output length");
        }
        Kdf::Pbkdf2 { c } => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, c, derived.as_mut());
        }
    }
    derived
}

/// keccak256(derived[16..32] ‖ ciphertext), as the V3 format defines it.
fn mac(derived: &[u8; 32], ciphertext: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(&derived[16..]);
    hasher.update(ciphertext);
    hasher.finalize().into()
}

fn aes_128_ctr(derived: &[u8; 32], iv: &[u8; 16], buf: &mut [u8]) {
    use ctr::cipher::{KeyIvInit, StreamCipher};
    let mut cipher = ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&derived[..16], iv)
        .expect("16-byte key and IV");
    cipher.apply_keystream(buf);
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random (version 4) UUID from 16 random bytes, in its 8-4-4-4-12 form.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn check_id(top: &Map<String, Value>) -> Result<(), InvalidKeystore> {
    let id = string(top, "id")?;
    let digits = id.chars().filter(char::is_ascii_hexdigit).count();
    let dashes = id.chars().filter(|c| *c == '-').count();
    if digits == 32 && digits + dashes == id.len() && matches!(dashes, 0 | 4) {
        Ok(())
    } else {
        Err(InvalidKeystore::Field {
            field: "id",
            reason: "not a UUID",
        })
    }
}

fn check_kdf(crypto: &Map<String, Value>) -> Result<(Kdf, Vec<u8>), InvalidKeystore> {
    let kdf = string(crypto, "kdf")?;
    let params =
        crypto
            .get("kdfparams")
            .and_then(Value::as_object)
            .ok_or(InvalidKeystore::Field {
                field: "kdfparams",
                reason: "missing or not an object",
            })?;
    if number(params, "dklen")? != 32 {
        return Err(InvalidKeystore::Field {
            field: "dklen",
            reason: "must be 32",
        });
    }
    let salt = hex_bytes(params, "salt")?;
    if salt.is_empty() {
        return Err(InvalidKeystore::Field {
            field: "salt",
            reason: "empty",
        });
    }
    // A file whose parameters are the other derivation's is refused rather than guessed at.
    let looks_pbkdf2 = params.contains_key("c") && params.contains_key("prf");
    match kdf {
        "scrypt" if !looks_pbkdf2 => {
            let n = number(params, "n")?;
            let r = number(params, "r")?;
            let p = number(params, "p")?;
            if n < 2 || !n.is_power_of_two() {
                return Err(InvalidKeystore::Field {
                    field: "n",
                    reason: "must be a power of two",
                });
            }
            for (field, value) in [("r", r), ("p", p)] {
                if value == 0 {
                    return Err(InvalidKeystore::Field {
                        field,
                        reason: "must be positive",
                    });
                }
            }
            // scrypt itself requires n < 2^(16·r).
            if u64::from(n.trailing_zeros()) >= 16 * r {
                return Err(InvalidKeystore::Field {
                    field: "n",
                    reason: "too large for r (scrypt requires n < 2^(16r))",
                });
            }
            match n.checked_mul(r).and_then(|nr| nr.checked_mul(p)) {
                // n, r and p are at most 2^18·8 here, so they fit a u8 exponent and u32s.
                Some(work) if work <= MAX_SCRYPT_WORK => Ok((
                    Kdf::Scrypt {
                        log_n: n.trailing_zeros() as u8,
                        r: r as u32,
                        p: p as u32,
                    },
                    salt,
                )),
                _ => Err(InvalidKeystore::KdfTooCostly(
                    "scrypt n·r·p above geth's standard 2^18·8·1",
                )),
            }
        }
        "pbkdf2" if looks_pbkdf2 => {
            let prf = string(params, "prf")?;
            if prf != "hmac-sha256" {
                return Err(InvalidKeystore::Kdf(format!("pbkdf2 with {prf}")));
            }
            match number(params, "c")? {
                0 => Err(InvalidKeystore::Field {
                    field: "c",
                    reason: "must be positive",
                }),
                c if c > MAX_PBKDF2_ROUNDS => Err(InvalidKeystore::KdfTooCostly(
                    "pbkdf2 above 10,000,000 rounds",
                )),
                c => Ok((Kdf::Pbkdf2 { c: c as u32 }, salt)),
            }
        }
        "scrypt" | "pbkdf2" => Err(InvalidKeystore::Field {
            field: "kdfparams",
            reason: "do not match `kdf`",
        }),
        other => Err(InvalidKeystore::Kdf(other.to_owned())),
    }
}

fn string<'a>(
    object: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, InvalidKeystore> {
    object
        .get(field)
        .and_then(Value::as_str)
        .ok_or(InvalidKeystore::Field {
            field,
            reason: "missing or not a string",
        })
}

/// A non-negative integer that fits a u32, as the V3 format's numbers do.
fn number(object: &Map<String, Value>, field: &'static str) -> Result<u64, InvalidKeystore> {
    object
        .get(field)
        .and_then(Value::as_u64)
        .filter(|n| *n <= u64::from(u32::MAX))
        .ok_or(InvalidKeystore::Field {
            field,
            reason: "missing or not a 32-bit unsigned integer",
        })
}

/// The bytes of a hex field.
fn hex_bytes(object: &Map<String, Value>, field: &'static str) -> Result<Vec<u8>, InvalidKeystore> {
    let text = string(object, field)?;
    hex::decode(text).map_err(|_| InvalidKeystore::Field {
        field,
        reason: "not hex",
    })
}

/// A hex field of exactly `N` bytes.
fn fixed<const N: usize>(
    object: &Map<String, Value>,
    field: &'static str,
) -> Result<[u8; N], InvalidKeystore> {
    let bytes = hex_bytes(object, field)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| InvalidKeystore::Length {
            field,
            expected: N,
            found: bytes.len(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng as _;

    const PASSWORD: &str = "correct horse battery staple";

    #[test]
    fn a_new_keystore_costs_scrypt_n_2_17_and_opens_only_with_its_password() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = SecretKey::generate(&mut rng);
        let text = seal(&key, PASSWORD, &mut rng).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let params = &json["crypto"]["kdfparams"];
        assert_eq!(json["crypto"]["kdf"], "scrypt");
        assert_eq!(params["n"], 1 << 17);
        assert_eq!(params["r"], 8);
        assert_eq!(params["p"], 1);
        assert_eq!(params["dklen"], 32);
        assert_eq!(json["address"], hex::encode(key.address().0));

        let parsed = V3Keystore::parse(&text).unwrap();
        assert_eq!(
            parsed.kdf,
            Kdf::Scrypt {
                log_n: 17,
                r: 8,
                p: 1
            }
        );
        assert_eq!(parsed.address, Some(key.address()));
        assert_eq!(parsed.open(PASSWORD.as_bytes()).unwrap(), key);
        assert_eq!(
            parsed.open(b"correct horse battery stapler").unwrap_err(),
            OpenError::WrongPassword
        );
    }

    #[test]
    fn a_keystore_is_never_written_under_a_weak_password() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let key = SecretKey::generate(&mut rng);
        assert!(matches!(
            seal(&key, "pw", &mut rng),
            Err(WeakPassword::TooShort { found: 2, .. })
        ));
        assert!(matches!(
            seal(&key, "qwertyuiop123", &mut rng),
            Err(WeakPassword::TooGuessable { .. })
        ));
    }

    #[test]
    fn each_seal_draws_its_own_salt_iv_and_id() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let key = SecretKey::generate(&mut rng);
        let kdf = Kdf::Pbkdf2 { c: 2 };
        let seal = |rng: &mut ChaCha20Rng| {
            let text = seal_with(&key.to_bytes(), None, b"pw", kdf, rng);
            serde_json::from_str::<Value>(&text).unwrap()
        };
        let (a, b) = (seal(&mut rng), seal(&mut rng));
        for pointer in ["/crypto/kdfparams/salt", "/crypto/cipherparams/iv", "/id"] {
            assert_ne!(a.pointer(pointer), b.pointer(pointer), "{pointer}");
        }
        let id = a["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "a version 4 UUID: {id}");
    }
}
