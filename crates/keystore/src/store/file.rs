//! A store in a file, for where there is no OS keyring.
//!
//! `<dir>/patient-key.json`, the directory made 0700 and the file 0600 (on Unix), replaced
//! atomically.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    path: PathBuf,
}

impl FileStore {
    pub const FILE_NAME: &str = "patient-key.json";

    /// The key file in `dir`; nothing is touched until the first [`Store::save`].
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let path = dir.join(Self::FILE_NAME);
        Self { dir, path }
    }

    /// Where the key file is (or will be).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.to_owned();
        move |source| StoreError::Io { path, source }
    }

    fn create_dir(&self) -> io::Result<()> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)
    }

    /// Makes a rename or a removal in the directory survive a crash.
    fn sync_dir(&self) -> io::Result<()> {
        #[cfg(unix)]
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }
}

impl Store for FileStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        match fs::read_to_string(&self.path) {
            Ok(json) => Ok(Some(json)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io_error(&self.path)(error)),
        }
    }

    /// Writes a temporary file (0600) next to the key file, syncs it, and renames it over the
    /// key file: a crash leaves the old key or the new one, and at worst a stray temporary file.
    fn save(&self, json: &str) -> Result<(), StoreError> {
        self.create_dir().map_err(self.io_error(&self.dir))?;
        let mut file = tempfile::Builder::new()
            .prefix(".patient-key-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(self.io_error(&self.dir))?;
        file.write_all(json.as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(self.io_error(file.path()))?;
        file.persist(&self.path)
            .map_err(|error| self.io_error(&self.path)(error.error))?;
        self.sync_dir().map_err(self.io_error(&self.dir))
    }

    fn remove(&self) -> Result<bool, StoreError> {
        match fs::remove_file(&self.path) {
            Ok(()) => {
                self.sync_dir().map_err(self.io_error(&self.dir))?;
                Ok(true)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(self.io_error(&self.path)(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_replaces_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("keys"));
        assert_eq!(store.load().unwrap(), None);
        assert!(!store.remove().unwrap());
        store.save("{\"one\":1}").unwrap();
        store.save("{\"two\":2}").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("{\"two\":2}"));
        let names: Vec<_> = fs::read_dir(dir.path().join("keys"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [FileStore::FILE_NAME], "no temporary file is left");
        assert!(store.remove().unwrap());
        assert_eq!(store.load().unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_is_0700_and_the_file_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("a/b"));
        store.save("{}").unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        assert_eq!(mode(store.path()), 0o600);
    }
}
