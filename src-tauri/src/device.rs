//! The device's profile: which role this installation serves (`device.json` in the app's data
//! directory, or in `CARETRAIL_WALLET`). It picks the one window the app opens, and so the one
//! capability (`capabilities/<role>.json`) and the screens the UI shows. No file: a patient's.

use caretrail_types::{Address, ErrorCode, SignedStaffCertificate, StaffRole, UiError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file, in the app's data directory.
pub const FILE_NAME: &str = "device.json";

/// Who uses this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Patient,
    Reception,
    Doctor,
    Lab,
    Billing,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Patient,
        Role::Reception,
        Role::Doctor,
        Role::Lab,
        Role::Billing,
    ];

    /// Its window's label, which its capability names.
    pub fn label(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Reception => "reception",
            Role::Doctor => "doctor",
            Role::Lab => "lab",
            Role::Billing => "billing",
        }
    }

    /// The page its window loads: each is a wasm of its own (ui/).
    pub fn page(self) -> &'static str {
        match self {
            Role::Patient => "patient.html",
            _ => "staff.html",
        }
    }

    /// The staff role, for all but the patient.
    pub fn staff(self) -> Option<StaffRole> {
        match self {
            Role::Patient => None,
            Role::Reception => Some(StaffRole::Reception),
            Role::Doctor => Some(StaffRole::Doctor),
            Role::Lab => Some(StaffRole::Lab),
            Role::Billing => Some(StaffRole::Billing),
        }
    }
}

/// Someone reception may assign a visit to: the organization's staff directory on this
/// workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colleague {
    pub name: String,
    pub address: Address,
    pub role: StaffRole,
}

/// The device's profile as its file holds it. Keys are never in it: the role's key is in the
/// keystore beside it (the OS keyring, or `keystore/patient-key.json` where the key was
/// provisioned as a file, as `caretrail hospital provision` and `caretrail staff init` do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProfile {
    pub role: Role,
    /// A staff member's certificate (doctor, lab, billing): what she shows the relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<SignedStaffCertificate>,
    /// Reception's directory of the staff it assigns visits to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff: Vec<Colleague>,
}

impl DeviceProfile {
    pub fn patient() -> Self {
        Self {
            role: Role::Patient,
            certificate: None,
            staff: Vec::new(),
        }
    }

    /// The profile in `dir`, a patient's when there is none; a damaged one, or a staff
    /// member's without her certificate, is refused (the app then does not start).
    pub fn load(dir: &Path) -> Result<Self, UiError> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::patient()),
            Err(e) => return Err(unusable(&path, e.to_string())),
        };
        let profile: Self =
            serde_json::from_slice(&text).map_err(|e| unusable(&path, e.to_string()))?;
        let needs_certificate = matches!(profile.role, Role::Doctor | Role::Lab | Role::Billing);
        match &profile.certificate {
            None if needs_certificate => Err(unusable(
                &path,
                format!("a {} needs her certificate", profile.role.label()),
            )),
            Some(c) if Some(c.certificate.role) != profile.role.staff() => Err(unusable(
                &path,
                format!(
                    "the certificate is for {}, the device for {}",
                    c.certificate.role.name(),
                    profile.role.label()
                ),
            )),
            _ => Ok(profile),
        }
    }
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

    fn dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("caretrail-device-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn no_profile_is_a_patients_device() {
        let dir = dir("none");
        assert_eq!(DeviceProfile::load(&dir), Ok(DeviceProfile::patient()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_profile_names_its_role_and_a_damaged_one_is_refused() {
        let dir = dir("roles");
        let write = |text: &str| std::fs::write(dir.join(FILE_NAME), text).expect("write");
        write(
            r#"{"role":"reception","staff":[{"name":"Dr Ada","address":"0x0101010101010101010101010101010101010101","role":"doctor"}]}"#,
        );
        let profile = DeviceProfile::load(&dir).expect("reception");
        assert_eq!(profile.role, Role::Reception);
        assert_eq!(profile.staff[0].role, StaffRole::Doctor);
        for damaged in [
            r#"{"role":"surgeon"}"#,
            r#"{"role":"doctor"}"#,
            r#"{"role":"patient","key":"00"}"#,
            "not json",
        ] {
            write(damaged);
            let refused = DeviceProfile::load(&dir).map_err(|e| e.code);
            assert_eq!(refused, Err(ErrorCode::InvalidInput), "{damaged}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
