//! Through-train report rows: reading one row, deciding the cost unit (元 or 分), and adding
//! the days of a window up per keyword, with the lagged days counted by their completeness.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::batch::{Reject, Rejects};

use crate::input::{self, Date, Field, Header, Location, Options, Record};

use super::{AdsError, BadValue};

/// One day of one keyword of one ad group, money in 元 once [`resolve_units`] has run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// Where the row was read, for messages.
    pub location: Location,
    /// The report day.
    pub date: Date,
    /// 推广计划 (empty when the report has no plan column).
    pub plan: String,
    /// 推广单元 (the item id when the report has no ad-group column).
    pub ad_group: String,
    /// 宝贝ID (empty when absent).
    pub item: String,
    /// 关键词.
    pub keyword: String,
    /// 出价 in 元.
    pub bid: f64,
    /// 展现量.
    pub impressions: u64,
    /// 点击量.
    pub clicks: u64,
    /// 花费: as read until [`resolve_units`] scales it to 元.
    pub cost: f64,
    /// 总成交笔数 (direct + indirect when the total column is absent).
    pub orders: u64,
    /// 总成交金额: as read until [`resolve_units`].
    pub gmv: f64,
    /// 投入产出比 as exported, only used to check the GMV unit.
    pub roi: Option<f64>,
    /// 收藏宝贝数.
    pub favourites: u64,
    /// 总购物车数.
    pub carts: u64,
    /// 质量分 1-10.
    pub quality_score: Option<f64>,
}

/// The unit a report writes money in: the web console exports 元, the API and some tools 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostUnit {
    /// 元 (yuan).
    Yuan,
    /// 分 (fen, 1/100 元).
    Fen,
}

/// How the cost unit was decided, so the summary can say it and a user can override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitSource {
    /// `--cost-unit` said so.
    Override,
    /// The header said so (`花费(分)`).
    Header,
    /// Cost per click against the bid: in 元 a click never costs more than the bid.
    Scale,
}

/// The cost unit of one file and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UnitDecision {
    /// The unit cost (and average click cost) was written in.
    pub cost: CostUnit,
    /// Why.
    pub source: UnitSource,
    /// Whether GMV was found in 分 too (by the 投入产出比 column) and scaled.
    pub gmv_in_fen: bool,
}

fn count(record: &Record, field: Field) -> Result<u64, AdsError> {
    match record.number(field)? {
        None => Ok(0),
        Some(x) if x >= 0.0 && x.fract() == 0.0 => Ok(x as u64),
        Some(_) => Err(bad_value(record, field, BadValue::NotACount)),
    }
}

fn money(record: &Record, field: Field) -> Result<Option<f64>, AdsError> {
    match record.number(field)? {
        Some(x) if x < 0.0 => Err(bad_value(record, field, BadValue::NegativeAmount)),
        other => Ok(other),
    }
}

fn cell_location(record: &Record, field: Field) -> Location {
    let index = record.header().index_of(field).unwrap_or(0);
    record.cell_location(index)
}

fn bad_value(record: &Record, field: Field, problem: BadValue) -> AdsError {
    AdsError::BadValue {
        location: cell_location(record, field),
        header: record
            .header()
            .column(field)
            .map_or_else(|| field.header_zh().to_owned(), |c| c.name.clone()),
        field,
        problem,
        value: record.get(field).unwrap_or("").trim().to_owned(),
    }
}

fn required_text(record: &Record, field: Field) -> Result<String, AdsError> {
    record
        .text(field)
        .map(str::to_owned)
        .ok_or_else(|| bad_value(record, field, BadValue::Missing))
}

