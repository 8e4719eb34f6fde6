//! A store in memory, for tests and for callers that hold the JSON themselves.

use std::sync::Mutex;

use super::{Store, StoreError};

#[derive(Debug, Default)]
pub struct MemoryStore {
    json: Mutex<Option<String>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding the lock cannot leave a half-written String behind.
        self.json
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        Ok(self.slot().clone())
    }

    fn save(&self, json: &str) -> Result<(), StoreError> {
        *self.slot() = Some(json.to_owned());
        Ok(())
    }

    fn remove(&self) -> Result<bool, StoreError> {
        Ok(self.slot().take().is_some())
    }
}
