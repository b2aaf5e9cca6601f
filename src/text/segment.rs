//! Segmentation of titles into typed tokens: jieba-rs with baobei's dictionaries, plus the
//! rules jieba does not know (model numbers and specs stay whole, Latin brand phrases).

use std::sync::Arc;

use jieba_rs::Jieba;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::chars::{fold, is_cjk, normal_form};
use crate::dictionary::{Dictionaries, Prohibited, WordKind};

/// What a token is. Dictionary kinds plus the two that segmentation itself recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A brand name or alias (`自然堂`, `chando`).
    Brand,
    /// The product (core) word.
    Product,
    /// An attribute word.
    Attribute,
    /// A generic traffic word (season, year, gender, ...).
    Traffic,
    /// A specification or model number: `50g`, `ksr10-07-25`, `type-c`, `xl`.
    Spec,
    /// Any other word.
    Word,
    /// A filler word of no search value.
    Filler,
    /// Punctuation or a symbol.
    Punct,
}

impl TokenKind {
    /// The lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brand => "brand",
            Self::Product => "product",
            Self::Attribute => "attribute",
            Self::Traffic => "traffic",
            Self::Spec => "spec",
            Self::Word => "word",
            Self::Filler => "filler",
            Self::Punct => "punct",
        }
    }

    /// Whether the token is a word that search can match (not punctuation).
    pub fn is_word(self) -> bool {
        self != Self::Punct
    }
}

impl From<WordKind> for TokenKind {
    fn from(kind: WordKind) -> Self {
        match kind {
            WordKind::Brand => Self::Brand,
            WordKind::Product => Self::Product,
            WordKind::Attribute => Self::Attribute,
            WordKind::Traffic => Self::Traffic,
            WordKind::Word => Self::Word,
            WordKind::Filler => Self::Filler,
        }
    }
}

/// One token of a title. Spans point into the ORIGINAL title (characters and UTF-8 bytes)
/// and into its folded form, which is what matching uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// First character, 0-based, in the original title.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// First byte in the original title.
    pub byte_start: u32,
    /// One past the last byte in the original title.
    pub byte_end: u32,
    key_start: u32,
    key_end: u32,
}

/// A segmented title: the original text, its folded form and the tokens.
#[derive(Debug, Clone)]
pub struct Segmented<'t> {
    title: &'t str,
    folded: String,
    /// Tokens in title order; white space is not a token.
    pub tokens: Vec<Token>,
}

impl<'t> Segmented<'t> {
    /// The original title.
    pub fn title(&self) -> &'t str {
        self.title
    }

    /// The token's text as written in the original title.
    pub fn text(&self, token: &Token) -> &'t str {
        &self.title[token.byte_start as usize..token.byte_end as usize]
    }

    /// The token's folded text (half-width, lower case): the form to match on.
    pub fn key(&self, token: &Token) -> &str {
        &self.folded[token.key_start as usize..token.key_end as usize]
    }

    /// The folded text from `first` to `last`, both included, with what stands between them.
    pub fn key_between(&self, first: &Token, last: &Token) -> &str {
        &self.folded[first.key_start as usize..last.key_end as usize]
    }

    /// The folded title.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// Tokens that are words (no punctuation).
    pub fn words(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| t.kind.is_word())
    }
}

/// What the dictionaries say about one folded word.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: WordKind,
    /// Index into `brands` for brand aliases, so `chando` and `自然堂` are one brand.
    brand: u32,
}

/// Units that turn a number into a specification (`50克`, `3件`, `10档`).
const UNITS: &[&str] = &[
    "克", "千克", "公斤", "斤", "两", "毫升", "升", "毫米", "厘米", "米", "寸", "英寸", "码", "件",
    "片", "支", "瓶", "盒", "包", "袋", "只", "个", "双", "套", "粒", "颗", "条", "张", "罐", "枚",
    "岁", "档", "层", "瓦", "伏", "度", "毫安", "匹", "升级",
];

/// Letter-only sizes that are specifications, not words.
const SIZES: &[&str] = &[
    "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "4xl", "5xl", "6xl",
];

