//! What makes a JSON text an Ethereum V3 keystore this crate will decrypt.
//!
//! The checks run before eth-keystore sees the text, so that no file can make it panic, run for
//! hours, or decrypt with a cipher it ignores.

use caretrail_types::Address;
use serde_json::{Map, Value};

/// The largest keystore file read, in bytes. A V3 keystore is about 500 bytes; the cap only stops
/// a wrong file from being read whole.
pub const MAX_KEYSTORE_BYTES: usize = 64 * 1024;

/// The costliest scrypt accepted, as n·r·p: geth's "standard" parameters (n = 2^18, r = 8, p = 1,
/// 256 MiB), the most any common wallet writes.
const MAX_SCRYPT_WORK: u64 = (1 << 18) * 8;

/// The most PBKDF2 rounds accepted, a few seconds here; geth writes 262,144.
const MAX_PBKDF2_ROUNDS: u64 = 10_000_000;

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

/// Checks `text` and returns the address it states, if it states one.
pub(crate) fn check(text: &str) -> Result<Option<Address>, InvalidKeystore> {
    if text.len() > MAX_KEYSTORE_BYTES {
        return Err(InvalidKeystore::TooLarge {
            limit: MAX_KEYSTORE_BYTES,
            found: text.len(),
        });
    }
    // Parsed as a plain value and read field by field: serde's messages would quote the values.
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
    hex_bytes(cipherparams, "iv", Some(16))?;
    hex_bytes(crypto, "ciphertext", Some(32))?;
    hex_bytes(crypto, "mac", Some(32))?;
    check_kdf(crypto)?;

    match top.get("address") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => text.parse().map(Some).map_err(|_| InvalidKeystore::Field {
            field: "address",
            reason: "not a 20-byte hex address",
        }),
        Some(_) => Err(InvalidKeystore::Field {
            field: "address",
            reason: "not a string",
        }),
    }
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

fn check_kdf(crypto: &Map<String, Value>) -> Result<(), InvalidKeystore> {
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
    if hex_bytes(params, "salt", None)? == 0 {
        return Err(InvalidKeystore::Field {
            field: "salt",
            reason: "empty",
        });
    }
    // eth-keystore tells the two apart by their fields, not by `kdf`; so must these checks.
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
                Some(work) if work <= MAX_SCRYPT_WORK => Ok(()),
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
                _ => Ok(()),
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

/// A non-negative integer that fits the u32 eth-keystore reads it into.
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

/// The length in bytes of a hex field, checked against `expected` when given.
fn hex_bytes(
    object: &Map<String, Value>,
    field: &'static str,
    expected: Option<usize>,
) -> Result<usize, InvalidKeystore> {
    let text = string(object, field)?;
    if text.len() % 2 != 0 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(InvalidKeystore::Field {
            field,
            reason: "not hex",
        });
    }
    let len = text.len() / 2;
    match expected {
        Some(expected) if expected != len => Err(InvalidKeystore::Length {
            field,
            expected,
            found: len,
        }),
        _ => Ok(len),
    }
}
