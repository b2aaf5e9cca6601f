//! Keyword market exports into keyword table rows: source detection, the period of each row,
//! and index restoration (指数还原).
//!
//! An export row becomes `(keyword, category, KeywordStats)` for
//! [`TableBuilder::insert`](super::table::TableBuilder::insert). Cells are read by the input
//! module's typed accessors, so `3.25%` is already `0.0325` and `￥1.35` is `1.35`.
//!
//! # Which export
//!
//! [`detect_source`] tells the kinds apart by their columns: a 生意参谋 (Business Advisor)
//! search analysis has 搜索人气; a 直通车 (through train) keyword analysis has no search
//! popularity but 展现指数 / 竞争度 / 市场均价 columns; anything else is [`Source::Other`].
//!
//! # Index restoration
//!
//! 搜索人气 is an obfuscated, non-linear index. Operators convert it to approximate searcher
//! counts with a fitted curve; baobei keeps that curve a setting, identity by default, in the
//! workspace's `baobei.toml`:
//!
//! ```toml
//! [restore]
//! # demand = scale * popularity ^ power
//! popularity = { power = 1.25, scale = 0.8 }
//! # or: popularity = "identity"
//! ```
//!
//! The restored figure is the row's `demand`, which the value heuristics multiply.

use serde::Deserialize;

use super::table::{KeywordStats, Period, Source, TableError};
use crate::input::{Field, Header, InputError, Location, Record, parse_date};
use crate::lang::{Describe, Lang, Said};
use crate::settings::{Settings, SettingsError};

/// Errors of configuration and of single rows; each says where and quotes the bad text.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A cell could not be read (not a number, not a date, ...).
    #[error(transparent)]
    Input(#[from] InputError),
    /// The row has no keyword.
    #[error("{}", self.describe(Lang::En))]
    NoKeyword {
        /// Where the row is.
        location: Location,
    },
    /// Neither `--date` nor a date column gives the row's period.
    #[error("{}", self.describe(Lang::En))]
    NoPeriod {
        /// Where the row is.
        location: Location,
        /// The row's keyword.
        keyword: String,
    },
    /// A period cell or argument that is not a date or `START~END` range.
    #[error("{}", self.describe(Lang::En))]
    BadPeriod {
        /// Where it is (`--date` for the argument).
        location: String,
        /// The text.
        value: String,
    },
    /// The table refused the row (a rate above 100%, a negative count, ...).
    #[error("{}", self.describe(Lang::En))]
    InvalidRow {
        /// Where the row is.
        location: Location,
        /// What the table said.
        #[source]
        source: TableError,
    },
    /// `baobei.toml` cannot be read, is not valid or has an unusable value.
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl Describe for ImportError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ImportError::Input(e), _) => e.describe(lang),
            (ImportError::NoKeyword { location }, Lang::Zh) => {
                format!("{location}: 关键词单元格是空的")
            }
            (ImportError::NoKeyword { location }, Lang::En) => {
                format!("{location}: the keyword cell is empty")
            }
            (ImportError::NoPeriod { location, keyword }, Lang::Zh) => format!(
                "{location}: 关键词 {keyword:?} 没有日期：文件没有日期列（日期/统计日期）\
                 或单元格为空；请用 --date 给出统计周期"
            ),
            (ImportError::NoPeriod { location, keyword }, Lang::En) => format!(
                "{location}: keyword {keyword:?} has no date: the file has no date column \
                 (日期/统计日期) or the cell is empty; \
                 give the period with --date"
            ),
            (ImportError::BadPeriod { location, value }, Lang::Zh) => {
                format!("{location}: 不是日期或日期范围（开始~结束）：{value:?}")
            }
            (ImportError::BadPeriod { location, value }, Lang::En) => {
                format!("{location}: not a date or date range (START~END): {value:?}")
            }
            (ImportError::InvalidRow { location, source }, _) => {
                format!("{location}: {}", source.describe(lang))
            }
            (ImportError::Settings(e), _) => e.describe(lang),
        }
    }
}

impl ImportError {
    /// Where the error is, for a rejects file.
    pub fn location(&self) -> Option<String> {
        match self {
            ImportError::Input(e) => e.location().map(ToString::to_string),
            ImportError::NoKeyword { location }
            | ImportError::NoPeriod { location, .. }
            | ImportError::InvalidRow { location, .. } => Some(location.to_string()),
            ImportError::BadPeriod { location, .. } => Some(location.clone()),
            ImportError::Settings(e) => Some(e.location()),
        }
    }
}

