//! The built-in sample market that `baobei demo` runs on, embedded in the binary.
//!
//! Everything here is **synthetic**: written for baobei by a generator and reviewed by eye, not
//! taken from Taobao, Tmall or 生意参谋. Shop names, sales, search popularity, click and
//! conversion rates and ad figures are invented; a few real brand names (自然堂, 珀莱雅, 漫步者, ...)
//! appear only as competitors, the way they appear in real titles, and the demo shop's own
//! brands (栀夏, 初禾, 声屿) are fictional. Do not read market facts out of these numbers.
//!
//! The data covers three categories (女装/连衣裙, 美妆/面霜, 数码/蓝牙耳机) around Double 11 2026,
//! in the formats real exports use, so that a new user sees every capability work on data that
//! looks like their own: segmentation and lint on [`OWN_ITEMS`], the listing index, similar
//! listings and rising words on [`LISTINGS`], the keyword market on [`KEYWORDS`], query recall on
//! [`QUERIES`] and the through-train review on [`ZTC_REPORT`]. [`planted`] names the items and
//! keywords that carry each known problem, so tests and the demo can point at them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::lang::{Describe, Lang};

/// One embedded sample file: the name it is written under and its exact bytes.
///
/// Bytes, not `&str`, because [`KEYWORDS`] is GBK on purpose and [`ZTC_REPORT`] starts with a
/// BOM: the demo must go through the same decoding as a user's own exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleFile {
    /// File name inside the sample directory, e.g. `own_items.csv`.
    pub name: &'static str,
    /// The file's exact content.
    pub bytes: &'static [u8],
}

/// The demo shop's own 24 items (8 per category), UTF-8 CSV with header
/// `宝贝ID,标题,类目,品牌,核心词,属性,价格,月销量`; `属性` is `key:value;key:value`.
///
/// Exercises segmentation, lint (every title problem in [`planted`] sits here) and title
/// rewriting: attributes hold true words that some titles leave out.
pub const OWN_ITEMS: SampleFile = SampleFile {
    name: "own_items.csv",
    bytes: include_bytes!("own_items.csv"),
};

/// Competitor and industry listings of the same categories: 252 listings in three daily
/// snapshots (2026-11-09, 11-10, 11-11), UTF-8 CSV with header
/// `日期,宝贝ID,标题,类目,品牌,店名,角色,价格,销量`, `角色` is `competitor` or `industry`.
///
/// `销量` is cumulative and long-tailed; Double 11 lifts every listing, listings that use the
/// [`planted::RISING_WORDS`] grow several times faster, best sellers share the
/// [`planted::BEST_SELLER_COMBOS`], prices drop on 11-11, a few listings launch or disappear
/// mid-window. Exercises the listing index, similar listings, covered sales and rising words.
pub const LISTINGS: SampleFile = SampleFile {
    name: "listings.csv",
    bytes: include_bytes!("listings.csv"),
};

/// A 生意参谋 search-analysis keyword export: 300 keywords (100 per category), **GBK** encoded
/// with CRLF line ends, header
/// `关键词,类目,搜索人气,搜索热度,点击率,点击人气,支付转化率,交易指数,在线商品数,商城点击占比,直通车参考价`.
///
/// Values are formatted as exported: indices with thousands separators (`"12,345"`, quoted),
/// rates as `3.25%`, the reference CPC as `￥1.35` (full-width yuan sign: the half-width `¥` has
/// no GBK code). Exercises encoding detection, number parsing and the keyword market table.
pub const KEYWORDS: SampleFile = SampleFile {
    name: "keywords.csv",
    bytes: include_bytes!("keywords.csv"),
};

/// A through-train keyword report: UTF-8 with BOM and CRLF, 14 days (2026-10-29 .. 2026-11-11),
/// 3 plans, 6 ad groups (one own item each), 13-18 keywords per group; days on which a keyword
/// had no impressions have no row, as in real reports.
///
/// Simulated from a true CTR and CVR per keyword, so the review has real decisions to make:
/// see the `ZTC_*` consts in [`planted`]. Conversion dips before Double 11 while carts rise,
/// spikes on 11-11, and the last three days are under-attributed (orders still arriving).
pub const ZTC_REPORT: SampleFile = SampleFile {
    name: "ztc_report.csv",
    bytes: include_bytes!("ztc_report.csv"),
};

