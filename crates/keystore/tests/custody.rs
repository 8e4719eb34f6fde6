//! The operations end to end on the memory and file stores: round trips, restores, refusals.

use caretrail_keystore::{
    AddressError, ChangePasswordError, CreateError, EncryptedKey, ExistingPassword, ExportError,
    FileStore, InvalidKeystore, Keystore, MemoryStore, Password, RecoveryPhrase,
    RestoreBackupError, RestoreError, Store, StoreError, UnlockError,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};

/// The tests' passwords: the short texts tell them apart, and the suffix makes each one long and
/// unusual enough for the password policy.
fn password(text: &str) -> Password {
    Password::new(format!("{text} {SUFFIX}")).expect("the policy accepts a test password")
}

/// A test password, to open a key (see [`password`]).
fn existing(text: &str) -> ExistingPassword {
    ExistingPassword::new(format!("{text} {SUFFIX}")).expect("a test password is not empty")
}

const SUFFIX: &str = "at the tide mill of Skagen";

/// Runs `check` on a fresh memory store and a fresh file store.
fn on_each_store(check: impl Fn(&dyn Fn() -> Keystore<Box<dyn Store>>)) {
    check(&|| Keystore::new(Box::new(MemoryStore::new())));
    let dirs = std::cell::RefCell::new(Vec::new());
    check(&|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = FileStore::new(dir.path().join("keystore"));
        dirs.borrow_mut().push(dir);
        Keystore::new(Box::new(store))
    });
}

#[test]
fn create_then_unlock_gives_the_phrases_key() {
    on_each_store(|fresh| {
        let keystore = fresh();
        let pw = password("correct horse battery staple");
        let new = keystore.create(&pw, &mut OsRng).unwrap();
        assert_eq!(new.phrase.words().count(), 24);
        assert_eq!(keystore.address().unwrap(), new.address);
        let key = keystore.unlock(pw.as_existing()).unwrap();
        assert_eq!(key.address(), new.address);
        assert_eq!(key, new.phrase.derive_key());
    });
}

#[test]
fn a_wrong_password_unlocks_nothing() {
    on_each_store(|fresh| {
        let keystore = fresh();
        keystore.create(&password("right"), &mut OsRng).unwrap();
        assert!(matches!(
            keystore.unlock(&existing("wrong")),
            Err(UnlockError::WrongPassword)
        ));
    });
}

#[test]
fn create_refuses_to_replace_a_key() {
    on_each_store(|fresh| {
        let keystore = fresh();
        let first = keystore.create(&password("one"), &mut OsRng).unwrap();
        assert!(matches!(
            keystore.create(&password("two"), &mut OsRng),
            Err(CreateError::KeyExists)
        ));
        assert_eq!(
            keystore.unlock(&existing("one")).unwrap().address(),
            first.address
        );
    });
}

#[test]
fn change_password_replaces_the_old_one() {
    on_each_store(|fresh| {
        let keystore = fresh();
        let new = keystore.create(&password("old"), &mut OsRng).unwrap();
        assert!(matches!(
            keystore.change_password(&existing("not it"), &password("new"), &mut OsRng),
            Err(ChangePasswordError::WrongPassword)
        ));
        keystore
            .change_password(&existing("old"), &password("new"), &mut OsRng)
            .unwrap();
        assert!(matches!(
            keystore.unlock(&existing("old")),
            Err(UnlockError::WrongPassword)
        ));
        assert_eq!(
            keystore.unlock(&existing("new")).unwrap().address(),
            new.address
        );
        assert_eq!(keystore.address().unwrap(), new.address);
    });
}

#[test]
fn an_empty_store_refuses_each_operation_with_no_key() {
    on_each_store(|fresh| {
        let keystore = fresh();
        let pw = password("pw");
        assert!(matches!(
            keystore.unlock(pw.as_existing()),
            Err(UnlockError::NoKey)
        ));
        assert!(matches!(keystore.address(), Err(AddressError::NoKey)));
        assert!(matches!(
            keystore.change_password(pw.as_existing(), &pw, &mut OsRng),
            Err(ChangePasswordError::NoKey)
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            keystore.export_backup(&dir.path().join("backup.json")),
            Err(ExportError::NoKey)
        ));
        assert!(!keystore.delete().unwrap());
    });
}

