//! Cell text to numbers and dates, in the spellings Taobao exports use.

use std::fmt;

use super::field::fold_width;
use super::{ValueError, ValueErrorKind};

/// Reads a number as Taobao tools write it; `Ok(None)` means the value is missing.
///
/// Accepted: plain and signed decimals (`139`, `-2.5`, `.5`, `1.2E+07`), thousands separators
/// in groups of three (`1,299`), a leading `¥`/`￥`, full-width digits and signs, the
/// multipliers `万`/`w` (×10⁴), `亿` (×10⁸) and `千`/`k` (×10³), a trailing `+` (`7000+`, read as
/// its lower bound), and one trailing unit: `元`, `人付款`, `人收货`, `人`, `笔`, `件`, `次`, `个`,
/// or `%`. **A percentage becomes a fraction**: `3.25%` is `0.0325`, so rates are fractions
/// everywhere in baobei. Empty text, `-`, `--` and dashes alone are missing (`None`).
/// Anything else (`abc`, `12.3.4`, `1,2`) is an error quoting the value.
///
/// Scaling is done on the decimal digits, not by multiplying floats, so `1.2万` is exactly
/// `12000.0` and `3.25%` is exactly the `f64` nearest to 0.0325.
pub fn parse_number(value: &str) -> Result<Option<f64>, ValueError> {
    Ok(parse_number_parts(value)?.map(|n| n.value))
}

/// Reads a whole number (see [`parse_number`]); `7000.0` and `1.2万` are whole, `12.5` is not.
///
/// Plain digit strings are read exactly, so ids beyond 2⁵³ keep every digit.
pub fn parse_integer(value: &str) -> Result<Option<i64>, ValueError> {
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed
            .parse()
            .map(Some)
            .map_err(|_| ValueError::new(ValueErrorKind::OutOfRange, value));
    }
    parse_number(value)?
        .map(|x| to_integer(x, value))
        .transpose()
}

pub(crate) fn to_integer(x: f64, value: &str) -> Result<i64, ValueError> {
    if x.fract() != 0.0 {
        return Err(ValueError::new(ValueErrorKind::NotWhole, value));
    }
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        return Err(ValueError::new(ValueErrorKind::OutOfRange, value));
    }
    Ok(x as i64)
}

/// A parsed number and whether the cell carried its own unit (`%`, `元`, `人付款`...), which
/// decides whether the column header's unit still applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Number {
    pub value: f64,
    pub has_unit: bool,
}

const UNITS: &[(&str, i32)] = &[
    ("人付款", 0),
    ("人收货", 0),
    ("人", 0),
    ("笔", 0),
    ("件", 0),
    ("次", 0),
    ("个", 0),
    ("元", 0),
    ("%", -2),
];

const MULTIPLIERS: &[(&str, i32)] = &[
    ("万", 4),
    ("w", 4),
    ("W", 4),
    ("亿", 8),
    ("千", 3),
    ("k", 3),
    ("K", 3),
];

pub(crate) fn parse_number_parts(value: &str) -> Result<Option<Number>, ValueError> {
    let folded: String = value.chars().map(fold_width).collect();
    let s = folded.trim();
    if is_missing(s) {
        return Ok(None);
    }
    let bad = || ValueError::new(ValueErrorKind::NotANumber, value);
    let mut rest = s;
    let mut shift = 0i32;
    let mut has_unit = false;
    if let Some((stripped, exp)) = strip_any(rest, UNITS) {
        rest = stripped.trim_end();
        shift += exp;
        has_unit = true;
    }
    if let Some(stripped) = rest.strip_suffix('+') {
        rest = stripped.trim_end();
    }
    if let Some((stripped, exp)) = strip_any(rest, MULTIPLIERS) {
        rest = stripped.trim_end();
        shift += exp;
    }
    let (negative, unsigned) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    let body = unsigned.strip_prefix('¥').map_or(unsigned, str::trim_start);
    let (mantissa, exponent) = split_decimal(body).ok_or_else(bad)?;
    let exponent = exponent.checked_add(shift).ok_or_else(bad)?;
    let sign = if negative { "-" } else { "" };
    let number: f64 = format!("{sign}{mantissa}e{exponent}")
        .parse()
        .map_err(|_| bad())?;
    if !number.is_finite() {
        return Err(ValueError::new(ValueErrorKind::OutOfRange, value));
    }
    Ok(Some(Number {
        value: number,
        has_unit,
    }))
}

