//! Tauri commands: one-line adapters over `caretrail-client`, a file per role whose window may
//! call them (each role's capability, `capabilities/<role>.json`, grants its own and no other).

pub mod device;
pub mod patient;
pub mod reception;
pub mod staff;