#[test]
fn delete_forgets_the_key() {
    on_each_store(|fresh| {
        let keystore = fresh();
        keystore.create(&password("pw"), &mut OsRng).unwrap();
        assert!(keystore.delete().unwrap());
        assert!(matches!(
            keystore.unlock(&existing("pw")),
            Err(UnlockError::NoKey)
        ));
        keystore.create(&password("pw"), &mut OsRng).unwrap();
    });
}

#[test]
fn a_damaged_keystore_is_corrupt_not_a_wrong_password() {
    on_each_store(|fresh| {
        let keystore = fresh();
        keystore.store().save("{\"version\":3").unwrap();
        assert!(matches!(
            keystore.unlock(&existing("pw")),
            Err(UnlockError::Corrupt(InvalidKeystore::NotJson { .. }))
        ));
        assert!(matches!(keystore.address(), Err(AddressError::Corrupt(_))));
        // A key is there, damaged or not: creating over it is still refused.
        assert!(matches!(
            keystore.create(&password("pw"), &mut OsRng),
            Err(CreateError::KeyExists)
        ));
    });
}

#[test]
fn a_damaged_keystore_refuses_a_password_change_and_an_export() {
    let keystore = Keystore::new(MemoryStore::new());
    keystore.store().save("[]").unwrap();
    assert!(matches!(
        keystore.change_password(&existing("a"), &password("b"), &mut OsRng),
        Err(ChangePasswordError::Corrupt(InvalidKeystore::NotV3(_)))
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.json");
    assert!(matches!(
        keystore.export_backup(&file),
        Err(ExportError::Corrupt(_))
    ));
    assert!(!file.exists());
}

#[test]
fn a_keystore_without_an_address_field_needs_unlocking_for_its_address() {
    let cast_written = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cast-anvil0.json"),
    )
    .unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    keystore.store().save(&cast_written).unwrap();
    assert!(matches!(keystore.address(), Err(AddressError::NotStated)));
    let key = keystore
        .unlock(&ExistingPassword::new("cast password").unwrap())
        .unwrap();
    assert_eq!(
        key.address().to_string(),
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    );
}

#[test]
fn an_export_into_a_missing_directory_is_an_io_error() {
    let keystore = Keystore::new(MemoryStore::new());
    keystore.create(&password("pw"), &mut OsRng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        keystore.export_backup(&dir.path().join("no such dir/backup.json")),
        Err(ExportError::Io { .. })
    ));
}

/// A store whose every call fails, as a locked or vanished keyring does.
#[derive(Debug)]
struct BrokenStore;

impl Store for BrokenStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        Err(broken())
    }
    fn save(&self, _: &str) -> Result<(), StoreError> {
        Err(broken())
    }
    fn remove(&self) -> Result<bool, StoreError> {
        Err(broken())
    }
}

fn broken() -> StoreError {
    StoreError::Keyring(keyring_core::Error::NoStorageAccess("locked".into()))
}

#[test]
fn a_failing_store_fails_each_operation_as_a_backend_error() {
    let keystore = Keystore::new(BrokenStore);
    let pw = password("pw");
    let phrase = RecoveryPhrase::generate(&mut OsRng);
    let backup = EncryptedKey::read_backup(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cast-anvil0.json"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        keystore.create(&pw, &mut OsRng),
        Err(CreateError::Backend(_))
    ));
    assert!(matches!(
        keystore.unlock(pw.as_existing()),
        Err(UnlockError::Backend(_))
    ));
    assert!(matches!(keystore.address(), Err(AddressError::Backend(_))));
    assert!(matches!(
        keystore.change_password(pw.as_existing(), &pw, &mut OsRng),
        Err(ChangePasswordError::Backend(_))
    ));
    assert!(matches!(
        keystore.export_backup(&dir.path().join("b.json")),
        Err(ExportError::Backend(_))
    ));
    assert!(matches!(
        keystore.restore_from_phrase(&phrase, &pw, &mut OsRng),
        Err(RestoreError::Backend(_))
    ));
    assert!(matches!(
        keystore.restore_from_backup(&backup, pw.as_existing(), &pw, &mut OsRng),
        Err(RestoreBackupError::Backend(_))
    ));
    let error = keystore.delete().unwrap_err();
    assert_eq!(
        error.to_string(),
        "the OS keyring failed: Couldn't access platform storage: locked"
    );
}