/// 2,000 search queries of the three categories as a query log: `qid<TAB>query`, no header,
/// lower-cased, some with spaces, brand and model queries. Exercises recall prediction.
pub const QUERIES: SampleFile = SampleFile {
    name: "queries.tsv",
    bytes: include_bytes!("queries.tsv"),
};

/// Every sample file, in the order the demo introduces them.
pub const FILES: &[SampleFile] = &[OWN_ITEMS, LISTINGS, KEYWORDS, ZTC_REPORT, QUERIES];

/// The sample file with this name, if there is one.
pub fn file(name: &str) -> Option<SampleFile> {
    FILES.iter().copied().find(|f| f.name == name)
}

/// Why the sample could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The target directory could not be created.
    #[error("{}", self.describe(Lang::En))]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written or moved into place.
    #[error("{}", self.describe(Lang::En))]
    Write {
        /// The file that was being written (the temporary file or its final name).
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Describe for SampleError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (SampleError::CreateDir { path, .. }, Lang::Zh) => {
                format!("{}: 无法创建示例目录", path.display())
            }
            (SampleError::CreateDir { path, .. }, Lang::En) => {
                format!("{}: cannot create the sample directory", path.display())
            }
            (SampleError::Write { path, .. }, Lang::Zh) => {
                format!("{}: 无法写入示例文件", path.display())
            }
            (SampleError::Write { path, .. }, Lang::En) => {
                format!("{}: cannot write sample file", path.display())
            }
        }
    }
}