/// Empty, `-`, `--`, `—`: how exports write "no data".
fn is_missing(s: &str) -> bool {
    s.chars().all(|c| matches!(c, '-' | '—' | '–' | '−'))
}

fn strip_any<'a>(s: &'a str, suffixes: &[(&str, i32)]) -> Option<(&'a str, i32)> {
    suffixes
        .iter()
        .find_map(|&(suffix, exp)| s.strip_suffix(suffix).map(|rest| (rest, exp)))
}

/// Validates `1,299.50` / `12.5e-3` and returns the digits without separators (`1299.50`,
/// always with a digit on each side of the point) and the exponent.
fn split_decimal(body: &str) -> Option<(String, i32)> {
    let (number, exponent) = match body.find(['e', 'E']) {
        Some(at) => {
            let exp = &body[at + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&body[..at], exp.parse::<i32>().ok()?)
        }
        None => (body, 0),
    };
    let (int, frac) = match number.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (number, None),
    };
    let int = if int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 {
            return None;
        }
        let mut digits = first.to_owned();
        for group in groups {
            if group.len() != 3 {
                return None;
            }
            digits.push_str(group);
        }
        digits
    } else {
        int.to_owned()
    };
    let frac = frac.unwrap_or("");
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(&int) || !all_digits(frac) {
        return None;
    }
    let int = if int.is_empty() { "0" } else { &int };
    let frac = if frac.is_empty() { "0" } else { frac };
    Some((format!("{int}.{frac}"), exponent))
}

/// A calendar day: small, sortable, printed `2016-11-14`.
///
/// baobei only needs days (snapshots, report days), so no date-time crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The day, or `None` if there is no such day (`2016-02-30`, year outside 1000..=9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid = (1000..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Year, 1000..=9999.
    pub fn year(self) -> u16 {
        self.year
    }

    /// Month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// Day of the month, 1-based.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The day a number `yyyymmdd` (20161114) names, if there is one.
    pub fn from_yyyymmdd(n: u32) -> Option<Date> {
        let year = u16::try_from(n / 10_000).ok()?;
        Date::new(year, (n / 100 % 100) as u8, (n % 100) as u8)
    }

    /// The day as the number `yyyymmdd` (20161114), as keyword periods store it.
    pub fn yyyymmdd(self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before): what day differences are computed from.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days-from-civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The longest title accepted, in characters. Taobao allows 60 bytes (30 Chinese characters);
/// anything past this is not a title but a pasted description or damage, and would make every
/// per-title step slow for nothing.
pub const MAX_TITLE_CHARS: usize = 1000;

/// The one title-length rule, for every reader of titles: `Err` for a title longer than
/// [`MAX_TITLE_CHARS`] characters, whose value is the start of the title and its length (not
/// the whole text: one error per 1 MB title must not copy it). Reads at most
/// `MAX_TITLE_CHARS + 1` characters unless it fails.
pub fn check_title(title: &str) -> Result<(), ValueError> {
    if title.len() <= MAX_TITLE_CHARS || title.chars().nth(MAX_TITLE_CHARS).is_none() {
        return Ok(());
    }
    let start: String = title.chars().take(20).collect();
    Err(ValueError {
        kind: ValueErrorKind::TooLong {
            chars: u32::try_from(title.chars().count()).unwrap_or(u32::MAX),
        },
        value: format!("{start}…"),
    })
}