/// The segmenter: built once (loading jieba's dictionary is the expensive part) and shared by
/// reference by every thread and every tantivy tokenizer clone.
pub struct Segmenter {
    jieba: Jieba,
    entries: FxHashMap<Box<str>, Entry>,
    prohibited: FxHashMap<Box<str>, u32>,
    dictionaries: Arc<Dictionaries>,
    /// Longest Latin brand phrase in tokens (`estee lauder` is 2).
    max_brand_phrase: usize,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Segmenter {
    /// Builds a segmenter from jieba's default dictionary plus `dictionaries`.
    pub fn new(dictionaries: Arc<Dictionaries>) -> Self {
        // What every folded word is, later dictionaries overriding earlier ones: brands first,
        // then the curated lexicon (over a noisy brand entry), then filler words.
        let mut entries: FxHashMap<Box<str>, Entry> = FxHashMap::default();
        let mut max_brand_phrase = 1;
        let mut brand_keys = Vec::new();
        for (index, brand) in dictionaries.brands.iter().enumerate() {
            for name in std::iter::once(&brand.name).chain(&brand.aliases) {
                let key = brand_key(name);
                max_brand_phrase = max_brand_phrase.max(key.split(' ').count());
                let entry = Entry {
                    kind: WordKind::Brand,
                    brand: index as u32,
                };
                entries.insert(key.as_str().into(), entry);
                brand_keys.push((key, brand.freq));
            }
        }
        let lexicon_keys: Vec<String> = dictionaries
            .lexicon
            .iter()
            .map(|e| normal_form(&e.word).into_owned())
            .collect();
        for (entry, key) in dictionaries.lexicon.iter().zip(&lexicon_keys) {
            entries.insert(
                key.as_str().into(),
                Entry {
                    kind: entry.kind,
                    brand: u32::MAX,
                },
            );
        }
        for word in &dictionaries.stopwords {
            entries.insert(
                normal_form(word).into(),
                Entry {
                    kind: WordKind::Filler,
                    brand: u32::MAX,
                },
            );
        }

        // jieba carries each word's kind as its tag, so segmentation learns the kind from the
        // lookup jieba does anyway. jieba keeps the tag of a word it already has, so baobei's
        // words go in first (with no weight yet), then the default dictionary (which keeps
        // those tags), then baobei's frequencies. ASCII words are cut by baobei itself.
        let mut jieba = Jieba::empty();
        for (key, entry) in &entries {
            if !key.is_ascii() && !key.contains(' ') {
                jieba.add_word(key, Some(0), Some(kind_tag(entry.kind)));
            }
        }
        jieba.load_default_dict();
        let weigh = |jieba: &mut Jieba, key: &str, freq: Option<usize>| {
            if !key.is_ascii() && !key.contains(' ') {
                jieba.add_word(key, freq, None);
            }
        };
        for (key, freq) in &brand_keys {
            weigh(&mut jieba, key, *freq);
        }
        // A product compound whose tail is itself a product word (木茶几 = 木 + 茶几) is not
        // weighted to stay whole when jieba's own cut already ends in that product word
        // (木/茶几, not 手机/壳): forcing it would steal characters from its neighbours
        // (原木茶几 -> 原 木茶几) and hide the head noun that searches match.
        let products: rustc_hash::FxHashSet<&str> = dictionaries
            .lexicon
            .iter()
            .zip(&lexicon_keys)
            .filter(|(e, _)| e.kind == WordKind::Product)
            .map(|(_, k)| k.as_str())
            .collect();
        let has_product_tail = |jieba: &Jieba, key: &str| {
            key.char_indices()
                .skip(1)
                .any(|(i, _)| key[i..].chars().count() >= 2 && products.contains(&key[i..]))
                && jieba
                    .cut(key, false)
                    .last()
                    .is_some_and(|t| t.word.chars().count() >= 2 && products.contains(t.word))
        };
        for (entry, key) in dictionaries.lexicon.iter().zip(&lexicon_keys) {
            if !(entry.kind == WordKind::Product && has_product_tail(&jieba, key)) {
                weigh(&mut jieba, key, entry.freq);
            }
        }
        let mut prohibited = FxHashMap::default();
        for (index, p) in dictionaries.prohibited.iter().enumerate() {
            let key = normal_form(&p.word);
            // A banned phrase must come out of jieba as one word to be matched as a word.
            if !key.is_ascii() && !jieba.has_word(&key) {
                jieba.add_word(&key, None, None);
            }
            prohibited.insert(key.into(), index as u32);
        }
        Segmenter {
            jieba,
            entries,
            prohibited,
            dictionaries,
            max_brand_phrase,
        }
    }

    /// A segmenter with the built-in dictionaries only.
    pub fn builtin() -> Self {
        Self::new(Arc::new(Dictionaries::builtin()))
    }

    /// The dictionaries this segmenter was built from.
    pub fn dictionaries(&self) -> &Dictionaries {
        &self.dictionaries
    }

    /// The dictionary kind of a folded word, if any dictionary knows it.
    pub fn kind_of(&self, key: &str) -> Option<WordKind> {
        self.entries.get(key).map(|e| e.kind)
    }

    /// Whether jieba's dictionary (default plus baobei's words) holds this folded word: the
    /// listing index emits such sub-words of long tokens, as jieba's `cut_for_search` does.
    pub fn is_word(&self, key: &str) -> bool {
        self.jieba.has_word(key)
    }

    /// The canonical brand name for a folded brand word or alias.
    pub fn brand_of(&self, key: &str) -> Option<&str> {
        let entry = self.entries.get(key)?;
        let brand = self.dictionaries.brands.get(entry.brand as usize)?;
        Some(&brand.name)
    }

    /// The prohibited-word entry for a folded word.
    pub fn prohibited(&self, key: &str) -> Option<&Prohibited> {
        self.prohibited
            .get(key)
            .map(|&i| &self.dictionaries.prohibited[i as usize])
    }

    /// Segments a title into typed tokens.
    ///
    /// One pass over jieba's pieces: ASCII runs are re-cut by baobei's rules, a number and its
    /// unit merge into a spec, and every word is classified as it is pushed.
    pub fn segment<'t>(&self, title: &'t str) -> Segmented<'t> {
        let folded = fold(title);
        let pieces = self.jieba.tag(&folded, false);
        let mut tokens: Vec<Token> = Vec::with_capacity(pieces.len());
        // Folding only ever shortens a character's UTF-8 encoding, so equal lengths mean
        // every byte offset in the folded text is the offset in the original.
        let orig_offsets: Vec<u32> = if folded.len() == title.len() {
            Vec::new()
        } else {
            title
                .char_indices()
                .map(|(b, _)| b as u32)
                .chain([title.len() as u32])
                .collect()
        };
        // `tag` is jieba's tag for the piece (baobei's kind for baobei's words); `None` for
        // pieces baobei cut itself, which are looked up.
        let push = |tokens: &mut Vec<Token>,
                    kind: TokenKind,
                    tag: Option<&str>,
                    start: usize,
                    end: usize,
                    key_start: usize,
                    key_end: usize| {
            let (mut start, mut key_start, mut tag) = (start, key_start, tag);
            // A lone character that completes a two-character word with the previous token's
            // last character takes that character back, when what is left of the previous
            // token is still a word: 保温袋 子 -> 保温 袋子, 香皂花 束 -> 香皂 花束.
            if kind == TokenKind::Word
                && end == start + 1
                && let Some(prev) = tokens.last_mut()
                && prev.end as usize == start
                && prev.end - prev.start >= 3
                && matches!(
                    prev.kind,
                    TokenKind::Word | TokenKind::Product | TokenKind::Attribute
                )
            {
                let last = folded[..key_start]
                    .chars()
                    .next_back()
                    .map_or(0, char::len_utf8);
                let prefix = &folded[prev.key_start as usize..key_start - last];
                let pair = &folded[key_start - last..key_end];
                let known = |w: &str| self.entries.contains_key(w) || self.jieba.has_word(w);
                if known(pair) && known(prefix) {
                    prev.end -= 1;
                    prev.key_end -= last as u32;
                    prev.byte_end = if orig_offsets.is_empty() {
                        prev.key_end
                    } else {
                        orig_offsets[prev.end as usize]
                    };
                    prev.kind = self
                        .entries
                        .get(prefix)
                        .map_or(TokenKind::Word, |e| e.kind.into());
                    start -= 1;
                    key_start -= last;
                    tag = None;
                }
            }
            let key = &folded[key_start..key_end];
            // `50` + `克` -> `50克`: a number followed by a unit is one specification.
            if let Some(prev) = tokens.last_mut()
                && prev.end as usize == start
                && kind == TokenKind::Word
                && is_number(&folded[prev.key_start as usize..prev.key_end as usize])
                && UNITS.contains(&key)
            {
                prev.end = end as u32;
                prev.byte_end = if orig_offsets.is_empty() {
                    key_end as u32
                } else {
                    orig_offsets[end]
                };
                prev.key_end = key_end as u32;
                prev.kind = TokenKind::Spec;
                return;
            }
            let known = match tag {
                Some(tag) => tag_kind(tag),
                None => self.entries.get(key).map(|e| e.kind),
            };
            let kind = match (kind, known) {
                (TokenKind::Punct, _) => TokenKind::Punct,
                (_, Some(known)) => known.into(),
                (_, None) => classify_unknown(key, kind),
            };
            let (byte_start, byte_end) = if orig_offsets.is_empty() {
                (key_start as u32, key_end as u32)
            } else {
                (orig_offsets[start], orig_offsets[end])
            };
            tokens.push(Token {
                kind,
                start: start as u32,
                end: end as u32,
                byte_start,
                byte_end,
                key_start: key_start as u32,
                key_end: key_end as u32,
            });
        };

