//! Files only their owner may read: keys, salts, tokens, the relay's database, a wallet's
//! profile. Directories are made 0700 and files 0600 (on Unix; elsewhere the system's defaults).

use std::io::{self, Write as _};
use std::path::Path;

/// Makes `dir` and any missing parents, each readable by its owner alone; an existing `dir` is
/// narrowed to its owner too.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Writes `bytes` to a new file at `path` (its directory made as [`create_dir`] does); an
/// existing file is an error (`AlreadyExists`), never replaced.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let mut file = options().create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes sure a file exists at `path`, empty if it is new, readable by its owner alone (an
/// existing one is narrowed to its owner). For files another library writes, e.g. a database.
pub fn touch(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    options().create(true).truncate(false).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Replaces the file at `path` with `bytes` whole (a temporary file beside it, then a rename),
/// readable by its owner alone.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dir(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file name is needed"))?;
    let temp = dir.join(format!(".{}.new", name.to_string_lossy()));
    let mut file = options().create(true).truncate(true).open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_their_owners_alone() {
        let root = tempfile::tempdir().expect("tempdir");
        let key = root.path().join("a/b/key");
        create_new(&key, b"secret").expect("created");
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
        assert_eq!(mode(&key), 0o600);
        let again = create_new(&key, b"other").expect_err("never replaced");
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&key).expect("read"), b"secret");

        let profile = root.path().join("wallet/profile.json");
        replace(&profile, b"{}").expect("written");
        replace(&profile, b"{\"a\":1}").expect("replaced");
        assert_eq!(std::fs::read(&profile).expect("read"), b"{\"a\":1}");
        assert_eq!(mode(&profile), 0o600);
        assert_eq!(mode(&root.path().join("wallet")), 0o700);

        // An existing, too open file and directory are narrowed.
        let open_dir = root.path().join("db");
        std::fs::create_dir(&open_dir).expect("dir");
        std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let db = open_dir.join("relay.db");
        std::fs::write(&db, b"").expect("file");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        touch(&db).expect("touched");
        assert_eq!((mode(&open_dir), mode(&db)), (0o700, 0o600));
    }
}
