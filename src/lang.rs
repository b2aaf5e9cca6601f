//! The language people read baobei in: Chinese by default, English with `--lang en` or an
//! English locale (`LC_ALL`, `LC_MESSAGES`, `LANG` starting with `en`).
//!
//! The library keeps reasons, problems and decisions as structured values (a kind plus its
//! fields); each kind is worded in both languages in one place, a `describe(lang)` beside its
//! type, so the CLI, the files and the report say the same thing the same way.

use std::ffi::OsString;

/// The language people read baobei in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (the default: baobei's users are Chinese shop operators).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language asked for: `--lang zh|en` (or `--lang=en`) among `args` (the first is
    /// the program name; nothing after `--` counts), else the locale's, else Chinese.
    pub fn from_args(args: &[OsString]) -> Lang {
        let mut asked = None;
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            let arg = arg.to_string_lossy();
            if arg == "--" {
                break;
            }
            if arg == "--lang" {
                asked = it.next().map(|v| v.to_string_lossy().into_owned());
            } else if let Some(value) = arg.strip_prefix("--lang=") {
                asked = Some(value.to_owned());
            }
        }
        match asked.or_else(locale) {
            Some(v) if v.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// `zh` or `en`, whichever is this language.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Every language, for tests that each text has both.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];
}

/// The first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`.
fn locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().into_owned())
        .find(|v| !v.is_empty())
}

/// A list for a person: `、` between items in Chinese, `, ` in English.
pub fn list(lang: Lang, items: impl IntoIterator<Item = String>) -> String {
    items
        .into_iter()
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// Whether `text` holds a CJK ideograph (tests check that Chinese renderings are Chinese
/// and English ones are not).
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_flag_then_the_locale() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            Lang::from_args(&args(&["baobei", "--lang", "en", "lint"])),
            Lang::En
        );
        assert_eq!(
            Lang::from_args(&args(&["baobei", "lint", "--lang=zh"])),
            Lang::Zh
        );
        // A title that happens to read `--lang` after `--` is a title.
        assert_eq!(
            Lang::from_args(&args(&[
                "baobei", "--lang", "zh", "lint", "--", "--lang", "en"
            ])),
            Lang::Zh
        );
    }
}
