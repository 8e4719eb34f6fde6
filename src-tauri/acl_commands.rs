// The commands `src/lib.rs` registers, named in the app's ACL manifest by `build.rs` (each gets
// an `allow-<command>` permission) and checked against the windows' capabilities by its tests.
// A command added to `generate_handler!` must be added here, and to its window's capability.
const COMMANDS: &[&str] = &[
    "policy_show",
    "patient_register",
    "patient_login",
    "patient_profile",
    "patient_logout",
    "camera_capture",
    "patient_recovery_status",
    "patient_recovery_cancel",
    "patient_recovery_finish",
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
