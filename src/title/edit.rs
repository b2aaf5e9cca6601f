//! Rewriting a title by editing it: the fewest changes that gain the most real queries.
//!
//! Operators keep titles they trust, so a rewrite starts from the original and changes as
//! little as it can:
//!
//! 1. **Fixes that are always made**: a prohibited word becomes its compliant substitute or
//!    goes; a banned word (`禁用词`) goes; the same whole word twice becomes once
//!    ([`lint::repeats`]); spaces go, except between two ASCII words; full-width characters
//!    become half-width; control characters and characters outside GBK go.
//! 2. **Over the budget**: the word whose loss costs the least query value per byte goes,
//!    again and again; never the brand, the product word or a must-keep word (`必留词`), and a
//!    specification (`50g`, a model number) only when nothing else is left.
//! 3. **Spare bytes**: a true word (an attribute value `属性`, a dictionary synonym of a word
//!    the item has: `尿不湿` → `纸尿裤`) is added where it gains the most query value, placed
//!    next to the words it forms queries with. To make room, words go only when the addition
//!    gains more than they lose.
//!
//! A word never enters a title unless it is true of the item: no generic traffic word
//! (新款, 百搭, ...: they stay where the seller wrote them), no other brand, nothing from the
//! market that the item does not state (those are [`Suggestion`]s for a person). A brand is
//! never split or reordered and a word never cut into a fragment: a lone character jieba
//! could not place stays glued to its neighbour.
//!
//! The search runs on bit masks of the item's true words over its reachable queries; every
//! step is then checked on the real title text, segmented and matched by [`crate::text::recall`]:
//! an optional edit is kept only when the real title is found for more query value than
//! before, and a fix only loses what it must. Every change carries the queries it gains or
//! loses, by name.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::score::{Check, LISTED, Scorer, Suggestion, TitleScore, round, true_words_of};
use crate::item::{Item, Subject, split_words};
use crate::keyword::{Candidates, KeywordUniverse};
use crate::lang::Lang;
use crate::text::chars::{fold, gbk_len, is_cjk, is_outside_gbk, normal_form, to_half_width};
use crate::text::lint::{self, Problem, ProblemKind};
use crate::text::recall;
use crate::text::{Segmented, TokenKind};

/// Additions and swaps one rewrite makes at most: small edits are what operators accept.
const MAX_EDITS: usize = 4;
/// An addition that makes room by removing words must gain this many times what they lose:
/// the value model is an estimate, and a real query lost is certain.
const SWAP_MARGIN: f64 = 2.0;
/// Suggestions listed per item.
const SUGGESTED: usize = 5;
/// Specifications kept through budget cuts: the first few identify the item (`50g`, a
/// model number); a list of twenty compatible models is ordinary words.
const SPECS_KEPT: usize = 3;

/// Where an added word comes from: why it is true of the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Origin {
    /// An attribute value the operator gave.
    Attribute {
        /// The attribute's name.
        name: String,
    },
    /// A dictionary synonym of a word the item has.
    Synonym {
        /// That word.
        of: String,
    },
}

/// One change a rewrite made, with the queries it gains or loses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A prohibited word replaced by its compliant substitute, or removed.
    Prohibited {
        /// The word.
        word: String,
        /// What replaced it.
        substitute: Option<String>,
    },
    /// A word the operator banned, removed.
    Banned {
        /// The word.
        word: String,
    },
    /// The second occurrence of a whole word, removed.
    Repeated {
        /// The word.
        word: String,
    },
    /// Spaces between words that need none, removed.
    Spaces {
        /// How many.
        count: usize,
    },
    /// Full-width characters made half-width.
    HalfWidth {
        /// How many.
        count: usize,
    },
    /// Control characters or characters outside GBK, removed.
    Characters {
        /// The characters.
        text: String,
    },
    /// A word removed to bring the title within the budget.
    OverBudget {
        /// The word.
        word: String,
        /// Queries lost with it.
        lost: Vec<String>,
    },
    /// A true word added.
    Added {
        /// The word.
        word: String,
        /// Why it is true of the item.
        #[serde(flatten)]
        origin: Origin,
        /// Queries gained with it.
        gained: Vec<String>,
    },
    /// A word removed to make room for an addition that gains more.
    Removed {
        /// The word.
        word: String,
        /// The addition it made room for.
        for_word: String,
        /// Queries lost with it.
        lost: Vec<String>,
    },
}

/// The first three of `list`, quoted, and "etc." when there are more.
fn quoted(lang: Lang, list: &[String]) -> String {
    let shown = list.iter().take(3);
    match lang {
        Lang::Zh => {
            shown.map(|q| format!("「{q}」")).collect::<String>()
                + if list.len() > 3 { "等" } else { "" }
        }
        Lang::En => {
            shown
                .map(|q| format!("\"{q}\""))
                .collect::<Vec<_>>()
                .join(", ")
                + if list.len() > 3 { ", ..." } else { "" }
        }
    }
}

/// `n` search queries: `3 个搜索词` / `3 queries`.
fn queries(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{n} 个搜索词"),
        Lang::En if n == 1 => "1 query".to_owned(),
        Lang::En => format!("{n} queries"),
    }
}

impl Change {
    /// Whether the change fixes a rule the title broke (prohibited, banned or repeated word,
    /// over the budget), as opposed to an edit made for recall.
    pub fn is_fix(&self) -> bool {
        matches!(
            self,
            Change::Prohibited { .. }
                | Change::Banned { .. }
                | Change::Repeated { .. }
                | Change::OverBudget { .. }
        )
    }

