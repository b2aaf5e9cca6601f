//! Files written whole or not at all: into a temporary file beside the target, synced, then
//! renamed over it (and the directory synced, so the rename survives a crash). A reader, or a
//! memory map, sees the complete old file or the complete new one; a killed writer leaves only
//! a temporary file named `.baobei-*.tmp`, which the next workspace writer removes.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Prefix of the temporary files; with [`TEMP_SUFFIX`], what a killed writer leaves behind.
pub const TEMP_PREFIX: &str = ".baobei-";
/// Suffix of the temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A file being written; it replaces its target only on [`AtomicFile::commit`], and vanishes
/// if dropped before.
#[derive(Debug)]
pub struct AtomicFile {
    file: BufWriter<NamedTempFile>,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (created with 0666 less the umask, like `File::create`).
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut options = tempfile::Builder::new();
        options.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            options.permissions(fs::Permissions::from_mode(0o666));
        }
        let file = options.tempfile_in(parent(path))?;
        Ok(AtomicFile {
            file: BufWriter::new(file),
            path: path.to_owned(),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|e| e.error)?;
        #[cfg(unix)]
        fs::File::open(parent(&self.path))?.sync_all()?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write(&path, b"old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new").unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            b"old",
            "not replaced before commit"
        );
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");

        let mut dropped = AtomicFile::create(&path).unwrap();
        dropped.write_all(b"half").unwrap();
        drop(dropped);
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.csv"], "no temporary file is left behind");
    }
}