#[test]
fn a_keystore_whose_address_field_lies_is_corrupt() {
    let keystore = Keystore::new(MemoryStore::new());
    let new = keystore.create(&password("pw"), &mut OsRng).unwrap();
    let json = keystore.store().load().unwrap().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["address"] = "f39fd6e51aad88f6f4ce6ab8827279cfffb92266".into();
    keystore.store().save(&value.to_string()).unwrap();
    match keystore.unlock(&existing("pw")) {
        Err(UnlockError::Corrupt(InvalidKeystore::AddressMismatch { stated, actual })) => {
            assert_eq!(actual, new.address);
            assert_eq!(
                stated.to_string(),
                "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
            );
        }
        other => panic!("expected an address mismatch, got {other:?}"),
    }
}

#[test]
fn restore_from_the_phrase_on_a_new_device_gives_the_same_address() {
    on_each_store(|fresh| {
        let old_device = fresh();
        let new = old_device
            .create(&password("old device"), &mut OsRng)
            .unwrap();
        // What the patient wrote down, as she types it back in.
        let typed = new
            .phrase
            .words()
            .collect::<Vec<_>>()
            .join("  ")
            .to_uppercase();
        let phrase = RecoveryPhrase::parse(&typed).unwrap();

        let new_device = fresh();
        let address = new_device
            .restore_from_phrase(&phrase, &password("new device"), &mut OsRng)
            .unwrap();
        assert_eq!(address, new.address);
        assert_eq!(new_device.address().unwrap(), new.address);
        assert_eq!(
            new_device
                .unlock(&existing("new device"))
                .unwrap()
                .address(),
            new.address
        );
        assert!(matches!(
            new_device.restore_from_phrase(&phrase, &password("x"), &mut OsRng),
            Err(RestoreError::KeyExists)
        ));
    });
}

#[test]
fn restore_from_a_backup_file_on_a_new_device_gives_the_same_address() {
    on_each_store(|fresh| {
        let old_device = fresh();
        let new = old_device
            .create(&password("backup pw"), &mut OsRng)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("caretrail-backup.json");
        old_device.export_backup(&file).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            old_device.store().load().unwrap().unwrap(),
            "the backup is the kept keystore, byte for byte"
        );
        let backup = EncryptedKey::read_backup(&file).unwrap();
        assert_eq!(backup.address(), Some(new.address));

        // Same password.
        let same = fresh();
        assert!(matches!(
            same.restore_from_backup(&backup, &existing("wrong"), &password("wrong"), &mut OsRng),
            Err(RestoreBackupError::WrongPassword)
        ));
        assert!(matches!(same.address(), Err(AddressError::NoKey)));
        let address = same
            .restore_from_backup(
                &backup,
                &existing("backup pw"),
                &password("backup pw"),
                &mut OsRng,
            )
            .unwrap();
        assert_eq!(address, new.address);
        assert_eq!(
            same.unlock(&existing("backup pw")).unwrap().address(),
            new.address
        );
        assert!(matches!(
            same.restore_from_backup(
                &backup,
                &existing("backup pw"),
                &password("backup pw"),
                &mut OsRng
            ),
            Err(RestoreBackupError::KeyExists)
        ));

        // Re-encrypted under a new password.
        let moved = fresh();
        moved
            .restore_from_backup(
                &backup,
                &existing("backup pw"),
                &password("device pw"),
                &mut OsRng,
            )
            .unwrap();
        assert_eq!(moved.address().unwrap(), new.address);
        assert!(matches!(
            moved.unlock(&existing("backup pw")),
            Err(UnlockError::WrongPassword)
        ));
        assert_eq!(
            moved.unlock(&existing("device pw")).unwrap().address(),
            new.address
        );
    });
}

