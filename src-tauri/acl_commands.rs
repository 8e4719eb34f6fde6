// The commands `src/lib.rs` registers, by the role whose window may call them. `build.rs` names
// them all in the app's ACL manifest (each gets an `allow-<command>` permission); each role's
// capability (`capabilities/<role>.json`) grants its window its own and no other, which the
// boundary tests check. A command added to `generate_handler!` must be added here, and to its
// role's capability.
const PATIENT: &[&str] = &[
    "device_profile",
    "policy_show",
    "patient_register",
    "patient_login",
    "patient_profile",
    "patient_logout",
    "camera_capture",
    "patient_recovery_status",
    "patient_recovery_cancel",
    "patient_recovery_finish",
    "visit_organizations",
    "visit_checkin_code",
    "visit_test_code",
    "records_bills",
    "records_list",
    "records_upload_begin",
    "records_upload_slice",
    "records_put",
    "records_open",
    "records_grant",
    "records_revoke",
    "records_audit",
    "scan_start",
    "scan_stop",
    "scan_image",
];

/// The kiosk: it scans check-in codes, opens visits and assigns them, with the organization's key.
const RECEPTION: &[&str] = &[
    "device_profile",
    "scan_start",
    "scan_stop",
    "scan_image",
    "reception_unlock",
    "reception_open",
    "reception_assign",
];

/// A doctor's window: her key, her certificate, her queue, her prescriptions and test lists.
const DOCTOR: &[&str] = &["device_profile", "staff_unlock", "staff_queue", "doctor_write"];
/// A lab's: it scans test-list codes, takes in the list, and reports with files it stages.
const LAB: &[&str] = &[
    "device_profile",
    "staff_unlock",
    "staff_queue",
    "scan_start",
    "scan_stop",
    "scan_image",
    "records_upload_begin",
    "records_upload_slice",
    "lab_fetch",
    "lab_report",
];
/// Billing's: it bills its hospital's visits.
const BILLING: &[&str] = &[
    "device_profile",
    "staff_unlock",
    "billing_visits",
    "billing_send",
];

/// Each role's window label and its commands.
const ROLES: &[(&str, &[&str])] = &[
    ("patient", PATIENT),
    ("reception", RECEPTION),
    ("doctor", DOCTOR),
    ("lab", LAB),
    ("billing", BILLING),
];

/// Every command, once: the app's ACL manifest.
const COMMANDS: &[&str] = &[
    "device_profile",
    "policy_show",
    "patient_register",
    "patient_login",
    "patient_profile",
    "patient_logout",
    "camera_capture",
    "patient_recovery_status",
    "patient_recovery_cancel",
    "patient_recovery_finish",
    "visit_organizations",
    "visit_checkin_code",
    "visit_test_code",
    "records_bills",
    "records_list",
    "records_upload_begin",
    "records_upload_slice",
    "records_put",
    "records_open",
    "records_grant",
    "records_revoke",
    "records_audit",
    "scan_start",
    "scan_stop",
    "scan_image",
    "reception_unlock",
    "reception_open",
    "reception_assign",
    "staff_unlock",
    "staff_queue",
    "doctor_write",
    "lab_fetch",
    "lab_report",
    "billing_visits",
    "billing_send",
];