    /// The change for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        let q = |list: &[String]| quoted(lang, list);
        let n = |list: &[String]| queries(lang, list.len());
        match (lang, self) {
            (
                Lang::Zh,
                Change::Prohibited {
                    word,
                    substitute: Some(s),
                },
            ) => {
                format!("违禁词「{word}」改为「{s}」")
            }
            (
                Lang::En,
                Change::Prohibited {
                    word,
                    substitute: Some(s),
                },
            ) => {
                format!("prohibited word \"{word}\" replaced by \"{s}\"")
            }
            (Lang::Zh, Change::Prohibited { word, .. }) => format!("删除违禁词「{word}」"),
            (Lang::En, Change::Prohibited { word, .. }) => {
                format!("prohibited word \"{word}\" removed")
            }
            (Lang::Zh, Change::Banned { word }) => format!("删除禁用词「{word}」"),
            (Lang::En, Change::Banned { word }) => format!("banned word \"{word}\" removed"),
            (Lang::Zh, Change::Repeated { word }) => format!("删除重复词「{word}」"),
            (Lang::En, Change::Repeated { word }) => format!("repeated word \"{word}\" removed"),
            (Lang::Zh, Change::Spaces { count }) => format!("删除多余空格 {count} 处"),
            (Lang::En, Change::Spaces { count }) => format!("{count} wasted space(s) removed"),
            (Lang::Zh, Change::HalfWidth { count }) => format!("全角转半角 {count} 个字符"),
            (Lang::En, Change::HalfWidth { count }) => {
                format!("{count} full-width character(s) made half-width")
            }
            (Lang::Zh, Change::Characters { text }) => {
                format!("删除无效字符「{}」", visible(text))
            }
            (Lang::En, Change::Characters { text }) => {
                format!("invalid characters \"{}\" removed", visible(text))
            }
            (Lang::Zh, Change::OverBudget { word, lost }) if lost.is_empty() => {
                format!("超出预算：删除「{word}」（不失去搜索词）")
            }
            (Lang::En, Change::OverBudget { word, lost }) if lost.is_empty() => {
                format!("over the budget: \"{word}\" removed (no query lost)")
            }
            (Lang::Zh, Change::OverBudget { word, lost }) => {
                format!("超出预算：删除「{word}」（失去 {}：{}）", n(lost), q(lost))
            }
            (Lang::En, Change::OverBudget { word, lost }) => {
                format!(
                    "over the budget: \"{word}\" removed ({} lost: {})",
                    n(lost),
                    q(lost)
                )
            }
            (
                _,
                Change::Added {
                    word,
                    origin,
                    gained,
                },
            ) => {
                let why = match (lang, origin) {
                    (Lang::Zh, Origin::Attribute { name }) => format!("属性「{name}」"),
                    (Lang::En, Origin::Attribute { name }) => format!("attribute \"{name}\""),
                    (Lang::Zh, Origin::Synonym { of }) => format!("「{of}」的同义词"),
                    (Lang::En, Origin::Synonym { of }) => format!("a synonym of \"{of}\""),
                };
                match lang {
                    Lang::Zh => {
                        format!("加入「{word}」（{why}；新增 {}：{}）", n(gained), q(gained))
                    }
                    Lang::En => {
                        format!(
                            "\"{word}\" added ({why}; {} gained: {})",
                            n(gained),
                            q(gained)
                        )
                    }
                }
            }
            (
                Lang::Zh,
                Change::Removed {
                    word,
                    for_word,
                    lost,
                },
            ) if lost.is_empty() => {
                format!("删除「{word}」为「{for_word}」腾出位置（不失去搜索词）")
            }
            (
                Lang::En,
                Change::Removed {
                    word,
                    for_word,
                    lost,
                },
            ) if lost.is_empty() => {
                format!("\"{word}\" removed to make room for \"{for_word}\" (no query lost)")
            }
            (
                Lang::Zh,
                Change::Removed {
                    word,
                    for_word,
                    lost,
                },
            ) => format!(
                "删除「{word}」为「{for_word}」腾出位置（失去 {}：{}）",
                n(lost),
                q(lost)
            ),
            (
                Lang::En,
                Change::Removed {
                    word,
                    for_word,
                    lost,
                },
            ) => format!(
                "\"{word}\" removed to make room for \"{for_word}\" ({} lost: {})",
                n(lost),
                q(lost)
            ),
        }
    }
}

/// Why a rewrite kept the original title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kept {
    /// Fixing the spaces or characters would lose queries.
    Reverted,
    /// It cannot be fixed without breaking a constraint.
    Violations,
    /// No edit with the item's own words gains a query.
    NoGain,
}

impl Kept {
    /// Why, for a person, in `lang`.
    pub fn describe(self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Zh, Kept::Reverted) => "保留原标题：修正空格或字符会失去搜索词",
            (Lang::En, Kept::Reverted) => {
                "original title kept: fixing its spaces or characters would lose queries"
            }
            (Lang::Zh, Kept::Violations) => "保留原标题：无法在不违反约束的情况下修正",
            (Lang::En, Kept::Violations) => {
                "original title kept: it cannot be fixed without breaking a constraint"
            }
            (Lang::Zh, Kept::NoGain) => "保留原标题：用宝贝自己的词找不到能增加搜索词的改动",
            (Lang::En, Kept::NoGain) => {
                "original title kept: no edit with the item's own words gains a query"
            }
        }
        .to_owned()
    }
}

/// A scored title: its subject, lint problems, score and recall.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Brand and product word, given or detected.
    pub subject: Subject,
    /// The score and the queries found.
    pub score: TitleScore,
    /// Lint problems.
    pub problems: Vec<Problem>,
    /// GBK bytes.
    pub bytes: usize,
    /// The queries relevant to the item (for suggestions).
    pub candidates: Arc<Candidates>,
    /// The words true of the item (universe ids, sorted).
    pub true_words: Vec<u32>,
}

/// The outcome of a rewrite.
#[derive(Debug, Clone)]
pub struct Rewrite {
    /// The title chosen (the original when no edit gains).
    pub title: String,
    /// Whether it differs from the original.
    pub changed: bool,
    /// The original, scored.
    pub old: Scored,
    /// The new title's score.
    pub new_score: TitleScore,
    /// GBK bytes of the new title.
    pub new_bytes: usize,
    /// The changes made, in order.
    pub changes: Vec<Change>,
    /// Queries found now and not before, most valuable first.
    pub gained: Vec<(u32, f64)>,
    /// Queries found before and not now.
    pub lost: Vec<(u32, f64)>,
    /// Upper bound of the query value a title of the item's true words can be found for.
    pub upper_bound: f64,
    /// Valuable relevant queries the item's words cannot form, with the words they lack.
    pub suggestions: Vec<Suggestion>,
    /// Why the original title was kept, when it was.
    pub kept: Option<Kept>,
}

impl Rewrite {
    /// Why, for a person, in `lang`: the changes, the recall before and after, what was
    /// kept, suggestions.
    pub fn reason(&self, lang: Lang) -> String {
        reason(
            lang,
            &self.changes,
            self.kept,
            &self.old,
            &self.new_score,
            &self.suggestions,
        )
    }

