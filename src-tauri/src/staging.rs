//! A file the UI hands the app slice by slice (a webview gives no path of a chosen file): each
//! slice arrives as a raw IPC body and is appended to a file in the app's data directory, so a
//! large record never sits in memory or travels as JSON. The records commands then read it from
//! there like any file.

use caretrail_types::{ErrorCode, UiError};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most a staged file may hold: the relay's cap on an attachment.
pub const MAX_STAGED_BYTES: u64 = 1024 * 1024 * 1024;

/// The header that names the upload a raw slice belongs to.
pub const UPLOAD_HEADER: &str = "caretrail-upload";

#[derive(Debug)]
struct Staged {
    file: std::fs::File,
    path: PathBuf,
    size: u64,
}

/// The uploads in progress, by id, under one directory.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    next: AtomicU64,
    uploads: Mutex<HashMap<u64, Staged>>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError::new(ErrorCode::Internal, format!("{what}: {e}"))
}

fn unknown(id: u64) -> UiError {
    UiError::new(
        ErrorCode::InvalidInput,
        format!("no upload {id} is in progress; choose the file again"),
    )
}

impl Staging {
    /// Uploads staged under `dir` (made when the first one begins). What an earlier run left
    /// there (an upload it never finished) is removed.
    pub fn new(dir: &Path) -> Self {
        let _ = std::fs::remove_dir_all(dir);
        Self {
            dir: dir.to_owned(),
            next: AtomicU64::new(1),
            uploads: Mutex::new(HashMap::new()),
        }
    }

    fn uploads(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Staged>> {
        // A panic while holding the lock leaves the map usable: each entry is whole.
        self.uploads.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts an empty upload; its id names it in [`Staging::append`] and [`Staging::finish`].
    pub fn begin(&self) -> Result<u64, UiError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| failed("the staging directory", e))?;
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("upload-{}-{id}", std::process::id()));
        let file = std::fs::File::create(&path).map_err(|e| failed("a staging file", e))?;
        self.uploads().insert(
            id,
            Staged {
                file,
                path,
                size: 0,
            },
        );
        Ok(id)
    }

    /// Appends the next slice to upload `id`; returns how many bytes it holds now.
    pub fn append(&self, id: u64, bytes: &[u8]) -> Result<u64, UiError> {
        let mut uploads = self.uploads();
        let staged = uploads.get_mut(&id).ok_or_else(|| unknown(id))?;
        let size = staged.size + bytes.len() as u64;
        if size > MAX_STAGED_BYTES {
            let path = staged.path.clone();
            uploads.remove(&id);
            let _ = std::fs::remove_file(path);
            return Err(UiError::new(
                ErrorCode::TooLarge,
                format!(
                    "the file is larger than {} MiB, the most a record may be",
                    MAX_STAGED_BYTES >> 20
                ),
            ));
        }
        staged
            .file
            .write_all(bytes)
            .map_err(|e| failed("the staging file", e))?;
        staged.size = size;
        Ok(size)
    }

    /// Ends upload `id`: the whole file, removed when the returned guard drops.
    pub fn finish(&self, id: u64) -> Result<StagedFile, UiError> {
        let mut staged = self.uploads().remove(&id).ok_or_else(|| unknown(id))?;
        staged
            .file
            .flush()
            .map_err(|e| failed("the staging file", e))?;
        Ok(StagedFile { path: staged.path })
    }
}

/// A staged file, deleted when dropped (whether its record was stored or not: on a refusal the
/// screen still holds the chosen file, and sends it again).
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
}

impl StagedFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_make_the_file_and_it_is_gone_after() {
        let dir = std::env::temp_dir().join(format!("caretrail-staging-{}", std::process::id()));
        let staging = Staging::new(&dir);
        let id = staging.begin().expect("begin");
        assert_eq!(staging.append(id, b"%PDF-1.7\n"), Ok(9));
        assert_eq!(staging.append(id, b"the rest"), Ok(17));
        let other = staging.begin().expect("a second upload");
        assert_ne!(id, other);
        let staged = staging.finish(id).expect("finish");
        assert_eq!(
            std::fs::read(staged.path()).expect("read"),
            b"%PDF-1.7\nthe rest"
        );
        let path = staged.path().to_owned();
        drop(staged);
        assert!(!path.exists(), "removed once used");
        assert_eq!(
            staging.append(id, b"late").map_err(|e| e.code),
            Err(ErrorCode::InvalidInput),
            "a finished upload takes no more"
        );
        assert_eq!(
            staging.finish(99).map(|_| ()).map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