/// Reads one report row. Counts written `-` are zero (exports write it for "none"); the date,
/// keyword and bid are required; clicks above impressions are refused.
pub fn parse_row(record: &Record) -> Result<ReportRow, AdsError> {
    let date = record
        .date(Field::Date)?
        .ok_or_else(|| bad_value(record, Field::Date, BadValue::Missing))?;
    let keyword = required_text(record, Field::Keyword)?;
    let item = record.text(Field::Id).unwrap_or("").to_owned();
    let ad_group = match record.text(Field::AdGroup) {
        Some(g) => g.to_owned(),
        None if !item.is_empty() => item.clone(),
        None => return Err(bad_value(record, Field::AdGroup, BadValue::Missing)),
    };
    let bid = money(record, Field::Bid)?
        .ok_or_else(|| bad_value(record, Field::Bid, BadValue::Missing))?;
    let impressions = count(record, Field::Impressions)?;
    let clicks = count(record, Field::Clicks)?;
    if clicks > impressions {
        return Err(AdsError::ClicksOverImpressions {
            location: cell_location(record, Field::Clicks),
            clicks,
            impressions,
        });
    }
    let orders = if record.header().has(Field::Orders) {
        count(record, Field::Orders)?
    } else {
        count(record, Field::DirectOrders)? + count(record, Field::IndirectOrders)?
    };
    Ok(ReportRow {
        location: record.location(),
        date,
        plan: record.text(Field::Plan).unwrap_or("").to_owned(),
        ad_group,
        item,
        keyword,
        bid,
        impressions,
        clicks,
        cost: money(record, Field::Cost)?.unwrap_or(0.0),
        orders,
        gmv: money(record, Field::Gmv)?.unwrap_or(0.0),
        roi: money(record, Field::Roi)?,
        favourites: count(record, Field::Favourites)?,
        carts: count(record, Field::Carts)?,
        quality_score: record.number(Field::QualityScore)?,
    })
}

/// The fields a report must have for a review (and orders: see [`require_orders`]).
pub const REQUIRED: &[Field] = &[
    Field::Date,
    Field::Keyword,
    Field::Bid,
    Field::Impressions,
    Field::Clicks,
    Field::Cost,
    Field::Gmv,
];

/// Fails unless the header has total orders or direct orders (indirect alone would undercount).
pub fn require_orders(header: &Header) -> Result<(), AdsError> {
    if header.has(Field::DirectOrders) {
        return Ok(());
    }
    Ok(header.require(Field::Orders)?)
}

