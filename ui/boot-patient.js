// Starts the desktop app's patient page: its own wasm (src/bin/patient.rs), with no inline script
// for the CSP to allow.
import init from "/patient.js";
await init({ module_or_path: "/patient_bg.wasm" });