        let mut i = 0;
        while i < pieces.len() {
            let piece = &pieces[i];
            if piece.word.is_ascii() {
                if piece.word.bytes().all(|b| b.is_ascii_whitespace()) {
                    i += 1;
                    continue;
                }
                // Gather the ASCII run jieba may have cut up, and re-cut it by baobei's rules.
                let mut j = i + 1;
                while j < pieces.len()
                    && pieces[j].word.is_ascii()
                    && !pieces[j].word.bytes().any(|b| b.is_ascii_whitespace())
                {
                    j += 1;
                }
                let (run_start, byte_start) = (piece.start, piece.byte_start);
                let run = &folded[byte_start..pieces[j - 1].byte_end];
                for (kind, s, e) in ascii_tokens(run) {
                    // ASCII: one byte per character. A name and its model may be two
                    // tokens (see `split_name_model`).
                    let parts = match self.split_name_model(&run[s..e]) {
                        Some((name_end, model_start)) => [
                            (kind, s, s + name_end),
                            (TokenKind::Punct, s + name_end, s + model_start),
                            (kind, s + model_start, e),
                        ],
                        None => [(kind, s, e), (kind, e, e), (kind, e, e)],
                    };
                    for (kind, s, e) in parts.into_iter().filter(|p| p.1 < p.2) {
                        push(
                            &mut tokens,
                            kind,
                            None,
                            run_start + s,
                            run_start + e,
                            byte_start + s,
                            byte_start + e,
                        );
                    }
                }
                i = j;
                continue;
            }
            let first = piece.word.chars().next().unwrap_or(' ');
            let kind = if is_cjk(first) || piece.word.chars().any(char::is_alphanumeric) {
                TokenKind::Word
            } else if first.is_whitespace() {
                i += 1;
                continue;
            } else {
                TokenKind::Punct
            };
            push(
                &mut tokens,
                kind,
                Some(piece.tag),
                piece.start,
                piece.end,
                piece.byte_start,
                piece.byte_end,
            );
            i += 1;
        }
        drop(pieces);
        let mut seg = Segmented {
            title,
            folded,
            tokens,
        };
        self.merge_brand_phrases(&mut seg);
        seg
    }

    /// Where an ASCII run is a name followed by a model: `hosodo-1080p` (a known brand, or a
    /// word of 3+ letters, hyphened to a number-led model) and `oppor11` (a known brand of 3+
    /// letters run into a letter-led model with a digit). Returns where the name ends and the
    /// model starts. `ksr10-07-25`, `type-c` and `iphone15` stay whole.
    fn split_name_model(&self, text: &str) -> Option<(usize, usize)> {
        let is_brand = |name: &str| {
            self.entries
                .get(name)
                .is_some_and(|x| x.kind == WordKind::Brand)
        };
        if let Some(h) = text.find('-') {
            let (name, model) = (&text[..h], &text[h + 1..]);
            let wordlike = name.len() >= 3 && name.bytes().all(|b| b.is_ascii_alphabetic());
            return (is_brand(name) || wordlike && model.starts_with(|c: char| c.is_ascii_digit()))
                .then_some((h, h + 1));
        }
        if self.entries.contains_key(text) || !text.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
        (3..letters)
            .rev()
            .find(|&p| is_brand(&text[..p]) && text[p..].bytes().any(|b| b.is_ascii_digit()))
            .map(|p| (p, p))
    }

    /// Latin brand names of several words (`estee lauder`) become one brand token.
    fn merge_brand_phrases(&self, seg: &mut Segmented<'_>) {
        if self.max_brand_phrase < 2 {
            return;
        }
        let single_space_after = |seg: &Segmented<'_>, t: usize| {
            let (a, b) = (&seg.tokens[t], &seg.tokens[t + 1]);
            b.key_start == a.key_end + 1
                && seg.folded.as_bytes()[a.key_end as usize] == b' '
                && a.kind != TokenKind::Punct
                && b.kind != TokenKind::Punct
                && seg.key(a).is_ascii()
                && seg.key(b).is_ascii()
        };
        let mut t = 0;
        while t + 1 < seg.tokens.len() {
            // The longest run of ASCII words joined by single spaces that starts here.
            let mut n = 1;
            while n < self.max_brand_phrase
                && t + n < seg.tokens.len()
                && single_space_after(seg, t + n - 1)
            {
                n += 1;
            }
            for n in (2..=n).rev() {
                let (first, last) = (seg.tokens[t], seg.tokens[t + n - 1]);
                if self
                    .entries
                    .get(seg.key_between(&first, &last))
                    .is_some_and(|e| e.kind == WordKind::Brand)
                {
                    let token = Token {
                        kind: TokenKind::Brand,
                        end: last.end,
                        byte_end: last.byte_end,
                        key_end: last.key_end,
                        ..first
                    };
                    seg.tokens.splice(t..t + n, [token]);
                    break;
                }
            }
            t += 1;
        }
    }
}