    /// The words the changes add and remove, in order (a prohibited word's substitute counts
    /// as added): what a change-set lists beside the new title.
    pub fn words(&self) -> (Vec<String>, Vec<String>) {
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        for c in &self.changes {
            match c {
                Change::Added { word, .. } => added.push(word.clone()),
                Change::Prohibited {
                    word, substitute, ..
                } => {
                    removed.push(word.clone());
                    added.extend(substitute.clone());
                }
                Change::Banned { word }
                | Change::Repeated { word }
                | Change::OverBudget { word, .. }
                | Change::Removed { word, .. } => removed.push(word.clone()),
                Change::Spaces { .. } | Change::HalfWidth { .. } | Change::Characters { .. } => {}
            }
        }
        (added, removed)
    }
}

/// How far a piece may be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// Any word.
    Free,
    /// A specification: only when nothing else is left to remove for the budget.
    Spec,
    /// Brand, product word, must-keep word: never.
    Locked,
}

/// A piece of the title being edited: one token, or a word with the lone characters glued
/// to it.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    key: String,
    mask: u128,
    punct: bool,
    level: Level,
    /// It holds the product word.
    product: bool,
    /// It holds the given or detected brand's first occurrence, the product word or a
    /// must-keep word: kept even where it repeats (a repeat inside the names stays).
    pinned: bool,
    /// Character span in the original title, for original pieces.
    span: Option<(usize, usize)>,
    /// Whitespace stood before it in the original.
    space_before: bool,
}

/// An addition: a true word the title lacks.
#[derive(Debug, Clone)]
struct Unit {
    text: String,
    key: String,
    mask: u128,
    origin: Origin,
}

/// The item's reachable queries as bit masks over its true words (at most 128 of them: the
/// title's own first).
struct Model<'u> {
    universe: &'u KeywordUniverse,
    local: FxHashMap<u32, u8>,
    queries: Vec<(u32, u128, f64)>,
}

impl Model<'_> {
    fn bit(&self, word: u32) -> u128 {
        self.local.get(&word).map_or(0, |&b| 1u128 << b)
    }

    /// The mask of a folded word: itself and its search sub-words.
    fn word_mask(&self, key: &str) -> u128 {
        let u = self.universe;
        let mut mask = u.word_id(key).map_or(0, |w| self.bit(w));
        recall::each_subword(u.segmenter(), key, |sub| {
            if let Some(w) = u.word_id(sub) {
                mask |= self.bit(w);
            }
        });
        mask
    }

    /// The mask of a text: the terms of its segmentation.
    fn text_mask(&self, text: &str) -> u128 {
        let u = self.universe;
        recall::title_terms(u.segmenter(), text)
            .iter()
            .filter_map(|t| u.word_id(t))
            .fold(0, |m, w| m | self.bit(w))
    }

    /// The value of the queries a title of these terms is found for.
    fn value(&self, mask: u128) -> f64 {
        self.queries
            .iter()
            .filter(|q| q.1 & !mask == 0)
            .map(|q| q.2)
            .sum()
    }

    /// Queries found with `with` and not with `without`, by name, most valuable first.
    fn difference(&self, with: u128, without: u128) -> Vec<String> {
        self.queries
            .iter()
            .filter(|q| q.1 & !with == 0 && q.1 & !without != 0)
            .map(|q| self.universe.keyword(q.0).text.to_string())
            .collect()
    }
}

fn mask_of(pieces: &[Piece]) -> u128 {
    pieces.iter().fold(0, |m, p| m | p.mask)
}

/// Joins pieces: a space only where a junction needs one (two ASCII words, or characters
/// that would run into another word: [`recall::joins_into_word`]), or with `keep_spaces`
/// where the original had one; pieces that touched in the original stay touching.
fn render(s: &crate::text::Segmenter, pieces: &[Piece], keep_spaces: bool) -> String {
    let mut out = String::new();
    let mut prev: Option<&Piece> = None;
    for p in pieces {
        if let Some(q) = prev {
            let touching = matches!((q.span, p.span), (Some(a), Some(b)) if a.1 == b.0);
            let space = !touching
                && ((keep_spaces && p.space_before) || recall::joins_into_word(s, &out, &p.text));
            if space {
                out.push(' ');
            }
        }
        out.push_str(&p.text);
        prev = Some(p);
    }
    out
}

/// The hard problems of a title (over budget, prohibited, repeated): a later edit may not add
/// any.
fn hard_count(problems: &[Problem]) -> usize {
    problems
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                ProblemKind::OverBudget | ProblemKind::Prohibited | ProblemKind::RepeatedWord
            )
        })
        .count()
}

/// What the real text of an edited title gives.
struct Trial {
    value: f64,
    hard: usize,
    claims: bool,
    fits: bool,
}

/// The title engine: scores titles and edits them. `Sync`: one per run, shared.
#[derive(Debug, Clone, Copy)]
pub struct Editor<'a> {
    /// Scores titles.
    pub scorer: Scorer<'a>,
}

