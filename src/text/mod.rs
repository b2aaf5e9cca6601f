//! The text model: what a title is before anything is valued. [`chars`] folds characters
//! for matching and counts GBK bytes; [`Segmenter`] (jieba-rs plus baobei's
//! [`dictionary`](crate::dictionary)) cuts a title into typed [`Token`]s whose spans point
//! into the original text; [`lint`] finds what breaks the budget, the Advertising Law or
//! wastes bytes; [`recall`] is the one matcher, which decides whether a title is found for
//! a query.
//!
//! This is the bottom layer: it knows nothing of the market, keywords, items or the title
//! engine, which all build on it.

pub mod chars;
pub mod lint;
pub mod recall;
mod segment;

pub use segment::{Segmented, Segmenter, Token, TokenKind};

/// One segmenter for all unit tests: building it loads jieba's dictionary.
#[cfg(test)]
pub(crate) fn test_segmenter() -> &'static Segmenter {
    static SEGMENTER: std::sync::OnceLock<Segmenter> = std::sync::OnceLock::new();
    SEGMENTER.get_or_init(Segmenter::builtin)
}