#[test]
fn export_refuses_to_replace_a_file() {
    let keystore = Keystore::new(MemoryStore::new());
    keystore.create(&password("pw"), &mut OsRng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.json");
    std::fs::write(&file, "precious").unwrap();
    assert!(matches!(
        keystore.export_backup(&file),
        Err(ExportError::FileExists(path)) if path == file
    ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left behind");
}

#[test]
fn the_same_rng_seed_gives_the_same_phrase() {
    // The key comes from the caller's RNG and nothing else.
    let a = Keystore::new(MemoryStore::new());
    let b = Keystore::new(MemoryStore::new());
    let one = a
        .create(&password("pw"), &mut ChaCha20Rng::seed_from_u64(1))
        .unwrap();
    let two = b
        .create(&password("pw"), &mut ChaCha20Rng::seed_from_u64(1))
        .unwrap();
    assert_eq!(one.phrase.reveal(), two.phrase.reveal());
    assert_eq!(one.address, two.address);
}

#[test]
fn no_secret_type_prints_its_value() {
    let keystore = Keystore::new(MemoryStore::new());
    let pw = password("a password nobody may see");
    let new = keystore.create(&pw, &mut OsRng).unwrap();
    let key = keystore.unlock(pw.as_existing()).unwrap();
    let key_hex = hex::encode(key.to_bytes().as_slice());
    for text in [
        format!("{:?}", new.phrase),
        format!("{new:?}"),
        format!("{new:#?}"),
        format!("{pw:?}"),
        format!("{key:?}"),
    ] {
        assert!(text.contains("<redacted>"), "{text}");
        // The Debug output's own labels may be BIP-39 words too ("address" is one).
        const LABELS: &[&str] = &["NewKey", "phrase", "RecoveryPhrase", "redacted", "address"];
        for word in new.phrase.words() {
            assert!(
                !text
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| !LABELS.contains(w))
                    .any(|w| w == word),
                "{text}"
            );
        }
        assert!(!text.contains(new.phrase.reveal()), "{text}");
        assert!(!text.contains("nobody"), "{text}");
        assert!(!text.contains(&key_hex[..8]), "{text}");
    }
}

/// The kdfparams of the keystore `store` keeps.
fn kept_kdf(store: &impl Store) -> serde_json::Value {
    let kept: serde_json::Value = serde_json::from_str(
        &store
            .load()
            .expect("the store answers")
            .expect("a key is kept"),
    )
    .expect("the kept keystore is JSON");
    assert_eq!(kept["crypto"]["kdf"], "scrypt");
    kept["crypto"]["kdfparams"].clone()
}

#[test]
fn a_key_rests_under_scrypt_n_2_17_r_8_p_1() {
    let keystore = Keystore::new(MemoryStore::new());
    let pw = password("cost");
    keystore.create(&pw, &mut OsRng).unwrap();
    let params = kept_kdf(keystore.store());
    assert_eq!(
        (&params["n"], &params["r"], &params["p"]),
        (
            &serde_json::json!(1 << 17),
            &serde_json::json!(8),
            &serde_json::json!(1)
        )
    );
    // A new password is sealed at the same cost.
    keystore
        .change_password(pw.as_existing(), &password("cost again"), &mut OsRng)
        .unwrap();
    assert_eq!(kept_kdf(keystore.store())["n"], 1 << 17);
}

/// `tests/data/caretrail-n8192.json` is what this crate kept before n = 2^17 (eth-keystore's
/// n = 2^13), for the password "caretrail 2013 keystore".
#[test]
fn a_key_kept_at_n_2_13_by_the_earlier_code_still_opens_and_moves_to_n_2_17() {
    let earlier = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/caretrail-n8192.json"),
    )
    .unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    keystore.store().save(&earlier).unwrap();
    assert_eq!(kept_kdf(keystore.store())["n"], 8192);
    let address = "0xdccf55090fc97bc28c01431e43fb3a5ae8759a2f";
    assert_eq!(keystore.address().unwrap().to_string(), address);
    let pw = Password::new("caretrail 2013 keystore").unwrap();
    assert_eq!(
        keystore
            .unlock(pw.as_existing())
            .unwrap()
            .address()
            .to_string(),
        address
    );
    assert!(matches!(
        keystore.unlock(&existing("not it")),
        Err(UnlockError::WrongPassword)
    ));
    keystore
        .change_password(pw.as_existing(), &pw, &mut OsRng)
        .unwrap();
    assert_eq!(kept_kdf(keystore.store())["n"], 1 << 17);
    assert_eq!(
        keystore
            .unlock(pw.as_existing())
            .unwrap()
            .address()
            .to_string(),
        address
    );
}
