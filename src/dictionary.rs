//! baobei's dictionaries: plain-text files in `dictionaries/`, compiled into the binary, plus
//! any the user adds with `--dict FILE`.
//!
//! Every file is UTF-8, tab-separated, `#` starts a comment line, and the first other line is
//! a header naming the columns. The header tells which dictionary a file is, so a user file
//! needs no flag of its own:
//!
//! | header | dictionary |
//! |---|---|
//! | `word  kind  freq  synonyms` | lexicon: product, attribute, traffic and plain words |
//! | `brand  aliases  freq` | brands with their other names (`自然堂  CHANDO`) |
//! | `word  category  substitute` | prohibited words and a compliant substitute |
//! | `word` | filler (stop) words |
//!
//! Later files override earlier ones, word by word.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::lang::{Describe, Lang, Said};

/// What a dictionary says a word is. Kinds that only segmentation produces (spec, punct)
/// live in [`crate::text::TokenKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordKind {
    /// A brand name or alias.
    Brand,
    /// The product (core) word: what the item is.
    Product,
    /// An attribute that must be true of the item: material, style, effect.
    Attribute,
    /// A generic traffic word safe to add to any title of its category: season, year, gender.
    Traffic,
    /// A word that only helps segmentation.
    Word,
    /// A filler word that adds no search value.
    Filler,
}

impl WordKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "product" => Self::Product,
            "attribute" => Self::Attribute,
            "traffic" => Self::Traffic,
            "word" => Self::Word,
            _ => return None,
        })
    }
}

/// One lexicon line.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconEntry {
    /// The word as written.
    pub word: String,
    /// What it is.
    pub kind: WordKind,
    /// jieba frequency; `None` lets the segmenter compute the least that keeps it whole.
    pub freq: Option<usize>,
    /// Words that mean the same to a searcher.
    pub synonyms: Vec<String>,
}

/// A brand: its display name and other names (Latin, abbreviations).
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    /// Canonical display name.
    pub name: String,
    /// Other names of the same brand.
    pub aliases: Vec<String>,
    /// jieba frequency for the Chinese forms.
    pub freq: Option<usize>,
}

/// A word banned in titles, why, and what to write instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prohibited {
    /// The banned word.
    pub word: String,
    /// Why it is banned: absolute, authority, lure, medical, ...
    pub category: String,
    /// A compliant replacement, where one exists.
    pub substitute: Option<String>,
}

/// Where a dictionary came from, with a checksum, so that a workspace can tell when it was
/// built with other dictionaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DictionarySource {
    /// File name or path.
    pub name: String,
    /// FNV-1a 64 of the file's bytes, hex.
    pub checksum: String,
}

/// Errors reading a dictionary file.
#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    /// The file could not be read.
    #[error("{}", self.describe(Lang::En))]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line is wrong.
    #[error("{}", self.describe(Lang::En))]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based character column.
        column: usize,
        /// What is wrong.
        message: Said,
        /// The offending text.
        value: String,
    },
}

impl Describe for DictionaryError {
    fn describe(&self, lang: Lang) -> String {
        match self {
            DictionaryError::Io { path, .. } => {
                let path = path.display();
                lang.pick(
                    format!("{path}: 无法读取词典"),
                    format!("{path}: cannot read dictionary"),
                )
            }
            DictionaryError::Line {
                path,
                line,
                column,
                message,
                value,
            } => match lang {
                Lang::Zh => format!(
                    "{}:{line}:{column}: {}：\"{value}\"",
                    path.display(),
                    message.zh
                ),
                Lang::En => format!(
                    "{}:{line}:{column}: {}: \"{value}\"",
                    path.display(),
                    message.en
                ),
            },
        }
    }
}

/// Which dictionary a file is, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Lexicon,
    Brands,
    Prohibited,
    Stopwords,
}

impl Format {
    fn from_header(fields: &[&str]) -> Option<Self> {
        match fields {
            ["word", "kind", ..] => Some(Self::Lexicon),
            ["brand", ..] => Some(Self::Brands),
            ["word", "category", ..] => Some(Self::Prohibited),
            ["word"] => Some(Self::Stopwords),
            _ => None,
        }
    }
}

