//! The one table from column headers to fields, shared by every format and by the output side.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::{Format, InputError, Location};

macro_rules! fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $zh:literal, [$($alias:literal),* $(,)?];)*) => {
        /// A column baobei understands, recognised from Chinese or English headers.
        ///
        /// Serialises as its snake_case [`name`](Field::name); CSV outputs use
        /// [`header_zh`](Field::header_zh) so what baobei writes it can read back.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field {
            $($(#[$doc])* $variant,)*
        }

        impl Field {
            /// Every field, in declaration order (the order outputs use).
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The snake_case name, as serde spells it: stable for JSON and configuration.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// The Chinese header CSV outputs use, e.g. `标题` for [`Field::Title`].
            pub fn header_zh(self) -> &'static str {
                match self { $(Field::$variant => $zh,)* }
            }

            /// The headers recognised for this field (besides its name and Chinese header),
            /// listed in "no such column" messages.
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Field::$variant => &[$($alias),*],)* }
            }
        }
    };
}

fields! {
    /// Item id (宝贝ID); for a plain text file the line number.
    Id = "id", "宝贝ID", ["宝贝ID", "商品ID", "宝贝id", "商品id", "item_id", "itemid", "id", "nid"];
    /// Listing title.
    Title = "title", "标题", ["宝贝标题", "商品标题", "标题", "title", "raw_title", "商品名称", "宝贝名称"];
    /// Category.
    Category = "category", "类目", ["类目", "category", "cat"];
    /// Brand.
    Brand = "brand", "品牌", ["品牌", "brand"];
    /// Product word (核心词).
    Product = "product", "核心词", ["核心词", "产品词", "product", "product_word"];
    /// Price in 元.
    Price = "price", "价格", ["价格", "price", "一口价", "现价"];
    /// Sales (monthly or cumulative, as exported).
    Sales = "sales", "销量", ["销量", "月销量", "付款人数", "sale_count", "sales", "view_sales", "成交量"];
    /// Date of the snapshot or report day.
    Date = "date", "日期", ["日期", "统计日期", "update_time", "date", "时间"];
    /// Shop name.
    Shop = "shop", "店铺", ["店名", "店铺", "店铺名称", "shop", "shop_name", "nick"];
    /// Role of a listing (own item or competitor).
    Role = "role", "角色", ["角色", "role"];
    /// Attributes in one cell, `材质:雪纺;风格:碎花`.
    Attributes = "attributes", "属性", ["属性", "attributes"];
    /// Words a rewrite must keep.
    MustKeep = "must_keep", "必留词", ["必留词", "must_keep"];
    /// Words a rewrite must not use.
    Banned = "banned", "禁用词", ["禁用词", "banned"];
    /// Number of reviews.
    CommentCount = "comment_count", "评论数", ["评论数", "comment_count"];
    /// Search keyword.
    Keyword = "keyword", "关键词", ["关键词", "搜索词", "keyword", "query"];
    /// 搜索人气: an obfuscated popularity index, not a count.
    SearchPopularity = "search_popularity", "搜索人气", ["搜索人气"];
    /// 搜索热度.
    SearchHeat = "search_heat", "搜索热度", ["搜索热度"];
    /// Click-through rate, a fraction.
    Ctr = "ctr", "点击率", ["点击率", "ctr"];
    /// 点击人气.
    ClickPopularity = "click_popularity", "点击人气", ["点击人气"];
    /// Payment conversion rate, a fraction.
    Cvr = "cvr", "支付转化率", ["支付转化率", "转化率", "cvr"];
    /// 交易指数.
    TradeIndex = "trade_index", "交易指数", ["交易指数"];
    /// Competing online items.
    OnlineItems = "online_items", "在线商品数", ["在线商品数"];
    /// Tmall click share, a fraction.
    TmallClickShare = "tmall_click_share", "商城点击占比", ["商城点击占比"];
    /// Through-train reference CPC in 元.
    ReferenceCpc = "reference_cpc", "直通车参考价", ["直通车参考价", "参考价", "市场均价"];
    /// Growth of search popularity, a fraction.
    Growth = "growth", "搜索人气增长", ["搜索人气增长", "增长率", "增长幅度", "growth"];
    /// Through-train campaign.
    Plan = "plan", "推广计划", ["推广计划", "计划名称", "推广计划名称", "campaign"];
    /// Through-train ad group.
    AdGroup = "ad_group", "推广单元", ["推广单元", "单元名称", "推广单元名称", "ad_group"];
    /// Keyword bid in 元.
    Bid = "bid", "出价", ["出价", "关键词出价", "bid"];
    /// Impressions.
    Impressions = "impressions", "展现量", ["展现量", "展现次数", "impressions"];
    /// Clicks.
    Clicks = "clicks", "点击量", ["点击量", "点击次数", "clicks"];
    /// Cost (the header may say 元 or 分).
    Cost = "cost", "花费", ["花费", "总花费", "消耗", "cost"];
    /// Average cost per click.
    Cpc = "cpc", "平均点击花费", ["平均点击花费", "cpc"];
    /// Direct orders.
    DirectOrders = "direct_orders", "直接成交笔数", ["直接成交笔数"];
    /// Indirect orders.
    IndirectOrders = "indirect_orders", "间接成交笔数", ["间接成交笔数"];
    /// Total orders.
    Orders = "orders", "总成交笔数", ["总成交笔数", "成交笔数", "orders"];
    /// Total GMV.
    Gmv = "gmv", "总成交金额", ["总成交金额", "成交金额", "gmv"];
    /// Return on ad spend (GMV / cost).
    Roi = "roi", "投入产出比", ["投入产出比", "roi"];
    /// Favourites.
    Favourites = "favourites", "收藏宝贝数", ["收藏宝贝数", "总收藏数", "favourites"];
    /// Add-to-carts.
    Carts = "carts", "总购物车数", ["总购物车数", "加购数", "carts"];
    /// Quality score 1-10.
    QualityScore = "quality_score", "质量分", ["质量分", "quality_score"];
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Field {
    /// The field a header names, if any: case-insensitive, ignoring a BOM, surrounding quotes
    /// and whitespace, `_`/`-`/spaces inside, full-width letters and a trailing unit like `(元)`.
    pub fn from_header(header: &str) -> Option<Field> {
        let (name, _) = split_unit(clean_header(header));
        lookup().get(&match_key(name)).copied()
    }

    /// Dense index, for per-field tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

fn lookup() -> &'static HashMap<String, Field> {
    static TABLE: OnceLock<HashMap<String, Field>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for &field in Field::ALL {
            let own = [field.name(), field.header_zh()];
            for alias in own.iter().chain(field.aliases()) {
                table.insert(match_key(alias), field);
            }
        }
        table
    })
}