impl<'a> Editor<'a> {
    fn universe(&self) -> &'a KeywordUniverse {
        self.scorer.universe
    }

    fn budget(&self) -> usize {
        self.scorer.budget
    }

    /// Scores an item's current title.
    pub fn score_item(&self, item: &Item) -> Scored {
        let seg = self.universe().segmenter().segment(&item.title);
        self.score_segmented(item, &seg)
    }

    fn score_segmented(&self, item: &Item, seg: &Segmented<'_>) -> Scored {
        let u = self.universe();
        let subject = item.subject(seg, |k| u.word_weight(k));
        let fallback: Vec<u32> = if subject
            .product
            .as_ref()
            .is_some_and(|p| u.word_id(&p.key).is_some())
        {
            Vec::new()
        } else {
            seg.words().filter_map(|t| u.word_id(seg.key(t))).collect()
        };
        let candidates = u.candidates(
            item.category.as_deref(),
            subject.product.as_ref().map(|p| p.key.as_str()),
            &fallback,
        );
        let problems = lint::lint(seg, u.segmenter(), self.budget());
        let true_words = true_words_of(u, item, seg);
        let score = self.scorer.score(seg, &problems, &subject, &true_words);
        Scored {
            subject,
            score,
            problems,
            bytes: gbk_len(seg.title()),
            candidates,
            true_words,
        }
    }

    fn rescore(&self, title: &str, old: &Scored) -> TitleScore {
        let s = self.universe().segmenter();
        let seg = s.segment(title);
        let problems = lint::lint(&seg, s, self.budget());
        self.scorer
            .score(&seg, &problems, &old.subject, &old.true_words)
    }

    /// An edited title checked on its real text, segmented once: the value of the queries it
    /// is found for (as the budget holds it), its hard problems, and whether it says something
    /// the item never said: a traffic word (包邮, 新款, a season) that is neither in the
    /// original nor in `allowed`, as joining two words can make one (`包 邮` → `包邮`).
    fn trial(&self, original: &Segmented<'_>, allowed: &[String], title: &str) -> Trial {
        let u = self.universe();
        let s = u.segmenter();
        let seg = s.segment(title);
        let value = u
            .found(&self.scorer.terms_of(&seg))
            .iter()
            .map(|x| x.1)
            .sum();
        let claims = seg.words().any(|t| {
            let key = seg.key(t);
            t.kind == TokenKind::Traffic
                && !original.words().any(|o| original.key(o) == key)
                && !allowed.iter().any(|a| a.contains(key))
        });
        let hard = hard_count(&lint::lint(&seg, s, self.budget()));
        Trial {
            value,
            hard,
            claims,
            fits: gbk_len(title) <= self.budget(),
        }
    }

    fn model(&self, old: &Scored, title_words: &[u32]) -> Model<'a> {
        let u = self.universe();
        let mut local: FxHashMap<u32, u8> = FxHashMap::default();
        // The title's own words first, so that a long attribute list never pushes them out.
        for &w in title_words.iter().chain(&old.true_words) {
            if local.len() < 128 && !local.contains_key(&w) {
                local.insert(w, local.len() as u8);
            }
        }
        let queries = u
            .queries_within(&old.true_words, |_| true)
            .into_iter()
            .filter_map(|(k, v)| {
                let mut mask = 0u128;
                for w in u.keyword(k).words.iter() {
                    mask |= 1u128 << *local.get(w)?;
                }
                Some((k, mask, v))
            })
            .collect();
        Model {
            universe: u,
            local,
            queries,
        }
    }

    /// The title cut into pieces, with the locked spans of the subject and must-keep words
    /// and the character fixes applied.
    fn pieces(
        &self,
        item: &Item,
        seg: &Segmented<'_>,
        subject: &Subject,
        model: &Model<'_>,
        changes: &mut Vec<Change>,
    ) -> Vec<Piece> {
        let s = self.universe().segmenter();
        let folded = seg.folded();
        // Locked character spans: the first occurrence of each name in the folded title.
        let span_of = |key: &str| {
            let at = folded.find(key).filter(|_| !key.is_empty())?;
            let start = folded[..at].chars().count();
            Some((start, start + key.chars().count()))
        };
        let product_span = subject.product.as_ref().and_then(|p| span_of(&p.key));
        let locks: Vec<(usize, usize)> = item
            .must_keep
            .iter()
            .map(|m| normal_form(m).into_owned())
            .chain(subject.brand.iter().map(|b| b.key.clone()))
            .filter_map(|k| span_of(&k))
            .chain(product_span)
            .collect();
        let tokens = &seg.tokens;
        // A lone Chinese character no dictionary knows (鹿 of 梅花鹿 cut 梅花/鹿) is glued to
        // the word it touches, so that no edit leaves a fragment.
        let lone = |t: &crate::text::Token| {
            matches!(t.kind, TokenKind::Word | TokenKind::Filler)
                && seg.key(t).chars().count() == 1
                && seg.key(t).chars().all(is_cjk)
                && s.kind_of(seg.key(t)).is_none()
        };
        let mut groups: Vec<(usize, usize)> = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let touches_prev = i > 0
                && tokens[i - 1].end == t.start
                && tokens[i - 1].kind != TokenKind::Punct
                && t.kind != TokenKind::Punct;
            // A lone character glues to the word before it, or (first in the title, or after
            // punctuation) to the word after it; a run of lone characters is a word of its
            // own (栀夏, 喵喵). A prohibited word stands alone, to be replaced.
            let banned = |t: &crate::text::Token| s.prohibited(seg.key(t)).is_some();
            match groups.last_mut() {
                Some(g)
                    if touches_prev
                        && !banned(t)
                        && !banned(&tokens[g.1 - 1])
                        && (lone(t) || (g.1 - g.0 == 1 && lone(&tokens[g.0]))) =>
                {
                    g.1 = i + 1
                }
                _ => groups.push((i, i + 1)),
            }
        }
        let title_chars: Vec<char> = seg.title().chars().collect();
        let (mut half, mut dropped) = (0, String::new());
        let mut pieces = Vec::with_capacity(groups.len());
        let mut specs = 0;
        for (a, b) in groups {
            let (first, last) = (&tokens[a], &tokens[b - 1]);
            let span = (first.start as usize, last.end as usize);
            let mut text = String::new();
            for &c in &title_chars[span.0..span.1] {
                if c.is_control() || is_outside_gbk(c) {
                    dropped.push(c);
                    continue;
                }
                let h = to_half_width(c);
                half += usize::from(h != c);
                text.push(h);
            }
            if text.trim().is_empty() {
                continue;
            }
            let key = fold(&text);
            let kinds = &tokens[a..b];
            // Every brand is kept whole where the seller wrote it (never split: 柯尼卡美能达).
            let brand = kinds.iter().any(|t| t.kind == TokenKind::Brand);
            let overlaps = |l: &(usize, usize)| l.0 < span.1 && span.0 < l.1;
            let pinned = locks.iter().any(overlaps);
            let locked = brand || pinned;
            let product = product_span.as_ref().is_some_and(overlaps);
            let spec = kinds.iter().any(|t| t.kind == TokenKind::Spec);
            specs += usize::from(spec);
            let level = if locked {
                Level::Locked
            } else if spec && specs <= SPECS_KEPT {
                Level::Spec
            } else {
                Level::Free
            };
            let space_before = span.0 > 0 && title_chars[span.0 - 1].is_whitespace();
            let punct = kinds.iter().all(|t| t.kind == TokenKind::Punct);
            let mask = if b - a == 1 {
                model.word_mask(&key)
            } else {
                model.text_mask(&key)
            };
            pieces.push(Piece {
                text,
                key,
                mask,
                punct,
                level,
                product,
                pinned,
                span: Some(span),
                space_before,
            });
        }
        if half > 0 {
            changes.push(Change::HalfWidth { count: half });
        }
        if !dropped.is_empty() {
            changes.push(Change::Characters { text: dropped });
        }
        pieces
    }

    /// The fixes that are always made: prohibited, banned and repeated words.
    fn fix(
        &self,
        item: &Item,
        seg: &Segmented<'_>,
        problems: &[Problem],
        model: &Model<'_>,
        pieces: &mut Vec<Piece>,
        changes: &mut Vec<Change>,
    ) {
        let s = self.universe().segmenter();
        let within =
            |p: &Piece, (a, b): (usize, usize)| p.span.is_some_and(|x| a <= x.0 && x.1 <= b);
        let mut gone = vec![false; pieces.len()];
        for p in problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Prohibited)
        {
            let hit: Vec<usize> = (0..pieces.len())
                .filter(|&i| within(&pieces[i], (p.start, p.end)))
                .collect();
            if hit.is_empty() || hit.iter().any(|&i| pieces[i].level == Level::Locked) {
                continue;
            }
            // A substitute the title already holds would only repeat it (纯天然 -> 天然 beside
            // 天然植物): then the word just goes.
            let substitute = p
                .suggestion
                .clone()
                .filter(|x| !x.is_empty() && !pieces.iter().any(|q| *q.key == *normal_form(x)));
            for (n, &i) in hit.iter().enumerate() {
                match (&substitute, n) {
                    (Some(sub), 0) => {
                        pieces[i].text = sub.clone();
                        pieces[i].key = normal_form(sub).into_owned();
                        pieces[i].mask = model.text_mask(sub);
                    }
                    _ => gone[i] = true,
                }
            }
            changes.push(Change::Prohibited {
                word: p.text.clone(),
                substitute,
            });
        }
        let banned: Vec<String> = item
            .banned
            .iter()
            .map(|b| normal_form(b).into_owned())
            .collect();
        for (i, p) in pieces.iter().enumerate() {
            if !gone[i] && p.level != Level::Locked && banned.contains(&p.key) {
                gone[i] = true;
                changes.push(Change::Banned {
                    word: p.text.clone(),
                });
            }
        }
        let piece_of = |t: usize| {
            let span = (seg.tokens[t].start as usize, seg.tokens[t].end as usize);
            pieces.iter().position(|p| p.span == Some(span))
        };
        for (later, earlier) in lint::repeats(seg, s) {
            let (Some(l), Some(e)) = (piece_of(later), piece_of(earlier)) else {
                continue;
            };
            if gone[l] || gone[e] {
                continue;
            }
            // A brand written twice goes once like any word; what the names pin stays.
            let drop = match (pieces[l].pinned, pieces[e].pinned) {
                (true, true) => continue,
                (true, false) => e,
                _ => l,
            };
            if pieces[drop].level == Level::Locked && pieces[drop].pinned {
                continue;
            }
            gone[drop] = true;
            changes.push(Change::Repeated {
                word: pieces[drop].text.clone(),
            });
        }
        let mut i = 0;
        pieces.retain(|_| {
            i += 1;
            !gone[i - 1]
        });
    }

    /// Removes words until the title fits: the least query value lost per byte saved first.
    fn fit(&self, model: &Model<'_>, pieces: &mut Vec<Piece>, changes: &mut Vec<Change>) {
        let s = self.universe().segmenter();
        let budget = self.budget();
        while gbk_len(&render(s, pieces, false)) > budget {
            // The terms without piece i are the OR of the masks before and after it.
            let n = pieces.len();
            let mut after = vec![0u128; n + 1];
            for i in (0..n).rev() {
                after[i] = after[i + 1] | pieces[i].mask;
            }
            let base = model.value(after[0]);
            // The lowest level first, then the least loss per byte, then the latest word.
            let mut best: Option<(Level, f64, usize)> = None;
            let mut before = 0u128;
            for (i, p) in pieces.iter().enumerate() {
                if p.level != Level::Locked {
                    let saved = gbk_len(&p.text).max(1) as f64;
                    let key = (
                        p.level,
                        (base - model.value(before | after[i + 1])) / saved,
                        i,
                    );
                    let better = best.is_none_or(|b| {
                        key.0
                            .cmp(&b.0)
                            .then(key.1.total_cmp(&b.1))
                            .then(b.2.cmp(&key.2))
                            .is_lt()
                    });
                    if better {
                        best = Some(key);
                    }
                }
                before |= p.mask;
            }
            let Some((_, _, i)) = best else {
                // Nothing but locked words left: cut from the end, never inside a word.
                while pieces.len() > 1 && gbk_len(&render(s, pieces, false)) > budget {
                    let p = pieces.pop().expect("pieces");
                    changes.push(Change::OverBudget {
                        word: p.text,
                        lost: Vec::new(),
                    });
                }
                return;
            };
            let all = after[0];
            let p = pieces.remove(i);
            let lost = model.difference(all, mask_of(pieces));
            if !p.punct {
                changes.push(Change::OverBudget { word: p.text, lost });
            }
        }
    }

    /// The true words the title lacks: attribute values and dictionary synonyms.
    fn units(&self, item: &Item, model: &Model<'_>, pieces: &[Piece]) -> Vec<Unit> {
        let u = self.universe();
        let s = u.segmenter();
        let banned: Vec<String> = item
            .banned
            .iter()
            .map(|b| normal_form(b).into_owned())
            .collect();
        let written = fold(&item.title);
        let mut units: Vec<Unit> = Vec::new();
        // A word the title already writes (even where segmentation cuts it otherwise: 秋冬 in
        // 夏秋/冬) is not added again: the title would read as a repeat; nor is one the budget
        // took out.
        let push = |text: String, origin: Origin, units: &mut Vec<Unit>| {
            let key = fold(&text);
            let mask = model.text_mask(&text);
            let fresh = !key.is_empty()
                && mask != 0
                && !written.contains(key.as_str())
                && !units.iter().any(|x| x.key == key)
                && !banned.contains(&key)
                && s.prohibited(&key).is_none();
            if fresh {
                units.push(Unit {
                    text,
                    key,
                    mask,
                    origin,
                });
            }
        };
        // The brand and product word the operator gave are true of the item, like attributes.
        let given = [("品牌", &item.brand), ("核心词", &item.product)];
        let given = given
            .iter()
            .filter_map(|(name, v)| Some((name.to_string(), v.as_ref()?.clone())));
        for (name, value) in given.chain(item.attributes.iter().cloned()) {
            for w in split_words(&value) {
                let text: String = w.chars().map(to_half_width).collect();
                push(text, Origin::Attribute { name: name.clone() }, &mut units);
            }
        }
        let mut sources: Vec<String> = pieces.iter().map(|p| p.key.clone()).collect();
        sources.extend(units.iter().map(|x| x.key.clone()));
        for key in sources {
            for syn in u.synonyms_of(&key) {
                push(
                    syn.to_string(),
                    Origin::Synonym { of: key.clone() },
                    &mut units,
                );
            }
        }
        units
    }

    /// The best optional edit: an addition, with the words removed to make room for it (only
    /// when it gains at least [`SWAP_MARGIN`] times what they lose); its net gain, the unit
    /// and the removed pieces (indices). Ties: fewer removals, then the earlier unit.
    fn best_edit(
        &self,
        model: &Model<'_>,
        pieces: &[Piece],
        units: &[Unit],
        used: &[bool],
    ) -> Option<(f64, usize, Vec<usize>)> {
        let s = self.universe().segmenter();
        let budget = self.budget();
        let now = mask_of(pieces);
        let base = model.value(now);
        let bytes = gbk_len(&render(s, pieces, false));
        let mut best: Option<(f64, usize, Vec<usize>)> = None;
        for (n, unit) in units.iter().enumerate() {
            if used[n] || unit.mask & !now == 0 {
                continue;
            }
            let gain = model.value(now | unit.mask) - base;
            if gain <= 0.0 {
                continue;
            }
            // One byte more for a space when it stands between two ASCII words.
            let cost = gbk_len(&unit.text) + usize::from(unit.key.is_ascii());
            let mut removed: Vec<usize> = Vec::new();
            let mut rest_bytes = bytes;
            while rest_bytes + cost > budget {
                let kept: Vec<usize> = (0..pieces.len()).filter(|i| !removed.contains(i)).collect();
                let with = kept.iter().fold(unit.mask, |m, &i| m | pieces[i].mask);
                let value_with = model.value(with);
                let mut pick: Option<(f64, usize)> = None;
                for &i in kept.iter().filter(|&&i| pieces[i].level == Level::Free) {
                    let without = kept
                        .iter()
                        .filter(|&&j| j != i)
                        .fold(unit.mask, |m, &j| m | pieces[j].mask);
                    let per_byte = (value_with - model.value(without))
                        / gbk_len(&pieces[i].text).max(1) as f64;
                    // The least loss per byte; among equals the latest word.
                    if pick.is_none_or(|p| per_byte.total_cmp(&p.0).then(p.1.cmp(&i)).is_lt()) {
                        pick = Some((per_byte, i));
                    }
                }
                let Some((_, i)) = pick else {
                    break;
                };
                removed.push(i);
                let rest: Vec<Piece> = (0..pieces.len())
                    .filter(|j| !removed.contains(j))
                    .map(|j| pieces[j].clone())
                    .collect();
                rest_bytes = gbk_len(&render(s, &rest, false));
            }
            if rest_bytes + cost > budget {
                continue;
            }
            let after = pieces
                .iter()
                .enumerate()
                .filter(|(i, _)| !removed.contains(i))
                .fold(unit.mask, |m, (_, p)| m | p.mask);
            let net = model.value(after) - base;
            let loss = gain - net;
            if net <= 0.0 || (loss > 0.0 && gain < SWAP_MARGIN * loss) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((v, _, r)) => {
                    net > *v + 1e-9 || ((net - *v).abs() <= 1e-9 && removed.len() < r.len())
                }
            };
            if better {
                best = Some((net, n, removed));
            }
        }
        best
    }

    /// Where an addition goes: beside the piece it forms the most query value with; before
    /// the product word when that is its partner (modifiers precede it), else after.
    fn place(&self, model: &Model<'_>, pieces: &[Piece], unit: &Unit) -> usize {
        let now = mask_of(pieces);
        let mut weight = vec![0.0; pieces.len()];
        for q in &model.queries {
            let gained = q.1 & !(now | unit.mask) == 0 && q.1 & !now != 0;
            if gained {
                for (i, p) in pieces.iter().enumerate() {
                    if !p.punct && p.mask & q.1 & !unit.mask != 0 {
                        weight[i] += q.2;
                    }
                }
            }
        }
        let best = (0..pieces.len())
            .filter(|&i| weight[i] > 0.0)
            .max_by(|&a, &b| weight[a].total_cmp(&weight[b]).then(b.cmp(&a)));
        if matches!(&unit.origin, Origin::Attribute { name } if name == "品牌") {
            return 0;
        }
        let (at, before) = match best {
            // A modifier precedes the product word; a specification (50g, 5.3) follows it.
            Some(i)
                if pieces[i].product
                    && matches!(unit.origin, Origin::Attribute { .. })
                    && !unit.text.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                (i, true)
            }
            Some(i) => (i + 1, false),
            None => return pieces.len(),
        };
        // Never inside a compound: two pieces that touched in the original and make one word
        // (蓝牙 + 耳机), or two names (both halves of the product word, 柯尼卡 + 美能达), stay
        // together; the addition goes before the compound (a modifier of the product word) or
        // after it.
        let s = self.universe().segmenter();
        let joined = |i: usize| {
            let (a, b) = (&pieces[i - 1], &pieces[i]);
            let touching = matches!((a.span, b.span), (Some(x), Some(y)) if x.1 == y.0);
            touching
                && !a.punct
                && !b.punct
                && ((a.product && b.product)
                    || (a.level == Level::Locked && b.level == Level::Locked)
                    || s.is_word(&format!("{}{}", a.key, b.key)))
        };
        let mut at = at;
        while at > 0 && at < pieces.len() && joined(at) {
            if before {
                at -= 1;
            } else {
                at += 1;
            }
        }
        at
    }

    /// Edits an item's title (module docs).
    pub fn rewrite(&self, item: &Item) -> Rewrite {
        let u = self.universe();
        let s = u.segmenter();
        let seg = u.segmenter().segment(&item.title);
        let old = self.score_segmented(item, &seg);
        let title_words = u.term_ids(&recall::terms(s, &seg));
        let model = self.model(&old, &title_words);
        let mut changes: Vec<Change> = Vec::new();
        let mut pieces = self.pieces(item, &seg, &old.subject, &model, &mut changes);
        self.fix(item, &seg, &old.problems, &model, &mut pieces, &mut changes);
        self.fit(&model, &mut pieces, &mut changes);

        // Stage 0: the fixes. Spaces go unless that loses queries the spaced title had, or
        // joining two words makes a claim.
        let old_value = old.score.found_value;
        let violations = hard_count(&old.problems) > 0;
        let units = self.units(item, &model, &pieces);
        let allowed: Vec<String> = units.iter().map(|x| x.key.clone()).collect();
        let mut keep_spaces = false;
        let mut base = render(s, &pieces, false);
        let mut tried = self.trial(&seg, &[], &base);
        if tried.value + 1e-9 < old_value || tried.claims {
            let spaced = render(s, &pieces, true);
            let with_spaces = self.trial(&seg, &[], &spaced);
            if with_spaces.fits
                && !with_spaces.claims
                && (with_spaces.value > tried.value || tried.claims)
            {
                (base, tried, keep_spaces) = (spaced, with_spaces, true);
            }
        }
        let white = |t: &str| t.chars().filter(|c| c.is_whitespace()).count();
        let spaces = white(&item.title).saturating_sub(white(&base));
        if spaces > 0 && base != item.title {
            changes.push(Change::Spaces { count: spaces });
        }
        let mut reverted = false;
        let mut base_value = tried.value;
        if !violations && (tried.value + 1e-9 < old_value || tried.claims) {
            // The fixes would cost queries or make a claim, and nothing forces them: keep the
            // original.
            base = item.title.clone();
            base_value = old_value;
            changes.clear();
            reverted = true;
        }

        // Optional edits, each kept only when the real title gains.
        let mut title = base.clone();
        let mut value = base_value;
        if !reverted {
            let base_hard = tried.hard;
            let mut used = vec![false; units.len()];
            for _ in 0..MAX_EDITS {
                let Some((_, n, removed)) = self.best_edit(&model, &pieces, &units, &used) else {
                    break;
                };
                used[n] = true;
                let unit = &units[n];
                let before = mask_of(&pieces);
                let mut next = pieces.clone();
                let mut edit_changes = Vec::new();
                let mut sorted = removed.clone();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                let with_unit = before | unit.mask;
                for &i in &sorted {
                    let p = next.remove(i);
                    let lost = model.difference(with_unit, mask_of(&next) | unit.mask);
                    edit_changes.push(Change::Removed {
                        word: p.text,
                        for_word: unit.text.clone(),
                        lost,
                    });
                }
                let at = self.place(&model, &next, unit);
                next.insert(
                    at,
                    Piece {
                        text: unit.text.clone(),
                        key: unit.key.clone(),
                        mask: unit.mask,
                        punct: false,
                        level: Level::Free,
                        product: false,
                        pinned: false,
                        span: None,
                        space_before: keep_spaces,
                    },
                );
                let gained = model.difference(mask_of(&next), before);
                let candidate = render(s, &next, keep_spaces);
                let t = self.trial(&seg, &allowed, &candidate);
                let candidate_value = t.value;
                if !t.fits || t.hard > base_hard || t.value <= value + 1e-9 || t.claims {
                    continue;
                }
                edit_changes.insert(
                    0,
                    Change::Added {
                        word: unit.text.clone(),
                        origin: unit.origin.clone(),
                        gained,
                    },
                );
                changes.extend(edit_changes);
                pieces = next;
                title = candidate;
                value = candidate_value;
            }
        }

        let changed = title != item.title;
        if !changed {
            changes.clear();
        }
        let new_score = if changed {
            self.rescore(&title, &old)
        } else {
            old.score.clone()
        };
        let [gained, lost] = diff(&old.score.found, &new_score.found);
        let reachable: Vec<u32> = model.queries.iter().map(|q| q.0).collect();
        let upper_bound = u
            .upper_bound(&reachable, &[], self.budget(), |w| gbk_len(u.word(w)))
            .max(new_score.found_value);
        let suggestions =
            self.scorer
                .suggestions(&old.candidates, &old.true_words, &old.subject, SUGGESTED);
        let kept = match (changed, reverted, violations) {
            (true, _, _) => None,
            (false, true, _) => Some(Kept::Reverted),
            (false, false, true) => Some(Kept::Violations),
            (false, false, false) => Some(Kept::NoGain),
        };
        Rewrite {
            new_bytes: gbk_len(&title),
            changed,
            title,
            old,
            new_score,
            changes,
            gained,
            lost,
            upper_bound,
            suggestions,
            kept,
        }
    }
}

