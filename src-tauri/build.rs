//! The app's ACL manifest: each command the UI may call gets an `allow-<command>` permission.
//! Once a manifest exists, Tauri refuses every app command that no capability of the calling
//! window grants (`capabilities/*.json`), as it refuses the core plugins' commands.

include!("acl_commands.rs");
// The roles' lists are read by the boundary tests only.
const _: &[(&str, &[&str])] = ROLES;

fn main() {
    println!("cargo:rerun-if-changed=acl_commands.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        eprintln!("error: tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
