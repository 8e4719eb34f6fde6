//! A health organization's staff: the HO's key certifies each staff key for one role until a
//! date (EIP-712 `StaffCertificate`, checked by anyone against the HO's key in the participant
//! registry), and revokes a staff key (EIP-712 `StaffRevocation`, kept by the relay).

use crate::{Address, Signature};
use serde::{Deserialize, Serialize};

/// What a staff member does at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Checks patients in and assigns them a doctor.
    Reception,
    /// Writes prescriptions and test lists.
    Doctor,
    /// Reads test lists and writes reports.
    Lab,
    /// Bills the insurer.
    Billing,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] = [
        StaffRole::Reception,
        StaffRole::Doctor,
        StaffRole::Lab,
        StaffRole::Billing,
    ];

    /// The number the EIP-712 `role` field carries.
    pub fn code(self) -> u8 {
        match self {
            StaffRole::Reception => 1,
            StaffRole::Doctor => 2,
            StaffRole::Lab => 3,
            StaffRole::Billing => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StaffRole::Reception => "reception",
            StaffRole::Doctor => "doctor",
            StaffRole::Lab => "lab",
            StaffRole::Billing => "billing",
        }
    }

    /// A role by its name (`reception`, `doctor`, `lab`, `billing`).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == text.trim())
    }
}

/// What the organization's key signs: `staff` may act for `organization` as `role` until
/// `valid_until` (unix seconds, exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCertificate {
    pub organization: Address,
    pub staff: Address,
    pub role: StaffRole,
    pub valid_until: u64,
}

/// A certificate with the organization's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedStaffCertificate {
    pub certificate: StaffCertificate,
    pub signature: Signature,
}

/// What the organization's key signs to revoke every certificate it gave `staff` (a lost
/// device, someone who left); `deadline` bounds when it may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffRevocation {
    pub organization: Address,
    pub staff: Address,
    pub deadline: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedStaffRevocation {
    pub revocation: StaffRevocation,
    pub signature: Signature,
}

/// A staff member as the relay recognised her: her certificate held, for an admitted
/// organization, unrevoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub organization: Address,
    /// The organization's name in the participant registry.
    pub organization_name: String,
    pub staff: Address,
    pub role: StaffRole,
    pub valid_until: u64,
}

/// A staff member's signed request to the relay (`caretrail-request`, action `staff.check`),
/// with the certificate she acts under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCheckRequest {
    pub certificate: SignedStaffCertificate,
    /// The role she asks to act as.
    pub role: StaffRole,
}

/// TKN_D: the organization's key assigns a staff member (a doctor, a lab) to the patient of a
/// visit it opened, until `expires_at` (at most the visit's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitAssignment {
    pub organization: Address,
    pub visit_id: crate::Hash32,
    pub patient: Address,
    pub staff: Address,
    pub role: StaffRole,
    pub expires_at: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedVisitAssignment {
    pub assignment: VisitAssignment,
    pub signature: Signature,
}

/// An assignment as a staff member's queue delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedVisit {
    pub assignment: SignedVisitAssignment,
    /// Unix seconds when the relay took it.
    pub assigned_at: u64,
}

/// The HTTP header that carries a staff member's [`VisitAuthority`] with a record she uploads
/// (base64url, no padding, of its JSON).
pub const STAFF_HEADER: &str = "caretrail-staff";

/// What a staff member writes a visit's record under: her certificate, and the organization's
/// assignment of her key to the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitAuthority {
    pub certificate: SignedStaffCertificate,
    pub assignment: SignedVisitAssignment,
}

impl VisitAuthority {
    /// The value of the [`STAFF_HEADER`] it travels in.
    pub fn to_header(&self) -> String {
        crate::request::header_value(self)
    }
}

/// How a visit's record reached the relay: the staff member's signed upload request (its
/// `subject` the record id, its `content` the body's SHA-256) and the authority she wrote it
/// under. Anyone can check who wrote the record from it alone and the organization's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub request: crate::SignedRelayRequest,
    pub authority: VisitAuthority,
}

/// A staff member's record as its reader checked it: who wrote it, for which organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenBy {
    pub staff: Address,
    pub role: StaffRole,
    pub organization: Address,
    /// The organization's name in the participant registry.
    pub organization_name: String,
    pub visit_id: crate::Hash32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_have_one_name_and_one_code_each() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::parse(role.name()), Some(role));
            let json = serde_json::to_string(&role).expect("json");
            assert_eq!(json, format!("\"{}\"", role.name()));
        }
        let codes: std::collections::BTreeSet<u8> =
            StaffRole::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), 4);
        assert!(!codes.contains(&0), "0 is no role");
        assert_eq!(StaffRole::parse("surgeon"), None);
    }
}
