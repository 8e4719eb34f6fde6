//! The window's boundary, through Tauri's own IPC path (a mock runtime with the app's real
//! context: its config, capabilities and the ACL manifest `build.rs` makes).

use super::{AppState, with_commands};
use crate::device::DeviceProfile;
use serde_json::{Value, json};
use std::path::PathBuf;
use tauri::Manager as _;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::{InvokeRequest, WebviewWindow, WebviewWindowBuilder};

include!("../acl_commands.rs");

/// Each role's capability, as the app is built with it.
const CAPABILITIES: &[(&str, &str)] = &[
    ("patient", include_str!("../capabilities/patient.json")),
    ("reception", include_str!("../capabilities/reception.json")),
    ("doctor", include_str!("../capabilities/doctor.json")),
    ("lab", include_str!("../capabilities/lab.json")),
    ("billing", include_str!("../capabilities/billing.json")),
];

/// Commands that would act on the machine if they reached their handler with no arguments:
/// the camera opens the device's.
const NOT_CALLED: &[&str] = &["camera_capture"];

struct TestApp {
    app: tauri::App<MockRuntime>,
    dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn app(name: &str) -> TestApp {
    app_for(name, DeviceProfile::patient())
}

fn app_for(name: &str, device: DeviceProfile) -> TestApp {
    let dir =
        std::env::temp_dir().join(format!("caretrail-boundary-{name}-{}", std::process::id()));
    let app = with_commands(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds");
    app.manage(AppState::new(device, dir.join("wallet"), dir.clone()));
    TestApp { app, dir }
}

/// A command's refusal: its code, as the UI branches on it.
fn refusal_code(answer: &Result<Value, String>) -> Option<String> {
    let Err(message) = answer else { return None };
    let refusal: Value = serde_json::from_str(message).ok()?;
    refusal["code"].as_str().map(str::to_owned)
}

fn window(app: &TestApp, label: &str) -> WebviewWindow<MockRuntime> {
    app.app.get_webview_window(label).unwrap_or_else(|| {
        WebviewWindowBuilder::new(&app.app, label, Default::default())
            .build()
            .expect("window")
    })
}

/// Calls `cmd` from `window`'s page, as the UI's script would.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, String> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap_or(Value::Null))
    .map_err(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
}

fn refused_by_acl(answer: &Result<Value, String>) -> bool {
    matches!(answer, Err(message) if message.contains("not allowed"))
}

fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

#[test]
fn each_roles_capability_names_its_commands_and_together_the_manifests() {
    let mut granted_somewhere: Vec<String> = Vec::new();
    for ((role, commands), (file_role, file)) in ROLES.iter().zip(CAPABILITIES) {
        assert_eq!(role, file_role);
        let capability: Value = serde_json::from_str(file).expect("capability JSON");
        assert_eq!(capability["identifier"], json!(role));
        assert_eq!(
            capability["windows"],
            json!([role]),
            "its role's window only"
        );
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .map(|p| p.as_str().expect("a permission by name"))
            .collect();
        let own: Vec<String> = commands.iter().map(|c| permission(c)).collect();
        assert_eq!(granted, own, "{role}: no core plugin, no other permission");
        granted_somewhere.extend(own);
    }
    let manifest: Vec<String> = COMMANDS.iter().map(|c| permission(c)).collect();
    granted_somewhere.sort();
    granted_somewhere.dedup();
    let mut all = manifest.clone();
    all.sort();
    assert_eq!(
        granted_somewhere, all,
        "every command is some role's, and only those"
    );
    assert_eq!(all.len(), COMMANDS.len(), "each command named once");
}

#[test]
fn the_patients_window_reaches_its_commands_and_nothing_else() {
    let app = app("patient");
    let patient = window(&app, "patient");
    assert_eq!(
        invoke(&patient, "patient_logout", json!({})),
        Ok(Value::Null)
    );
    assert_eq!(
        invoke(&patient, "patient_profile", json!({})),
        Ok(Value::Null),
        "no registration in a new wallet"
    );
    assert_eq!(
        invoke(&patient, "device_profile", json!({})),
        Ok(json!({ "role": "patient" }))
    );
    // Tauri's core plugins: the UI needs none, and the path resolver would tell a script in the
    // page where her home directory is.
    for (command, args) in [
        ("plugin:path|resolve_directory", json!({ "directory": 21 })),
        ("plugin:app|version", json!({})),
        ("plugin:window|get_all_windows", json!({})),
        ("plugin:webview|create_webview_window", json!({})),
    ] {
        let answer = invoke(&patient, command, args);
        assert!(refused_by_acl(&answer), "{command}: {answer:?}");
    }
    // A command no manifest names is refused too.
    assert!(refused_by_acl(&invoke(
        &patient,
        "records_erase",
        json!({})
    )));
}

#[test]
fn each_roles_window_reaches_its_own_commands_and_no_other_roles() {
    let app = app("roles");
    for (role, own) in ROLES {
        let window = window(&app, role);
        for command in COMMANDS.iter().filter(|c| !NOT_CALLED.contains(c)) {
            let answer = invoke(&window, command, json!({}));
            if own.contains(command) {
                // It reaches its handler (a missing argument is the handler's refusal).
                assert!(!refused_by_acl(&answer), "{role} {command}: {answer:?}");
                assert!(
                    !matches!(&answer, Err(m) if m.contains("not found")),
                    "{command} is registered: {answer:?}"
                );
            } else {
                assert!(
                    refused_by_acl(&answer),
                    "{role} may not call {command}: {answer:?}"
                );
            }
        }
    }
}

#[test]
fn a_doctors_window_cannot_open_or_assign_a_visit_nor_read_a_patients_records() {
    let app = app("doctor");
    let doctor = window(&app, "doctor");
    for (command, args) in [
        ("reception_open", json!({ "code": "ct:/AQ" })),
        ("reception_unlock", json!({ "password": "x" })),
        ("records_list", json!({})),
        (
            "visit_checkin_code",
            json!({ "organization": "0x0101010101010101010101010101010101010101" }),
        ),
        ("patient_profile", json!({})),
    ] {
        let answer = invoke(&doctor, command, args);
        assert!(refused_by_acl(&answer), "{command}: {answer:?}");
    }
    let patient = window(&app, "patient");
    assert!(refused_by_acl(&invoke(&patient, "staff_queue", json!({}))));
    assert!(refused_by_acl(&invoke(
        &patient,
        "reception_assign",
        json!({})
    )));
}

#[test]
fn a_window_no_role_names_is_refused_every_command() {
    let app = app("other");
    for label in ["main", "other"] {
        let other = window(&app, label);
        for command in COMMANDS {
            let answer = invoke(&other, command, json!({}));
            assert!(refused_by_acl(&answer), "{label} {command}: {answer:?}");
        }
    }
}

#[test]
fn the_roles_commands_refuse_plainly_before_their_key_is_open() {
    use crate::device::{Colleague, Role};
    use caretrail_types::{Address, StaffRole};
    let doctor = Address([0xd0; 20]);
    let kiosk_app = app_for(
        "reception-refusals",
        DeviceProfile {
            role: Role::Reception,
            certificate: None,
            staff: vec![Colleague {
                name: "Dr Ada Berg".into(),
                address: doctor,
                role: StaffRole::Doctor,
            }],
        },
    );
    let kiosk = window(&kiosk_app, "reception");
    let code = |answer| refusal_code(&answer);
    assert_eq!(
        code(invoke(
            &kiosk,
            "reception_open",
            json!({ "code": "ct:/AQ" })
        )),
        Some("no_key".into()),
        "no visit opens before the organization's key is"
    );
    let visit = json!({
        "patient": Address([1; 20]), "organization": Address([2; 20]),
        "visit_id": caretrail_types::Hash32([3; 32]), "expires_at": 9,
    });
    let stranger = invoke(
        &kiosk,
        "reception_assign",
        json!({ "visit": visit, "staff": Address([0x5e; 20]) }),
    );
    assert_eq!(code(stranger.clone()), Some("invalid_input".into()));
    assert!(
        format!("{stranger:?}").contains("staff directory"),
        "{stranger:?}"
    );
    assert_eq!(
        code(invoke(
            &kiosk,
            "reception_assign",
            json!({ "visit": visit, "staff": doctor })
        )),
        Some("no_key".into()),
        "a colleague in the directory, but the key is not open"
    );
    assert_eq!(
        code(invoke(
            &kiosk,
            "reception_unlock",
            json!({ "password": "" })
        )),
        Some("invalid_input".into())
    );

    let staff_app = app_for(
        "doctor-refusals",
        DeviceProfile {
            role: Role::Doctor,
            certificate: None,
            staff: Vec::new(),
        },
    );
    let doctor = window(&staff_app, "doctor");
    let unlocked = invoke(
        &doctor,
        "staff_unlock",
        json!({ "password": "x", "organizationPassword": "y" }),
    );
    assert_eq!(code(unlocked.clone()), Some("invalid_input".into()));
    assert!(
        format!("{unlocked:?}").contains("no certificate"),
        "{unlocked:?}"
    );

    // Each staff role's work waits for both of the workstation's keys.
    let visit_id = caretrail_types::Hash32([3; 32]);
    for (role, staff_role, label, command, args) in [
        (
            Role::Doctor,
            StaffRole::Doctor,
            "doctor",
            "doctor_write",
            json!({ "visitId": visit_id, "orders": { "prescription": null, "tests": [] } }),
        ),
        (
            Role::Lab,
            StaffRole::Lab,
            "lab",
            "lab_fetch",
            json!({ "code": "ct:/AQ" }),
        ),
        (
            Role::Billing,
            StaffRole::Billing,
            "billing",
            "billing_send",
            json!({ "visitId": visit_id, "lines": [], "records": [], "insurer": null }),
        ),
    ] {
        let certified = app_for(
            &format!("{label}-no-key"),
            DeviceProfile {
                role,
                certificate: Some(caretrail_types::SignedStaffCertificate {
                    certificate: caretrail_types::StaffCertificate {
                        organization: Address([2; 20]),
                        staff: Address([3; 20]),
                        role: staff_role,
                        valid_until: u64::MAX,
                    },
                    signature: caretrail_types::Signature([0; 65]),
                }),
                staff: Vec::new(),
            },
        );
        let window = window(&certified, label);
        assert_eq!(
            code(invoke(&window, command, args.clone())),
            Some("no_key".into()),
            "{label}: {command} before the keys are open"
        );
        if staff_role == StaffRole::Billing {
            assert_eq!(
                code(invoke(&window, "billing_visits", json!({}))),
                Some("no_key".into()),
                "billing: the open visits before the keys are open"
            );
        }
        let no_password = invoke(
            &window,
            "staff_unlock",
            json!({ "password": "correct horse battery staple", "organizationPassword": "" }),
        );
        assert_eq!(code(no_password.clone()), Some("invalid_input".into()));
        assert!(
            format!("{no_password:?}").contains("workstation's password"),
            "{no_password:?}"
        );
        let no_wallet = invoke(
            &window,
            "staff_unlock",
            json!({ "password": "correct horse battery staple",
                    "organizationPassword": "correct horse battery staple" }),
        );
        assert!(
            format!("{no_wallet:?}").contains("workstation's key"),
            "a workstation without the organization's key says so: {no_wallet:?}"
        );
        assert_eq!(
            code(invoke(&window, command, args)),
            Some("no_key".into()),
            "{label}: nothing was kept from a refused unlock"
        );
    }

    let patients = app("patient-refusals");
    let patient = window(&patients, "patient");
    assert_eq!(
        code(invoke(
            &patient,
            "visit_checkin_code",
            json!({ "organization": Address([2; 20]) })
        )),
        Some("no_key".into()),
        "her check-in code is signed with her session's key: she logs in first"
    );
    assert_eq!(
        code(invoke(
            &patient,
            "visit_test_code",
            json!({ "record": caretrail_types::Hash32([4; 32]), "lab": Address([2; 20]) })
        )),
        Some("no_key".into()),
        "her test-list code too"
    );
    assert_eq!(
        code(invoke(&patient, "records_bills", json!({}))),
        Some("no_key".into()),
        "and her bills"
    );
}
