//! The keystore on the real OS keyring, and the fallback to a file when there is none.
//!
//! On Linux the keyring is the Secret Service over D-Bus; `scripts/with-keyring.sh` gives a
//! headless run one (gnome-keyring in a private D-Bus session). A run without a keyring fails,
//! unless `CARETRAIL_TEST_NO_KEYRING=1` says that this run has none on purpose.

use std::path::Path;

use caretrail_keystore::{
    ExistingPassword, Fallback, Keystore, Password, PlatformStore, RecoveryPhrase, Store,
    UnlockError,
};
use rand_core::OsRng;

/// Test entries live under their own service, so no test touches the patient's entry.
const TEST_SERVICE: &str = "org.caretrail.wallet.test";

/// The platform store on an entry of this test's own, emptied first; `None` only when the run
/// says it has no keyring.
fn keyring_store(data_dir: &Path, test: &str) -> Option<PlatformStore> {
    let account = format!("{test}-{}", std::process::id());
    let store = PlatformStore::open_entry(data_dir, TEST_SERVICE, &account);
    match store.fallback() {
        None => {
            store.remove().expect("the test entry can be emptied");
            Some(store)
        }
        Some(reason) if std::env::var_os("CARETRAIL_TEST_NO_KEYRING").is_some_and(|v| v == "1") => {
            eprintln!("CARETRAIL_TEST_NO_KEYRING=1: not testing the OS keyring ({reason})");
            None
        }
        Some(reason) => panic!(
            "no OS keyring answered: {reason}.\n\
             Run the tests with one: ./scripts/test.sh, or scripts/with-keyring.sh cargo test \
             (a D-Bus session with gnome-keyring; ./scripts/setup.sh installs both). \
             Set CARETRAIL_TEST_NO_KEYRING=1 only to declare a run without a keyring."
        ),
    }
}

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

#[test]
fn the_key_round_trips_through_the_os_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = keyring_store(dir.path(), "round-trip") else {
        return;
    };
    let keystore = Keystore::new(store);
    let new = keystore.create(&password("pw"), &mut OsRng).unwrap();
    assert!(
        !dir.path().join("keystore").exists(),
        "the key went to the keyring, not to a file"
    );

    // A second connection sees the same entry: it is in the keyring, not in this process.
    let account = format!("round-trip-{}", std::process::id());
    let again = Keystore::new(PlatformStore::open_entry(
        dir.path(),
        TEST_SERVICE,
        &account,
    ));
    assert!(again.store().fallback().is_none());
    assert_eq!(again.address().unwrap(), new.address);
    assert!(matches!(
        again.unlock(&existing("wrong")),
        Err(UnlockError::WrongPassword)
    ));
    assert_eq!(
        again.unlock(&existing("pw")).unwrap().address(),
        new.address
    );

    again
        .change_password(&existing("pw"), &password("new pw"), &mut OsRng)
        .unwrap();
    assert_eq!(
        keystore.unlock(&existing("new pw")).unwrap().address(),
        new.address
    );

    let backup = dir.path().join("backup.json");
    keystore.export_backup(&backup).unwrap();
    assert!(keystore.delete().unwrap());
    assert!(matches!(
        again.unlock(&existing("new pw")),
        Err(UnlockError::NoKey)
    ));
    assert!(!keystore.delete().unwrap());
}

#[test]
fn a_phrase_restores_into_the_os_keyring_with_the_same_address() {
    let dir = tempfile::tempdir().unwrap();
    let Some(old_device) = keyring_store(dir.path(), "old-device") else {
        return;
    };
    let Some(new_device) = keyring_store(dir.path(), "new-device") else {
        return;
    };
    let old_device = Keystore::new(old_device);
    let new_device = Keystore::new(new_device);
    let new = old_device.create(&password("pw"), &mut OsRng).unwrap();
    let phrase = RecoveryPhrase::parse(new.phrase.reveal()).unwrap();
    let address = new_device
        .restore_from_phrase(&phrase, &password("other pw"), &mut OsRng)
        .unwrap();
    assert_eq!(address, new.address);
    assert_eq!(
        new_device.unlock(&existing("other pw")).unwrap().address(),
        new.address
    );
    old_device.delete().unwrap();
    new_device.delete().unwrap();
}

/// With no Secret Service reachable, the platform store falls back to the key file and says why.
/// Run in a child process, because the D-Bus address is read from the environment.
#[cfg(target_os = "linux")]
#[test]
fn without_a_secret_service_the_key_goes_to_a_file_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_opens_the_platform_store", "--ignored"])
        .args(["--nocapture", "--test-threads=1"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/caretrail/bus",
        )
        .env("CARETRAIL_CHILD_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("fallback: no OS keyring is reachable: the OS keyring failed:"),
        "{stdout}"
    );
    assert!(
        dir.path().join("keystore/patient-key.json").exists(),
        "{stdout}"
    );
}

#[test]
#[ignore = "run by without_a_secret_service_the_key_goes_to_a_file_with_the_reason"]
fn child_opens_the_platform_store() {
    let dir = std::env::var_os("CARETRAIL_CHILD_DATA_DIR").expect("run by its parent test");
    let store = PlatformStore::open_entry(Path::new(&dir), TEST_SERVICE, "child");
    let reason = store.fallback().expect("no keyring answers here");
    assert!(matches!(reason, Fallback::KeyringUnreachable(_)));
    println!("fallback: {reason}");
    Keystore::new(store)
        .create(&password("pw"), &mut OsRng)
        .unwrap();
}
