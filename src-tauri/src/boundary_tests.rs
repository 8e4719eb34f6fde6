//! The window's boundary, through Tauri's own IPC path (a mock runtime with the app's real
//! context: its config, capabilities and the ACL manifest `build.rs` makes).

use super::{AppState, with_commands};
use serde_json::{Value, json};
use std::path::PathBuf;
use tauri::Manager as _;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::{InvokeRequest, WebviewWindow, WebviewWindowBuilder};

include!("../acl_commands.rs");

/// The capability of the patient's window, as the app is built with it.
const MAIN_CAPABILITY: &str = include_str!("../capabilities/main.json");

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
    let dir =
        std::env::temp_dir().join(format!("caretrail-boundary-{name}-{}", std::process::id()));
    let app = with_commands(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds");
    app.manage(AppState::new(dir.join("wallet"), dir.clone()));
    TestApp { app, dir }
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

#[test]
fn the_manifest_and_the_main_windows_capability_name_the_same_commands() {
    let capability: Value = serde_json::from_str(MAIN_CAPABILITY).expect("capability JSON");
    assert_eq!(capability["windows"], json!(["main"]));
    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission by name"))
        .collect();
    let manifest: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(granted, manifest, "no core plugin, no other permission");
}

#[test]
fn the_main_window_reaches_its_commands_and_nothing_else() {
    let app = app("main");
    let main = window(&app, "main");
    assert_eq!(invoke(&main, "patient_logout", json!({})), Ok(Value::Null));
    assert_eq!(
        invoke(&main, "patient_profile", json!({})),
        Ok(Value::Null),
        "no registration in a new wallet"
    );
    // Each command of the manifest reaches its handler (a missing argument is the handler's
    // refusal, not the ACL's). The camera is left out: called, it would open the device's.
    for command in COMMANDS.iter().filter(|c| **c != "camera_capture") {
        let answer = invoke(&main, command, json!({}));
        assert!(!refused_by_acl(&answer), "{command}: {answer:?}");
        assert!(
            !matches!(&answer, Err(m) if m.contains("not found")),
            "{command} is registered: {answer:?}"
        );
    }
    // Tauri's core plugins: the UI needs none, and the path resolver would tell a script in the
    // page where her home directory is.
    for (command, args) in [
        ("plugin:path|resolve_directory", json!({ "directory": 21 })),
        ("plugin:app|version", json!({})),
        ("plugin:window|get_all_windows", json!({})),
        ("plugin:webview|create_webview_window", json!({})),
    ] {
        let answer = invoke(&main, command, args);
        assert!(refused_by_acl(&answer), "{command}: {answer:?}");
    }
    // A command no manifest names is refused too.
    assert!(refused_by_acl(&invoke(&main, "records_erase", json!({}))));
}

#[test]
fn another_window_is_refused_the_patients_commands() {
    let app = app("other");
    let other = window(&app, "other");
    for command in COMMANDS {
        let answer = invoke(&other, command, json!({}));
        assert!(refused_by_acl(&answer), "{command}: {answer:?}");
    }
}
