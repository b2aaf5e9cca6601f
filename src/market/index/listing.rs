//! A listing as the index stores it: whose it is ([`Role`]) and what an export row says of it
//! on one snapshot day ([`Listing`]), read from a row with the cell of each bad value.

use std::fmt;
use std::str::FromStr;

use crate::input::{Date, Field, InputError, Location, Record};
use crate::lang::{Describe, Lang};

/// Whose listing it is: the seller's own, a direct competitor's, or the wider industry's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The seller's own listing.
    Own,
    /// A competitor tracked by the seller.
    Competitor,
    /// Any other listing of the category (market background).
    Industry,
}

impl Role {
    /// The lower-case name used in the index and every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Own => "own",
            Role::Competitor => "competitor",
            Role::Industry => "industry",
        }
    }

    /// The name in Chinese: 本店, 竞品, 行业.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Own => "本店",
            Role::Competitor => "竞品",
            Role::Industry => "行业",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    /// Reads `own`/`自有`/`本店`, `competitor`/`竞品`, `industry`/`行业` (ASCII case ignored), as
    /// `--role` and a role column spell them.
    fn from_str(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "own" | "自有" | "本店" | "自己" => Ok(Role::Own),
            "competitor" | "竞品" | "竞争" | "对手" => Ok(Role::Competitor),
            "industry" | "行业" | "市场" => Ok(Role::Industry),
            _ => Err(format!(
                "unknown role {s:?}: expected own, competitor or industry"
            )),
        }
    }
}

/// One listing on one snapshot day: what [`super::ListingWriter::upsert`] stores and searches return.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The item id (宝贝ID), the upsert key together with the snapshot.
    pub id: String,
    /// The title as listed.
    pub title: String,
    /// Brand, when the export names it.
    pub brand: Option<String>,
    /// Product (core) word, when the export names it.
    pub product: Option<String>,
    /// Category path, when the export names it; filters searches.
    pub category: Option<String>,
    /// Shop name.
    pub shop: Option<String>,
    /// Price in 元.
    pub price: Option<f64>,
    /// Sales as exported (often cumulative, so growth is a difference of snapshots).
    pub sales: Option<u64>,
    /// Whose listing it is.
    pub role: Role,
    /// The day the figures were taken.
    pub snapshot: Date,
}

/// Why a row cannot become a [`Listing`]; every variant says where.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// The reader's own error for the row or cell (bad number, bad date, malformed row).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A field every listing needs is absent or blank.
    #[error("{}", self.describe(Lang::En))]
    Missing {
        /// The row (column 1) or the blank cell.
        location: Location,
        /// The field missing.
        field: Field,
    },
    /// A role cell that is none of own, competitor, industry.
    #[error("{}", self.describe(Lang::En))]
    Role {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
    /// A price cell below zero.
    #[error("{}", self.describe(Lang::En))]
    Price {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
    /// A sales cell that is negative or not a whole count.
    #[error("{}", self.describe(Lang::En))]
    Sales {
        /// The cell.
        location: Location,
        /// The cell text.
        value: String,
    },
}

impl Describe for ListingError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ListingError::Input(e), _) => e.describe(lang),
            (ListingError::Missing { location, field }, Lang::Zh) => format!(
                "{location}: 这个宝贝没有{}（找过 {}）",
                field.header_zh(),
                field.aliases().join("、")
            ),
            (ListingError::Missing { location, field }, Lang::En) => format!(
                "{location}: no {} for the listing (looked for {})",
                field.name(),
                field.aliases().join(", ")
            ),
            (ListingError::Role { location, value }, Lang::Zh) => format!(
                "{location}: 未知的角色：{value:?}：应为 own（本店）、competitor（竞品）或 industry（行业）"
            ),
            (ListingError::Role { location, value }, Lang::En) => {
                format!("{location}: unknown role: {value:?}: expected own, competitor or industry")
            }
            (ListingError::Price { location, value }, Lang::Zh) => {
                format!("{location}: 价格不能为负数：{value:?}")
            }
            (ListingError::Price { location, value }, Lang::En) => {
                format!("{location}: price must not be negative: {value:?}")
            }
            (ListingError::Sales { location, value }, Lang::Zh) => {
                format!("{location}: 销量必须是不小于 0 的整数：{value:?}")
            }
            (ListingError::Sales { location, value }, Lang::En) => {
                format!("{location}: sales must be a whole count >= 0: {value:?}")
            }
        }
    }
}

impl Listing {
    /// Reads a listing from an input row. A role or date column in the row wins over `role` and
    /// `snapshot` (real exports hold several days in one file); those apply to rows without one.
    pub fn from_record(
        record: &Record,
        role: Option<Role>,
        snapshot: Option<Date>,
    ) -> Result<Listing, ListingError> {
        let cell = |field: Field| {
            record
                .header()
                .index_of(field)
                .map(|i| record.cell_location(i))
                .unwrap_or_else(|| record.location())
        };
        let missing = |field: Field| ListingError::Missing {
            location: cell(field),
            field,
        };
        let owned = |field: Field| record.text(field).map(str::to_owned);
        let id = owned(Field::Id).ok_or_else(|| missing(Field::Id))?;
        let title = owned(Field::Title).ok_or_else(|| missing(Field::Title))?;
        let role = match record.text(Field::Role) {
            Some(text) => text.parse().map_err(|_| ListingError::Role {
                location: cell(Field::Role),
                value: text.to_owned(),
            })?,
            None => role.ok_or_else(|| missing(Field::Role))?,
        };
        let snapshot = match record.date(Field::Date)? {
            Some(date) => date,
            None => snapshot.ok_or_else(|| missing(Field::Date))?,
        };
        let sales = match record.number(Field::Sales)? {
            None => None,
            Some(x) if x >= 0.0 && x.fract() == 0.0 && x < u64::MAX as f64 => Some(x as u64),
            Some(_) => {
                return Err(ListingError::Sales {
                    location: cell(Field::Sales),
                    value: record.get(Field::Sales).unwrap_or("").to_owned(),
                });
            }
        };
        let price = record.number(Field::Price)?;
        if price.is_some_and(|p| p < 0.0) {
            return Err(ListingError::Price {
                location: cell(Field::Price),
                value: record.get(Field::Price).unwrap_or("").to_owned(),
            });
        }
        Ok(Listing {
            id,
            title,
            brand: owned(Field::Brand),
            product: owned(Field::Product),
            category: owned(Field::Category),
            shop: owned(Field::Shop),
            price,
            sales,
            role,
            snapshot,
        })
    }
}