/// Puts the rows of one file into 元 and says how the unit was found.
///
/// `Record::number` already turned a `花费(分)` column into 元, so a header unit needs no
/// more work unless `forced` contradicts it. Without a header unit, cost per click is compared
/// with the bid: in 元 a click costs at most the bid (second-price auction), so a median
/// cost-per-click over five times the bid can only be 分. GMV follows cost unless the export's
/// own 投入产出比 says GMV is in the other unit.
pub fn resolve_units(
    rows: &mut [ReportRow],
    header: &Header,
    forced: Option<CostUnit>,
) -> UnitDecision {
    let header_unit = header
        .column(Field::Cost)
        .and_then(|c| match c.unit.as_deref() {
            Some("分") => Some(CostUnit::Fen),
            Some("元") => Some(CostUnit::Yuan),
            _ => None,
        });
    let (unit, source) = match (forced, header_unit) {
        (Some(u), _) => (u, UnitSource::Override),
        (None, Some(u)) => (u, UnitSource::Header),
        (None, None) => (scale_unit(rows), UnitSource::Scale),
    };
    // What to multiply the values as read by: a 分 header was already divided by 100.
    let factor = match (unit, header_unit) {
        (CostUnit::Fen, Some(CostUnit::Fen)) | (CostUnit::Yuan, None | Some(CostUnit::Yuan)) => 1.0,
        (CostUnit::Fen, _) => 0.01,
        (CostUnit::Yuan, Some(CostUnit::Fen)) => 100.0,
    };
    for r in rows.iter_mut() {
        r.cost *= factor;
    }
    let gmv_in_fen =
        gmv_scale(rows) > 20.0 && header.column(Field::Gmv).is_some_and(|c| c.unit.is_none());
    if gmv_in_fen {
        for r in rows.iter_mut() {
            r.gmv *= 0.01;
        }
    }
    UnitDecision {
        cost: unit,
        source,
        gmv_in_fen,
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// 分 when the median cost per click is more than five bids, 元 otherwise (and when no row
/// has both clicks and a bid).
pub fn scale_unit(rows: &[ReportRow]) -> CostUnit {
    let ratios = rows
        .iter()
        .filter(|r| r.clicks > 0 && r.bid > 0.0 && r.cost > 0.0)
        .map(|r| r.cost / r.clicks as f64 / r.bid)
        .collect();
    match median(ratios) {
        Some(m) if m > 5.0 => CostUnit::Fen,
        _ => CostUnit::Yuan,
    }
}

/// Median of GMV / (cost × exported ROI): about 1 when GMV and cost share a unit, 100 when GMV
/// is in 分 and cost in 元 (0 without an ROI column).
fn gmv_scale(rows: &[ReportRow]) -> f64 {
    let ratios = rows
        .iter()
        .filter_map(|r| {
            let roi = r.roi.filter(|x| *x > 0.0)?;
            (r.cost > 0.0 && r.gmv > 0.0).then(|| r.gmv / (r.cost * roi))
        })
        .collect();
    median(ratios).unwrap_or(0.0)
}

/// A report file read whole: its usable rows in 元, the unit decision, and the rows set aside.
#[derive(Debug)]
pub struct ReportFile {
    /// Rows that parsed.
    pub rows: Vec<ReportRow>,
    /// How money was scaled.
    pub units: UnitDecision,
    /// Row errors with the row text, in file order.
    pub rejected: Vec<(AdsError, String)>,
    /// The file has a header row (the unit decision was made from it and its rows).
    pub has_header: bool,
}

/// Reads a report file: opens it (a missing required column fails here), parses each row,
/// keeps the bad ones aside with their text, and resolves the cost unit.
///
/// An error that ends the file (undecodable bytes, a failed read) fails the whole read, since
/// a review of half a report would look complete and be wrong.
pub fn read_report(path: &Path, forced: Option<CostUnit>) -> Result<ReportFile, AdsError> {
    let options = Options {
        required: REQUIRED.to_vec(),
        ..Default::default()
    };
    let reader = input::open(path, &options)?;
    let header = reader.header().cloned();
    if let Some(h) = &header {
        require_orders(h)?;
    }
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    for row in reader {
        match row {
            Ok(record) => match parse_row(&record) {
                Ok(r) => rows.push(r),
                Err(e) => rejected.push((e, record.raw().into_owned())),
            },
            Err(e) if ends_file(&e) => return Err(e.into()),
            Err(e) => {
                let raw = e.raw().unwrap_or_default().to_owned();
                rejected.push((AdsError::Input(e), raw));
            }
        }
    }
    let units = match &header {
        Some(h) => resolve_units(&mut rows, h, forced),
        None => UnitDecision {
            cost: CostUnit::Yuan,
            source: UnitSource::Scale,
            gmv_in_fen: false,
        },
    };
    Ok(ReportFile {
        rows,
        units,
        rejected,
        has_header: header.is_some(),
    })
}

/// The reports of one review read: the usable rows of every file in 元, and per file how its
/// cost unit was decided (for the edge to say when it guessed 分).
#[derive(Debug, Default)]
pub struct Reports {
    /// Rows that parsed, file after file.
    pub rows: Vec<ReportRow>,
    /// Each file with its unit decision (a file without a header has none).
    pub units: Vec<(PathBuf, UnitDecision)>,
}

impl Reports {
    /// The files whose costs were read as 分 from their scale alone, not from a header or a
    /// flag: what a reader should be told, so that a wrong guess can be overruled.
    pub fn fen_by_scale(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.units
            .iter()
            .filter(|(_, u)| u.source == UnitSource::Scale && u.cost == CostUnit::Fen)
            .map(|(path, _)| path.clone())
    }
}

/// Reads every report with [`read_report`], setting its bad rows aside in `rejects`.
pub fn read_reports(
    paths: &[PathBuf],
    forced: Option<CostUnit>,
    rejects: &mut Rejects,
) -> Result<Reports, crate::batch::JobError> {
    let mut out = Reports::default();
    for path in paths {
        let mut file = read_report(path, forced)?;
        for (e, raw) in file.rejected {
            let location = match &e {
                AdsError::Input(e) => e.location().map(ToString::to_string),
                AdsError::BadValue { location, .. }
                | AdsError::ClicksOverImpressions { location, .. } => Some(location.to_string()),
                AdsError::NoUsableRows { .. } => None,
            };
            rejects.push(Reject::new(location.unwrap_or_default(), &e, raw))?;
        }
        if file.has_header {
            out.units.push((path.clone(), file.units));
        }
        out.rows.append(&mut file.rows);
    }
    Ok(out)
}

/// Whether a reader error ends the file (the rows after it are lost) rather than one row.
pub fn ends_file(e: &input::InputError) -> bool {
    matches!(
        e,
        input::InputError::Io { .. }
            | input::InputError::Undecodable { .. }
            | input::InputError::Spreadsheet { .. }
    )
}

/// The window a review looks at and how much of the lagged days' orders have arrived.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Days counted back from the report's latest date, that day included.
    pub days: u32,
    /// The newest days whose orders are still being attributed.
    pub lag_days: u32,
}

impl Window {
    /// The share of a day's eventual orders already in the report, by age (0 = the latest
    /// day): `(age + 1) / (lag_days + 1)` inside the lag, 1 after it.
    ///
    /// A linear attribution curve: with `--lag-days 2` the latest day counts a third of its
    /// clicks in the conversion denominator and the day before two thirds. Its orders are
    /// kept, so a keyword is neither punished for orders not yet arrived nor credited twice.
    pub fn completeness(&self, age: u32) -> f64 {
        if age >= self.lag_days {
            1.0
        } else {
            (age + 1) as f64 / (self.lag_days + 1) as f64
        }
    }
}

/// One keyword of one ad group added up over the window.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct KeywordTotals {
    /// 推广计划.
    pub plan: String,
    /// 推广单元.
    pub ad_group: String,
    /// 宝贝ID.
    pub item: String,
    /// 关键词.
    pub keyword: String,
    /// The bid on the latest day the keyword has a row.
    pub bid: f64,
    /// The latest quality score.
    pub quality_score: Option<f64>,
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Clicks weighted by [`Window::completeness`]: the conversion denominator.
    pub mature_clicks: f64,
    /// Cost in 元.
    pub cost: f64,
    /// Orders.
    pub orders: u64,
    /// GMV in 元.
    pub gmv: f64,
    /// Favourites.
    pub favourites: u64,
    /// Add-to-carts.
    pub carts: u64,
    /// Days with a row in the window.
    pub days: u32,
}