/// The folded key of a brand name. `椰树牌` is brand 椰树 plus the word 牌 ("brand"), and
/// buyers search 椰树.
fn brand_key(name: &str) -> String {
    let key = normal_form(name).into_owned();
    match key.strip_suffix('牌') {
        Some(stem) if stem.chars().count() >= 2 => stem.to_owned(),
        _ => key,
    }
}

/// jieba tags that carry baobei's kinds; jieba's own tags (n, v, nz, ...) never start with `@`.
const KIND_TAGS: [(&str, WordKind); 6] = [
    ("@brand", WordKind::Brand),
    ("@product", WordKind::Product),
    ("@attribute", WordKind::Attribute),
    ("@traffic", WordKind::Traffic),
    ("@word", WordKind::Word),
    ("@filler", WordKind::Filler),
];

fn kind_tag(kind: WordKind) -> &'static str {
    KIND_TAGS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("@word", |(t, _)| t)
}

fn tag_kind(tag: &str) -> Option<WordKind> {
    if !tag.starts_with('@') {
        return None;
    }
    KIND_TAGS.iter().find(|(t, _)| *t == tag).map(|(_, k)| *k)
}

/// Cuts a run of ASCII (no white space) into alphanumeric runs, joined through `-`, `.`,
/// `_` and `'` when those stand between two alphanumerics (`ksr10-07-25`, `5.3`, `no.1`),
/// and single punctuation tokens. Offsets are bytes = characters.
fn ascii_tokens(run: &str) -> impl Iterator<Item = (TokenKind, usize, usize)> + '_ {
    let b = run.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let start = i;
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            return Some((TokenKind::Punct, start, i));
        }
        while i < b.len() {
            if b[i].is_ascii_alphanumeric() {
                i += 1;
            } else if matches!(b[i], b'-' | b'.' | b'_' | b'\'')
                && i + 1 < b.len()
                && b[i + 1].is_ascii_alphanumeric()
            {
                i += 2;
            } else {
                break;
            }
        }
        Some((TokenKind::Word, start, i))
    })
}

