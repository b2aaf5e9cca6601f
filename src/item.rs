//! Items: an own listing to score or rewrite, with what the operator knows about it (brand,
//! product word, attributes, words to keep or avoid), read from any input row.
//!
//! A brand or product word the row does not give is detected from the segmented title and
//! marked as detected, so outputs can say so.

use serde::Serialize;

use crate::input::{Field, InputError, Location, Record};
use crate::lang::{Describe, Lang};
use crate::text::chars::normal_form;
use crate::text::{Segmented, TokenKind};

/// Why a row cannot become an [`Item`].
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    /// The reader's own error (bad number, malformed row).
    #[error(transparent)]
    Input(#[from] InputError),
    /// The row has no title.
    #[error("{}", self.describe(Lang::En))]
    NoTitle {
        /// The row.
        location: Location,
    },
    /// A price or sales cell below zero.
    #[error("{}", self.describe(Lang::En))]
    Negative {
        /// The cell.
        location: Location,
        /// The column header as written in the file.
        header: String,
        /// The cell text.
        value: String,
    },
}

impl Describe for ItemError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (ItemError::Input(e), _) => e.describe(lang),
            (ItemError::NoTitle { location }, Lang::Zh) => format!(
                "{location}: 这一行没有标题（找过 {}）",
                Field::Title.aliases().join("、")
            ),
            (ItemError::NoTitle { location }, Lang::En) => format!(
                "{location}: no title for the item (looked for {})",
                Field::Title.aliases().join(", ")
            ),
            (
                ItemError::Negative {
                    location,
                    header,
                    value,
                },
                Lang::Zh,
            ) => {
                format!("{location}: {header}：不能为负数：{value:?}")
            }
            (
                ItemError::Negative {
                    location,
                    header,
                    value,
                },
                Lang::En,
            ) => {
                format!("{location}: {header}: must not be negative: {value:?}")
            }
        }
    }
}

/// The cell of `field` as a number that must not be negative (a price, a sales count).
fn non_negative(record: &Record, field: Field) -> Result<Option<f64>, ItemError> {
    let number = record.number(field)?;
    match (number, record.header().index_of(field)) {
        (Some(x), Some(index)) if x < 0.0 => Err(ItemError::Negative {
            location: record.cell_location(index),
            header: record.header().columns()[index].name.clone(),
            value: record.get(field).unwrap_or("").to_owned(),
        }),
        _ => Ok(number),
    }
}

/// An item to score or rewrite.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// Item id (宝贝ID), or the line number.
    pub id: String,
    /// The current title.
    pub title: String,
    /// The brand as the operator gives it.
    pub brand: Option<String>,
    /// The product (core) word as the operator gives it.
    pub product: Option<String>,
    /// Category path.
    pub category: Option<String>,
    /// Attributes `(name, value)`: true of the item, so their values may enter the title.
    pub attributes: Vec<(String, String)>,
    /// Price in 元.
    pub price: Option<f64>,
    /// Sales as exported.
    pub sales: Option<f64>,
    /// Words the new title must keep.
    pub must_keep: Vec<String>,
    /// Words the new title must not hold.
    pub banned: Vec<String>,
}

/// Splits a cell of words (`雪纺, 碎花；长袖`) into words.
pub fn split_words(cell: &str) -> Vec<String> {
    cell.split([',', '，', ';', '；', '|', '、', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Item {
    /// An item with only an id and a title.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Item {
        Item {
            id: id.into(),
            title: title.into(),
            ..Item::default()
        }
    }

    /// Reads an item from an input row: id (else the line number), title (required), brand,
    /// product word, category, attributes (a `属性` cell and any unknown column), price,
    /// sales, must-keep and banned words.
    pub fn from_record(record: &Record) -> Result<Item, ItemError> {
        let owned = |f: Field| record.text(f).map(str::to_owned);
        let title = owned(Field::Title).ok_or_else(|| ItemError::NoTitle {
            location: record.location(),
        })?;
        Ok(Item {
            id: owned(Field::Id).unwrap_or_else(|| record.line().to_string()),
            title,
            brand: owned(Field::Brand),
            product: owned(Field::Product),
            category: owned(Field::Category),
            attributes: record.attributes(),
            price: non_negative(record, Field::Price)?,
            sales: non_negative(record, Field::Sales)?,
            must_keep: record
                .text(Field::MustKeep)
                .map(split_words)
                .unwrap_or_default(),
            banned: record
                .text(Field::Banned)
                .map(split_words)
                .unwrap_or_default(),
        })
    }

    /// The brand and product word: as given, else detected in the title. The product word is
    /// the product token the market values most (`weight`, e.g.
    /// [`KeywordUniverse::word_weight`](crate::keyword::KeywordUniverse::word_weight)), the
    /// first on a tie; the brand is the first brand token.
    pub fn subject(&self, seg: &Segmented<'_>, weight: impl Fn(&str) -> f64) -> Subject {
        let given = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Named {
                    key: normal_form(s).into_owned(),
                    text: s.to_owned(),
                    detected: false,
                })
        };
        let brand = given(&self.brand).or_else(|| {
            seg.tokens
                .iter()
                .find(|t| t.kind == TokenKind::Brand)
                .map(|t| Named {
                    text: seg.text(t).to_owned(),
                    key: seg.key(t).to_owned(),
                    detected: true,
                })
        });
        let product = given(&self.product).or_else(|| {
            let mut best: Option<(f64, &crate::text::Token)> = None;
            for t in seg.tokens.iter().filter(|t| t.kind == TokenKind::Product) {
                let w = weight(seg.key(t));
                if best.is_none_or(|(bw, _)| w > bw) {
                    best = Some((w, t));
                }
            }
            best.map(|(_, t)| Named {
                text: seg.text(t).to_owned(),
                key: seg.key(t).to_owned(),
                detected: true,
            })
        });
        Subject { brand, product }
    }
}

