//! The tokenizer tantivy runs on titles: baobei's segmentation, plus the search sub-words of
//! long words at index time.

use std::fmt;
use std::sync::Arc;

use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};

use crate::text::Segmenter;
use crate::text::recall;

/// The tokenizer tantivy runs on titles: baobei's segmentation, shared by `Arc` so tantivy's
/// per-segment and per-query clones cost a reference count, not a dictionary.
#[derive(Clone)]
pub struct TitleTokenizer {
    segmenter: Arc<Segmenter>,
    search_subwords: bool,
    /// The last title's tokens, kept so that the next title reuses their text buffers: the
    /// writer thread tokenises every title, and a `String` per term was most of its
    /// allocations.
    tokens: Vec<TantivyToken>,
}

impl TitleTokenizer {
    /// The index-time tokenizer: words plus their 2- and 3-character dictionary sub-words.
    pub fn for_index(segmenter: Arc<Segmenter>) -> Self {
        TitleTokenizer {
            segmenter,
            search_subwords: true,
            tokens: Vec::new(),
        }
    }

    /// The query-time tokenizer: plain segmentation.
    pub fn for_query(segmenter: Arc<Segmenter>) -> Self {
        TitleTokenizer {
            segmenter,
            search_subwords: false,
            tokens: Vec::new(),
        }
    }

    /// The distinct terms this tokenizer gives `title`, in title order.
    pub fn terms(&self, title: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        self.each_term(title, |key, _, _, _| {
            if !terms.iter().any(|t| t == key) {
                terms.push(key.to_owned());
            }
        });
        terms
    }

    /// Calls `emit(key, byte_from, byte_to, position)` for every term of `title` this
    /// tokenizer indexes (see [`each_term`]).
    pub(super) fn each_term(&self, title: &str, emit: impl FnMut(&str, usize, usize, usize)) {
        each_term(&self.segmenter, self.search_subwords, title, emit)
    }
}

/// Calls `emit(key, byte_from, byte_to, position)` for every indexed term of `title`: the
/// recall terms ([`recall::for_each_term`]) at index time (`search_subwords`), the plain
/// words at query time.
pub(super) fn each_term(
    segmenter: &Segmenter,
    search_subwords: bool,
    title: &str,
    mut emit: impl FnMut(&str, usize, usize, usize),
) {
    let seg = segmenter.segment(title);
    if search_subwords {
        recall::for_each_term(segmenter, &seg, |key, position, from, to| {
            emit(key, from, to, position)
        });
    } else {
        for (position, token) in seg.words().enumerate() {
            let (from, to) = (token.byte_start as usize, token.byte_end as usize);
            emit(seg.key(token), from, to, position);
        }
    }
}

impl fmt::Debug for TitleTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TitleTokenizer")
            .field("search_subwords", &self.search_subwords)
            .finish()
    }
}

/// The terms of one title, produced eagerly (segmentation works on the whole title) into the
/// tokenizer's reused buffer.
#[derive(Debug)]
pub struct TitleTokenStream<'a> {
    tokens: &'a mut [TantivyToken],
    next: usize,
}

impl Tokenizer for TitleTokenizer {
    type TokenStream<'a> = TitleTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TitleTokenStream<'a> {
        let tokens = &mut self.tokens;
        let mut n = 0;
        each_term(
            &self.segmenter,
            self.search_subwords,
            text,
            |key, from, to, position| {
                if n == tokens.len() {
                    tokens.push(TantivyToken::default());
                }
                let token = &mut tokens[n];
                token.offset_from = from;
                token.offset_to = to;
                token.position = position;
                token.text.clear();
                token.text.push_str(key);
                token.position_length = 1;
                n += 1;
            },
        );
        TitleTokenStream {
            tokens: &mut tokens[..n],
            next: 0,
        }
    }
}

impl TokenStream for TitleTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &TantivyToken {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.tokens[self.next - 1]
    }
}