/// An index restoration curve: how an obfuscated index becomes an approximate count.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Restore {
    /// Keep the index as it is (the default: no curve is assumed).
    #[default]
    Identity,
    /// `scale * index ^ power`.
    Power {
        /// Exponent, > 0.
        power: f64,
        /// Factor, > 0.
        scale: f64,
    },
}

impl Restore {
    /// Applies the curve to an index value (negative indices do not occur; they stay as is).
    pub fn apply(self, index: f64) -> f64 {
        match self {
            Restore::Identity => index,
            Restore::Power { .. } if index < 0.0 => index,
            Restore::Power { power, scale } => scale * index.powf(power),
        }
    }
}

/// Import settings, from the workspace's `baobei.toml` (all optional).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ImportConfig {
    /// The curve turning 搜索人气 into `demand`.
    pub popularity: Restore,
}

/// `[restore]` as written; unknown keys are refused where they stand.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreSection {
    #[serde(default)]
    popularity: Option<toml::Spanned<CurveSpec>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CurveSpec {
    Name(String),
    Power { power: f64, scale: Option<f64> },
}

impl ImportConfig {
    /// `[restore]` of the workspace's settings; without it, identity.
    pub fn from_settings(settings: &Settings) -> Result<ImportConfig, SettingsError> {
        let restore: RestoreSection = settings.section("restore")?;
        let mut config = ImportConfig::default();
        let Some(spec) = restore.popularity else {
            return Ok(config);
        };
        let at = spec.span().start;
        config.popularity = match spec.into_inner() {
            CurveSpec::Name(name) if name == "identity" => Restore::Identity,
            CurveSpec::Name(name) => {
                return Err(settings.invalid_at(
                    at,
                    Said::new(
                        format!(
                            "restore.popularity: 未知的曲线 {name:?}；应为 \"identity\" 或 \
                             {{ power = P, scale = S }}"
                        ),
                        format!(
                            "restore.popularity: unknown curve {name:?}; expected \"identity\" \
                             or {{ power = P, scale = S }}"
                        ),
                    ),
                ));
            }
            CurveSpec::Power { power, scale } => {
                let scale = scale.unwrap_or(1.0);
                if !(power.is_finite() && power > 0.0 && scale.is_finite() && scale > 0.0) {
                    return Err(settings.invalid_at(
                        at,
                        Said::new(
                            format!(
                                "restore.popularity: power 和 scale 必须是正数，现在是 \
                                 power = {power}, scale = {scale}"
                            ),
                            format!(
                                "restore.popularity: power and scale must be positive numbers, \
                                 got power = {power}, scale = {scale}"
                            ),
                        ),
                    ));
                }
                Restore::Power { power, scale }
            }
        };
        Ok(config)
    }
}

/// Which kind of export a file is, from its columns (module docs).
pub fn detect_source(header: &Header) -> Source {
    if header.has(Field::SearchPopularity) {
        return Source::BusinessAdvisor;
    }
    let through_train_column = header.columns().iter().any(|c| {
        matches!(
            c.base_name(),
            "展现指数" | "竞争度" | "市场均价" | "点击指数"
        )
    });
    if through_train_column || header.has(Field::ReferenceCpc) {
        Source::ThroughTrain
    } else {
        Source::Other
    }
}

/// Parses a period: one day (any spelling [`parse_date`] reads) or `START~END` (also `～`,
/// `至`, or ` - ` between two dates). `Ok(None)` for an empty text.
pub fn parse_period(text: &str) -> Result<Option<Period>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = |s: &str| -> Result<u32, String> {
        match parse_date(s.trim()) {
            Ok(Some(d)) => Ok(d.yyyymmdd()),
            _ => Err(text.to_owned()),
        }
    };
    let range = ["~", "～", "至", " - "]
        .iter()
        .find_map(|sep| text.split_once(sep));
    let period = match range {
        Some((start, end)) => Period::new(day(start)?, day(end)?),
        None => Period::day(day(text)?),
    };
    if period.is_valid() {
        Ok(Some(period))
    } else {
        Err(text.to_owned())
    }
}

/// One export row ready for the table.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordRow {
    /// The keyword as written (the table normalises it).
    pub keyword: String,
    /// The category cell, or empty.
    pub category: String,
    /// The statistics, with `demand` restored from `popularity`.
    pub stats: KeywordStats,
}

