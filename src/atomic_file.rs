//! Files written whole or not at all: into a temporary file beside the target, synced, then
//! renamed over it (and the directory synced, so the rename survives a crash). A reader, or a
//! memory map, sees the complete old file or the complete new one; a killed writer leaves only
//! a temporary file named `.baobei-*.tmp`, which the next workspace writer removes.
//!
//! Only a regular file (or a path where nothing is yet) is replaced so. A symbolic link to a
//! regular file has its target replaced, the link kept; anything else that is not a directory
//! (a FIFO, `/dev/null`, `/dev/stdout`, a terminal, a socket) is written to in place as a
//! stream, since replacing it would put a plain file where a device or pipe was. See
//! [`Destination::of`].

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Prefix of the temporary files; with [`TEMP_SUFFIX`], what a killed writer leaves behind.
pub const TEMP_PREFIX: &str = ".baobei-";
/// Suffix of the temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// How a path is written, from what is at it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Nothing or a regular file: a temporary file renamed over this path.
    Replace(PathBuf),
    /// A FIFO, device, socket or the like: opened and written in place, never replaced.
    Stream(PathBuf),
}

impl Destination {
    /// The rule for `path`: a regular file or a new path is replaced atomically; a symbolic
    /// link is followed, and its final target replaced when that is a regular file or new (the
    /// link stays a link); anything else is streamed to; a directory is an error.
    pub fn of(path: &Path) -> io::Result<Destination> {
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Destination::Replace(path.to_owned()));
            }
            Err(e) => return Err(e),
        };
        let (path, kind) = if meta.file_type().is_symlink() {
            match fs::canonicalize(path) {
                Ok(target) => {
                    let kind = fs::metadata(&target)?.file_type();
                    (target, Some(kind))
                }
                // A dangling link: its target is created, as `File::create` would.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Destination::Stream(path.to_owned()));
                }
                Err(e) => return Err(e),
            }
        } else {
            (path.to_owned(), Some(meta.file_type()))
        };
        match kind {
            Some(kind) if kind.is_dir() => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory", path.display()),
            )),
            Some(kind) if kind.is_file() => Ok(Destination::Replace(path)),
            _ => Ok(Destination::Stream(path)),
        }
    }
}

#[derive(Debug)]
enum Inner {
    Temp(BufWriter<NamedTempFile>),
    Stream(BufWriter<fs::File>),
}

/// A file being written; it replaces its target only on [`AtomicFile::commit`], and vanishes
/// if dropped before. Over a FIFO or device it streams instead ([`Destination`]).
#[derive(Debug)]
pub struct AtomicFile {
    file: Inner,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (created with 0666 less the umask, like `File::create`), by the
    /// rule of [`Destination::of`].
    pub fn create(path: &Path) -> io::Result<Self> {
        let path = match Destination::of(path)? {
            Destination::Replace(path) => path,
            Destination::Stream(path) => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)?;
                return Ok(AtomicFile {
                    file: Inner::Stream(BufWriter::new(file)),
                    path,
                });
            }
        };
        let path = path.as_path();
        let mut options = tempfile::Builder::new();
        options.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            options.permissions(fs::Permissions::from_mode(0o666));
        }
        let file = options.tempfile_in(parent(path))?;
        Ok(AtomicFile {
            file: Inner::Temp(BufWriter::new(file)),
            path: path.to_owned(),
        })
    }

    /// Whether this writes in place to a FIFO, device or the like rather than replacing a file.
    pub fn is_stream(&self) -> bool {
        matches!(self.file, Inner::Stream(_))
    }

    /// Flushes, syncs and renames the file into place (a stream is only flushed).
    pub fn commit(self) -> io::Result<()> {
        let file = match self.file {
            Inner::Temp(file) => file,
            Inner::Stream(mut file) => return file.flush(),
        };
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|e| e.error)?;
        #[cfg(unix)]
        fs::File::open(parent(&self.path))?.sync_all()?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Inner::Temp(file) => file.write(buf),
            Inner::Stream(file) => file.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Inner::Temp(file) => file.flush(),
            Inner::Stream(file) => file.flush(),
        }
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

    #[cfg(unix)]
    #[test]
    fn output_over_a_fifo_symlink_or_dev_null_is_streamed_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();

        // A symbolic link: its target gets the new content, the link stays a link.
        let target = dir.path().join("target.csv");
        fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&target).unwrap(), b"new");

        // /dev/null stays the device.
        let null = Path::new("/dev/null");
        assert_eq!(
            Destination::of(null).unwrap(),
            Destination::Stream(null.into())
        );
        let file = AtomicFile::create(null).unwrap();
        assert!(file.is_stream());
        write(null, b"gone").unwrap();
        assert!(fs::metadata(null).unwrap().file_type().is_char_device());

        // A FIFO: a reader gets the bytes, and the FIFO is still one afterwards.
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());

        // A directory is refused.
        assert!(AtomicFile::create(dir.path()).is_err());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
