//! Interoperability with Foundry's `cast`, which contracts/package.json pins.
//!
//! It reads our keystore and our phrase to the same address, and we import a keystore it writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use caretrail_keystore::{
    EncryptedKey, ExistingPassword, FileStore, Keystore, MemoryStore, Password,
};
use rand_core::OsRng;

/// The pinned `cast`; a missing one fails the test rather than skipping it.
fn cast() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts/node_modules/.bin/cast");
    assert!(
        path.exists(),
        "cast (Foundry) is not installed at {}: run ./scripts/setup.sh, which installs the npm \
         packages of contracts/package.json",
        path.display()
    );
    path
}

/// Runs cast and returns its standard output, trimmed.
fn run_cast(args: &[&str]) -> String {
    let output = Command::new(cast()).args(args).output().expect("cast runs");
    assert!(
        output.status.success(),
        "cast {} failed: {}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("cast prints UTF-8")
        .trim()
        .to_owned()
}

/// The last `0x…` address in cast's output, lowercased (cast prints the EIP-55 checksum form).
fn address_in(output: &str) -> String {
    output
        .split_whitespace()
        .rfind(|word| word.starts_with("0x") && word.len() == 42)
        .unwrap_or_else(|| panic!("no address in cast's output: {output}"))
        .to_lowercase()
}

#[test]
fn cast_reads_our_keystore_and_backup_to_our_address() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("keystore"));
    let keystore = Keystore::new(store.clone());
    let pw = "a password with spaces";
    let new = keystore
        .create(&Password::new(pw).unwrap(), &mut OsRng)
        .unwrap();
    let ours = new.address.to_string();

    let kept = store.path().to_str().unwrap();
    let printed = run_cast(&["wallet", "address", "--keystore", kept, "--password", pw]);
    assert_eq!(address_in(&printed), ours);

    let backup = dir.path().join("backup.json");
    keystore.export_backup(&backup).unwrap();
    let backup = backup.to_str().unwrap();
    let printed = run_cast(&["wallet", "address", "--keystore", backup, "--password", pw]);
    assert_eq!(address_in(&printed), ours);
}

#[test]
fn cast_derives_our_address_from_our_phrase() {
    let keystore = Keystore::new(MemoryStore::new());
    let new = keystore
        .create(
            &Password::new("a phrase is shown once, then written down").unwrap(),
            &mut OsRng,
        )
        .unwrap();
    let printed = run_cast(&["wallet", "address", "--mnemonic", new.phrase.reveal()]);
    assert_eq!(address_in(&printed), new.address.to_string());
}

#[test]
fn we_import_a_keystore_cast_writes_now() {
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().to_str().unwrap();
    let printed = run_cast(&[
        "wallet",
        "new",
        dir_text,
        "made-by-cast",
        "--unsafe-password",
        "cast pw",
    ]);
    let backup = EncryptedKey::read_backup(&dir.path().join("made-by-cast")).unwrap();
    let keystore = Keystore::new(MemoryStore::new());
    let address = keystore
        .restore_from_backup(
            &backup,
            &ExistingPassword::new("cast pw").unwrap(),
            &Password::new("kept under a new password at last").unwrap(),
            &mut OsRng,
        )
        .unwrap();
    assert_eq!(address.to_string(), address_in(&printed));
}