/// The built-in dictionaries, reviewed text compiled into the binary.
const BUILTIN: &[(&str, &str)] = &[
    ("brands.tsv", include_str!("../dictionaries/brands.tsv")),
    ("lexicon.tsv", include_str!("../dictionaries/lexicon.tsv")),
    (
        "prohibited.tsv",
        include_str!("../dictionaries/prohibited.tsv"),
    ),
    (
        "stopwords.tsv",
        include_str!("../dictionaries/stopwords.tsv"),
    ),
];

/// All dictionaries in force, in load order.
#[derive(Debug, Clone, Default)]
pub struct Dictionaries {
    /// Lexicon entries.
    pub lexicon: Vec<LexiconEntry>,
    /// Brands.
    pub brands: Vec<Brand>,
    /// Prohibited words.
    pub prohibited: Vec<Prohibited>,
    /// Filler words.
    pub stopwords: Vec<String>,
    sources: Vec<DictionarySource>,
}

impl Dictionaries {
    /// The built-in dictionaries only.
    pub fn builtin() -> Self {
        let mut dicts = Self::default();
        for (name, text) in BUILTIN {
            dicts
                .parse(Path::new(name), text)
                .expect("built-in dictionaries are checked by tests");
        }
        dicts
    }

    /// Adds a user dictionary file; its entries override earlier ones.
    pub fn load_file(&mut self, path: &Path) -> Result<(), DictionaryError> {
        let bytes = std::fs::read(path).map_err(|source| DictionaryError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = crate::input::line_col(valid, e.valid_up_to());
            DictionaryError::Line {
                path: path.to_owned(),
                line,
                column,
                message: Said::new(
                    "词典文件必须是 UTF-8 编码",
                    "dictionary files must be UTF-8",
                ),
                value: String::from_utf8_lossy(
                    &bytes[e.valid_up_to()..][..4.min(bytes.len() - e.valid_up_to())],
                )
                .into_owned(),
            }
        })?;
        self.parse(path, text)
    }

    /// Where the dictionaries came from, with checksums.
    pub fn sources(&self) -> &[DictionarySource] {
        &self.sources
    }

    /// Parses one dictionary text; `path` names it in errors.
    pub fn parse(&mut self, path: &Path, text: &str) -> Result<(), DictionaryError> {
        let err = |line: usize, column: usize, message: (&str, &str), value: &str| {
            DictionaryError::Line {
                path: path.to_owned(),
                line,
                column,
                message: Said::new(message.0, message.1),
                value: value.to_owned(),
            }
        };
        let mut format = None;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw
                .strip_prefix('\u{feff}')
                .unwrap_or(raw)
                .trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let column = |i: usize| -> usize {
                1 + line
                    .split('\t')
                    .take(i)
                    .map(|f| f.chars().count() + 1)
                    .sum::<usize>()
            };
            let Some(format) = format else {
                format = Some(Format::from_header(&fields).ok_or_else(|| {
                    err(
                        line_no,
                        1,
                        (
                            "未知的词典表头；应为 `word\\tkind\\tfreq\\tsynonyms`、\
                             `brand\\taliases\\tfreq`、`word\\tcategory\\tsubstitute` 或 `word`",
                            "unknown dictionary header; expected `word\\tkind\\tfreq\\tsynonyms`, \
                             `brand\\taliases\\tfreq`, `word\\tcategory\\tsubstitute` or `word`",
                        ),
                        line,
                    )
                })?);
                continue;
            };
            let word = fields[0];
            if word.is_empty() {
                return Err(err(line_no, 1, ("词为空", "empty word"), line));
            }
            let field = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty());
            let freq = |i: usize| -> Result<Option<usize>, DictionaryError> {
                field(i)
                    .map(|f| {
                        f.parse::<usize>().map_err(|_| {
                            err(
                                line_no,
                                column(i),
                                ("词频必须是整数", "frequency must be a whole number"),
                                f,
                            )
                        })
                    })
                    .transpose()
            };
            let list = |i: usize| -> Vec<String> {
                field(i)
                    .map(|f| {
                        f.split('|')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            match format {
                Format::Lexicon => {
                    let kind_text = field(1).unwrap_or("");
                    let kind = WordKind::parse(kind_text).ok_or_else(|| {
                        err(
                            line_no,
                            column(1),
                            (
                                "词类必须是 product、attribute、traffic 或 word",
                                "kind must be product, attribute, traffic or word",
                            ),
                            kind_text,
                        )
                    })?;
                    self.lexicon.push(LexiconEntry {
                        word: word.to_owned(),
                        kind,
                        freq: freq(2)?,
                        synonyms: list(3),
                    });
                }
                Format::Brands => self.brands.push(Brand {
                    name: word.to_owned(),
                    aliases: list(1),
                    freq: freq(2)?,
                }),
                Format::Prohibited => {
                    let category = field(1).ok_or_else(|| {
                        err(
                            line_no,
                            column(1),
                            ("违禁词需要类别", "a prohibited word needs a category"),
                            line,
                        )
                    })?;
                    self.prohibited.push(Prohibited {
                        word: word.to_owned(),
                        category: category.to_owned(),
                        substitute: field(2).map(String::from),
                    });
                }
                Format::Stopwords => self.stopwords.push(word.to_owned()),
            }
        }
        if format.is_none() {
            return Err(err(
                1,
                1,
                ("词典为空：没有表头行", "empty dictionary: no header line"),
                "",
            ));
        }
        self.sources.push(DictionarySource {
            name: path.display().to_string(),
            checksum: format!("{:016x}", fnv1a(text.as_bytes())),
        });
        Ok(())
    }
}

