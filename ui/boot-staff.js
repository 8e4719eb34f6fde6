// Starts the desktop app's staff page: its own wasm (src/bin/staff.rs), with no inline script
// for the CSP to allow.
import init from "/staff.js";
await init({ module_or_path: "/staff_bg.wasm" });