/// Strips a BOM, whitespace and surrounding quotes, as exports add them.
fn clean_header(header: &str) -> &str {
    let quotes: &[char] = &['"', '\'', '“', '”', '‘', '’', '「', '」', '\u{feff}'];
    let mut s = header;
    loop {
        let t = s.trim().trim_matches(quotes);
        if t.len() == s.len() {
            return t;
        }
        s = t;
    }
}

/// Splits `花费(元)` / `花费（分）` into the name and the unit.
fn split_unit(header: &str) -> (&str, Option<&str>) {
    let Some(body) = header
        .strip_suffix(')')
        .or_else(|| header.strip_suffix('）'))
    else {
        return (header, None);
    };
    match body.rfind(['(', '（']) {
        Some(open) if !body[..open].trim().is_empty() => {
            let open_len = body[open..].chars().next().map_or(1, char::len_utf8);
            let unit = body[open + open_len..].trim();
            (body[..open].trim(), (!unit.is_empty()).then_some(unit))
        }
        _ => (header, None),
    }
}

/// The comparison key: lower case, full-width letters folded, no spaces, `_` or `-`.
fn match_key(name: &str) -> String {
    name.chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Folds full-width ASCII (`１２３ＡＢＣ，．％`) and the ideographic space to ASCII.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{ffe5}' => '¥',
        _ => c,
    }
}

