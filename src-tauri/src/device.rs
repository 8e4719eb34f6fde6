//! The device's profile: which role this installation serves (`device.json` in the app's data
//! directory, or in `CARETRAIL_WALLET`). It picks the one window the app opens, and so the one
//! capability (`capabilities/<role>.json`) and the screens the UI shows. No file: a patient's.

use caretrail_types::{ErrorCode, UiError};
use std::path::Path;

/// The file, in the app's data directory.
pub const FILE_NAME: &str = "device.json";

pub use caretrail_types::{Colleague, DeviceProfile, DeviceRole as Role};

/// The page a role's window loads: each is a wasm of its own (ui/).
pub fn page(role: Role) -> &'static str {
    match role {
        Role::Patient => "patient.html",
        _ => "staff.html",
    }
}

/// The profile in `dir`, a patient's when there is none; a damaged one, or one that
/// `DeviceProfile::check` refuses, is refused (the app then does not start).
pub fn load(dir: &Path) -> Result<DeviceProfile, UiError> {
    let path = dir.join(FILE_NAME);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DeviceProfile::patient()),
        Err(e) => return Err(unusable(&path, e.to_string())),
    };
    let profile: DeviceProfile =
        serde_json::from_slice(&text).map_err(|e| unusable(&path, e.to_string()))?;
    profile.check().map_err(|why| unusable(&path, why))?;
    Ok(profile)
}

fn unusable(path: &Path, why: String) -> UiError {
    UiError::new(
        ErrorCode::InvalidInput,
        format!("the device profile {} is not usable: {why}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretrail_types::StaffRole;

    fn dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("caretrail-device-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn no_profile_is_a_patients_device() {
        let dir = dir("none");
        assert_eq!(load(&dir), Ok(DeviceProfile::patient()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_profile_names_its_role_and_a_damaged_one_is_refused() {
        let dir = dir("roles");
        let write = |text: &str| std::fs::write(dir.join(FILE_NAME), text).expect("write");
        write(
            r#"{"role":"reception","staff":[{"name":"Dr Ada","address":"0x0101010101010101010101010101010101010101","role":"doctor"}]}"#,
        );
        let profile = load(&dir).expect("reception");
        assert_eq!(profile.role, Role::Reception);
        assert_eq!(profile.staff[0].role, StaffRole::Doctor);
        for damaged in [
            r#"{"role":"surgeon"}"#,
            r#"{"role":"doctor"}"#,
            r#"{"role":"patient","key":"00"}"#,
            "not json",
        ] {
            write(damaged);
            let refused = load(&dir).map_err(|e| e.code);
            assert_eq!(refused, Err(ErrorCode::InvalidInput), "{damaged}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
