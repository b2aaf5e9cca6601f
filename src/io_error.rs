//! The one error for a file or directory that could not be read or written: which one, what
//! was being done, and the operating system's reason (`path: cannot ACTION: reason`).

use std::io;
use std::path::{Path, PathBuf};

/// A file or directory that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot {action}: {source}", path.display())]
pub struct IoError {
    /// The file or directory.
    pub path: PathBuf,
    /// What was being done, as a verb phrase: "open keyword table", "lock the workspace".
    pub action: &'static str,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl IoError {
    /// The error of doing `action` on `path`.
    pub fn new(path: &Path, action: &'static str, source: io::Error) -> IoError {
        IoError {
            path: path.to_owned(),
            action,
            source,
        }
    }

    /// For `map_err`: the error of doing `action` on `path`.
    pub fn at(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> IoError {
        let path = path.to_owned();
        move |source| IoError::new(&path, action, source)
    }
}