/// One column of a file: its header as written, the field it names and the unit it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header, trimmed, without BOM or quotes, unit kept (e.g. `花费(分)`).
    pub name: String,
    /// The field the header names, or `None` for an unknown column (kept as an attribute).
    pub field: Option<Field>,
    /// The unit in trailing parentheses (e.g. `分` from `花费（分）`).
    pub unit: Option<String>,
    /// 1-based column in the file (spreadsheet column index; for JSON Lines the key's order).
    pub position: u64,
}

impl Column {
    /// Interprets one header cell.
    pub fn new(header: &str, position: u64) -> Column {
        let name = clean_header(header);
        let (base, unit) = split_unit(name);
        Column {
            name: name.to_owned(),
            field: lookup().get(&match_key(base)).copied(),
            unit: unit.map(str::to_owned),
            position,
        }
    }

    /// The header without its unit, the attribute name of an unknown column.
    pub fn base_name(&self) -> &str {
        split_unit(&self.name).0
    }
}

/// The columns of a file (or of one JSON line), shared by all its records.
#[derive(Debug, Clone)]
pub struct Header {
    path: Arc<Path>,
    format: Format,
    delimiter: u8,
    columns: Vec<Column>,
    by_field: Vec<Option<usize>>,
}

impl Header {
    pub(crate) fn new(
        path: Arc<Path>,
        format: Format,
        delimiter: u8,
        columns: Vec<Column>,
    ) -> Self {
        let mut by_field = vec![None; Field::ALL.len()];
        for (i, column) in columns.iter().enumerate() {
            if let Some(field) = column.field {
                // The first column naming a field wins; later ones stay readable by position.
                by_field[field.index()].get_or_insert(i);
            }
        }
        Header {
            path,
            format,
            delimiter,
            columns,
            by_field,
        }
    }

    /// The file this header belongs to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn path_arc(&self) -> &Arc<Path> {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The delimiter rows are re-quoted with for [`Record::raw`](super::Record::raw).
    pub(crate) fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// All columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Index into [`columns`](Self::columns) of the column holding `field`.
    pub fn index_of(&self, field: Field) -> Option<usize> {
        self.by_field[field.index()]
    }

    /// The column holding `field`.
    pub fn column(&self, field: Field) -> Option<&Column> {
        self.index_of(field).map(|i| &self.columns[i])
    }

    /// Whether the file has a column for `field`.
    pub fn has(&self, field: Field) -> bool {
        self.index_of(field).is_some()
    }

    /// The recognised fields, in file order.
    pub fn fields(&self) -> Vec<Field> {
        self.columns.iter().filter_map(|c| c.field).collect()
    }

