//! The desktop app's device profile, as its file holds it and its windows receive it: which role
//! the installation serves, a staff member's certificate, and reception's directory of staff. And
//! the patient's check-in code as her window draws it. Keys are never in any of these.

use crate::{Address, Hash32, SignedStaffCertificate, StaffRole};
use serde::{Deserialize, Serialize};

/// Who uses a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    Patient,
    Reception,
    Doctor,
    Lab,
    Billing,
}

impl DeviceRole {
    pub const ALL: [DeviceRole; 5] = [
        DeviceRole::Patient,
        DeviceRole::Reception,
        DeviceRole::Doctor,
        DeviceRole::Lab,
        DeviceRole::Billing,
    ];

    /// Its window's label, which its capability names.
    pub fn label(self) -> &'static str {
        match self {
            DeviceRole::Patient => "patient",
            DeviceRole::Reception => "reception",
            DeviceRole::Doctor => "doctor",
            DeviceRole::Lab => "lab",
            DeviceRole::Billing => "billing",
        }
    }

    /// The staff role, for all but the patient.
    pub fn staff(self) -> Option<StaffRole> {
        match self {
            DeviceRole::Patient => None,
            DeviceRole::Reception => Some(StaffRole::Reception),
            DeviceRole::Doctor => Some(StaffRole::Doctor),
            DeviceRole::Lab => Some(StaffRole::Lab),
            DeviceRole::Billing => Some(StaffRole::Billing),
        }
    }
}

/// Someone reception may assign a visit to: the organization's staff directory on its
/// workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colleague {
    pub name: String,
    pub address: Address,
    pub role: StaffRole,
}

/// A device's profile. The role's key is in the keystore beside it, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProfile {
    pub role: DeviceRole,
    /// A staff member's certificate (doctor, lab, billing): what she shows the relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<SignedStaffCertificate>,
    /// Reception's directory of the staff it assigns visits to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff: Vec<Colleague>,
}

impl DeviceProfile {
    /// A patient's device: no profile file.
    pub fn patient() -> Self {
        Self {
            role: DeviceRole::Patient,
            certificate: None,
            staff: Vec::new(),
        }
    }

    /// Why the profile cannot be used, if it cannot: a doctor, lab or billing device without
    /// its staff member's certificate, or with a certificate for another role.
    pub fn check(&self) -> Result<(), String> {
        let needs_certificate = matches!(
            self.role,
            DeviceRole::Doctor | DeviceRole::Lab | DeviceRole::Billing
        );
        match &self.certificate {
            None if needs_certificate => {
                Err(format!("a {} needs her certificate", self.role.label()))
            }
            Some(c) if Some(c.certificate.role) != self.role.staff() => Err(format!(
                "the certificate is for {}, the device for {}",
                c.certificate.role.name(),
                self.role.label()
            )),
            _ => Ok(()),
        }
    }
}

/// Her check-in code for one organization, as her window draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinCode {
    pub organization: Address,
    pub visit_id: Hash32,
    /// Unix seconds: the last second reception may open the visit with it.
    pub not_after: u64,
    /// The QR code's text (`ct:/…`).
    pub text: String,
}
/// Her test-list code for a lab's organization, as her window draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCode {
    /// The lab's organization.
    pub lab: Address,
    /// The test list (T_D) it shares.
    pub record: Hash32,
    /// Unix seconds: the share holds before this time.
    pub expires_at: u64,
    /// The QR code's text (`ct:/…`).
    pub text: String,
}

/// A file the lab attaches to its report: staged in the app slice by slice (as her records'
/// files are), and its media type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabUpload {
    pub upload: u64,
    pub content_type: String,
}
