//! The one error for a file or directory that could not be read or written: which one, what
//! was being done, and the operating system's reason (`path: cannot ACTION: reason`).

use std::io;
use std::path::{Path, PathBuf};

use crate::lang::{Describe, Lang};

/// What was being done, as a verb phrase in Chinese and in English:
/// `("读取设置", "read settings")`.
pub type Action = (&'static str, &'static str);

/// A file or directory that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe(Lang::En))]
pub struct IoError {
    /// The file or directory.
    pub path: PathBuf,
    /// What was being done.
    pub action: Action,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl Describe for IoError {
    fn describe(&self, lang: Lang) -> String {
        let (path, (zh, en), source) = (self.path.display(), self.action, &self.source);
        match lang {
            Lang::Zh => format!("{path}: 无法{zh}：{source}"),
            Lang::En => format!("{path}: cannot {en}: {source}"),
        }
    }
}

impl IoError {
    /// The error of doing `action` on `path`.
    pub fn new(path: &Path, action: Action, source: io::Error) -> IoError {
        IoError {
            path: path.to_owned(),
            action,
            source,
        }
    }

    /// For `map_err`: the error of doing `action` on `path`.
    pub fn at(path: &Path, action: Action) -> impl FnOnce(io::Error) -> IoError {
        let path = path.to_owned();
        move |source| IoError::new(&path, action, source)
    }
}