    /// Columns no alias matched, kept as attributes (`材质`, `风格`).
    pub fn unknown(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.field.is_none())
    }

    /// Refuses a header naming one column twice (blank names aside, as a stray delimiter makes
    /// them); `line` is the header's line (or sheet row).
    pub(crate) fn check_unique(&self, line: u64) -> Result<(), InputError> {
        let mut seen = HashMap::new();
        for column in self.columns.iter().filter(|c| !c.name.is_empty()) {
            if let Some(&first) = seen.get(column.name.as_str()) {
                return Err(InputError::DuplicateColumn {
                    location: Location::new(self.path.clone(), line, column.position),
                    name: column.name.clone(),
                    first,
                });
            }
            seen.insert(column.name.as_str(), column.position);
        }
        Ok(())
    }

    /// Errors with the aliases looked for when `field` has no column.
    pub fn require(&self, field: Field) -> Result<(), InputError> {
        self.require_at(field, 1)
    }

    pub(crate) fn require_at(&self, field: Field, line: u64) -> Result<(), InputError> {
        if self.has(field) {
            return Ok(());
        }
        Err(InputError::MissingColumn {
            location: Location::new(self.path.clone(), line, 1),
            field,
            found: self
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// One line describing the columns, for messages and `--explain` output:
    /// `标题 (title), 价格(元) (price, 元), 材质 (unknown)`.
    pub fn describe(&self) -> String {
        self.columns
            .iter()
            .map(|c| match (c.field, &c.unit) {
                (Some(f), Some(u)) => format!("{} ({f}, {u})", c.name),
                (Some(f), None) => format!("{} ({f})", c.name),
                (None, _) => format!("{} (unknown)", c.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_with_noise() {
        assert_eq!(Field::from_header("宝贝标题"), Some(Field::Title));
        assert_eq!(Field::from_header("\u{feff}\"Title\" "), Some(Field::Title));
        assert_eq!(Field::from_header("RAW_TITLE"), Some(Field::Title));
        assert_eq!(Field::from_header("Item ID"), Some(Field::Id));
        assert_eq!(Field::from_header("ＩＴＥＭ＿ＩＤ"), Some(Field::Id));
        assert_eq!(Field::from_header("宝贝id"), Some(Field::Id));
        assert_eq!(Field::from_header("花费(元)"), Some(Field::Cost));
        assert_eq!(Field::from_header("花费（分）"), Some(Field::Cost));
        assert_eq!(Field::from_header("点击率(%)"), Some(Field::Ctr));
        assert_eq!(Field::from_header("sale_count"), Some(Field::Sales));
        assert_eq!(Field::from_header("店名"), Some(Field::Shop));
        assert_eq!(Field::from_header("材质"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn column_records_unit() {
        let c = Column::new(" 花费（分） ", 3);
        assert_eq!(c.field, Some(Field::Cost));
        assert_eq!(c.unit.as_deref(), Some("分"));
        assert_eq!(c.name, "花费（分）");
        assert_eq!(c.base_name(), "花费");
        let c = Column::new("重量(g)", 1);
        assert_eq!(
            (c.field, c.unit.as_deref(), c.base_name()),
            (None, Some("g"), "重量")
        );
        // Parentheses alone are a name, not a unit.
        assert_eq!(Column::new("(备注)", 1).unit, None);
    }

    #[test]
    fn no_alias_names_two_fields() {
        let mut seen: HashMap<String, Field> = HashMap::new();
        for &field in Field::ALL {
            let own = [field.name(), field.header_zh()];
            for alias in own.iter().chain(field.aliases()) {
                if let Some(other) = seen.insert(match_key(alias), field) {
                    assert_eq!(other, field, "alias {alias} names {other} and {field}");
                }
            }
        }
    }

    #[test]
    fn names_round_trip_through_headers_and_serde() {
        for &field in Field::ALL {
            assert_eq!(Field::from_header(field.name()), Some(field), "{field}");
            assert_eq!(
                Field::from_header(field.header_zh()),
                Some(field),
                "{field}"
            );
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(json, format!("\"{}\"", field.name()));
            assert_eq!(serde_json::from_str::<Field>(&json).unwrap(), field);
        }
        assert_eq!(Field::Title.header_zh(), "标题");
    }

    #[test]
    fn header_finds_first_and_describes() {
        let cols = ["id", "标题", "title", "材质", "价格(元)"]
            .iter()
            .enumerate()
            .map(|(i, h)| Column::new(h, i as u64 + 1))
            .collect();
        let h = Header::new(Arc::from(Path::new("a.csv")), Format::Csv, b',', cols);
        assert_eq!(h.index_of(Field::Title), Some(1));
        assert_eq!(
            h.fields(),
            vec![Field::Id, Field::Title, Field::Title, Field::Price]
        );
        assert_eq!(
            h.unknown().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["材质"]
        );
        assert_eq!(
            h.describe(),
            "id (id), 标题 (title), title (title), 材质 (unknown), 价格(元) (price, 元)"
        );
        let err = h.require(Field::Keyword).unwrap_err().to_string();
        assert_eq!(
            err,
            "a.csv:1:1: no keyword column: looked for 关键词, 搜索词, keyword, query: \
             \"id, 标题, title, 材质, 价格(元)\""
        );
    }
}