/// Writes every sample file into `dir` (created if missing) and returns the written paths in
/// [`FILES`] order.
///
/// Each file is written to a temporary sibling, synced and renamed over the final name, so a
/// reader never sees half a file and an interrupted demo never leaves a truncated one.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>, SampleError> {
    fs::create_dir_all(dir).map_err(|source| SampleError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    FILES
        .iter()
        .map(|f| {
            let path = dir.join(f.name);
            write_atomic(&path, f.bytes)?;
            Ok(path)
        })
        .collect()
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SampleError> {
    crate::atomic_file::write(path, bytes).map_err(|source| SampleError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Where the sample plants the problems and traits baobei must find, by own item id
/// (`宝贝ID` in [`OWN_ITEMS`]) or keyword, so tests and the demo can point at them.
///
/// The unit tests of this module check that every entry still holds in the data.
pub mod planted {
    /// Own titles over the 60-byte GBK budget (`652322591328` only because of its spaces).
    pub const OVERLONG_TITLES: &[&str] = &[
        "652319927730",
        "663411497883",
        "674504794360",
        "652322591328",
    ];

    /// `(item, word)`: absolute terms and fake authority banned by the Advertising Law.
    pub const PROHIBITED: &[(&str, &str)] = &[
        ("652321370095", "顶级"),
        ("652324933784", "极品"),
        ("663411497883", "最好"),
        ("663413940349", "特供"),
        ("674503573127", "第一品牌"),
        ("674504794360", "全网第一"),
    ];

    /// `(item, word)` that contain 第一 or 最 but are ordinary words: must NOT be flagged.
    pub const ALLOWED_LOOKALIKES: &[(&str, &str)] = &[
        ("652318804417", "第一次"),
        ("652320148862", "最近"),
        ("652326155017", "第一季"),
    ];

    /// `(item, word)`: a word the title repeats, wasting budget.
    pub const REPEATED_WORDS: &[(&str, &str)] = &[
        ("652321370095", "丝绒"),
        ("652321370095", "连衣裙"),
        ("663417604038", "补水"),
        ("663417604038", "面霜"),
        ("674508458059", "蓝牙耳机"),
    ];

    /// Titles with spaces next to a non-ASCII character: each costs a byte for nothing.
    pub const WASTED_SPACES: &[&str] = &["652322591328", "674508458059", "663412719116"];

    /// `(item, token)`: brand names, models and specs to keep whole; the space in `S3 Pro`
    /// sits between two ASCII tokens and is legitimate.
    pub const KEEP_WHOLE: &[(&str, &str)] = &[
        ("674507236826", "S3 Pro"),
        ("674507236826", "Type-C"),
        ("674507236826", "5.3"),
        ("674506015593", "Type-C"),
        ("663410276650", "50g"),
        ("663413940349", "50ml"),
    ];

    /// `(item, text)`: full-width letters or digits that should be half-width.
    pub const FULL_WIDTH: &[(&str, &str)] = &[
        ("663412719116", "５０ｇ"),
        ("674506015593", "ＴＷＳ"),
        ("674506015593", "５.３"),
    ];

    /// Titles with a character outside GBK (an emoji), which the platform rejects.
    pub const OUTSIDE_GBK: &[&str] = &["663416382805"];

    /// `(item, brand)`: another brand's name in an own title (infringement).
    pub const OTHER_BRANDS: &[(&str, &str)] = &[("663415161572", "雅诗兰黛")];

    /// An own title that leaves out the shop's brand (栀夏).
    pub const MISSING_BRAND: &[&str] = &["652320148862"];

    /// `(item, word)`: short titles that leave budget unused while the item's attributes hold
    /// true words, including rising ones, that the rewrite may add.
    pub const UNDERUSED_TITLES: &[(&str, &str)] = &[
        ("652323712551", "加绒"),
        ("663418825271", "控油"),
        ("674509679292", "开放式"),
    ];

    /// Own titles with no known problem, for "nothing to fix" cases.
    pub const CLEAN_TITLES: &[&str] = &[
        "652318804417",
        "652326155017",
        "663410276650",
        "674502351894",
    ];

    /// `(category, word)`: listings whose titles use the word gain sales between the 11-09 and
    /// 11-11 snapshots several times faster than listings using no rising word.
    pub const RISING_WORDS: &[(&str, &str)] = &[
        ("女装/连衣裙", "新中式"),
        ("女装/连衣裙", "加绒"),
        ("美妆/面霜", "屏障"),
        ("美妆/面霜", "胶原蛋白"),
        ("数码/蓝牙耳机", "开放式"),
        ("数码/蓝牙耳机", "降噪"),
    ];

    /// `(category, words)`: word combinations that best sellers use together.
    pub const BEST_SELLER_COMBOS: &[(&str, &[&str])] = &[
        ("女装/连衣裙", &["法式", "收腰", "显瘦"]),
        ("美妆/面霜", &["补水保湿", "50g", "修护霜"]),
        ("数码/蓝牙耳机", &["真无线", "入耳式", "超长续航"]),
    ];

    /// Listings absent from the 11-09 snapshot (launched during the window).
    pub const LAUNCHED_LISTINGS: &[&str] = &[
        "618936750959",
        "511441758087",
        "695002973788",
        "525303135687",
        "725765046673",
        "757133808004",
    ];

    /// Listings absent from the 11-11 snapshot (delisted during the window).
    pub const DELISTED_LISTINGS: &[&str] = &["510168795730", "694576951625", "747457123420"];

    /// `(item, keyword)`: over the last 7 days more than 800 impressions and not one click.
    pub const ZTC_NO_CLICKS: &[(&str, &str)] = &[
        ("652318804417", "羊毛连衣裙"),
        ("652326155017", "连衣裙女 雪纺 内搭"),
        ("663410276650", "屏障面霜 孕妇"),
        ("663415161572", "面霜 紧致 平价"),
        ("674502351894", "耳夹式蓝牙耳机 学生"),
        ("674507236826", "跑步蓝牙耳机 华为"),
    ];

    /// `(item, keyword)`: over the last 7 days at least 10,000 impressions and no click.
    pub const ZTC_NO_CLICKS_10K: &[(&str, &str)] = &[("674502351894", "骨传导耳机 学生")];

    /// `(item, keyword)`: over the last 7 days at least 20 clicks and no order.
    pub const ZTC_CLICKS_NO_ORDERS: &[(&str, &str)] = &[
        ("652318804417", "高腰连衣裙"),
        ("652326155017", "裙子 小香风 年会"),
        ("663410276650", "烟酰胺提亮面霜女"),
        ("663415161572", "淡纹面霜"),
        ("674502351894", "跑步蓝牙耳机"),
        ("674507236826", "蓝牙耳机 女生"),
    ];

    /// `(item, keyword)`: high bid, clicks, hardly any orders: 7-day ROI below 1.2.
    pub const ZTC_LOW_ROI: &[(&str, &str)] = &[
        ("652326155017", "连衣裙小个子"),
        ("663410276650", "淡纹面霜50g"),
        ("674502351894", "无线耳机 降噪 5.3"),
        ("674507236826", "半入耳式蓝牙耳机 5.3"),
    ];

    /// `(item, keyword)`: many impressions, CTR under 1% (low-quality traffic).
    pub const ZTC_LOW_CTR: &[(&str, &str)] = &[
        ("652318804417", "连衣裙2026新款"),
        ("652326155017", "连衣裙 年会"),
        ("663410276650", "面霜 平价"),
        ("663415161572", "面霜 乳霜"),
        ("674502351894", "蓝牙耳机 学生"),
        ("674507236826", "蓝牙耳机 学生"),
    ];

    /// `(item, keyword)`: the winners: high CTR and 7-day ROI of 4 or more.
    pub const ZTC_STARS: &[(&str, &str)] = &[
        ("652318804417", "法式连衣裙秋季"),
        ("652318804417", "碎花连衣裙 秋季"),
        ("652318804417", "连衣裙 秋季"),
        ("663410276650", "补水保湿面霜"),
        ("663410276650", "面霜 补水保湿 平价"),
        ("674507236826", "降噪蓝牙耳机Type-C"),
    ];

    /// `(item, keyword)`: too few impressions to judge alone over 14 days; pool by root word.
    pub const ZTC_SPARSE: &[(&str, &str)] = &[
        ("652318804417", "雪纺连衣裙 小个子"),
        ("652326155017", "赫本风泡泡袖连衣裙女"),
        ("663410276650", "积雪草面霜50g"),
        ("674507236826", "降噪重低音蓝牙耳机"),
    ];

    /// An ad group whose whole 7-day ROI is below 1.2: a ¥69 item on ¥2-3 clicks, a listing
    /// and price problem rather than a bid problem.
    pub const ZTC_LOW_ROI_ITEM: &str = "663415161572";
}

#[cfg(test)]
mod tests {
    use super::planted::*;
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    fn utf8(f: SampleFile) -> &'static str {
        let bytes = f.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f.bytes);
        std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", f.name))
    }

    fn records(text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().expect("header").clone();
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .expect("valid csv");
        (header, rows)
    }

    fn gbk_bytes(s: &str) -> usize {
        encoding_rs::GB18030.encode(s).0.len()
    }

    /// Own items by id: (title, category, attributes).
    fn own() -> HashMap<String, (String, String, String)> {
        let (header, rows) = records(utf8(OWN_ITEMS));
        assert_eq!(
            header.iter().collect::<Vec<_>>(),
            [
                "宝贝ID",
                "标题",
                "类目",
                "品牌",
                "核心词",
                "属性",
                "价格",
                "月销量"
            ]
        );
        rows.iter()
            .map(|r| {
                (
                    r[0].to_owned(),
                    (r[1].to_owned(), r[2].to_owned(), r[5].to_owned()),
                )
            })
            .collect()
    }

    fn title(id: &str) -> String {
        own()
            .get(id)
            .unwrap_or_else(|| panic!("no own item {id}"))
            .0
            .clone()
    }

    fn pct(s: &str) -> f64 {
        s.strip_suffix('%')
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("not a rate: {s}"))
    }

    fn num(s: &str) -> f64 {
        s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
    }

    struct Ztc {
        header: csv::StringRecord,
        rows: Vec<csv::StringRecord>,
    }

    impl Ztc {
        fn load() -> Ztc {
            let (header, rows) = records(utf8(ZTC_REPORT));
            Ztc { header, rows }
        }
        fn col(&self, name: &str) -> usize {
            self.header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no column {name}"))
        }
        /// Impressions, clicks, cost, orders, GMV of one keyword over the last `days` dates.
        fn totals(&self, item: &str, kw: &str, days: usize) -> (u64, u64, f64, u64, f64) {
            let dates: BTreeSet<&str> = self.rows.iter().map(|r| &r[0]).collect();
            let last: BTreeSet<&str> = dates.iter().rev().take(days).copied().collect();
            let (id, k) = (self.col("宝贝ID"), self.col("关键词"));
            let mut t = (0, 0, 0.0, 0, 0.0);
            let mut seen = false;
            for r in self.rows.iter().filter(|r| &r[id] == item && &r[k] == kw) {
                seen = true;
                if last.contains(&r[0]) {
                    t.0 += num(&r[self.col("展现量")]) as u64;
                    t.1 += num(&r[self.col("点击量")]) as u64;
                    t.2 += num(&r[self.col("花费")]);
                    t.3 += num(&r[self.col("总成交笔数")]) as u64;
                    t.4 += num(&r[self.col("总成交金额")]);
                }
            }
            assert!(seen, "no report rows for {item} {kw}");
            t
        }
    }

    #[test]
    fn every_file_is_present_and_named_once() {
        let names: BTreeSet<_> = FILES.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FILES.len());
        for f in FILES {
            assert!(!f.bytes.is_empty(), "{} is empty", f.name);
            assert_eq!(file(f.name), Some(*f));
        }
        assert_eq!(file("nope.csv"), None);
        let total: usize = FILES.iter().map(|f| f.bytes.len()).sum();
        assert!(total < 1_500_000, "sample grew to {total} bytes");
    }

    #[test]
    fn keywords_are_gbk_and_formatted_as_exported() {
        assert!(
            std::str::from_utf8(KEYWORDS.bytes).is_err(),
            "keywords.csv must stay GBK"
        );
        let text = encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(KEYWORDS.bytes)
            .expect("keywords.csv decodes as GBK");
        let (header, rows) = records(&text);
        assert_eq!(&header[0], "关键词");
        assert_eq!(&header[10], "直通车参考价");
        assert_eq!(rows.len(), 300);
        let mut seen = BTreeSet::new();
        for r in &rows {
            assert!(seen.insert(r[0].to_owned()), "duplicate keyword {}", &r[0]);
            let popularity = num(&r[2].replace(',', ""));
            assert!(popularity >= 100.0, "{}", &r[2]);
            let (ctr, cvr) = (pct(&r[4]), pct(&r[6]));
            assert!((1.0..=8.0).contains(&ctr), "ctr {ctr} of {}", &r[0]);
            assert!((0.5..=12.0).contains(&cvr), "cvr {cvr} of {}", &r[0]);
            let cpc = r[10].strip_prefix('￥').map(num).expect("￥ price");
            assert!(cpc > 0.0 && cpc < 10.0);
        }
        assert!(
            rows.iter().any(|r| r[2].contains(',')),
            "no thousands separators"
        );
    }

    #[test]
    fn report_is_internally_consistent() {
        assert!(
            ZTC_REPORT.bytes.starts_with(b"\xEF\xBB\xBF"),
            "report lost its BOM"
        );
        let z = Ztc::load();
        assert_eq!(z.header.len(), 19);
        let c = |n| z.col(n);
        let (imp, clk, cost, ctr, cpc) = (
            c("展现量"),
            c("点击量"),
            c("花费"),
            c("点击率"),
            c("平均点击花费"),
        );
        let (direct, indirect, orders, gmv, roi) = (
            c("直接成交笔数"),
            c("间接成交笔数"),
            c("总成交笔数"),
            c("总成交金额"),
            c("投入产出比"),
        );
        let own = own();
        let mut dates = BTreeSet::new();
        for r in &z.rows {
            dates.insert(r[0].to_owned());
            let (i, k) = (num(&r[imp]), num(&r[clk]));
            assert!(i > 0.0 && k <= i, "clicks > impressions: {r:?}");
            assert!((pct(&r[ctr]) - k / i * 100.0).abs() <= 0.006, "ctr: {r:?}");
            let spent = num(&r[cost]);
            if k > 0.0 {
                assert!((num(&r[cpc]) - spent / k).abs() <= 0.006, "cpc: {r:?}");
                assert!(num(&r[cpc]) <= num(&r[c("出价")]), "cpc over bid: {r:?}");
            } else {
                assert_eq!(spent, 0.0, "cost without clicks: {r:?}");
            }
            assert_eq!(
                num(&r[orders]),
                num(&r[direct]) + num(&r[indirect]),
                "orders: {r:?}"
            );
            assert!(num(&r[orders]) <= k, "more orders than clicks: {r:?}");
            if spent > 0.0 {
                assert!(
                    (num(&r[roi]) - num(&r[gmv]) / spent).abs() <= 0.006,
                    "roi: {r:?}"
                );
            }
            let q = num(&r[c("质量分")]);
            assert!((1.0..=10.0).contains(&q));
            let item = &r[c("宝贝ID")];
            let (t, _, _) = own
                .get(item)
                .unwrap_or_else(|| panic!("report item {item} is not an own item"));
            assert_eq!(&r[c("推广单元")], t, "unit name is the item title");
        }
        assert_eq!(dates.len(), 14);
        assert_eq!(dates.first().map(String::as_str), Some("2026-10-29"));
        assert_eq!(dates.last().map(String::as_str), Some("2026-11-11"));
        let units: BTreeSet<_> = z.rows.iter().map(|r| r[c("宝贝ID")].to_owned()).collect();
        assert_eq!(units.len(), 6);
    }

    #[test]
    fn own_items_and_listings_are_well_formed() {
        let own = own();
        assert_eq!(own.len(), 24);
        let mut per_cat: HashMap<&str, usize> = HashMap::new();
        for (_, cat, attrs) in own.values() {
            *per_cat.entry(cat).or_default() += 1;
            assert!(
                attrs.split(';').all(|kv| kv.split_once(':').is_some()),
                "{attrs}"
            );
        }
        assert_eq!(per_cat.len(), 3);
        assert!(per_cat.values().all(|&n| n == 8));

        let (header, rows) = records(utf8(LISTINGS));
        assert_eq!(header.len(), 9);
        let mut sales: HashMap<&str, Vec<(&str, u64)>> = HashMap::new();
        for r in &rows {
            assert!(matches!(&r[6], "competitor" | "industry"), "role {}", &r[6]);
            assert!(gbk_bytes(&r[2]) <= 60, "listing over budget: {}", &r[2]);
            assert!(
                !own.contains_key(&r[1]),
                "listing id {} is an own item",
                &r[1]
            );
            sales
                .entry(&r[1])
                .or_default()
                .push((&r[0], num(&r[8]) as u64));
        }
        assert_eq!(sales.len(), 252);
        for (id, s) in &sales {
            assert!(
                s.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "sales of {id} fall"
            );
        }
        for id in LAUNCHED_LISTINGS {
            assert!(sales[id].iter().all(|(d, _)| *d != "2026-11-09"), "{id}");
        }
        for id in DELISTED_LISTINGS {
            assert!(sales[id].iter().all(|(d, _)| *d != "2026-11-11"), "{id}");
        }
        assert_eq!(sales.values().filter(|s| s.len() == 3).count(), 252 - 9);

        let queries = utf8(QUERIES);
        let mut qids = BTreeSet::new();
        for line in queries.lines() {
            let (qid, q) = line.split_once('\t').expect("qid<TAB>query");
            assert!(
                qids.insert(num(qid) as u64) && !q.trim().is_empty(),
                "{line}"
            );
        }
        assert_eq!(qids.len(), 2000);
    }

    #[test]
    fn planted_title_problems_are_where_the_docs_say() {
        for id in OVERLONG_TITLES {
            assert!(gbk_bytes(&title(id)) > 60, "{id} fits the budget");
        }
        for id in CLEAN_TITLES {
            let t = title(id);
            assert!(gbk_bytes(&t) <= 60 && !t.contains(' '), "{id} is not clean");
            assert!(!PROHIBITED.iter().any(|(_, w)| t.contains(w)));
        }
        for (id, w) in PROHIBITED
            .iter()
            .chain(ALLOWED_LOOKALIKES)
            .chain(KEEP_WHOLE)
            .chain(FULL_WIDTH)
        {
            assert!(title(id).contains(w), "{id} lacks {w}");
        }
        for (id, w) in REPEATED_WORDS {
            assert!(
                title(id).matches(w).count() >= 2,
                "{id} does not repeat {w}"
            );
        }
        for id in WASTED_SPACES {
            let t: Vec<char> = title(id).chars().collect();
            let wasted = t
                .windows(3)
                .any(|w| w[1] == ' ' && (!w[0].is_ascii() || !w[2].is_ascii()));
            assert!(wasted, "{id} has no wasted space");
        }
        for (_, w) in FULL_WIDTH {
            assert!(w.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c)));
        }
        for id in OUTSIDE_GBK {
            assert!(encoding_rs::GBK.encode(&title(id)).2, "{id} encodes in GBK");
        }
        for (id, brand) in OTHER_BRANDS {
            assert!(title(id).contains(brand));
        }
        for id in MISSING_BRAND {
            assert!(!title(id).contains("栀夏"));
        }
        let own = own();
        for (id, w) in UNDERUSED_TITLES {
            let (t, _, attrs) = &own[*id];
            assert!(
                gbk_bytes(t) <= 30 && !t.contains(w) && attrs.contains(w),
                "{id} {w}"
            );
        }
    }

    /// One listing across the snapshots: category, title, sales on 11-09 and on 11-11.
    struct Listing<'a> {
        cat: &'a str,
        title: &'a str,
        first: Option<f64>,
        last: Option<f64>,
    }

    #[test]
    fn planted_market_traits_hold_in_listings() {
        let (_, rows) = records(utf8(LISTINGS));
        let mut by_id: HashMap<&str, Listing> = HashMap::new();
        for r in &rows {
            let e = by_id.entry(&r[1]).or_insert(Listing {
                cat: &r[3],
                title: &r[2],
                first: None,
                last: None,
            });
            match &r[0] {
                "2026-11-09" => e.first = Some(num(&r[8])),
                "2026-11-11" => e.last = Some(num(&r[8])),
                _ => {}
            }
        }
        // relative growth of the summed sales of the picked listings, 11-09 -> 11-11
        let growth = |pick: &dyn Fn(&Listing) -> bool| {
            let (mut a, mut b) = (0.0, 0.0);
            for l in by_id.values() {
                if let (Some(s1), Some(s3)) = (l.first, l.last)
                    && pick(l)
                {
                    a += s1;
                    b += s3;
                }
            }
            (b - a) / a
        };
        for (cat, word) in RISING_WORDS {
            let plain = growth(&|l| {
                l.cat == *cat
                    && !RISING_WORDS
                        .iter()
                        .any(|(c, w)| c == cat && l.title.contains(w))
            });
            let rising = growth(&|l| l.cat == *cat && l.title.contains(word));
            assert!(rising > 2.0 * plain, "{word}: {rising:.2} vs {plain:.2}");
        }
        for (cat, words) in BEST_SELLER_COMBOS {
            let mut live: Vec<&Listing> = by_id
                .values()
                .filter(|l| l.cat == *cat && l.last.is_some())
                .collect();
            live.sort_by(|a, b| b.last.partial_cmp(&a.last).expect("sales"));
            let has = |l: &Listing| words.iter().all(|w| l.title.contains(w));
            let with = live.iter().filter(|l| has(l)).count();
            let top = live[..10].iter().filter(|l| has(l)).count();
            assert!(
                with >= 5 && top >= 2,
                "{cat}: {with} listings, {top} in top 10"
            );
            let share = top as f64 / 10.0;
            assert!(
                share > with as f64 / live.len() as f64,
                "{cat}: combo not over-represented among best sellers"
            );
        }
    }

    #[test]
    fn planted_ad_decisions_hold_in_the_report() {
        let z = Ztc::load();
        for (id, kw) in ZTC_NO_CLICKS {
            let (i, k, ..) = z.totals(id, kw, 7);
            assert!(i > 800 && k == 0, "{id} {kw}: {i} impressions {k} clicks");
        }
        for (id, kw) in ZTC_NO_CLICKS_10K {
            let (i, k, ..) = z.totals(id, kw, 7);
            assert!(i >= 10_000 && k == 0, "{id} {kw}");
        }
        for (id, kw) in ZTC_CLICKS_NO_ORDERS {
            let (_, k, _, o, _) = z.totals(id, kw, 7);
            assert!(k >= 20 && o == 0, "{id} {kw}: {k} clicks {o} orders");
        }
        for (id, kw) in ZTC_LOW_ROI {
            let (_, k, cost, _, gmv) = z.totals(id, kw, 7);
            assert!(k >= 20 && gmv / cost < 1.2, "{id} {kw}: roi {}", gmv / cost);
        }
        for (id, kw) in ZTC_LOW_CTR {
            let (i, k, ..) = z.totals(id, kw, 7);
            assert!(i >= 3000 && (k as f64) < 0.01 * i as f64, "{id} {kw}");
        }
        for (id, kw) in ZTC_STARS {
            let (i, k, cost, _, gmv) = z.totals(id, kw, 7);
            assert!(
                k >= 30 && k as f64 > 0.04 * i as f64 && gmv / cost >= 4.0,
                "{id} {kw}"
            );
        }
        for (id, kw) in ZTC_SPARSE {
            let (i, k, ..) = z.totals(id, kw, 14);
            assert!(i < 100 && k < 5, "{id} {kw}: {i} impressions");
        }
        let items: Vec<_> = z.rows.iter().map(|r| r[3].to_owned()).collect();
        let (mut cost, mut gmv) = (0.0, 0.0);
        for kw in z
            .rows
            .iter()
            .filter(|r| r[3] == *ZTC_LOW_ROI_ITEM)
            .map(|r| r[4].to_owned())
            .collect::<BTreeSet<_>>()
        {
            let t = z.totals(ZTC_LOW_ROI_ITEM, &kw, 7);
            cost += t.2;
            gmv += t.4;
        }
        assert!(
            items.iter().any(|i| i == ZTC_LOW_ROI_ITEM) && gmv / cost < 1.2,
            "unit roi {}",
            gmv / cost
        );
    }

    #[test]
    fn write_all_writes_exact_bytes_and_replaces_old_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("demo");
        fs::create_dir_all(&target).expect("mkdir");
        fs::write(target.join(OWN_ITEMS.name), b"stale").expect("stale file");
        let paths = write_all(&target).expect("write");
        assert_eq!(paths.len(), FILES.len());
        for (p, f) in paths.iter().zip(FILES) {
            assert_eq!(fs::read(p).expect("read back"), f.bytes, "{}", f.name);
        }
        let names: BTreeSet<_> = fs::read_dir(&target)
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            names.len(),
            FILES.len(),
            "temporary files left behind: {names:?}"
        );
    }

    #[test]
    fn write_all_reports_the_path_it_could_not_create() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").expect("file");
        let err = write_all(&blocker.join("sub")).expect_err("parent is a file");
        assert!(matches!(err, SampleError::CreateDir { .. }));
        assert!(err.to_string().contains("sub"), "{err}");
    }
}