impl KeywordTotals {
    /// GMV / cost (0 without cost).
    pub fn roi(&self) -> f64 {
        if self.cost > 0.0 {
            self.gmv / self.cost
        } else {
            0.0
        }
    }
}

/// Adds the rows of the last `window.days` days (counted from the latest date of all rows)
/// up per (plan, ad group, item, keyword), sorted by that key. A keyword whose rows all fall
/// before the window is left out: it had no impressions lately, so there is nothing to decide.
///
/// Operators export overlapping date ranges; a day of a keyword found twice is counted once,
/// the later row (in file order) winning, since a later export has more orders attributed.
pub fn aggregate(rows: &[ReportRow], window: Window) -> Vec<KeywordTotals> {
    let mut last_of_day: std::collections::HashMap<(Date, &str, &str, &str, &str), usize> =
        std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        last_of_day.insert((r.date, &r.plan, &r.ad_group, &r.item, &r.keyword), i);
    }
    let mut kept: Vec<usize> = last_of_day.into_values().collect();
    kept.sort_unstable();
    let Some(latest) = rows.iter().map(|r| r.date.days_since_epoch()).max() else {
        return Vec::new();
    };
    let first = latest - i64::from(window.days.max(1)) + 1;
    let mut map: BTreeMap<(&str, &str, &str, &str), (KeywordTotals, i64)> = BTreeMap::new();
    for r in kept.iter().map(|&i| &rows[i]) {
        let day = r.date.days_since_epoch();
        if day < first {
            continue;
        }
        let (t, last_day) = map
            .entry((&r.plan, &r.ad_group, &r.item, &r.keyword))
            .or_insert_with(|| {
                (
                    KeywordTotals {
                        plan: r.plan.clone(),
                        ad_group: r.ad_group.clone(),
                        item: r.item.clone(),
                        keyword: r.keyword.clone(),
                        ..Default::default()
                    },
                    i64::MIN,
                )
            });
        let age = u32::try_from(latest - day).unwrap_or(u32::MAX);
        t.impressions += r.impressions;
        t.clicks += r.clicks;
        t.mature_clicks += r.clicks as f64 * window.completeness(age);
        t.cost += r.cost;
        t.orders += r.orders;
        t.gmv += r.gmv;
        t.favourites += r.favourites;
        t.carts += r.carts;
        t.days += 1;
        if day >= *last_day {
            *last_day = day;
            t.bid = r.bid;
            t.quality_score = r.quality_score.or(t.quality_score);
        }
    }
    map.into_values().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const HEAD: &str = "日期,推广单元,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数,总成交金额";

    #[test]
    fn a_fen_header_is_trusted_and_can_be_overridden() {
        let dir = tempfile::tempdir().unwrap();
        let text = "日期,宝贝ID,关键词,出价,展现量,点击量,花费(分),总成交笔数,总成交金额\n\
                    2026-11-01,1,连衣裙,1.50,100,10,1200,1,199\n";
        let p = write(dir.path(), "r.csv", text);
        let f = read_report(&p, None).unwrap();
        assert_eq!(f.units.source, UnitSource::Header);
        assert_eq!(f.units.cost, CostUnit::Fen);
        assert!((f.rows[0].cost - 12.0).abs() < 1e-9);
        assert_eq!(
            f.rows[0].ad_group, "1",
            "item id stands in for the ad group"
        );
        let f = read_report(&p, Some(CostUnit::Yuan)).unwrap();
        assert_eq!(f.units.source, UnitSource::Override);
        assert!((f.rows[0].cost - 1200.0).abs() < 1e-9);
    }

    #[test]
    fn cost_unit_is_detected_from_cpc_against_bid() {
        let dir = tempfile::tempdir().unwrap();
        let fen = format!(
            "{HEAD}\n2026-11-01,g,1,连衣裙,1.50,100,10,1100,1,199\n2026-11-02,g,1,连衣裙,1.50,90,8,900,0,0\n"
        );
        let f = read_report(&write(dir.path(), "fen.csv", &fen), None).unwrap();
        assert_eq!(
            (f.units.cost, f.units.source),
            (CostUnit::Fen, UnitSource::Scale)
        );
        assert!((f.rows[0].cost - 11.0).abs() < 1e-9);
        let yuan = format!("{HEAD}\n2026-11-01,g,1,连衣裙,1.50,100,10,11,1,199\n");
        let f = read_report(&write(dir.path(), "yuan.csv", &yuan), None).unwrap();
        assert_eq!(f.units.cost, CostUnit::Yuan);
        assert!((f.rows[0].cost - 11.0).abs() < 1e-9);
        // Forced 分 on a plain header divides.
        let f = read_report(&write(dir.path(), "y2.csv", &yuan), Some(CostUnit::Fen)).unwrap();
        assert!((f.rows[0].cost - 0.11).abs() < 1e-9);
    }

    #[test]
    fn gmv_in_fen_is_caught_by_the_roi_column() {
        let dir = tempfile::tempdir().unwrap();
        let text = "日期,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数,总成交金额,投入产出比\n\
                    2026-11-01,1,面霜,200,100,10,1500,1,19900,13.27\n";
        let f = read_report(&write(dir.path(), "r.csv", text), None).unwrap();
        // bid 200 分? No: the bid reads as 200 元, cpc 150: the scale says 元 for cost.
        assert_eq!(f.units.cost, CostUnit::Yuan);
        assert!(!f.units.gmv_in_fen);
        let text = "日期,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数,总成交金额,投入产出比\n\
                    2026-11-01,1,面霜,2.00,100,10,1500,1,19900,13.27\n";
        let f = read_report(&write(dir.path(), "r2.csv", text), None).unwrap();
        assert_eq!(f.units.cost, CostUnit::Fen);
        assert!(
            f.units.gmv_in_fen,
            "GMV in 分 too: 19900 / 15 is 100 x the ROI"
        );
        assert!((f.rows[0].gmv - 199.0).abs() < 1e-9 && (f.rows[0].cost - 15.0).abs() < 1e-9);
    }

    #[test]
    fn a_report_without_orders_or_gmv_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let no_orders =
            "日期,宝贝ID,关键词,出价,展现量,点击量,花费,总成交金额\n2026-11-01,1,裙,1,10,1,1,0\n";
        let err = read_report(&write(dir.path(), "a.csv", no_orders), None).unwrap_err();
        assert!(
            err.to_string().contains("a.csv:1:1: no orders column"),
            "{err}"
        );
        let direct = "日期,宝贝ID,关键词,出价,展现量,点击量,花费,直接成交笔数,间接成交笔数,总成交金额\n\
                      2026-11-01,1,裙,1,10,1,1,1,1,99\n";
        let f = read_report(&write(dir.path(), "b.csv", direct), None).unwrap();
        assert_eq!(f.rows[0].orders, 2, "direct + indirect");
        let no_gmv =
            "日期,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数\n2026-11-01,1,裙,1,10,1,1,0\n";
        let err = read_report(&write(dir.path(), "c.csv", no_gmv), None).unwrap_err();
        assert!(err.to_string().contains("no gmv column"), "{err}");
    }

    #[test]
    fn bad_rows_say_where_and_quote() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{HEAD}\n2026-11-01,g,1,连衣裙,1.5,10,20,5,0,0\n2026-11-01,g,1,,1.5,10,2,5,0,0\n\
             2026-11-01,g,1,裙,abc,10,2,5,0,0\n2026-11-01,g,1,裙,1.2,10,2,5,0,0\n"
        );
        let p = write(dir.path(), "bad.csv", &text);
        let f = read_report(&p, None).unwrap();
        assert_eq!(f.rows.len(), 1);
        let msgs: Vec<String> = f.rejected.iter().map(|(e, _)| e.to_string()).collect();
        assert!(
            msgs[0].ends_with("bad.csv:2:7: 20 clicks but 10 impressions"),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].ends_with("bad.csv:3:4: 关键词: missing: \"\""),
            "{}",
            msgs[1]
        );
        assert!(
            msgs[2].contains("bad.csv:4:5:") && msgs[2].contains("\"abc\""),
            "{}",
            msgs[2]
        );
        assert!(f.rejected[0].1.starts_with("2026-11-01,g,1,连衣裙"));
    }

    fn row(date: (u16, u8, u8), clicks: u64, orders: u64) -> ReportRow {
        ReportRow {
            location: Location::new(std::sync::Arc::from(Path::new("t")), 1, 1),
            date: Date::new(date.0, date.1, date.2).unwrap(),
            plan: String::new(),
            ad_group: "g".into(),
            item: "1".into(),
            keyword: "k".into(),
            bid: 1.0 + f64::from(date.2) / 100.0,
            impressions: clicks * 20,
            clicks,
            cost: clicks as f64,
            orders,
            gmv: orders as f64 * 100.0,
            roi: None,
            favourites: 0,
            carts: 0,
            quality_score: None,
        }
    }

    #[test]
    fn window_counts_back_from_the_latest_day_and_weights_lagged_clicks() {
        // Ten days across a month end: 2026-10-25 .. 2026-11-03.
        let rows: Vec<ReportRow> = (25..=34u8)
            .map(|n| {
                let mut r = row((2026, 10, 1), 30, 1);
                r.date = if n <= 31 {
                    Date::new(2026, 10, n).unwrap()
                } else {
                    Date::new(2026, 11, n - 31).unwrap()
                };
                r.bid = f64::from(n) / 10.0;
                r
            })
            .collect();
        let t = aggregate(
            &rows,
            Window {
                days: 7,
                lag_days: 2,
            },
        );
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!((t.days, t.clicks, t.orders), (7, 210, 7));
        // 5 mature days + 2/3 + 1/3 of the lagged ones.
        assert!(
            (t.mature_clicks - (150.0 + 20.0 + 10.0)).abs() < 1e-9,
            "{}",
            t.mature_clicks
        );
        assert_eq!(t.bid, rows.last().unwrap().bid, "bid of the latest day");
        let none = aggregate(
            &rows,
            Window {
                days: 7,
                lag_days: 0,
            },
        );
        assert!((none[0].mature_clicks - 210.0).abs() < 1e-9);
        assert_eq!(
            Date::new(2026, 11, 1).unwrap().days_since_epoch()
                - Date::new(2026, 10, 31).unwrap().days_since_epoch(),
            1
        );
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
    }
}
