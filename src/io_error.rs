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
        IoError::describe_parts(&self.path, self.action, &self.source, lang)
    }
}

impl IoError {
    /// `path: cannot action: source` in `lang`: the one wording of a failed file operation
    /// (also for errors that keep the same parts in their own variant).
    pub fn describe_parts(path: &Path, action: Action, source: &io::Error, lang: Lang) -> String {
        let (path, (zh, en)) = (path.display(), action);
        match lang {
            Lang::Zh => format!("{path}: 无法{zh}：{source}"),
            Lang::En => format!("{path}: cannot {en}: {source}"),
        }
    }

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