impl fmt::Display for WordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Brand => "brand",
            Self::Product => "product",
            Self::Attribute => "attribute",
            Self::Traffic => "traffic",
            Self::Word => "word",
            Self::Filler => "filler",
        };
        f.write_str(s)
    }
}

/// FNV-1a 64: a stable, dependency-free checksum for change detection (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_dictionaries_parse() {
        let d = Dictionaries::builtin();
        assert!(!d.lexicon.is_empty());
        assert!(!d.brands.is_empty());
        assert!(!d.prohibited.is_empty());
        assert!(!d.stopwords.is_empty());
        assert_eq!(d.sources().len(), 4);
    }

    #[test]
    fn header_selects_format() {
        let mut d = Dictionaries::default();
        d.parse(
            Path::new("u.tsv"),
            "# mine\nword\tkind\tfreq\tsynonyms\n冰丝\tattribute\t\t\n",
        )
        .unwrap();
        d.parse(
            Path::new("b.tsv"),
            "brand\taliases\tfreq\n小熊\tBEAR|Bear\t300\n",
        )
        .unwrap();
        d.parse(
            Path::new("p.tsv"),
            "word\tcategory\tsubstitute\n顶级\tabsolute\t高品质\n",
        )
        .unwrap();
        d.parse(Path::new("s.tsv"), "word\n的\n").unwrap();
        assert_eq!(d.lexicon[0].kind, WordKind::Attribute);
        assert_eq!(d.lexicon[0].freq, None);
        assert_eq!(d.brands[0].aliases, ["BEAR", "Bear"]);
        assert_eq!(d.brands[0].freq, Some(300));
        assert_eq!(d.prohibited[0].substitute.as_deref(), Some("高品质"));
        assert_eq!(d.stopwords, ["的"]);
    }

    #[test]
    fn errors_name_path_line_and_column() {
        let mut d = Dictionaries::default();
        let e = d
            .parse(
                Path::new("my.tsv"),
                "word\tkind\tfreq\n连衣裙\tproduct\tmany\n",
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "my.tsv:2:13: frequency must be a whole number: \"many\""
        );
        let e = d
            .parse(Path::new("my.tsv"), "word\tkind\n连衣裙\tdress\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "my.tsv:2:5: kind must be product, attribute, traffic or word: \"dress\""
        );
        let e = d.parse(Path::new("x.tsv"), "foo\tbar\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.tsv:1:1: unknown dictionary header")
        );
    }

    #[test]
    fn user_file_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gbk.tsv");
        let (bytes, _, _) = encoding_rs::GBK.encode("word\n连衣裙\n");
        std::fs::write(&path, &bytes).unwrap();
        let e = Dictionaries::default().load_file(&path).unwrap_err();
        assert!(
            e.to_string()
                .contains(":2:1: dictionary files must be UTF-8"),
            "{e}"
        );
    }
}
