//! Why a keyword is suggested for an item: structured values (a kind plus its figures), worded
//! in Chinese or English in one place ([`KeywordReason::describe`]). `suggest` lists them
//! per keyword, and the ads review keeps them with the keywords it adds.

use serde::Serialize;

use crate::lang::{self, Lang};

/// One reason a keyword fits an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeywordReason {
    /// It holds the item's product word (or a synonym).
    HoldsProduct {
        /// The product word, when known.
        product: Option<String>,
    },
    /// Similar listings cover it.
    SimilarListings {
        /// How many of them.
        listings: u16,
        /// Of how many similar listings looked at.
        of: usize,
    },
    /// Every word of it is in the title.
    TitleWords,
    /// Some of its words are in the title.
    SomeTitleWords {
        /// How many.
        in_title: usize,
        /// Of its words.
        words: usize,
    },
    /// Its category is not the item's.
    OtherCategory {
        /// Its category.
        category: String,
    },
    /// Best-selling similar listings use it.
    BestSellers {
        /// How many of them.
        using: u16,
        /// Of how many best sellers.
        of: usize,
        /// The title covers it too (otherwise: a competitor gap).
        covered: bool,
    },
    /// A rising keyword (飙升词).
    Rising {
        /// Growth against the previous period, when known.
        growth: Option<f64>,
    },
    /// Its expected ROI at the reference CPC.
    Roi {
        /// Expected ROI.
        roi: f64,
        /// Reference CPC, 元.
        cpc: f64,
    },
}

impl KeywordReason {
    /// The reason for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        use KeywordReason as R;
        match (lang, self) {
            (Lang::Zh, R::HoldsProduct { product: Some(p) }) => format!("含产品词「{p}」"),
            (Lang::Zh, R::HoldsProduct { product: None }) => "含产品词".to_owned(),
            (Lang::En, R::HoldsProduct { product: Some(p) }) => format!("holds \"{p}\""),
            (Lang::En, R::HoldsProduct { product: None }) => "holds the product word".to_owned(),
            (Lang::Zh, R::SimilarListings { listings, of }) => {
                format!("{of} 个相似宝贝中 {listings} 个使用")
            }
            (Lang::En, R::SimilarListings { listings, of }) => {
                format!("on {listings} of {of} similar listings")
            }
            (Lang::Zh, R::TitleWords) => "词都在标题中".to_owned(),
            (Lang::En, R::TitleWords) => "its words are the title's".to_owned(),
            (Lang::Zh, R::SomeTitleWords { in_title, words }) => {
                format!("{words} 个词中 {in_title} 个在标题中")
            }
            (Lang::En, R::SomeTitleWords { in_title, words }) => {
                format!("{in_title} of its {words} words in the title")
            }
            (Lang::Zh, R::OtherCategory { category }) => format!("类目「{category}」"),
            (Lang::En, R::OtherCategory { category }) => format!("category \"{category}\""),
            (Lang::Zh, R::BestSellers { using, of, covered }) => format!(
                "{of} 个热销宝贝中 {using} 个使用{}",
                if *covered { "" } else { "，本标题没有" }
            ),
            (Lang::En, R::BestSellers { using, of, covered }) => format!(
                "{using} of {of} best sellers use it{}",
                if *covered {
                    ""
                } else {
                    ", this title does not"
                }
            ),
            (Lang::Zh, R::Rising { growth: Some(g) }) => format!("飙升 {:+.0}%", g * 100.0),
            (Lang::Zh, R::Rising { growth: None }) => "飙升".to_owned(),
            (Lang::En, R::Rising { growth: Some(g) }) => format!("rising {:+.0}%", g * 100.0),
            (Lang::En, R::Rising { growth: None }) => "rising".to_owned(),
            (Lang::Zh, R::Roi { roi, cpc }) => format!("按 ¥{cpc:.2} 出价 ROI {roi:.1}"),
            (Lang::En, R::Roi { roi, cpc }) => format!("ROI {roi:.1} at ¥{cpc:.2}"),
        }
    }
}

/// Reasons joined for a person, and the words to confirm true of the item first.
pub fn describe_all(lang: Lang, reasons: &[KeywordReason], unconfirmed: &[String]) -> String {
    let mut text = reasons
        .iter()
        .map(|r| r.describe(lang))
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "));
    if !unconfirmed.is_empty() {
        let words = lang::list(lang, unconfirmed.iter().cloned());
        text.push_str(&match lang {
            Lang::Zh => format!("；需确认：{words}"),
            Lang::En => format!("; confirm: {words}"),
        });
    }
    text
}
