//! What the visit's QR codes carry besides the `VisitToken`: the patient's share of her test list
//! with a lab, and a health organization's signed "here I am" at its kiosk. Ids, addresses and
//! expiries only, never health data.

use crate::{Address, Hash32};
use serde::{Deserialize, Serialize};

/// What the patient signs to let a lab's organization read one test list (T_D, a
/// ServiceRequest record) of hers: the EIP-712 `TestListShare` in the record registry's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestListShare {
    pub patient: Address,
    /// The organization of the lab she shows it to.
    pub organization: Address,
    /// The test list's record id.
    pub record_id: Hash32,
    /// Unix seconds; the share holds before this time.
    pub expires_at: u64,
}

/// An organization's signed "here I am", shown at its kiosk so that the patient's app knows,
/// offline, which admitted organization it is checking in with: the EIP-712 `KioskCode` in the
/// record registry's domain, signed by the organization's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskCode {
    pub organization: Address,
    /// Which of the organization's kiosks (desks) shows it.
    pub kiosk: u32,
    /// Drawn by the kiosk for each code it shows, so that two codes never look alike.
    pub nonce: u64,
    /// Unix seconds; the code is refused from then on.
    pub expires_at: u64,
}
