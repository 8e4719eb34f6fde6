//! Backup files: other wallets' keystores import, and unsafe or malformed files are refused.
//!
//! Every file that is not a V3 keystore this crate can safely decrypt is refused before
//! decryption, with its reason.

use std::path::{Path, PathBuf};

use caretrail_crypto::v3;
use caretrail_keystore::{
    AddressError, EncryptedKey, ExistingPassword, InvalidKeystore, Keystore, MAX_KEYSTORE_BYTES,
    MemoryStore, Password, ReadBackupError, RestoreBackupError,
};
use rand_core::OsRng;
use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The password a restored key is kept under: the backup's, made long and unusual enough for
/// the password policy.
fn password(text: &str) -> Password {
    Password::new(format!("{text} at the tide mill of Skagen"))
        .expect("the policy accepts a test password")
}

/// A backup's password, as the file was written with it.
fn existing(text: &str) -> ExistingPassword {
    ExistingPassword::new(text).expect("a test password is not empty")
}

/// Imports `file` into a fresh store with `pw` and returns the address the store then shows.
fn import(file: &str, pw: &str) -> String {
    let backup = EncryptedKey::read_backup(&data(file)).expect("the test file reads");
    let keystore = Keystore::new(MemoryStore::new());
    let address = keystore
        .restore_from_backup(&backup, &existing(pw), &password(pw), &mut OsRng)
        .expect("the backup restores");
    let kept = keystore.address().expect("the address is kept");
    assert_eq!(kept, address);
    let key = keystore
        .unlock(password(pw).as_existing())
        .expect("the restored key unlocks");
    assert_eq!(key.address(), address);
    address.to_string()
}

#[test]
fn the_web3_pbkdf2_test_vector_imports() {
    assert_eq!(
        import("web3-pbkdf2.json", "testpassword"),
        "0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b"
    );
}

#[test]
fn a_keystore_written_by_cast_imports_without_an_address_field() {
    let backup = EncryptedKey::read_backup(&data("cast-anvil0.json")).unwrap();
    assert_eq!(backup.address(), None);
    assert_eq!(
        import("cast-anvil0.json", "cast password"),
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    );
}

#[test]
fn a_wrong_backup_password_is_refused() {
    let backup = EncryptedKey::read_backup(&data("cast-anvil0.json")).unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    assert!(matches!(
        keystore.restore_from_backup(
            &backup,
            &existing("cast passwort"),
            &password("cast passwort"),
            &mut OsRng
        ),
        Err(RestoreBackupError::WrongPassword)
    ));
    assert!(matches!(keystore.address(), Err(AddressError::NoKey)));
}

#[test]
fn a_backup_whose_address_field_lies_is_refused() {
    let lying = changed(
        "/address",
        Some(json!("008aeeda4d805471df9b2a5b0f38a0c3bcba786b")),
    );
    let backup = EncryptedKey::parse(&lying).unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    assert!(matches!(
        keystore.restore_from_backup(
            &backup,
            &existing("cast password"),
            &password("cast password"),
            &mut OsRng
        ),
        Err(RestoreBackupError::Invalid(
            InvalidKeystore::AddressMismatch { .. }
        ))
    ));
    assert!(matches!(keystore.address(), Err(AddressError::NoKey)));
}

#[test]
fn a_backup_that_decrypts_to_no_secp256k1_key_is_refused() {
    // A keystore holds any 32 bytes; zero is not a secp256k1 secret key.
    let text = v3::seal_with(
        &[0u8; 32],
        None,
        b"pw",
        v3::Kdf::Pbkdf2 { c: 1 },
        &mut OsRng,
    );
    let backup = EncryptedKey::parse(&text).unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    assert!(matches!(
        keystore.restore_from_backup(&backup, &existing("pw"), &password("pw"), &mut OsRng),
        Err(RestoreBackupError::Invalid(InvalidKeystore::NotAKey))
    ));
}

/// The cast keystore with one change at a JSON pointer (`None` removes the member).
fn changed(pointer: &str, value: Option<Value>) -> String {
    changed_in("cast-anvil0.json", pointer, value)
}

fn changed_in(file: &str, pointer: &str, value: Option<Value>) -> String {
    let text = std::fs::read_to_string(data(file)).expect("the test file reads");
    let mut json: Value = serde_json::from_str(&text).expect("the test file is JSON");
    let (parent, member) = pointer.rsplit_once('/').expect("a pointer to a member");
    let object = json
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("the pointer's parent is an object");
    match value {
        Some(value) => object.insert(member.to_owned(), value),
        None => object.remove(member),
    };
    json.to_string()
}

/// One case: the text, and the refusal's message.
fn check(text: &str, expected: &str) {
    let error = EncryptedKey::parse(text).expect_err("the text is refused");
    assert_eq!(error.to_string(), expected, "{error:?}");
}