/// Turns a row into a table row. `period` (from `--date`) wins over the row's date column;
/// without either the row is an error. The row's growth cell, when present, is kept (the
/// table computes growth only when the export gives none).
pub fn map_record(
    record: &Record,
    source: Source,
    period: Option<Period>,
    config: &ImportConfig,
) -> Result<KeywordRow, ImportError> {
    let keyword = record
        .text(Field::Keyword)
        .ok_or_else(|| ImportError::NoKeyword {
            location: record.location(),
        })?
        .to_owned();
    let period = match period {
        Some(p) => p,
        None => {
            let cell = record.text(Field::Date).unwrap_or("");
            let index = record.header().index_of(Field::Date);
            parse_period(cell)
                .map_err(|value| ImportError::BadPeriod {
                    location: index
                        .map_or_else(|| record.location(), |i| record.cell_location(i))
                        .to_string(),
                    value,
                })?
                .ok_or_else(|| ImportError::NoPeriod {
                    location: record.location(),
                    keyword: keyword.clone(),
                })?
        }
    };
    let mut stats = KeywordStats::new(period, source);
    stats.popularity = record.number(Field::SearchPopularity)?;
    stats.heat = record.number(Field::SearchHeat)?;
    stats.ctr = record.number(Field::Ctr)?;
    stats.cvr = record.number(Field::Cvr)?;
    stats.click_popularity = record.number(Field::ClickPopularity)?;
    stats.trade_index = record.number(Field::TradeIndex)?;
    stats.online_items = match record.integer(Field::OnlineItems)? {
        Some(n) => Some(u64::try_from(n).map_err(|_| {
            ImportError::InvalidRow {
                location: record
                    .header()
                    .index_of(Field::OnlineItems)
                    .map_or_else(|| record.location(), |i| record.cell_location(i)),
                source: TableError::InvalidRow {
                    keyword: keyword.clone(),
                    field: "online_items",
                    value: n.to_string(),
                    reason: crate::market::table::Refusal::NegativeCount,
                },
            }
        })?),
        None => None,
    };
    stats.tmall_click_share = record.number(Field::TmallClickShare)?;
    stats.reference_cpc = record.number(Field::ReferenceCpc)?;
    stats.growth = record.number(Field::Growth)?;
    stats.demand = stats.popularity.map(|p| config.popularity.apply(p));
    Ok(KeywordRow {
        keyword,
        category: record.text(Field::Category).unwrap_or("").to_owned(),
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(path: &Path, text: &str) -> Result<ImportConfig, SettingsError> {
        ImportConfig::from_settings(&Settings::parse(path, text)?)
    }
    use crate::input::{self, Format, Options};

    fn rows(csv: &str) -> Vec<Record> {
        let reader = input::from_reader(
            std::io::Cursor::new(csv.as_bytes().to_vec()),
            Path::new("k.csv"),
            Format::Csv,
            &Options::default(),
        )
        .unwrap();
        reader.map(Result::unwrap).collect()
    }

    const BA: &str = "关键词,类目,搜索人气,搜索热度,点击率,点击人气,支付转化率,交易指数,在线商品数,商城点击占比,直通车参考价\n\
        裙子,女装/连衣裙,\"406,422\",\"672,609\",2.67%,\"280,919\",1.51%,\"21,238\",\"8,641,667\",42.47%,￥1.35\n";

    #[test]
    fn business_advisor_row_maps_every_field() {
        let r = &rows(BA)[0];
        assert_eq!(detect_source(r.header()), Source::BusinessAdvisor);
        let row = map_record(
            r,
            Source::BusinessAdvisor,
            Some(Period::day(20261111)),
            &ImportConfig::default(),
        )
        .unwrap();
        assert_eq!(row.keyword, "裙子");
        assert_eq!(row.category, "女装/连衣裙");
        let s = row.stats;
        assert_eq!(s.popularity, Some(406_422.0));
        assert_eq!(s.demand, Some(406_422.0), "identity restoration");
        assert_eq!(s.heat, Some(672_609.0));
        assert!((s.ctr.unwrap() - 0.0267).abs() < 1e-12);
        assert!((s.cvr.unwrap() - 0.0151).abs() < 1e-12);
        assert_eq!(s.click_popularity, Some(280_919.0));
        assert_eq!(s.trade_index, Some(21_238.0));
        assert_eq!(s.online_items, Some(8_641_667));
        assert!((s.tmall_click_share.unwrap() - 0.4247).abs() < 1e-12);
        assert_eq!(s.reference_cpc, Some(1.35));
        assert_eq!(s.growth, None);
        assert_eq!(s.period, Period::day(20261111));
    }

    #[test]
    fn period_comes_from_the_argument_or_the_date_column() {
        let csv = "统计日期,关键词,搜索人气\n2026-11-01~2026-11-07,a,10\n2026/11/08,b,20\n,c,30\nxx,d,1\n";
        let rs = rows(csv);
        let cfg = ImportConfig::default();
        let map = |i: usize, p| map_record(&rs[i], Source::BusinessAdvisor, p, &cfg);
        assert_eq!(
            map(0, None).unwrap().stats.period,
            Period::new(20261101, 20261107)
        );
        assert_eq!(map(1, None).unwrap().stats.period, Period::day(20261108));
        let e = map(2, None).unwrap_err().to_string();
        assert!(e.starts_with("k.csv:4:1: keyword \"c\" has no date"), "{e}");
        let e = map(3, None).unwrap_err().to_string();
        assert_eq!(e, "k.csv:5:1: not a date or date range (START~END): \"xx\"");
        // --date wins over the column.
        let p = Period::day(20261201);
        assert_eq!(map(2, Some(p)).unwrap().stats.period, p);
    }

    #[test]
    fn bad_cells_and_empty_keywords_are_row_errors() {
        let rs = rows("关键词,搜索人气,在线商品数\n,5,1\nx,abc,1\ny,1,-3\n");
        let cfg = ImportConfig::default();
        let p = Some(Period::day(20261111));
        let map = |i: usize| map_record(&rs[i], Source::Other, p, &cfg).unwrap_err();
        assert_eq!(map(0).to_string(), "k.csv:2:1: the keyword cell is empty");
        assert!(
            map(1)
                .to_string()
                .contains("k.csv:3:2: 搜索人气: not a number")
        );
        assert_eq!(
            map(2).to_string(),
            "k.csv:4:3: keyword \"y\": online_items = -3: is negative"
        );
    }

    #[test]
    fn source_detection_by_columns() {
        let tt = rows("关键词,展现指数,点击率,市场均价,竞争度\nx,100,1%,0.8,50\n");
        assert_eq!(detect_source(tt[0].header()), Source::ThroughTrain);
        let other = rows("关键词,点击率\nx,1%\n");
        assert_eq!(detect_source(other[0].header()), Source::Other);
    }

    #[test]
    fn restoration_is_configurable_and_identity_by_default() {
        let p = Path::new("baobei.toml");
        assert_eq!(parse(p, "").unwrap(), ImportConfig::default());
        let c = parse(p, "[restore]\npopularity = \"identity\"\n").unwrap();
        assert_eq!(c.popularity, Restore::Identity);
        let c = parse(p, "[restore]\npopularity = { power = 2.0, scale = 0.5 }\n").unwrap();
        assert_eq!(c.popularity.apply(10.0), 50.0);
        let rs = rows("关键词,搜索人气\nx,10\n");
        let row = map_record(&rs[0], Source::Other, Some(Period::day(20261111)), &c).unwrap();
        assert_eq!(row.stats.popularity, Some(10.0));
        assert_eq!(row.stats.demand, Some(50.0));

        let e = parse(p, "[restore]\npopularity = \"cubic\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("baobei.toml:2:14: ") && e.contains("\"cubic\""),
            "{e}"
        );
        let e = parse(p, "[restore]\npopularity = { power = -1 }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("power = -1"), "{e}");
        let e = parse(p, "[restore]\npopularity = \"identity\"\npower = 2\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("baobei.toml:3:1: ") && e.contains("power"),
            "an unknown key inside [restore] is refused where it stands: {e}"
        );
    }

    #[test]
    fn other_commands_sections_are_ignored() {
        let p = Path::new("baobei.toml");
        let text = "[value]\ncompetition_exponent = 0\n\n[restore]\npopularity = { power = 2.0 }\n\n\
                    [score]\nrepeated = 20\nanything = \"else\"\n";
        let c = parse(p, text).unwrap();
        assert_eq!(
            c.popularity,
            Restore::Power {
                power: 2.0,
                scale: 1.0
            }
        );
        let c = parse(p, "[score]\nrepeated = 20\n").unwrap();
        assert_eq!(c, ImportConfig::default());
    }

    #[test]
    fn periods_parse() {
        assert_eq!(parse_period("2026-11-11"), Ok(Some(Period::day(20261111))));
        assert_eq!(
            parse_period("2026-11-01 至 2026-11-30"),
            Ok(Some(Period::new(20261101, 20261130)))
        );
        assert_eq!(parse_period(""), Ok(None));
        assert!(parse_period("2026-11-30~2026-11-01").is_err());
    }
}