/// Reads a day: `2016/11/14`, `2016-11-14`, `2016.11.14`, `20161114`, `2016年11月14日`, with
/// or without leading zeros and with an optional time after a space or `T`, which is ignored.
/// Empty or `-` is missing (`None`).
pub fn parse_date(value: &str) -> Result<Option<Date>, ValueError> {
    let folded: String = value.chars().map(fold_width).collect();
    let s = folded.trim();
    if is_missing(s) {
        return Ok(None);
    }
    let bad = || ValueError::new(ValueErrorKind::NotADate, value);
    let (day_part, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    if let Some(time) = time
        && (time.is_empty()
            || !time
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.'))
    {
        return Err(bad());
    }
    let parts: Vec<&str> = if day_part.len() == 8 && day_part.bytes().all(|b| b.is_ascii_digit()) {
        vec![&day_part[..4], &day_part[4..6], &day_part[6..]]
    } else {
        let day_part = day_part.strip_suffix('日').unwrap_or(day_part);
        day_part.split(['/', '-', '.', '年', '月']).collect()
    };
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    let number = |p: &str, max_len: usize| {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u16>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(bad());
    };
    Date::new(y, m as u8, d as u8).map(Some).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Option<f64> {
        parse_number(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn taobao_spellings() {
        assert_eq!(n("139"), Some(139.0));
        assert_eq!(n("99.00元"), Some(99.0));
        assert_eq!(n("¥1,299"), Some(1299.0));
        assert_eq!(n("￥1,299.5"), Some(1299.5));
        assert_eq!(n("¥ 12"), Some(12.0));
        assert_eq!(n("7000+人付款"), Some(7000.0));
        assert_eq!(n("1.2万"), Some(12000.0));
        assert_eq!(n("3.2万+"), Some(32000.0));
        assert_eq!(n("3.2万+人付款"), Some(32000.0));
        assert_eq!(n("1.2w+"), Some(12000.0));
        assert_eq!(n("1.5亿"), Some(150_000_000.0));
        assert_eq!(n("2.5万元"), Some(25000.0));
        assert_eq!(n("3.25%"), Some(0.0325));
        assert_eq!(n("-3.25%"), Some(-0.0325));
        assert_eq!(n("100%"), Some(1.0));
        assert_eq!(n("１２３．５"), Some(123.5));
        assert_eq!(n("１，２９９"), Some(1299.0));
        assert_eq!(n("  42 "), Some(42.0));
        assert_eq!(n(".5"), Some(0.5));
        assert_eq!(n("5."), Some(5.0));
        assert_eq!(n("1.2E+07"), Some(12_000_000.0));
        assert_eq!(n("-7"), Some(-7.0));
        assert_eq!(n("1,234,567.25"), Some(1_234_567.25));
    }

    #[test]
    fn missing_values() {
        for s in ["", "  ", "-", "--", "—", "——", "－"] {
            assert_eq!(n(s), None, "{s:?}");
        }
    }

    #[test]
    fn rejects_quote_the_value() {
        for s in [
            "abc",
            "12.3.4",
            "1,2",
            "12,34",
            "1234,567",
            ",123",
            "1,",
            "¥",
            "元",
            "%",
            ".",
            "1e",
            "1e+",
            "12a",
            "++1",
            "1.2万万",
            "3%%",
            "¥-5x",
            "1 2",
            "七",
        ] {
            let err = parse_number(s).expect_err(s);
            assert_eq!(err.kind, ValueErrorKind::NotANumber, "{s}");
            assert_eq!(err.value, s);
            assert_eq!(err.to_string(), format!("not a number: {s:?}"));
        }
        assert_eq!(
            parse_number("1e999").unwrap_err().kind,
            ValueErrorKind::OutOfRange
        );
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer("7000+人付款"), Ok(Some(7000)));
        assert_eq!(parse_integer("1.2万"), Ok(Some(12000)));
        assert_eq!(
            parse_integer("12345678901234567"),
            Ok(Some(12_345_678_901_234_567))
        );
        assert_eq!(parse_integer("-"), Ok(None));
        assert_eq!(
            parse_integer("12.5").unwrap_err().kind,
            ValueErrorKind::NotWhole
        );
        assert_eq!(
            parse_integer("99999999999999999999").unwrap_err().kind,
            ValueErrorKind::OutOfRange
        );
        assert_eq!(
            parse_integer("1e30").unwrap_err().kind,
            ValueErrorKind::OutOfRange
        );
    }

    #[test]
    fn day_differences() {
        let d = |y, m, d| Date::new(y, m, d).unwrap();
        assert_eq!(d(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(d(2000, 3, 1).days_since_epoch(), 11_017);
        assert_eq!(d(2016, 11, 5).days_until(d(2016, 11, 14)), 9);
        assert_eq!(d(2016, 2, 28).days_until(d(2016, 3, 1)), 2, "leap day");
        assert_eq!(d(2026, 12, 31).days_until(d(2027, 1, 1)), 1);
        assert_eq!(d(2027, 1, 1).days_until(d(2026, 12, 31)), -1);
    }

    #[test]
    fn yyyymmdd_numbers_round_trip_and_only_real_days_have_one() {
        let day = Date::new(2016, 2, 29).unwrap();
        assert_eq!(Date::from_yyyymmdd(day.yyyymmdd()), Some(day));
        for n in [20170229, 20161301, 20161100, 0, u32::MAX] {
            assert_eq!(Date::from_yyyymmdd(n), None, "{n}");
        }
    }

    #[test]
    fn dates() {
        let day = Date::new(2016, 11, 14);
        for s in [
            "2016/11/14",
            "2016-11-14",
            "20161114",
            "2016年11月14日",
            "2016年11月14",
            "2016.11.14",
            "２０１６/１１/１４",
            "2016-11-14 10:30:00",
            "2016-11-14T10:30:00",
        ] {
            assert_eq!(parse_date(s), Ok(day), "{s}");
        }
        assert_eq!(parse_date("2016/1/5"), Ok(Date::new(2016, 1, 5)));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date("2016-02-29"), Ok(Date::new(2016, 2, 29)));
        for s in [
            "2015-02-29",
            "2016-13-01",
            "2016-11-31",
            "16/11/14",
            "2016/11",
            "20161314",
            "2016-11-14 noon",
            "yesterday",
            "2016/11/14/1",
        ] {
            let err = parse_date(s).expect_err(s);
            assert_eq!(err.to_string(), format!("not a date: {s:?}"));
        }
        assert_eq!(Date::new(2016, 11, 14).unwrap().to_string(), "2016-11-14");
        assert!(Date::new(2016, 11, 5) < Date::new(2016, 11, 14));
        assert!(Date::new(2015, 12, 31) < Date::new(2016, 1, 1));
    }

    fn with_separators(int: u64) -> String {
        let digits = int.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #[test]
        fn printed_numbers_read_back(int in 0u64..10_000_000_000_000, cents in 0u32..100,
                                     yen in any::<bool>(), yuan in any::<bool>()) {
            let plain = format!("{int}.{cents:02}");
            let expected: f64 = plain.parse().unwrap();
            let decorated = format!(
                "{}{}.{cents:02}{}",
                if yen { "¥" } else { "" },
                with_separators(int),
                if yuan { "元" } else { "" }
            );
            prop_assert_eq!(parse_number(&decorated), Ok(Some(expected)));
            prop_assert_eq!(parse_number(&format!("{expected}")), Ok(Some(expected)));
        }

        #[test]
        fn percent_and_wan_shift_the_digits(int in 0u64..1_000_000, frac in 0u32..10_000) {
            let text = format!("{int}.{frac:04}");
            let pct: f64 = format!("{text}e-2").parse().unwrap();
            let wan: f64 = format!("{text}e4").parse().unwrap();
            prop_assert_eq!(parse_number(&format!("{text}%")), Ok(Some(pct)));
            prop_assert_eq!(parse_number(&format!("{text}万+")), Ok(Some(wan)));
        }

        #[test]
        fn any_f64_display_reads_back(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            prop_assert_eq!(parse_number(&x.to_string()), Ok(Some(x)));
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = parse_number(&s);
            let _ = parse_date(&s);
        }
    }
}