/// Queries found by `new` and not `old`, and the other way round (both lists id-sorted in,
/// most valuable first out).
fn diff(old: &[(u32, f64)], new: &[(u32, f64)]) -> [Vec<(u32, f64)>; 2] {
    let gained = new
        .iter()
        .filter(|x| old.binary_search_by_key(&x.0, |o| o.0).is_err())
        .copied()
        .collect();
    let lost = old
        .iter()
        .filter(|x| new.binary_search_by_key(&x.0, |n| n.0).is_err())
        .copied()
        .collect();
    [gained, lost]
}

/// Why, for a person, in `lang`: the changes, the recall before and after, what was kept,
/// suggestions.
fn reason(
    lang: Lang,
    changes: &[Change],
    kept: Option<Kept>,
    old: &Scored,
    new: &TitleScore,
    suggestions: &[Suggestion],
) -> String {
    let mut parts: Vec<String> = Vec::new();
    match kept {
        None => {
            parts.extend(changes.iter().map(|c| c.describe(lang)));
            let (from, to) = (old.score.found.len(), new.found.len());
            let (was, is) = (round(old.score.found_value), round(new.found_value));
            parts.push(match lang {
                Lang::Zh => format!("搜索词 {from} → {to} 个，价值 {was} → {is}"),
                Lang::En => format!("queries {from} → {to}, value {was} → {is}"),
            });
        }
        Some(k) => parts.push(k.describe(lang)),
    }
    let remaining: Vec<String> = new
        .checks
        .iter()
        .filter(|c| !matches!(c, Check::MissingBrand { .. } | Check::MissingProduct { .. }))
        .map(|c| c.describe(lang))
        .collect();
    if !remaining.is_empty() {
        parts.push(match lang {
            Lang::Zh => format!("仍有问题：{}", remaining.join("、")),
            Lang::En => format!("still wrong: {}", remaining.join(", ")),
        });
    }
    if let Some(note) = old.subject.note(lang) {
        parts.push(note);
    }
    if !suggestions.is_empty() {
        let list: Vec<String> = suggestions
            .iter()
            .take(3)
            .map(|s| match lang {
                Lang::Zh => format!("「{}」（需确认：{}）", s.keyword, s.lacking.join("、")),
                Lang::En => format!("\"{}\" (confirm: {})", s.keyword, s.lacking.join(", ")),
            })
            .collect();
        parts.push(match lang {
            Lang::Zh => format!("如属实可加：{}", list.join("，")),
            Lang::En => format!("if true, add: {}", list.join("; ")),
        });
    }
    parts.join(lang.pick("；", "; "))
}

