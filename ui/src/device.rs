//! The desktop app's device profile and the visit's values as its commands send them (the app's
//! `device.rs` and `roles.rs` shapes): which role this device serves, and for reception the staff
//! it assigns visits to. Keys never come this way.

use caretrail_types::{Address, Hash32, SignedStaffCertificate, StaffRole};
use serde::Deserialize;

/// Who uses this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Patient,
    Reception,
    Doctor,
    Lab,
    Billing,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Reception => "reception",
            Role::Doctor => "doctor",
            Role::Lab => "lab",
            Role::Billing => "billing",
        }
    }
}

/// Someone reception may assign a visit to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Colleague {
    pub name: String,
    pub address: Address,
    pub role: StaffRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceProfile {
    pub role: Role,
    #[serde(default)]
    pub certificate: Option<SignedStaffCertificate>,
    #[serde(default)]
    pub staff: Vec<Colleague>,
}

/// Her check-in code for one organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckinCode {
    pub organization: Address,
    pub visit_id: Hash32,
    /// Unix seconds: the last second reception may open the visit with it.
    pub not_after: u64,
    pub text: String,
}
