//! The workspace's settings file, `baobei.toml`: read once per command into one
//! [`Settings`], each section resolved by the part that owns it (`[value]` by the keyword
//! universe, `[restore]` by import). A section is deserialised straight from the file, so an
//! unknown key or a bad value is refused at its own `path:line:col`; the sections of other
//! commands are skipped unread, so a workspace that configures them still works everywhere.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::io_error::IoError;
use crate::lang::{Describe, Lang, Said};

/// Errors reading `baobei.toml`.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file is not TOML, or a setting is unknown, malformed or out of range.
    #[error("{}", self.describe(Lang::En))]
    Invalid {
        /// The settings file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, quoting the offending text.
        message: Said,
    },
}

impl Describe for SettingsError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            SettingsError::Io(e) => e.describe(lang),
            SettingsError::Invalid {
                path,
                line,
                column,
                message,
            } => format!("{}:{line}:{column}: {}", path.display(), message.get(lang)),
        }
    }
}

impl SettingsError {
    /// Where the error is, for a rejects file: the file, or the place in it.
    pub fn location(&self) -> String {
        match self {
            SettingsError::Io(e) => e.path.display().to_string(),
            SettingsError::Invalid {
                path, line, column, ..
            } => format!("{}:{line}:{column}", path.display()),
        }
    }
}

/// The text of one settings file, checked to be TOML; a missing file has no sections.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    path: PathBuf,
    text: String,
}

impl Settings {
    /// Reads `path`; a missing file is an empty one (every section at its defaults).
    pub fn read(path: &Path) -> Result<Settings, SettingsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::parse(path, text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::parse(path, ""),
            Err(source) => Err(IoError::new(path, ("读取设置", "read settings"), source).into()),
        }
    }

    /// Settings from text already read; `path` names it in errors.
    pub fn parse(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
    ) -> Result<Settings, SettingsError> {
        let settings = Settings {
            path: path.into(),
            text: text.into(),
        };
        toml::Deserializer::parse(&settings.text).map_err(|e| settings.toml_error(&e, None))?;
        Ok(settings)
    }

    /// The section `[name]` as `T`, or `T::default()` where the file has none. `T` denies
    /// unknown fields to have them refused at their line and column.
    pub fn section<T: Default + DeserializeOwned>(&self, name: &str) -> Result<T, SettingsError> {
        let invalid = |e: toml::de::Error| self.toml_error(&e, Some(name));
        let de = toml::Deserializer::parse(&self.text).map_err(invalid)?;
        let found = serde::de::DeserializeSeed::deserialize(
            OneSection::<T> {
                name,
                out: std::marker::PhantomData,
            },
            de,
        )
        .map_err(invalid)?;
        Ok(found.unwrap_or_default())
    }

    /// An error at byte `offset` of the file, for a value a section's owner refuses after
    /// reading it (its span from [`toml::Spanned`]).
    pub fn invalid_at(&self, offset: usize, message: Said) -> SettingsError {
        let (line, column) = crate::input::line_col(&self.text, offset);
        SettingsError::Invalid {
            path: self.path.clone(),
            line,
            column,
            message,
        }
    }

    /// A TOML error where it stands, named after its section (if it is in one) and quoting
    /// the text it is about.
    fn toml_error(&self, e: &toml::de::Error, section: Option<&str>) -> SettingsError {
        let text = &self.text;
        let span = e.span();
        let start = span.as_ref().map_or(0, |s| s.start).min(text.len());
        let end = span.map_or(start, |s| s.end).min(text.len());
        let message = match section {
            Some(name) if !e.message().contains(&format!("[{name}]")) => {
                format!("[{name}]: {}: \"{}\"", e.message(), &text[start..end])
            }
            _ => format!("{}: \"{}\"", e.message(), &text[start..end]),
        };
        // The TOML parser's own words.
        self.invalid_at(start, Said::new(message.clone(), message))
    }
}

/// Deserialises the table `name` of a document into `T` and skips every other table.
struct OneSection<'s, T> {
    name: &'s str,
    out: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for OneSection<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OneSection<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a settings file with an optional [{}] table", self.name)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.name {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Section {
        level: u32,
    }

    #[test]
    fn a_missing_file_has_every_section_at_its_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::read(&dir.path().join("baobei.toml")).unwrap();
        assert_eq!(
            settings.section::<Section>("any").unwrap(),
            Section::default()
        );
    }

    #[test]
    fn broken_toml_is_refused_once_where_it_breaks_and_sections_are_read_alone() {
        let e = Settings::parse("baobei.toml", "[a]\nlevel = 1\n[b\n").unwrap_err();
        assert!(e.to_string().starts_with("baobei.toml:3:"), "{e}");
        let s = Settings::parse("baobei.toml", "[a]\nlevel = 1\n[b]\nlevel = \"x\"\n").unwrap();
        assert_eq!(s.section::<Section>("a").unwrap().level, 1);
        let e = s.section::<Section>("b").unwrap_err();
        assert_eq!(e.location(), "baobei.toml:4:9");
        assert!(
            e.to_string().contains("[b]: ") && e.to_string().contains("\"x\""),
            "{e}"
        );
    }
}
