//! Titles: the text model (folding, GBK length), segmentation into typed tokens, lint, and
//! the title engine: [`score`] (which real queries a title is found for) and [`edit`] (the
//! fewest edits that gain the most).

pub mod edit;
pub mod lint;
pub mod score;
mod segment;
pub mod text;

pub use segment::{Segmented, Segmenter, Token, TokenKind};

/// One segmenter for all unit tests: building it loads jieba's dictionary.
#[cfg(test)]
pub(crate) fn test_segmenter() -> &'static Segmenter {
    static SEGMENTER: std::sync::OnceLock<Segmenter> = std::sync::OnceLock::new();
    SEGMENTER.get_or_init(Segmenter::builtin)
}
