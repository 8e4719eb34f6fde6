//! One publication of a name at a time in this relay, so that a backend whose create-only check
//! is not atomic still sees two uploads of one record one after the other.

use object_store::path::Path;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OwnedMutexGuard;

/// A lock per object name being published; a name's lock lives while someone holds it.
#[derive(Debug, Default)]
pub(super) struct Slots(Mutex<HashMap<Path, Arc<tokio::sync::Mutex<()>>>>);

impl Slots {
    /// Waits until no one else in this relay is publishing `path`.
    pub(super) async fn take(&self, path: &Path) -> OwnedMutexGuard<()> {
        let slot = {
            let mut slots = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            // Names no one holds or waits for any more.
            slots.retain(|_, slot| Arc::strong_count(slot) > 1);
            slots.entry(path.clone()).or_default().clone()
        };
        slot.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_name_is_published_by_one_caller_at_a_time() {
        let slots = Arc::new(Slots::default());
        let name = Path::from("records/a/body");
        let first = slots.take(&name).await;
        let waiting = tokio::spawn({
            let slots = slots.clone();
            let name = name.clone();
            async move { drop(slots.take(&name).await) }
        });
        // Another name is free meanwhile.
        drop(slots.take(&Path::from("records/b/body")).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.expect("the second caller gets the name");
        drop(slots.take(&name).await);
        assert!(
            slots
                .0
                .lock()
                .expect("lock")
                .values()
                .all(|slot| Arc::strong_count(slot) == 1)
        );
    }
}