/// The queries of a list, by name, for records.
pub fn names(universe: &KeywordUniverse, list: &[(u32, f64)]) -> Vec<String> {
    list.iter()
        .take(LISTED)
        .map(|&(k, _)| universe.keyword(k).text.to_string())
        .collect()
}

/// Removed characters as a person can see them: control characters escaped (`\u{7}`),
/// anything printable (an emoji, a full-width sign) as itself.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_emoji_is_shown_as_itself_and_a_control_character_escaped() {
        let said = Change::Characters {
            text: "\u{1f525}\u{7}".into(),
        }
        .describe(Lang::Zh);
        assert_eq!(said, "删除无效字符「\u{1f525}\\u{7}」");
    }
    use crate::keyword::tests::universe;

    fn with<R>(rows: &[(&str, f64)], f: impl FnOnce(&Editor<'_>, &KeywordUniverse) -> R) -> R {
        let u = universe(rows);
        let editor = Editor {
            scorer: Scorer {
                universe: &u,
                budget: 60,
            },
        };
        f(&editor, &u)
    }

    const DRESSES: &[(&str, f64)] = &[
        ("碎花连衣裙", 500.0),
        ("雪纺连衣裙", 400.0),
        ("连衣裙女", 300.0),
        ("长袖连衣裙", 150.0),
        ("新款连衣裙", 120.0),
        ("连衣裙 秋季", 90.0),
        ("纸尿裤 男宝宝", 80.0),
        ("纸尿裤", 70.0),
    ];

    #[test]
    fn adds_a_true_attribute_next_to_its_partner() {
        with(DRESSES, |e, _| {
            let mut item = Item::new("1", "碎花连衣裙女");
            item.attributes = vec![("材质".into(), "雪纺".into())];
            let r = e.rewrite(&item);
            assert!(r.changed, "{}", r.reason(Lang::Zh));
            assert!(r.title.contains("雪纺"), "{}", r.title);
            assert!(
                r.title.starts_with("碎花"),
                "an edit, not a new title: {}",
                r.title
            );
            assert!(r.lost.is_empty());
            assert_eq!(r.gained.len(), 1);
            assert!(
                r.reason(Lang::Zh).contains("雪纺连衣裙"),
                "{}",
                r.reason(Lang::Zh)
            );
            assert!(
                matches!(&r.changes[0], Change::Added { word, .. } if word == "雪纺"),
                "{:?}",
                r.changes
            );
        });
    }

    #[test]
    fn never_adds_a_claim_the_item_did_not_make() {
        with(DRESSES, |e, _| {
            let r = e.rewrite(&Item::new("1", "碎花连衣裙女"));
            assert!(!r.title.contains("新款"), "{}", r.title);
            assert!(!r.title.contains("秋季"), "{}", r.title);
            assert!(!r.changed, "nothing true to add: {}", r.reason(Lang::Zh));
            assert!(
                r.suggestions.iter().any(|s| s.keyword == "雪纺连衣裙"),
                "valuable untrue queries are suggestions: {:?}",
                r.suggestions
            );
        });
    }

    #[test]
    fn a_synonym_is_true_and_added() {
        with(DRESSES, |e, _| {
            let r = e.rewrite(&Item::new("1", "尿不湿男宝宝"));
            assert!(
                r.title.contains("纸尿裤") && r.title.contains("尿不湿"),
                "{}",
                r.title
            );
            assert!(r.gained.len() >= 2, "{:?}", r.gained);
        });
    }

    #[test]
    fn fixes_are_always_made_and_lose_nothing_they_need_not() {
        with(DRESSES, |e, _| {
            let r = e.rewrite(&Item::new("1", "最好的碎花连衣裙 连衣裙女 ５０ｇ"));
            assert!(r.changed);
            assert!(!r.title.contains("最好"), "{}", r.title);
            assert!(!r.title.contains(' '), "{}", r.title);
            assert!(r.title.contains("50g"), "half-width: {}", r.title);
            assert_eq!(r.title.matches("连衣裙").count(), 1, "{}", r.title);
            assert!(r.lost.is_empty(), "{:?}", r.lost);
        });
    }

    #[test]
    fn over_the_budget_the_least_valuable_words_go() {
        with(DRESSES, |e, _| {
            let title = "碎花连衣裙女长袖显瘦气质百搭修身中长款高腰大摆裙子法式复古桔梗裙";
            assert!(gbk_len(title) > 60);
            let r = e.rewrite(&Item::new("1", title));
            assert!(r.new_bytes <= 60, "{}", r.title);
            assert!(r.title.starts_with("碎花连衣裙女长袖"), "{}", r.title);
            assert!(r.lost.is_empty(), "valuable words stay: {:?}", r.changes);
        });
    }

    #[test]
    fn shared_characters_are_no_repeat_and_names_stay_whole() {
        with(&[("面霜", 10.0), ("倩碧面霜", 5.0)], |e, _| {
            let title = "倩碧 水嫩保湿润肤霜50ml 水磁场面霜";
            let r = e.rewrite(&Item::new("1", title));
            assert!(
                r.title.contains("水磁场") && r.title.contains("水嫩"),
                "{}",
                r.title
            );
            assert!(r.title.contains("润肤霜"), "{}", r.title);
            let r = e.rewrite(&Item::new("2", "喵喵酒 鸡尾酒"));
            assert!(r.title.contains("喵喵酒"), "{}", r.title);
        });
    }

    #[test]
    fn an_addition_never_splits_a_compound_or_a_name() {
        with(&[("蓝牙 5.3", 100.0), ("耳机", 10.0)], |e, _| {
            let mut item = Item::new("1", "声屿挂耳式蓝牙耳机");
            item.attributes = vec![("蓝牙版本".into(), "5.3".into())];
            let r = e.rewrite(&item);
            assert!(r.title.contains("5.3"), "{}", r.title);
            assert!(r.title.contains("蓝牙耳机"), "{}", r.title);
        });
    }

    #[test]
    fn the_same_answer_every_time() {
        with(DRESSES, |e, _| {
            let mut item = Item::new("1", "碎花连衣裙女");
            item.attributes = vec![("材质".into(), "雪纺, 长袖".into())];
            let a = e.rewrite(&item);
            let b = e.rewrite(&item);
            assert_eq!(
                (&a.title, a.reason(Lang::Zh)),
                (&b.title, b.reason(Lang::Zh))
            );
        });
    }
}