/// A bare number (`50`, `0.5`), which a following unit makes a specification.
fn is_number(key: &str) -> bool {
    !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && key.as_bytes()[0].is_ascii_digit()
}

/// Kind of a word no dictionary knows.
fn classify_unknown(key: &str, kind: TokenKind) -> TokenKind {
    if key.is_ascii() {
        if key.len() == 4
            && (key.starts_with("20") || key.starts_with("19"))
            && key.bytes().all(|b| b.is_ascii_digit())
        {
            return TokenKind::Traffic; // a year: 2026新款
        }
        if key.bytes().any(|b| b.is_ascii_digit() || b == b'-') || SIZES.contains(&key) {
            return TokenKind::Spec;
        }
    }
    if kind == TokenKind::Word && !key.chars().any(|c| is_cjk(c) || c.is_alphanumeric()) {
        return TokenKind::Punct;
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segmenter() -> &'static Segmenter {
        crate::text::test_segmenter()
    }

    fn words(title: &str) -> Vec<(String, &'static str)> {
        let seg = segmenter().segment(title);
        seg.tokens
            .iter()
            .map(|t| (seg.text(t).to_owned(), t.kind.as_str()))
            .collect()
    }

    fn texts(title: &str) -> Vec<String> {
        words(title).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn keeps_models_and_specs_whole() {
        for whole in [
            "5w-30",
            "ksr10-07-25",
            "iPhone15",
            "50g",
            "120ML",
            "Type-C",
            "3D",
            "NO.1",
        ] {
            let title = format!("机油{whole}适用");
            assert!(
                texts(&title).contains(&whole.to_owned()),
                "{whole} in {:?}",
                texts(&title)
            );
        }
        assert_eq!(words("150g美妍茶")[0], ("150g".into(), "spec"));
        assert_eq!(texts("hosodo-1080p高清"), ["hosodo", "-", "1080p", "高清"]);
        assert_eq!(
            words("oppor11手机")[..2],
            [("oppo".into(), "brand"), ("r11".into(), "spec")]
        );
        assert_eq!(words("椰树牌椰汁")[0], ("椰树".into(), "brand"));
        assert_eq!(texts("原木茶几"), ["原木", "茶几"]);
        assert_eq!(
            words("手机壳Type-C")[..2],
            [("手机壳".into(), "product"), ("Type-C".into(), "spec")]
        );
        assert_eq!(words("面霜50克装")[1], ("50克".into(), "spec"));
    }

    #[test]
    fn spans_point_into_the_original() {
        let title = "ＣＨＡＮＤＯ/自然堂　面霜５０ｇ";
        let seg = segmenter().segment(title);
        let got: Vec<_> = seg
            .tokens
            .iter()
            .map(|t| (seg.text(t), seg.key(t), t.kind))
            .collect();
        assert_eq!(got[0], ("ＣＨＡＮＤＯ", "chando", TokenKind::Brand));
        assert_eq!(got[1].2, TokenKind::Punct);
        assert_eq!(got[2], ("自然堂", "自然堂", TokenKind::Brand));
        assert_eq!(got.last().unwrap(), &("５０ｇ", "50g", TokenKind::Spec));
        let chars: Vec<char> = title.chars().collect();
        for t in &seg.tokens {
            let by_chars: String = chars[t.start as usize..t.end as usize].iter().collect();
            assert_eq!(by_chars, seg.text(t));
        }
    }

    #[test]
    fn latin_brand_phrases_merge() {
        let w = words("Estee Lauder雅诗兰黛 面霜");
        assert_eq!(w[0], ("Estee Lauder".into(), "brand"));
        assert_eq!(w[1], ("雅诗兰黛".into(), "brand"));
    }

    #[test]
    fn years_and_sizes() {
        let w = words("2026新款 XL");
        assert_eq!(w[0], ("2026".into(), "traffic"));
        assert_eq!(w.last().unwrap(), &("XL".into(), "spec"));
    }

    #[test]
    fn white_space_is_not_a_token() {
        assert!(
            words("面霜  补水")
                .iter()
                .all(|(t, _)| !t.trim().is_empty())
        );
        assert!(words("").is_empty());
        assert!(words("   ").is_empty());
    }

    proptest::proptest! {
        /// Spans are in bounds, in order, never overlapping, and the character span and the
        /// byte span name the same text.
        #[test]
        fn spans_in_bounds_and_in_order(title in "[a-zA-Z0-9 \\-.ＡＢ５０　面霜连衣裙女夏季新款补水保湿自然堂😀，【】/]{0,40}") {
            let seg = segmenter().segment(&title);
            let chars: Vec<char> = title.chars().collect();
            let mut last_end = 0;
            for t in &seg.tokens {
                proptest::prop_assert!(t.start < t.end && t.end as usize <= chars.len());
                proptest::prop_assert!(t.start >= last_end, "overlap in {:?}", title);
                last_end = t.end;
                let by_chars: String = chars[t.start as usize..t.end as usize].iter().collect();
                proptest::prop_assert_eq!(by_chars.as_str(), seg.text(t));
                proptest::prop_assert!(!seg.text(t).trim().is_empty());
            }
            // Nothing is lost: the tokens are the title without its white space.
            let joined: String = seg.tokens.iter().map(|t| seg.text(t)).collect();
            let expected: String = title.chars().filter(|c| !c.is_whitespace()).collect();
            proptest::prop_assert_eq!(joined, expected);
        }
    }
}
