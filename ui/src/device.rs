//! The desktop app's device profile and the visit's values as its commands send them (the app's
//! `device.rs` and `roles.rs` shapes): which role this device serves, and for reception the staff
//! it assigns visits to. Keys never come this way.

pub use caretrail_types::{CheckinCode, Colleague, DeviceProfile, DeviceRole as Role};
