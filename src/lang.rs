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

/// Something worded in both languages: an error of the library, a reject's reason. Its
/// `Display` (when it has one) is `describe(Lang::En)`, so the English is written once.
pub trait Describe {
    /// The text in `lang`.
    fn describe(&self, lang: Lang) -> String;
}

/// A text already said in both languages (a reject's reason, a message made at the edge).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Said {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Said {
    /// The Chinese and the English of a text.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Both renderings of `what`.
    pub fn of(what: &(impl Describe + ?Sized)) -> Said {
        Said::new(what.describe(Lang::Zh), what.describe(Lang::En))
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl Describe for Said {
    fn describe(&self, lang: Lang) -> String {
        self.get(lang).to_owned()
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
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

/// Every kind of every reason, problem and decision, one value each (fields in ASCII, so that
/// the English rendering has no Chinese of its own), rendered in both languages.
#[cfg(test)]
mod every_kind {
    use super::{Describe, Lang, Said, has_cjk};
    use crate::ads::{Action, DecisionReason, NegativeWord, Suggestion};
    use crate::reason::KeywordReason;
    use crate::text::lint::{Detail, Problem, ProblemKind, SpacePlace};
    use crate::title::edit::{Change, Kept, Origin};
    use crate::title::score::Check;

    /// Checks both renderings of `what`; `variant` is its kind's index (from an exhaustive
    /// match, so a new kind fails to compile until it is listed) and `count` the kinds.
    fn check_all<T: std::fmt::Debug>(
        name: &str,
        values: &[T],
        count: usize,
        variant: impl Fn(&T) -> usize,
        render: impl Fn(&T, Lang) -> String,
    ) {
        let mut seen = vec![false; count];
        for v in values {
            seen[variant(v)] = true;
            let (zh, en) = (render(v, Lang::Zh), render(v, Lang::En));
            assert!(!zh.is_empty() && !en.is_empty(), "{name} {v:?}: empty");
            assert_ne!(zh, en, "{name} {v:?}: the same in both languages");
            assert!(
                has_cjk(&zh),
                "{name} {v:?}: the Chinese is not Chinese: {zh}"
            );
            assert!(
                !has_cjk(&en),
                "{name} {v:?}: the English holds Chinese: {en}"
            );
        }
        let missing: Vec<usize> = (0..count).filter(|&i| !seen[i]).collect();
        assert!(missing.is_empty(), "{name}: no sample of kinds {missing:?}");
    }

    fn s(text: &str) -> String {
        text.to_owned()
    }

    /// Why a variant wrapping an I/O error has no sample: the operating system's words are
    /// its own, in no language of ours.
    const OS_WORDS: &str = "the operating system's words: no sample";

    /// `text` without the column names baobei recognises (`宝贝标题`, `日期`, ...): they are
    /// the file's words, quoted as they are in both languages.
    fn without_column_names(text: String) -> String {
        let mut names: Vec<&str> = crate::input::Field::ALL
            .iter()
            .flat_map(|f| f.aliases().iter().copied().chain([f.header_zh()]))
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names
            .into_iter()
            .fold(text, |text, name| text.replace(name, "NAME"))
    }

    #[test]
    fn every_error_kind_has_chinese_and_english() {
        use crate::input::{Field, InputError, Location, ValueError, ValueErrorKind as V};
        use std::path::{Path, PathBuf};
        use std::sync::Arc;
        let path: Arc<Path> = Arc::from(Path::new("a.csv"));
        let at = || Location::new(path.clone(), 2, 3);
        let value = |kind| ValueError {
            kind,
            value: s("abc"),
        };
        let kinds = [
            V::NotANumber,
            V::NotWhole,
            V::OutOfRange,
            V::NotADate,
            V::TooLong { chars: 1001 },
        ];
        check_all(
            "ValueErrorKind",
            &kinds,
            5,
            |k| match k {
                V::NotANumber => 0,
                V::NotWhole => 1,
                V::OutOfRange => 2,
                V::NotADate => 3,
                V::TooLong { .. } => 4,
            },
            |k, lang| value(*k).describe(lang),
        );
        let os = || std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let input = || {
            vec![
                InputError::Io {
                    path: path.clone(),
                    source: os(),
                },
                InputError::Undecodable {
                    location: at(),
                    offset: 9,
                    message: ("UTF-16 编码无效", "invalid UTF-16"),
                    bytes: s("\\xFF"),
                },
                InputError::UndecodableLine {
                    location: at(),
                    offset: 9,
                    message: ("既不是 UTF-8 也不是 GB18030", "neither UTF-8 nor GB18030"),
                    bytes: s("\\xFF"),
                    raw: s("x"),
                },
                InputError::MissingColumn {
                    location: at(),
                    field: Field::Title,
                    found: s("a, b"),
                },
                InputError::DuplicateColumn {
                    location: at(),
                    name: s("id"),
                    first: 1,
                },
                InputError::Empty { path: path.clone() },
                InputError::Csv {
                    location: at(),
                    message: Said::new("引号不成对", "unbalanced quote"),
                    raw: s("x"),
                },
                InputError::FieldCount {
                    location: at(),
                    expected: 2,
                    found: 3,
                    raw: s("x"),
                },
                InputError::Json {
                    location: at(),
                    message: Said::new("EOF", "EOF"),
                    raw: s("x"),
                },
                InputError::Value {
                    location: at(),
                    header: s("price"),
                    error: value(V::NotANumber),
                },
                InputError::BadTitle {
                    location: at(),
                    header: s("title"),
                    error: value(V::TooLong { chars: 1001 }),
                    raw: s("x"),
                },
                InputError::Spreadsheet {
                    path: path.clone(),
                    message: s("no sheet"),
                },
            ]
        };
        let input_kind = |e: &InputError| match e {
            InputError::Io { .. } => 0,
            InputError::Undecodable { .. } => 1,
            InputError::UndecodableLine { .. } => 2,
            InputError::MissingColumn { .. } => 3,
            InputError::DuplicateColumn { .. } => 4,
            InputError::Empty { .. } => 5,
            InputError::Csv { .. } => 6,
            InputError::FieldCount { .. } => 7,
            InputError::Json { .. } => 8,
            InputError::Value { .. } => 9,
            InputError::BadTitle { .. } => 10,
            InputError::Spreadsheet { .. } => 11,
        };
        let render = |e: &dyn Describe, lang: Lang| without_column_names(e.describe(lang));
        check_all("InputError", &input(), 12, input_kind, |e, lang| {
            render(e, lang)
        });

        use crate::item::ItemError;
        let negative = || ItemError::Negative {
            location: at(),
            header: s("price"),
            value: s("-1"),
        };
        check_all(
            "ItemError",
            &[
                ItemError::Input(input().remove(9)),
                ItemError::NoTitle { location: at() },
                negative(),
            ],
            3,
            |e| match e {
                ItemError::Input(_) => 0,
                ItemError::NoTitle { .. } => 1,
                ItemError::Negative { .. } => 2,
            },
            |e, lang| render(e, lang),
        );

        use crate::market::index::ListingError as L;
        check_all(
            "ListingError",
            &[
                L::Input(input().remove(9)),
                L::Missing {
                    location: at(),
                    field: Field::Date,
                },
                L::Role {
                    location: at(),
                    value: s("boss"),
                },
                L::Price {
                    location: at(),
                    value: s("-1"),
                },
                L::Sales {
                    location: at(),
                    value: s("1.5"),
                },
            ],
            5,
            |e| match e {
                L::Input(_) => 0,
                L::Missing { .. } => 1,
                L::Role { .. } => 2,
                L::Price { .. } => 3,
                L::Sales { .. } => 4,
            },
            |e, lang| render(e, lang),
        );

        use crate::market::table::TableError as T;
        let table = || PathBuf::from("k.bbkw");
        let tables = [
            T::NotATable {
                path: table(),
                found: s("PK"),
            },
            T::OldVersion {
                path: table(),
                found: 1,
                supported: 2,
            },
            T::NewerVersion {
                path: table(),
                found: 3,
                supported: 2,
            },
            T::Truncated {
                path: table(),
                expected: 10,
                actual: 5,
            },
            T::Corrupt {
                path: table(),
                what: s("bad offsets"),
            },
            T::Checksum {
                path: table(),
                stored: 1,
                computed: 2,
            },
            T::InvalidRow {
                keyword: s("cream"),
                field: "ctr",
                value: s("1.5"),
                reason: crate::market::table::Refusal::NotAFraction,
            },
            T::TooLarge {
                path: table(),
                what: s("too many words"),
            },
        ];
        check_all(
            "TableError",
            &tables,
            8,
            |e| match e {
                T::Io(_) => unreachable!("{OS_WORDS}"),
                T::NotATable { .. } => 0,
                T::OldVersion { .. } => 1,
                T::NewerVersion { .. } => 2,
                T::Truncated { .. } => 3,
                T::Corrupt { .. } => 4,
                T::Checksum { .. } => 5,
                T::InvalidRow { .. } => 6,
                T::TooLarge { .. } => 7,
            },
            |e, lang| render(e, lang),
        );

        use crate::market::import::ImportError as I;
        check_all(
            "ImportError",
            &[
                I::Input(input().remove(9)),
                I::NoKeyword { location: at() },
                I::NoPeriod {
                    location: at(),
                    keyword: s("cream"),
                },
                I::BadPeriod {
                    location: s("--date"),
                    value: s("soon"),
                },
                I::InvalidRow {
                    location: at(),
                    source: tables.into_iter().nth(6).unwrap(),
                },
            ],
            5,
            |e| match e {
                I::Input(_) => 0,
                I::NoKeyword { .. } => 1,
                I::NoPeriod { .. } => 2,
                I::BadPeriod { .. } => 3,
                I::InvalidRow { .. } => 4,
                I::Settings(_) => unreachable!("sampled as SettingsError"),
            },
            |e, lang| render(e, lang),
        );

        use crate::ads::AdsError as A;
        let bad = |problem| A::BadValue {
            location: at(),
            header: s("bid"),
            field: Field::Bid,
            problem,
            value: s("x"),
        };
        check_all(
            "AdsError",
            &[
                A::Input(input().remove(9)),
                bad(crate::ads::BadValue::Missing),
                bad(crate::ads::BadValue::NegativeAmount),
                bad(crate::ads::BadValue::NotACount),
                A::ClicksOverImpressions {
                    location: at(),
                    clicks: 3,
                    impressions: 1,
                },
                A::NoUsableRows {
                    path: s("r.csv"),
                    rejected: 2,
                },
            ],
            4,
            |e| match e {
                A::Input(_) => 0,
                A::BadValue { .. } => 1,
                A::ClicksOverImpressions { .. } => 2,
                A::NoUsableRows { .. } => 3,
            },
            |e, lang| render(e, lang),
        );

        use crate::market::workspace::WorkspaceError as W;
        check_all(
            "WorkspaceError",
            &[
                W::Locked {
                    path: table(),
                    holder: s("pid 7"),
                },
                W::BadManifest {
                    path: table(),
                    line: 1,
                    column: 2,
                    message: s("EOF"),
                },
                W::NewerVersion {
                    path: table(),
                    found: 3,
                    supported: 2,
                },
            ],
            3,
            |e| match e {
                W::Io(_) => unreachable!("{OS_WORDS}"),
                W::Locked { .. } => 0,
                W::BadManifest { .. } => 1,
                W::NewerVersion { .. } => 2,
            },
            |e, lang| render(e, lang),
        );

        use crate::batch::{JobError as J, Reject};
        check_all(
            "JobError",
            &[
                J::Input(input().remove(9)),
                J::Table(T::Corrupt {
                    path: table(),
                    what: s("x"),
                }),
                J::Import(I::NoKeyword { location: at() }),
                J::Ads(bad(crate::ads::BadValue::Missing)),
                J::Workspace(W::Locked {
                    path: table(),
                    holder: s("pid 7"),
                }),
                J::Missing {
                    path: table(),
                    what: Said::new("没有", "none"),
                },
                J::Unreadable {
                    path: table(),
                    what: Said::new("关键词表", "keyword table"),
                    source: Box::new(J::Missing {
                        path: table(),
                        what: Said::new("没有", "none"),
                    }),
                },
                J::Io(Reject::new(s("a.csv:2:1"), &negative(), s("x")).into_error()),
            ],
            8,
            |e| match e {
                J::Input(_) => 0,
                J::Table(_) => 1,
                J::Import(_) => 2,
                J::Ads(_) => 3,
                J::Workspace(_) => 4,
                J::Missing { .. } => 5,
                J::Unreadable { .. } => 6,
                // A fatal reject; any other I/O error is the operating system's.
                J::Io(_) => 7,
                J::Index(_) | J::Settings(_) => {
                    unreachable!("sampled as IndexError, SettingsError")
                }
            },
            |e, lang| render(e, lang),
        );
        use crate::market::index::IndexError as X;
        let tantivy = || tantivy::TantivyError::InternalError(s("x"));
        check_all(
            "IndexError",
            &[
                X::Tantivy {
                    path: table(),
                    source: tantivy(),
                },
                X::Io {
                    path: table(),
                    source: os(),
                },
                X::Schema {
                    path: table(),
                    what: s("no title field"),
                },
                X::Budget {
                    path: table(),
                    budget: 1,
                    threads: 2,
                },
                X::Corrupt {
                    path: table(),
                    what: s("x"),
                },
            ],
            5,
            |e| match e {
                X::Tantivy { .. } => 0,
                X::Io { .. } => 1,
                X::Schema { .. } => 2,
                X::Budget { .. } => 3,
                X::Corrupt { .. } => 4,
            },
            |e, lang| render(e, lang),
        );
        use crate::runs::RunError as R;
        check_all(
            "RunError",
            &[
                R::Io {
                    path: table(),
                    action: ("读取运行文件", "read a run file"),
                    source: os(),
                },
                R::NotFound {
                    runs: table(),
                    name: s("2026-11-11-1"),
                },
            ],
            2,
            |e| match e {
                R::Io { .. } => 0,
                R::NotFound { .. } => 1,
                R::Bad { .. } => unreachable!("the JSON parser's words: English yet"),
            },
            |e, lang| render(e, lang),
        );
        check_all(
            "IoError",
            &[crate::io_error::IoError::new(
                &table(),
                ("读取设置", "read settings"),
                os(),
            )],
            1,
            |_| 0,
            |e, lang| render(e, lang),
        );
        use crate::dictionary::DictionaryError as D;
        check_all(
            "DictionaryError",
            &[
                D::Io {
                    path: table(),
                    source: os(),
                },
                D::Line {
                    path: table(),
                    line: 2,
                    column: 5,
                    message: Said::new("词为空", "empty word"),
                    value: s("x"),
                },
            ],
            2,
            |e| match e {
                D::Io { .. } => 0,
                D::Line { .. } => 1,
            },
            |e, lang| render(e, lang),
        );
        use crate::settings::SettingsError as G;
        check_all(
            "SettingsError",
            &[
                G::Io(crate::io_error::IoError::new(
                    &table(),
                    ("读取设置", "read settings"),
                    os(),
                )),
                G::Invalid {
                    path: table(),
                    line: 2,
                    column: 14,
                    message: Said::new("未知的曲线", "unknown curve"),
                },
            ],
            2,
            |e| match e {
                G::Io(_) => 0,
                G::Invalid { .. } => 1,
            },
            |e, lang| render(e, lang),
        );
        use crate::sample::SampleError as S;
        check_all(
            "SampleError",
            &[
                S::CreateDir {
                    path: table(),
                    source: os(),
                },
                S::Write {
                    path: table(),
                    source: os(),
                },
            ],
            2,
            |e| match e {
                S::CreateDir { .. } => 0,
                S::Write { .. } => 1,
            },
            |e, lang| render(e, lang),
        );
        let reject = Reject::new(s("a.csv:2:1"), &negative(), s("x"));
        assert_eq!(
            reject.location, "a.csv:2:3",
            "the cell's location, said once"
        );
        assert_eq!(reject.describe(Lang::Zh), negative().describe(Lang::Zh));
        assert_eq!(reject.to_string(), negative().to_string());
    }

    #[test]
    fn every_reason_kind_has_chinese_and_english() {
        let lost = vec![s("a b"), s("c"), s("d"), s("e")];
        check_all(
            "Change",
            &[
                Change::Prohibited {
                    word: s("NO.1"),
                    substitute: Some(s("top")),
                },
                Change::Prohibited {
                    word: s("NO.1"),
                    substitute: None,
                },
                Change::Banned { word: s("x") },
                Change::Repeated { word: s("x") },
                Change::Spaces { count: 2 },
                Change::HalfWidth { count: 3 },
                Change::Characters { text: s("\u{7}") },
                Change::OverBudget {
                    word: s("x"),
                    lost: vec![],
                },
                Change::OverBudget {
                    word: s("x"),
                    lost: lost.clone(),
                },
                Change::Added {
                    word: s("silk"),
                    origin: Origin::Attribute {
                        name: s("material"),
                    },
                    gained: vec![s("silk dress")],
                },
                Change::Added {
                    word: s("tee"),
                    origin: Origin::Synonym { of: s("t-shirt") },
                    gained: lost.clone(),
                },
                Change::Removed {
                    word: s("x"),
                    for_word: s("y"),
                    lost: vec![],
                },
                Change::Removed {
                    word: s("x"),
                    for_word: s("y"),
                    lost,
                },
            ],
            9,
            |c| match c {
                Change::Prohibited { .. } => 0,
                Change::Banned { .. } => 1,
                Change::Repeated { .. } => 2,
                Change::Spaces { .. } => 3,
                Change::HalfWidth { .. } => 4,
                Change::Characters { .. } => 5,
                Change::OverBudget { .. } => 6,
                Change::Added { .. } => 7,
                Change::Removed { .. } => 8,
            },
            |c, lang| c.describe(lang),
        );
        check_all(
            "Kept",
            &[Kept::Reverted, Kept::Violations, Kept::NoGain],
            3,
            |k| *k as usize,
            |k, lang| k.describe(lang),
        );
        check_all(
            "Check",
            &[
                Check::EmptyTitle,
                Check::OverBudget {
                    bytes: 66,
                    budget: 60,
                },
                Check::Prohibited { word: s("NO.1") },
                Check::RepeatedWord { word: s("x") },
                Check::MissingBrand { brand: s("CHANDO") },
                Check::MissingProduct { product: s("") },
                Check::MissingProduct {
                    product: s("cream"),
                },
            ],
            6,
            |c| match c {
                Check::EmptyTitle => 0,
                Check::OverBudget { .. } => 1,
                Check::Prohibited { .. } => 2,
                Check::RepeatedWord { .. } => 3,
                Check::MissingBrand { .. } => 4,
                Check::MissingProduct { .. } => 5,
            },
            |c, lang| c.describe(lang),
        );
        let problem = |detail: Detail| Problem {
            kind: detail.kind(),
            text: s("AB"),
            start: 0,
            end: 2,
            detail,
            suggestion: Some(s("AB")),
        };
        let problems: Vec<Problem> = [
            Detail::EmptyTitle {},
            Detail::OverBudget {
                bytes: 66,
                budget: 60,
            },
            Detail::Prohibited {
                category: s("absolute"),
            },
            Detail::Prohibited {
                category: s("made-up"),
            },
            Detail::RepeatedWord { first: 3 },
            Detail::WastedSpace {
                bytes: 1,
                place: SpacePlace::Extra,
            },
            Detail::WastedSpace {
                bytes: 1,
                place: SpacePlace::Edge,
            },
            Detail::WastedSpace {
                bytes: 1,
                place: SpacePlace::Between,
            },
            Detail::FullWidth {
                bytes: 4,
                half_bytes: 2,
            },
            Detail::OutsideGbk {
                code: 0x1F600,
                bytes: 4,
            },
            Detail::ControlChar { code: 7 },
        ]
        .into_iter()
        .map(problem)
        .collect();
        check_all(
            "Problem",
            &problems,
            8,
            |p| p.kind as usize,
            |p, lang| format!("{} {}", p.kind.name(lang), p.describe(lang)),
        );
        assert!(problems.iter().all(|p| p.kind == p.detail.kind()));
        let _: fn(ProblemKind) -> usize = |k| match k {
            ProblemKind::EmptyTitle
            | ProblemKind::OverBudget
            | ProblemKind::Prohibited
            | ProblemKind::RepeatedWord
            | ProblemKind::WastedSpace
            | ProblemKind::FullWidth
            | ProblemKind::OutsideGbk
            | ProblemKind::ControlChar => 8,
        };
        let keyword_reasons = [
            KeywordReason::HoldsProduct {
                product: Some(s("dress")),
            },
            KeywordReason::HoldsProduct { product: None },
            KeywordReason::SimilarListings {
                listings: 3,
                of: 20,
            },
            KeywordReason::TitleWords,
            KeywordReason::SomeTitleWords {
                in_title: 1,
                words: 2,
            },
            KeywordReason::OtherCategory {
                category: s("shoes"),
            },
            KeywordReason::BestSellers {
                using: 2,
                of: 5,
                covered: true,
            },
            KeywordReason::BestSellers {
                using: 2,
                of: 5,
                covered: false,
            },
            KeywordReason::Rising { growth: Some(0.5) },
            KeywordReason::Rising { growth: None },
            KeywordReason::Roi { roi: 3.2, cpc: 0.8 },
        ];
        check_all(
            "KeywordReason",
            &keyword_reasons,
            8,
            |r| match r {
                KeywordReason::HoldsProduct { .. } => 0,
                KeywordReason::SimilarListings { .. } => 1,
                KeywordReason::TitleWords => 2,
                KeywordReason::SomeTitleWords { .. } => 3,
                KeywordReason::OtherCategory { .. } => 4,
                KeywordReason::BestSellers { .. } => 5,
                KeywordReason::Rising { .. } => 6,
                KeywordReason::Roi { .. } => 7,
            },
            |r, lang| r.describe(lang),
        );
        check_all(
            "unconfirmed words",
            &[vec![s("silk")]],
            1,
            |_| 0,
            |w, lang| crate::reason::describe_all(lang, &keyword_reasons[3..4], w),
        );
        check_all(
            "ads Suggestion",
            &[Suggestion {
                item: s("1"),
                keyword: s("dress"),
                bid: None,
                reasons: keyword_reasons.to_vec(),
                confidence: 0.5,
            }],
            1,
            |_| 0,
            |a, lang| a.reason(lang),
        );
        check_all(
            "DecisionReason",
            &[
                DecisionReason::TrafficDoesNotClick {
                    clicks: 1,
                    impressions: 900,
                    ctr: 0.001,
                    ctr_high: 0.003,
                    pooled_ctr: 0.02,
                },
                DecisionReason::NoOrderValue,
                DecisionReason::LosesMoney {
                    orders: 0,
                    clicks: 80,
                    cvr: 0.002,
                    cvr_high: 0.01,
                    value_per_click: 0.2,
                    cpc: 1.5,
                    cut: 0.2,
                },
                DecisionReason::ExpectedRoi {
                    cvr: 0.02,
                    cvr_low: 0.01,
                    cvr_high: 0.03,
                    root: s("dress"),
                    group_cvr: 0.02,
                    value_per_click: 3.0,
                    cpc: 1.0,
                    roi: 3.0,
                    target: 2.5,
                },
                DecisionReason::NoClick { impressions: 500 },
                DecisionReason::NoOrder {
                    clicks: 40,
                    rule: 30,
                },
                DecisionReason::FewClicks { clicks: 4 },
                DecisionReason::FixListing {
                    roi: 0.5,
                    floor: 1.0,
                },
                DecisionReason::LowCtr {
                    ctr: 0.005,
                    share: 0.5,
                    group_ctr: 0.02,
                },
                DecisionReason::CoreWord { roi: 4.0 },
                DecisionReason::Holds {
                    roi: 3.0,
                    ctr: 0.02,
                },
                DecisionReason::UnderTarget {
                    roi: 2.0,
                    target: 2.5,
                },
                DecisionReason::GroupReturns { roi: 0.6 },
            ],
            13,
            |r| match r {
                DecisionReason::TrafficDoesNotClick { .. } => 0,
                DecisionReason::NoOrderValue => 1,
                DecisionReason::LosesMoney { .. } => 2,
                DecisionReason::ExpectedRoi { .. } => 3,
                DecisionReason::NoClick { .. } => 4,
                DecisionReason::NoOrder { .. } => 5,
                DecisionReason::FewClicks { .. } => 6,
                DecisionReason::FixListing { .. } => 7,
                DecisionReason::LowCtr { .. } => 8,
                DecisionReason::CoreWord { .. } => 9,
                DecisionReason::Holds { .. } => 10,
                DecisionReason::UnderTarget { .. } => 11,
                DecisionReason::GroupReturns { .. } => 12,
            },
            |r, lang| r.describe(lang),
        );
        check_all(
            "Action",
            &[
                Action::Raise,
                Action::Lower,
                Action::Keep,
                Action::Pause,
                Action::Delete,
            ],
            5,
            |a| *a as usize,
            |a, lang| a.name(lang).to_owned(),
        );
        check_all(
            "NegativeWord",
            &[NegativeWord {
                plan: s("p"),
                word: s("free"),
                keywords: vec![s("free dress"), s("free tee")],
                clicks: 30,
                cost: 45.0,
                confidence: 0.95,
            }],
            1,
            |_| 0,
            |n, lang| n.reason(lang),
        );
        let named = |text: &str| crate::item::Named {
            text: s(text),
            key: s(text),
            detected: true,
        };
        check_all(
            "Subject note",
            &[crate::item::Subject {
                brand: Some(named("CHANDO")),
                product: Some(named("cream")),
            }],
            1,
            |_| 0,
            |n, lang| n.note(lang).unwrap_or_default(),
        );
        use crate::market::keywords::NoKeyword;
        use crate::market::table::RankBy;
        let cat = || Some(s("dresses"));
        check_all(
            "NoKeyword",
            &[
                NoKeyword::LimitZero,
                NoKeyword::EmptyTable,
                NoKeyword::NoCategory {
                    category: s("dresses"),
                    categories: vec![s("skirts"), s("coats")],
                },
                NoKeyword::NoFigure {
                    by: RankBy::Value,
                    category: None,
                },
                NoKeyword::NoFigure {
                    by: RankBy::Growth,
                    category: cat(),
                },
                NoKeyword::NoFigure {
                    by: RankBy::Demand,
                    category: cat(),
                },
                NoKeyword::BelowMinItems {
                    scored: 3,
                    category: cat(),
                    min_items: 5,
                },
            ],
            5,
            |n| match n {
                NoKeyword::LimitZero => 0,
                NoKeyword::EmptyTable => 1,
                NoKeyword::NoCategory { .. } => 2,
                NoKeyword::NoFigure { .. } => 3,
                NoKeyword::BelowMinItems { .. } => 4,
            },
            |n, lang| n.describe(lang),
        );
        use crate::market::table::Refusal as R;
        check_all(
            "Refusal",
            &[
                R::EmptyKeyword,
                R::BadPeriod,
                R::NotFinite,
                R::NotAFraction,
                R::FallsTooFar,
                R::Negative,
                R::NegativeCount,
            ],
            7,
            |r| *r as usize,
            |r, lang| r.describe(lang).to_owned(),
        );
        use crate::market::index::Role;
        use crate::market::index::jobs::IndexFigure as F;
        let day = crate::input::Date::new(2026, 11, 11).unwrap();
        check_all(
            "IndexFigure",
            &[
                F::Listings(3),
                F::SnapshotRows(5),
                F::Role(Role::Own, 1),
                F::Category(Some(s("dresses")), 2),
                F::Snapshot(day, 3),
                F::Segments(1),
                F::BytesOnDisk(100),
                F::LastImport {
                    file: s("a.csv"),
                    time: s("2026-11-11T02:30:00Z"),
                    rows: 3,
                    rejects: 0,
                },
            ],
            8,
            |f| match f {
                F::Listings(_) => 0,
                F::SnapshotRows(_) => 1,
                F::Role(..) => 2,
                F::Category(..) => 3,
                F::Snapshot(..) => 4,
                F::Segments(_) => 5,
                F::BytesOnDisk(_) => 6,
                F::LastImport { .. } => 7,
            },
            |f, lang| format!("{}: {}", f.label(lang), f.value(lang)),
        );
    }
}