/// A brand or product word, and whether baobei detected it (not given by the operator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// As written.
    pub text: String,
    /// Folded, for matching.
    pub key: String,
    /// Detected from the title rather than given.
    pub detected: bool,
}

/// What an item is: its brand and product word.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The brand, if any.
    pub brand: Option<Named>,
    /// The product word, if any.
    pub product: Option<Named>,
}

impl Subject {
    /// What was detected rather than given, for a person, in `lang`: `识别出品牌「自然堂」`,
    /// `brand "自然堂" detected`.
    pub fn note(&self, lang: Lang) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(b) = self.brand.as_ref().filter(|b| b.detected) {
            parts.push(match lang {
                Lang::Zh => format!("识别出品牌「{}」", b.text),
                Lang::En => format!("brand \"{}\" detected", b.text),
            });
        }
        if let Some(p) = self.product.as_ref().filter(|p| p.detected) {
            parts.push(match lang {
                Lang::Zh => format!("识别出产品词「{}」", p.text),
                Lang::En => format!("product word \"{}\" detected", p.text),
            });
        }
        (!parts.is_empty()).then(|| parts.join(lang.pick("，", ", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{self, Format, Options};
    use std::path::Path;

    #[test]
    fn reads_items_with_attributes_and_word_lists() {
        let csv = "宝贝ID,标题,属性,必留词,禁用词,颜色\n1,碎花雪纺连衣裙,材质:雪纺;图案:碎花,\"法式, 长袖\",网红,黑色\n2,,,,,\n";
        let reader = input::from_reader(
            csv.as_bytes(),
            Path::new("items.csv"),
            Format::Csv,
            &Options::default(),
        )
        .unwrap();
        let rows: Vec<_> = reader.map(|r| Item::from_record(&r.unwrap())).collect();
        let item = rows[0].as_ref().unwrap();
        assert_eq!(item.id, "1");
        assert_eq!(
            item.attributes,
            [
                ("材质".into(), "雪纺".into()),
                ("图案".into(), "碎花".into()),
                ("颜色".into(), "黑色".into())
            ]
        );
        assert_eq!(item.must_keep, ["法式", "长袖"]);
        assert_eq!(item.banned, ["网红"]);
        let e = rows[1].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with("items.csv:3:") && e.contains("no title"),
            "{e}"
        );
    }

    #[test]
    fn negative_price_or_sales_is_a_row_error_at_its_cell() {
        let csv = "宝贝ID,标题,价格(元),销量\n1,面霜,-9,3\n2,乳液,9,-3\n3,眼霜,0,0\n";
        let reader = input::from_reader(
            csv.as_bytes(),
            Path::new("items.csv"),
            Format::Csv,
            &Options::default(),
        )
        .unwrap();
        let rows: Vec<_> = reader.map(|r| Item::from_record(&r.unwrap())).collect();
        let errors: Vec<String> = rows
            .iter()
            .filter_map(|r| r.as_ref().err().map(ToString::to_string))
            .collect();
        assert_eq!(
            errors,
            [
                "items.csv:2:3: 价格(元): must not be negative: \"-9\"",
                "items.csv:3:4: 销量: must not be negative: \"-3\"",
            ]
        );
        assert_eq!(rows[2].as_ref().unwrap().price, Some(0.0));
    }

    #[test]
    fn detects_what_is_not_given_and_says_so() {
        let s = crate::text::test_segmenter();
        let item = Item::new("1", "CHANDO/自然堂 补水保湿面霜50g");
        let seg = s.segment(&item.title);
        let subject = item.subject(&seg, |_| 0.0);
        assert_eq!(subject.brand.as_ref().unwrap().text, "CHANDO");
        assert_eq!(subject.product.as_ref().unwrap().text, "面霜");
        assert!(
            subject
                .note(Lang::En)
                .unwrap()
                .contains("product word \"面霜\" detected")
        );
        assert!(
            subject
                .note(Lang::Zh)
                .unwrap()
                .contains("识别出产品词「面霜」")
        );
        let given = Item {
            brand: Some("自然堂".into()),
            ..item.clone()
        };
        let subject = given.subject(&seg, |_| 0.0);
        assert!(!subject.brand.unwrap().detected);
        // The market breaks ties between product words.
        let item = Item::new("2", "连衣裙 裙子");
        let seg = s.segment(&item.title);
        let p = item.subject(&seg, |k| if k == "裙子" { 9.0 } else { 1.0 });
        assert_eq!(p.product.unwrap().text, "裙子");
    }
}