#[test]
fn files_that_are_not_v3_keystores_are_refused_with_their_reason() {
    check("", "not JSON (line 1, column 0)");
    check("hello", "not JSON (line 1, column 1)");
    check("[1, 2]", "not an Ethereum V3 keystore: not a JSON object");
    check("{}", "not an Ethereum V3 keystore: no `version`");
    check(
        &changed("/version", Some(json!(1))),
        "keystore version 1; only version 3 is supported",
    );
    check(
        &changed("/version", Some(json!("3"))),
        "keystore version \"3\"; only version 3 is supported",
    );
    check(
        &changed("/id", Some(json!("not-a-uuid"))),
        "field `id`: not a UUID",
    );
    check(
        &changed("/crypto", None),
        "not an Ethereum V3 keystore: no `crypto` object",
    );
    check(
        &changed("/crypto/cipher", Some(json!("aes-128-cbc"))),
        "cipher \"aes-128-cbc\"; only aes-128-ctr is supported",
    );
    check(
        &changed("/crypto/cipherparams/iv", Some(json!("00"))),
        "field `iv`: 16 bytes expected, found 1",
    );
    check(
        &changed("/crypto/ciphertext", Some(json!("zz"))),
        "field `ciphertext`: not hex",
    );
    check(
        &changed("/crypto/ciphertext", Some(json!("00".repeat(64)))),
        "field `ciphertext`: 32 bytes expected, found 64",
    );
    check(
        &changed("/crypto/mac", None),
        "field `mac`: missing or not a string",
    );
    check(
        &changed("/crypto/kdf", Some(json!("argon2id"))),
        "key derivation \"argon2id\"; only scrypt and pbkdf2 (hmac-sha256) are supported",
    );
    check(
        &changed("/crypto/kdf", Some(json!("pbkdf2"))),
        "field `kdfparams`: do not match `kdf`",
    );
    check(
        &changed("/crypto/kdfparams/dklen", Some(json!(16))),
        "field `dklen`: must be 32",
    );
    check(
        &changed("/crypto/kdfparams/salt", Some(json!(""))),
        "field `salt`: empty",
    );
    check(
        &changed("/crypto/kdfparams/n", Some(json!(1000))),
        "field `n`: must be a power of two",
    );
    check(
        &changed("/crypto/kdfparams/n", Some(json!(1u64 << 40))),
        "field `n`: missing or not a 32-bit unsigned integer",
    );
    check(
        &changed("/crypto/kdfparams/p", Some(json!(0))),
        "field `p`: must be positive",
    );
    check(
        &changed("/address", Some(json!("0x12"))),
        "field `address`: not a 20-byte hex address",
    );
}

#[test]
fn key_derivations_too_costly_or_invalid_for_scrypt_are_refused_unrun() {
    const TOO_COSTLY: &str = "the key derivation asks for more work than a wallet writes";
    check(
        &changed("/crypto/kdfparams/n", Some(json!(1 << 19))),
        &format!("{TOO_COSTLY} (scrypt n·r·p above geth's standard 2^18·8·1)"),
    );
    check(
        &changed("/crypto/kdfparams/p", Some(json!(1000))),
        &format!("{TOO_COSTLY} (scrypt n·r·p above geth's standard 2^18·8·1)"),
    );
    // A block size that would take 2^13·128·2^20 bytes (1 TiB) of memory.
    check(
        &changed("/crypto/kdfparams/r", Some(json!(1 << 20))),
        &format!("{TOO_COSTLY} (scrypt n·r·p above geth's standard 2^18·8·1)"),
    );
    check(
        &changed("/crypto/kdfparams/n", Some(json!(1u64 << 31))),
        &format!("{TOO_COSTLY} (scrypt n·r·p above geth's standard 2^18·8·1)"),
    );
    let mut r1 = changed("/crypto/kdfparams/r", Some(json!(1)));
    r1 = r1.replace("\"n\":8192", "\"n\":131072");
    check(
        &r1,
        "field `n`: too large for r (scrypt requires n < 2^(16r))",
    );
    check(
        &changed_in(
            "web3-pbkdf2.json",
            "/crypto/kdfparams/c",
            Some(json!(20_000_000)),
        ),
        &format!("{TOO_COSTLY} (pbkdf2 above 10,000,000 rounds)"),
    );
    check(
        &changed_in("web3-pbkdf2.json", "/crypto/kdfparams/c", Some(json!(0))),
        "field `c`: must be positive",
    );
    check(
        &changed_in(
            "web3-pbkdf2.json",
            "/crypto/kdfparams/prf",
            Some(json!("hmac-sha512")),
        ),
        "key derivation \"pbkdf2 with hmac-sha512\"; only scrypt and pbkdf2 (hmac-sha256) are supported",
    );
    // geth's standard cost itself is accepted.
    let standard = changed("/crypto/kdfparams/n", Some(json!(1 << 18)));
    assert!(EncryptedKey::parse(&standard).is_ok());
}

#[test]
fn files_too_large_are_refused_before_they_are_read_whole() {
    let padded = format!("{}{}", " ".repeat(MAX_KEYSTORE_BYTES), "{}");
    check(
        &padded,
        &format!(
            "a keystore file is at most {MAX_KEYSTORE_BYTES} bytes; this one has {}",
            MAX_KEYSTORE_BYTES + 2
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 10 * MAX_KEYSTORE_BYTES]).unwrap();
    assert!(matches!(
        EncryptedKey::read_backup(&big),
        Err(ReadBackupError::Invalid(InvalidKeystore::TooLarge { limit, found }))
            if limit == MAX_KEYSTORE_BYTES && found == 10 * MAX_KEYSTORE_BYTES
    ));
}

#[test]
fn unreadable_and_binary_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        EncryptedKey::read_backup(&dir.path().join("missing.json")),
        Err(ReadBackupError::Io { .. })
    ));
    let binary = dir.path().join("photo.jpg");
    std::fs::write(&binary, [0xff, 0xd8, 0xff, 0xe0]).unwrap();
    assert!(matches!(
        EncryptedKey::read_backup(&binary),
        Err(ReadBackupError::Invalid(InvalidKeystore::NotV3(
            "not UTF-8 text"
        )))
    ));
}
