//! Composing a better title: budgeted maximum coverage over the words true of the item.
//!
//! Words ("units") come from the item's own title, its attributes, dictionary synonyms of
//! those, and the generic traffic words in [`SAFE_TRAFFIC`]; with `allow_new_words` also from
//! the candidate keywords themselves (marked as added: a person confirms them). Hard
//! constraints: the GBK budget, brand / product word / must-keep words kept, no prohibited,
//! banned or repeated word (lint's rule, edges included: 保湿 … 保湿霜).
//!
//! Search: greedy by marginal covered value per byte, from two starts (the constrained words
//! alone, and the original title cut to the budget), then local search (drop the unit that
//! contributes least and refill greedily while that gains). The fractional-knapsack bound of
//! [`KeywordUniverse::upper_bound`] over the same words bounds the optimum; the gap is
//! reported. The chosen words are ordered like the original (brand first); new words stand
//! next to their partner in the keyword they complete, modifiers before the product word,
//! traffic words at the end; spaces only between two ASCII words. The result is segmented and
//! linted again and repaired or rejected, and it replaces the original only when it scores
//! higher (or the original breaks a hard constraint).

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::lint::{Problem, ProblemKind, lint};
use super::score::{Scorer, TitleScore};
use super::text::{fold, gbk_len, is_cjk};
use super::{Segmented, TokenKind};
use crate::item::{Item, Subject};
use crate::keyword::{Candidates, KeywordUniverse};

/// Generic traffic words that are true of any listing that sells, so they may be added:
/// style and gifting words. Seasons, gender and age, years, 包邮, 正品, 官方, 现货, origins
/// and the like are facts about an item and are never added; they enter a title only from
/// its own title or attributes.
pub const SAFE_TRAFFIC: &[&str] = &["新款", "百搭", "时尚", "潮流", "洋气", "送礼", "礼物"];

/// Facets of which an item has one value: a second season or gender would contradict it.
const FACETS: &[&[&str]] = &[
    &[
        "春季",
        "夏季",
        "秋季",
        "冬季",
        "春款",
        "夏款",
        "秋款",
        "冬款",
        "春装",
        "夏装",
        "秋装",
        "冬装",
        "春秋",
        "春夏",
        "秋冬",
        "四季",
        "春秋款",
        "秋冬款",
        "春夏款",
        "夏天",
        "冬天",
        "早春",
        "初秋",
    ],
    &[
        "女",
        "男",
        "女士",
        "男士",
        "女式",
        "男式",
        "女款",
        "男款",
        "女生",
        "男生",
        "女孩",
        "男孩",
        "女童",
        "男童",
        "儿童",
        "宝宝",
        "婴儿",
        "中老年",
        "老年人",
        "学生",
        "孕妇",
        "情侣",
        "男女",
        "女装",
        "男装",
        "童装",
        "少女",
        "大童",
    ],
];

/// Rewrite settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComposeOptions {
    /// Budget in GBK bytes.
    pub budget: usize,
    /// Also use words of valuable keywords that are not known to be true (marked added).
    pub allow_new_words: bool,
}

impl Default for ComposeOptions {
    fn default() -> Self {
        ComposeOptions {
            budget: super::text::DEFAULT_BUDGET,
            allow_new_words: false,
        }
    }
}

/// Where a unit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The item's own title.
    Title,
    /// An attribute value.
    Attribute,
    /// A dictionary synonym of a word the item has.
    Synonym,
    /// A safe traffic word.
    Traffic,
    /// A market keyword's word, only with `allow_new_words`.
    New,
}

#[derive(Debug, Clone)]
struct Unit {
    text: String,
    keys: Vec<String>,
    ids: Vec<u32>,
    cost: usize,
    origin: Origin,
    locked: bool,
    brand: bool,
    kind: TokenKind,
    /// Character ranges, within `text`, of the locked words themselves (brand, product word,
    /// must-keep word); the rest of a locked unit is glued to them and may be trimmed.
    cores: Vec<(usize, usize)>,
}

/// A scored title and what lint says about it.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Brand and product word, given or detected.
    pub subject: Subject,
    /// The score.
    pub score: TitleScore,
    /// Lint problems.
    pub problems: Vec<Problem>,
    /// GBK bytes.
    pub bytes: usize,
    /// The candidate keywords scored against.
    pub candidates: std::sync::Arc<Candidates>,
}

/// The outcome of a rewrite.
#[derive(Debug, Clone)]
pub struct Rewrite {
    /// The title chosen (the original when nothing better exists).
    pub title: String,
    /// Whether it differs from the original.
    pub changed: bool,
    /// The original, scored.
    pub old: Scored,
    /// The new title's score.
    pub new_score: TitleScore,
    /// GBK bytes of the new title.
    pub new_bytes: usize,
    /// Words in the new title and not in the old.
    pub added: Vec<String>,
    /// Words of the old title not in the new.
    pub removed: Vec<String>,
    /// Words added that are not known to be true of the item (`allow_new_words`).
    pub unconfirmed: Vec<String>,
    /// Keywords covered now and not before, with values.
    pub covered_gain: Vec<(u32, f64)>,
    /// Keywords covered before and not now.
    pub covered_lost: Vec<(u32, f64)>,
    /// Upper bound of the value a title of these words can cover.
    pub upper_bound: f64,
    /// Value the composed words cover (without adjacency bonus).
    pub achieved: f64,
    /// Valuable keywords the item's words cannot form: suggestions for a person, with the
    /// words they lack.
    pub suggestions: Vec<(u32, Vec<String>)>,
    /// Why, for a person.
    pub reason: String,
}

/// The title engine: scores titles and composes better ones. `Sync`: one per run, shared.
#[derive(Debug, Clone, Copy)]
pub struct Composer<'a> {
    /// Scores titles.
    pub scorer: Scorer<'a>,
    /// Settings.
    pub options: ComposeOptions,
}

fn is_chinese(key: &str, kind: TokenKind) -> bool {
    // Every CJK character takes 3 or 4 bytes, so two or more of them take at least 6.
    !matches!(kind, TokenKind::Brand | TokenKind::Spec) && key.len() >= 6 && key.chars().all(is_cjk)
}

/// Lint's repeated-word rule between two words: equal, or Chinese and one at the other's edge.
/// The byte comparisons go first: they are cheap and mostly fail (this runs for every pair of
/// units of every item).
fn conflicts(a: &Unit, b: &Unit) -> bool {
    a.keys.iter().any(|x| {
        b.keys.iter().any(|y| {
            x == y
                || ((x.starts_with(y.as_str())
                    || x.ends_with(y.as_str())
                    || y.starts_with(x.as_str())
                    || y.ends_with(x.as_str()))
                    && is_chinese(x, a.kind)
                    && is_chinese(y, b.kind))
        })
    })
}

fn unit_cost(text: &str) -> usize {
    let ascii_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    gbk_len(text) + usize::from(ascii_edge(text.chars().next()) || ascii_edge(text.chars().last()))
}

/// Joins units, with a space only between two ASCII alphanumerics; returns the text and each
/// unit's character range.
fn render(units: &[&Unit]) -> (String, Vec<(usize, usize)>) {
    let mut out = String::new();
    let mut spans = Vec::with_capacity(units.len());
    let mut chars = 0;
    for u in units {
        if out
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && u.text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            out.push(' ');
            chars += 1;
        }
        let n = u.text.chars().count();
        spans.push((chars, chars + n));
        chars += n;
        out.push_str(&u.text);
    }
    (out, spans)
}

/// The problems a title may never have.
fn hard(p: &Problem) -> bool {
    matches!(
        p.kind,
        ProblemKind::Prohibited
            | ProblemKind::RepeatedWord
            | ProblemKind::OverBudget
            | ProblemKind::EmptyTitle
    )
}

/// Where the earlier occurrence of a repeated word stands (characters), as lint pairs them:
/// the same word, or a Chinese word at the other's edge (保湿 … 保湿霜).
fn earlier_occurrence(seg: &Segmented<'_>, p: &Problem) -> Option<(usize, usize)> {
    let key = fold(&p.text);
    let before = || seg.words().filter(|t| (t.end as usize) <= p.start);
    let chinese = |k: &str| k.chars().count() >= 2 && k.chars().all(is_cjk);
    before()
        .find(|t| seg.key(t) == key)
        .or_else(|| {
            before().find(|t| {
                let k = seg.key(t);
                chinese(k)
                    && chinese(&key)
                    && (k.starts_with(key.as_str())
                        || k.ends_with(key.as_str())
                        || key.starts_with(k)
                        || key.ends_with(k))
            })
        })
        .map(|t| (t.start as usize, t.end as usize))
}

/// The characters (within the unit's text) to cut off a locked unit so that the occurrence
/// `o` (title characters) in its glued part goes: from the occurrence to the unit's far edge,
/// away from its locked words, so no fragment of them is left; `None` when the occurrence lies
/// between two locked words.
fn glued_cut(unit: &Unit, span: (usize, usize), o: (usize, usize)) -> Option<(usize, usize)> {
    let (a, b) = (o.0 - span.0, o.1 - span.0);
    let len = span.1 - span.0;
    if unit.cores.iter().all(|c| c.1 <= a) {
        Some((a, len))
    } else if unit.cores.iter().all(|c| b <= c.0) {
        Some((0, b))
    } else {
        None
    }
}

#[derive(Clone)]
struct Pool<'u> {
    units: Vec<Unit>,
    /// Usable keywords (all words available): keyword id, value, units needed.
    usable: Vec<(u32, f64, Vec<usize>)>,
    /// Keywords (positions in `usable`) each unit takes part in.
    unit_kws: Vec<Vec<usize>>,
    conflict: Vec<Vec<bool>>,
    budget: usize,
    universe: &'u KeywordUniverse,
}

#[derive(Clone)]
struct State {
    sel: Vec<bool>,
    cost: usize,
    covered: Vec<bool>,
    value: f64,
}

impl Pool<'_> {
    fn empty_state(&self) -> State {
        State {
            sel: vec![false; self.units.len()],
            cost: 0,
            covered: vec![false; self.usable.len()],
            value: 0.0,
        }
    }

    fn fits(&self, s: &State, add: &[usize]) -> bool {
        let cost: usize = add.iter().map(|&u| self.units[u].cost).sum();
        s.cost + cost <= self.budget
            && add.iter().enumerate().all(|(i, &u)| {
                (0..self.units.len()).all(|v| !(s.sel[v] && self.conflict[u][v]))
                    && add[..i].iter().all(|&v| !self.conflict[u][v])
            })
    }

    fn add(&self, s: &mut State, u: usize) {
        if s.sel[u] {
            return;
        }
        s.sel[u] = true;
        s.cost += self.units[u].cost;
        for &k in &self.unit_kws[u] {
            if !s.covered[k] && self.usable[k].2.iter().all(|&v| s.sel[v]) {
                s.covered[k] = true;
                s.value += self.usable[k].1;
            }
        }
    }

    fn remove(&self, s: &mut State, u: usize) {
        if !s.sel[u] {
            return;
        }
        s.sel[u] = false;
        s.cost -= self.units[u].cost;
        for &k in &self.unit_kws[u] {
            if s.covered[k] {
                s.covered[k] = false;
                s.value -= self.usable[k].1;
            }
        }
    }

    /// Value gained by adding `add` (units not yet selected).
    fn gain(&self, s: &State, add: &[usize]) -> f64 {
        let mut g = 0.0;
        let mut seen: Vec<usize> = Vec::new();
        for &u in add {
            for &k in &self.unit_kws[u] {
                if s.covered[k] || seen.contains(&k) {
                    continue;
                }
                seen.push(k);
                if self.usable[k]
                    .2
                    .iter()
                    .all(|v| s.sel[*v] || add.contains(v))
                {
                    g += self.usable[k].1;
                }
            }
        }
        g
    }

    /// Adds whole keywords by best gain per byte while any fits.
    fn greedy(&self, s: &mut State) {
        loop {
            let mut best: Option<(f64, Vec<usize>)> = None;
            for (k, (_, _, need)) in self.usable.iter().enumerate() {
                if s.covered[k] {
                    continue;
                }
                let add: Vec<usize> = need.iter().copied().filter(|&u| !s.sel[u]).collect();
                if add.is_empty() || !self.fits(s, &add) {
                    continue;
                }
                let cost: usize = add.iter().map(|&u| self.units[u].cost).sum();
                let ratio = self.gain(s, &add) / cost.max(1) as f64;
                if ratio > 0.0 && best.as_ref().is_none_or(|(r, _)| ratio > *r) {
                    best = Some((ratio, add));
                }
            }
            let Some((_, add)) = best else { return };
            for u in add {
                self.add(s, u);
            }
        }
    }

    /// Drops the least contributing unit and refills while that gains.
    fn local_search(&self, s: &mut State) {
        for _round in 0..3 {
            let mut order: Vec<(f64, usize)> = (0..self.units.len())
                .filter(|&u| s.sel[u] && !self.units[u].locked)
                .map(|u| {
                    let loss: f64 = self.unit_kws[u]
                        .iter()
                        .filter(|&&k| s.covered[k])
                        .map(|&k| self.usable[k].1)
                        .sum();
                    (loss / self.units[u].cost.max(1) as f64, u)
                })
                .collect();
            order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut improved = false;
            for &(_, u) in order.iter().take(8) {
                let mut t = s.clone();
                self.remove(&mut t, u);
                self.greedy(&mut t);
                if t.value > s.value + 1e-9 {
                    *s = t;
                    improved = true;
                    break;
                }
            }
            if !improved {
                return;
            }
        }
    }

    /// Adds the original title's other words, in order, where they fit: true, and they keep
    /// the title reading as the operator wrote it.
    fn fill(&self, s: &mut State) {
        for u in 0..self.units.len() {
            if !s.sel[u] && self.units[u].origin == Origin::Title && self.fits(s, &[u]) {
                self.add(s, u);
            }
        }
    }
}

impl<'a> Composer<'a> {
    fn universe(&self) -> &'a KeywordUniverse {
        self.scorer.universe
    }

    fn budget(&self) -> usize {
        self.options.budget
    }

    /// Scores an item's current title.
    pub fn score_item(&self, item: &Item) -> Scored {
        let seg = self.universe().segmenter().segment(&item.title);
        self.score_segmented(item, &seg)
    }

    fn subject(&self, item: &Item, seg: &Segmented<'_>) -> Subject {
        let u = self.universe();
        item.subject(seg, |k| u.word_weight(k))
    }

    fn score_segmented(&self, item: &Item, seg: &Segmented<'_>) -> Scored {
        let u = self.universe();
        let subject = self.subject(item, seg);
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
        let problems = lint(seg, u.segmenter(), self.budget());
        let score = self.scorer.score(seg, &problems, &subject, &candidates);
        Scored {
            subject,
            score,
            problems,
            bytes: gbk_len(seg.title()),
            candidates,
        }
    }

    fn scored_title(&self, title: &str, old: &Scored) -> (TitleScore, Vec<Problem>, Vec<String>) {
        let s = self.universe().segmenter();
        let seg = s.segment(title);
        let problems = lint(&seg, s, self.budget());
        let score = self
            .scorer
            .score(&seg, &problems, &old.subject, &old.candidates);
        let keys = seg.words().map(|t| seg.key(t).to_owned()).collect();
        (score, problems, keys)
    }

    fn pool(&self, item: &Item, seg: &Segmented<'_>, old: &Scored) -> Pool<'a> {
        let u = self.universe();
        let s = u.segmenter();
        let banned: Vec<String> = item.banned.iter().map(|b| fold(b)).collect();
        let is_banned = |key: &str| banned.iter().any(|b| key == b || key.contains(b.as_str()));
        let folded = seg.folded();
        let base = folded.as_ptr() as usize;
        let key_range = |t: &super::Token| {
            let start = seg.key(t).as_ptr() as usize - base;
            (start, start + seg.key(t).len())
        };
        // Locked spans in the folded title: brand, product word, must-keep words.
        let mut locks: Vec<(usize, usize, bool)> = Vec::new();
        let mut lock = |key: &str, brand: bool| {
            if let Some(at) = (!key.is_empty()).then(|| folded.find(key)).flatten() {
                locks.push((at, at + key.len(), brand));
            }
        };
        if let Some(b) = &old.subject.brand {
            lock(&b.key, true);
        }
        if let Some(p) = &old.subject.product {
            lock(&p.key, false);
        }
        for m in &item.must_keep {
            lock(&fold(m), false);
        }
        let mut units: Vec<Unit> = Vec::new();
        let tokens = &seg.tokens;
        // A lone Chinese character jieba could not place (毛 in 毛/衣裙, 式 in 旗袍/式) is
        // not a word: it stays glued to the word it completes, or to both neighbours, so that
        // dropping or moving words never leaves a broken fragment.
        let mut glue = vec![false; tokens.len()];
        let touching = |a: usize, b: usize| {
            tokens[a].end == tokens[b].start
                && tokens[a].kind != TokenKind::Punct
                && tokens[b].kind != TokenKind::Punct
                && s.prohibited(seg.key(&tokens[a])).is_none()
                && s.prohibited(seg.key(&tokens[b])).is_none()
        };
        for t in 0..tokens.len() {
            let key = seg.key(&tokens[t]);
            let lone = matches!(tokens[t].kind, TokenKind::Word | TokenKind::Filler)
                && key.chars().count() == 1
                && key.chars().all(is_cjk);
            if !lone {
                continue;
            }
            let prev = (t > 0 && touching(t - 1, t)).then(|| t - 1);
            let next = (t + 1 < tokens.len() && touching(t, t + 1)).then_some(t + 1);
            let word = |a: usize, b: usize| {
                s.is_word(&format!("{}{}", seg.key(&tokens[a]), seg.key(&tokens[b])))
            };
            match (prev, next) {
                (Some(p), _) if word(p, t) => glue[p] = true,
                (_, Some(n)) if word(t, n) => glue[t] = true,
                (p, n) => {
                    if let Some(p) = p {
                        glue[p] = true;
                    }
                    if n.is_some() {
                        glue[t] = true;
                    }
                }
            }
        }
        let mut i = 0;
        while i < tokens.len() {
            let (ks, ke) = key_range(&tokens[i]);
            let hit = locks.iter().find(|l| l.0 < ke && ks < l.1).copied();
            let mut j = i + 1;
            loop {
                let in_lock = hit
                    .is_some_and(|(_, lend, _)| j < tokens.len() && key_range(&tokens[j]).0 < lend);
                if j < tokens.len() && (in_lock || glue[j - 1]) {
                    j += 1;
                } else {
                    break;
                }
            }
            // A brand written in two scripts (`CHANDO/自然堂`) is one unit.
            let brand_pair = |j: usize| {
                j + 1 < tokens.len()
                    && tokens[j - 1].kind == TokenKind::Brand
                    && tokens[j].kind == TokenKind::Punct
                    && seg.text(&tokens[j]) == "/"
                    && tokens[j + 1].kind == TokenKind::Brand
            };
            if tokens[i].kind == TokenKind::Brand || hit.is_some_and(|h| h.2) {
                while brand_pair(j) {
                    j += 2;
                }
            }
            let group = &tokens[i..j];
            let (first, last) = (group[0], group[j - i - 1]);
            let hit = hit.or_else(|| {
                let (gs, ge) = (key_range(&first).0, key_range(&last).1);
                locks.iter().find(|l| l.0 < ge && gs < l.1).copied()
            });
            i = j;
            if hit.is_none() && first.kind == TokenKind::Punct && group.len() == 1 {
                continue;
            }
            let keys: Vec<String> = group
                .iter()
                .filter(|t| t.kind != TokenKind::Punct)
                .map(|t| seg.key(t).to_owned())
                .collect();
            if keys.is_empty() {
                continue;
            }
            let locked = hit.is_some();
            if !locked
                && keys
                    .iter()
                    .any(|k| s.prohibited(k).is_some() || is_banned(k))
            {
                continue;
            }
            let text = seg.title()[first.byte_start as usize..last.byte_end as usize].to_owned();
            let (gs, ge) = (key_range(&first).0, key_range(&last).1);
            let cores: Vec<(usize, usize)> = locks
                .iter()
                .filter(|l| l.0 < ge && gs < l.1)
                .map(|l| {
                    let chars = |at: usize| folded[..at].chars().count();
                    let from = chars(l.0.max(gs)) - first.start as usize;
                    (
                        from,
                        from + folded[l.0.max(gs)..l.1.min(ge)].chars().count(),
                    )
                })
                .collect();
            units.push(Unit {
                cores,
                cost: unit_cost(&text),
                ids: keys.iter().filter_map(|k| u.word_id(k)).collect(),
                keys,
                text,
                origin: Origin::Title,
                locked,
                brand: hit.is_some_and(|h| h.2) || first.kind == TokenKind::Brand,
                kind: if group.len() == 1 {
                    first.kind
                } else {
                    TokenKind::Word
                },
            });
        }
        // A brand or product word the operator gives that the title lacks is added: it is true.
        for (named, brand) in [(&old.subject.brand, true), (&old.subject.product, false)] {
            if let Some(n) = named
                && !folded.contains(n.key.as_str())
                && !n.key.is_empty()
            {
                let unit = Unit {
                    cores: vec![(0, n.text.chars().count())],
                    text: n.text.clone(),
                    keys: vec![n.key.clone()],
                    ids: u.word_id(&n.key).into_iter().collect(),
                    cost: unit_cost(&n.text),
                    origin: if brand {
                        Origin::Title
                    } else {
                        Origin::Attribute
                    },
                    locked: true,
                    brand,
                    kind: if brand {
                        TokenKind::Brand
                    } else {
                        TokenKind::Product
                    },
                };
                if brand {
                    units.insert(0, unit);
                } else {
                    units.push(unit);
                }
            }
        }
        // Exact repeats: the later unit goes, unless locked (then the earlier, unlocked one
        // goes). Repeats at a word's edge (保湿 … 保湿霜) stay in the pool as conflicts: the
        // search keeps whichever covers more.
        let mut keep = vec![true; units.len()];
        for a in 0..units.len() {
            for b in a + 1..units.len() {
                let same = units[b].keys.iter().all(|k| units[a].keys.contains(k))
                    || units[a].keys.iter().all(|k| units[b].keys.contains(k));
                if keep[a] && keep[b] && same {
                    if units[b].locked && !units[a].locked {
                        keep[a] = false;
                    } else if !units[b].locked {
                        keep[b] = false;
                    }
                }
            }
        }
        let mut units: Vec<Unit> = units
            .into_iter()
            .zip(keep)
            .filter_map(|(u, k)| k.then_some(u))
            .collect();
        let has = |units: &[Unit], key: &str| units.iter().any(|u| u.keys.iter().any(|k| k == key));
        let facet_of = |key: &str| FACETS.iter().position(|f| f.contains(&key));
        let push = |units: &mut Vec<Unit>, key: &str, text: &str, origin: Origin, kind| {
            if key.is_empty()
                || has(units, key)
                || s.prohibited(key).is_some()
                || is_banned(key)
                || !u.is_generic(key) && origin != Origin::Attribute && origin != Origin::Synonym
            {
                return;
            }
            if origin != Origin::Attribute
                && let Some(f) = facet_of(key)
                && units
                    .iter()
                    .any(|x| x.keys.iter().any(|k| facet_of(k) == Some(f)))
            {
                return;
            }
            let unit = Unit {
                cores: Vec::new(),
                text: text.to_owned(),
                keys: vec![key.to_owned()],
                ids: u.word_id(key).into_iter().collect(),
                cost: unit_cost(text),
                origin,
                locked: false,
                brand: false,
                kind,
            };
            if units.iter().any(|x| conflicts(x, &unit)) {
                return;
            }
            units.push(unit);
        };
        for (_, value) in &item.attributes {
            let vseg = s.segment(value);
            for t in vseg.words() {
                push(
                    &mut units,
                    vseg.key(t),
                    vseg.text(t),
                    Origin::Attribute,
                    t.kind,
                );
            }
        }
        let ids: Vec<u32> = units.iter().flat_map(|x| x.ids.clone()).collect();
        for id in ids {
            for &syn in u.synonyms(id) {
                let key = u.word(syn).to_owned();
                push(&mut units, &key, &key, Origin::Synonym, TokenKind::Word);
            }
        }
        for w in SAFE_TRAFFIC {
            if u.word_id(w).is_some() {
                push(&mut units, w, w, Origin::Traffic, TokenKind::Traffic);
            }
        }
        if self.options.allow_new_words {
            for c in &old.candidates.list {
                for &w in u.keyword(c.keyword).words.iter() {
                    let key = u.word(w).to_owned();
                    let numeric = key.bytes().any(|b| b.is_ascii_digit());
                    if !numeric {
                        let kind = s.kind_of(&key).map_or(TokenKind::Word, Into::into);
                        push(&mut units, &key, &key, Origin::New, kind);
                    }
                }
            }
        }
        // Which unit provides each word.
        let mut provider: FxHashMap<u32, usize> = FxHashMap::default();
        for (i, unit) in units.iter().enumerate() {
            for &id in &unit.ids {
                provider.entry(id).or_insert(i);
            }
        }
        let mut usable = Vec::new();
        let mut unit_kws = vec![Vec::new(); units.len()];
        for c in &old.candidates.list {
            let kw = u.keyword(c.keyword);
            let need: Option<Vec<usize>> =
                kw.words.iter().map(|w| provider.get(w).copied()).collect();
            if let Some(mut need) = need {
                need.sort_unstable();
                need.dedup();
                for &n in &need {
                    unit_kws[n].push(usable.len());
                }
                usable.push((c.keyword, kw.value.value, need));
            }
        }
        let n = units.len();
        let mut conflict = vec![vec![false; n]; n];
        for a in 0..n {
            for b in a + 1..n {
                let c = conflicts(&units[a], &units[b]);
                conflict[a][b] = c;
                conflict[b][a] = c;
            }
        }
        Pool {
            units,
            usable,
            unit_kws,
            conflict,
            budget: self.budget(),
            universe: u,
        }
    }

    /// Orders the selected units into a title (see the module docs).
    fn arrange<'p>(&self, pool: &'p Pool<'_>, s: &State) -> Vec<&'p Unit> {
        let mut seq: Vec<usize> = (0..pool.units.len())
            .filter(|&u| s.sel[u] && pool.units[u].origin == Origin::Title)
            .collect();
        if let Some(b) = seq
            .iter()
            .position(|&u| pool.units[u].brand && pool.units[u].locked)
        {
            let brand = seq.remove(b);
            seq.insert(0, brand);
        }
        let product_key = |u: &Unit| u.locked && !u.brand && u.kind == TokenKind::Product;
        // The words of the most valuable keywords go in last, so they end up nearest their
        // partners.
        let mut inserted: Vec<(usize, usize)> = (0..pool.units.len())
            .filter(|&u| s.sel[u] && pool.units[u].origin != Origin::Title)
            .map(|u| {
                let best = pool.unit_kws[u]
                    .iter()
                    .copied()
                    .filter(|&k| s.covered[k])
                    .min();
                (best.unwrap_or(usize::MAX), u)
            })
            .collect();
        inserted.sort_by(|a, b| b.cmp(a));
        let inserted: Vec<usize> = inserted.into_iter().map(|x| x.1).collect();
        for u in inserted {
            let unit = &pool.units[u];
            let mut at: Option<usize> = None;
            // The most valuable covered keyword holding it, beside a partner already placed.
            'kw: for &k in &pool.unit_kws[u] {
                if !s.covered[k] {
                    continue;
                }
                let kw = pool.universe.keyword(pool.usable[k].0);
                let Some(i) = kw.words.iter().position(|w| unit.ids.contains(w)) else {
                    continue;
                };
                let placed = |w: &u32| seq.iter().position(|&v| pool.units[v].ids.contains(w));
                for w in &kw.words[i + 1..] {
                    if let Some(p) = placed(w) {
                        at = Some(p);
                        break 'kw;
                    }
                }
                for w in kw.words[..i].iter().rev() {
                    if let Some(p) = placed(w) {
                        at = Some(p + 1);
                        break 'kw;
                    }
                }
            }
            let at = at.unwrap_or_else(|| {
                if matches!(unit.kind, TokenKind::Traffic) {
                    seq.len()
                } else {
                    seq.iter()
                        .position(|&v| product_key(&pool.units[v]))
                        .unwrap_or(seq.len())
                }
            });
            let floor = usize::from(seq.first().is_some_and(|&v| pool.units[v].brand));
            seq.insert(at.max(floor).min(seq.len()), u);
        }
        seq.into_iter().map(|u| &pool.units[u]).collect()
    }

    /// Renders a selection, brings it within the budget and repairs what lint finds; `None`
    /// when it cannot be made to pass.
    ///
    /// A repeated word is a hard constraint like a prohibited one: the unlocked unit holding
    /// either occurrence goes (the later first); when both lie in locked units, an occurrence
    /// in a locked unit's glued part (a lone character given to the brand or product word) is
    /// trimmed off; only a repeat inside the locked words themselves (a brand spelt 好上好)
    /// is accepted, since the rewrite must keep those.
    fn realise(&self, pool: &Pool<'_>, mut s: State, old: &Scored) -> Option<String> {
        enum Step {
            Done(Option<String>),
            Fix {
                drop: Vec<usize>,
                trim: Vec<(usize, usize, usize)>,
            },
        }
        let segmenter = self.universe().segmenter();
        // A copy of the pool whose locked units lost glued characters, made only when needed.
        let mut trimmed: Option<Pool<'_>> = None;
        // Every round drops or trims at least one unit, so this many rounds always suffice.
        for _ in 0..pool.units.len() * 2 + 8 {
            let step = {
                let pool = trimmed.as_ref().unwrap_or(pool);
                let units = self.arrange(pool, &s);
                let (title, spans) = render(&units);
                let seg = segmenter.segment(&title);
                let problems = lint(&seg, segmenter, self.budget());
                let folded = seg.folded();
                let lost_subject = [&old.subject.brand, &old.subject.product]
                    .into_iter()
                    .flatten()
                    .any(|n| !folded.contains(n.key.as_str()));
                let bad: Vec<&Problem> = problems.iter().filter(|p| hard(p)).collect();
                if lost_subject {
                    Step::Done(None)
                } else if bad.is_empty() && !title.trim().is_empty() {
                    Step::Done(Some(title))
                } else {
                    let unit_at = |at: usize| spans.iter().position(|sp| sp.0 <= at && at < sp.1);
                    let in_pool = |i: usize| {
                        pool.units
                            .iter()
                            .position(|x| std::ptr::eq(x, units[i]))
                            .expect("arranged units come from the pool")
                    };
                    // Whether chars a..b of the title lie inside unit i's locked words.
                    let in_core = |i: usize, (a, b): (usize, usize)| {
                        units[i]
                            .cores
                            .iter()
                            .any(|c| spans[i].0 + c.0 <= a && b <= spans[i].0 + c.1)
                    };
                    let mut drop = Vec::new();
                    let mut trim = Vec::new();
                    let mut accepted = true;
                    for p in &bad {
                        match p.kind {
                            ProblemKind::RepeatedWord => {
                                let occurrences: Vec<(usize, (usize, usize))> =
                                    std::iter::once((p.start, p.end))
                                        .chain(earlier_occurrence(&seg, p))
                                        .filter_map(|o| unit_at(o.0).map(|i| (i, o)))
                                        .collect();
                                if let Some(&(i, _)) =
                                    occurrences.iter().find(|(i, _)| !units[*i].locked)
                                {
                                    drop.push(in_pool(i));
                                } else if let Some((i, cut)) = occurrences
                                    .iter()
                                    .filter(|&&(i, o)| !in_core(i, o) && o.1 <= spans[i].1)
                                    .filter_map(|&(i, o)| {
                                        glued_cut(units[i], spans[i], o).map(|c| (i, c))
                                    })
                                    .min_by_key(|(_, c)| c.1 - c.0)
                                {
                                    trim.push((in_pool(i), cut.0, cut.1));
                                } else if !occurrences.iter().all(|&(i, o)| in_core(i, o)) {
                                    accepted = false;
                                }
                            }
                            ProblemKind::OverBudget => {
                                let least = (0..pool.units.len())
                                    .filter(|&u| s.sel[u] && !pool.units[u].locked)
                                    .map(|u| {
                                        let v: f64 = pool.unit_kws[u]
                                            .iter()
                                            .filter(|&&k| s.covered[k])
                                            .map(|&k| pool.usable[k].1)
                                            .sum();
                                        (v / pool.units[u].cost.max(1) as f64, u)
                                    })
                                    .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
                                match least {
                                    Some((_, u)) => drop.push(u),
                                    None => accepted = false,
                                }
                            }
                            _ => {
                                let before = drop.len();
                                drop.extend(
                                    (0..units.len())
                                        .filter(|&i| {
                                            !units[i].locked
                                                && spans[i].0 < p.end
                                                && p.start < spans[i].1
                                        })
                                        .map(in_pool),
                                );
                                // In a locked unit's glued part it is cut off; inside a
                                // locked name (酷冷至尊) it stays with the name: the
                                // operator's brand is theirs to change.
                                let o = (p.start, p.end);
                                if drop.len() == before
                                    && let Some(i) = unit_at(p.start)
                                    && !in_core(i, o)
                                {
                                    match glued_cut(units[i], spans[i], o) {
                                        Some(cut) if o.1 <= spans[i].1 => {
                                            trim.push((in_pool(i), cut.0, cut.1))
                                        }
                                        _ => accepted = false,
                                    }
                                }
                            }
                        }
                    }
                    if drop.is_empty() && trim.is_empty() {
                        // What is left lies inside the locked words themselves: accept it.
                        Step::Done((accepted && !title.trim().is_empty()).then_some(title))
                    } else {
                        Step::Fix { drop, trim }
                    }
                }
            };
            match step {
                Step::Done(title) => return title,
                Step::Fix { drop, trim } => {
                    let pool_now = trimmed.as_ref().unwrap_or(pool);
                    for u in drop {
                        pool_now.remove(&mut s, u);
                    }
                    if trim.is_empty() {
                        continue;
                    }
                    let t = trimmed.get_or_insert_with(|| pool.clone());
                    for (u, a, b) in trim {
                        let unit = &mut t.units[u];
                        let chars: Vec<char> = unit.text.chars().collect();
                        if b > chars.len() || a >= b {
                            continue;
                        }
                        unit.text = chars[..a].iter().chain(&chars[b..]).collect();
                        for c in &mut unit.cores {
                            if c.0 >= b {
                                *c = (c.0 - (b - a), c.1 - (b - a));
                            }
                        }
                        let left = fold(&unit.text);
                        unit.keys.retain(|k| left.contains(k.as_str()));
                        let cost = unit_cost(&unit.text);
                        s.cost = (s.cost + cost).saturating_sub(unit.cost);
                        unit.cost = cost;
                    }
                }
            }
        }
        None
    }

    /// Whether a hard problem lies inside the item's brand, product word or a must-keep word,
    /// which the rewrite must keep: a prohibited word inside the brand (酷冷至尊), a repeat
    /// inside one name (a brand spelt 好上好) or shared by two (奥立泰 奥硝唑). The same name
    /// written twice is a real repeat.
    fn inside_names(
        &self,
        item: &Item,
        subject: &Subject,
        seg: &Segmented<'_>,
        p: &Problem,
    ) -> bool {
        let folded = seg.folded();
        let names: Vec<String> = [&subject.brand, &subject.product]
            .into_iter()
            .flatten()
            .map(|n| n.key.clone())
            .chain(item.must_keep.iter().map(|m| fold(m)))
            .filter(|n| !n.is_empty())
            .collect();
        // The name occurrence (name, start char) holding chars a..b.
        let holder = |(a, b): (usize, usize)| {
            names.iter().find_map(|n| {
                folded.match_indices(n.as_str()).find_map(|(at, m)| {
                    let start = folded[..at].chars().count();
                    (start <= a && b <= start + m.chars().count()).then_some((n, start))
                })
            })
        };
        match p.kind {
            ProblemKind::Prohibited => holder((p.start, p.end)).is_some(),
            ProblemKind::RepeatedWord => {
                let Some(earlier) = earlier_occurrence(seg, p) else {
                    return false;
                };
                match (holder((p.start, p.end)), holder(earlier)) {
                    (Some(l), Some(e)) => l == e || l.0 != e.0,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The brand, product word and must-keep words alone, in that order, when that passes
    /// every hard constraint.
    fn names_only(&self, item: &Item, old: &Scored) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        let names = [&old.subject.brand, &old.subject.product]
            .into_iter()
            .flatten()
            .map(|n| n.text.clone())
            .chain(item.must_keep.iter().cloned());
        for n in names {
            if !n.is_empty() && !parts.iter().any(|p| fold(p).contains(fold(&n).as_str())) {
                parts.push(n);
            }
        }
        let mut title = String::new();
        for p in &parts {
            if title
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                && p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            {
                title.push(' ');
            }
            title.push_str(p);
        }
        let s = self.universe().segmenter();
        let seg = s.segment(&title);
        let ok = lint(&seg, s, self.budget())
            .iter()
            .all(|p| !hard(p) || self.inside_names(item, &old.subject, &seg, p));
        (ok && !title.trim().is_empty()).then_some(title)
    }

    /// The original with lint's own fixes applied (a repeat deleted, a prohibited word replaced
    /// by its substitute) until no hard problem is left: for a title without names whose
    /// words cannot be composed (a scrambled title).
    fn lint_fixed(&self, item: &Item, old: &Scored) -> Option<String> {
        let s = self.universe().segmenter();
        let mut title = item.title.clone();
        for _ in 0..64 {
            let seg = s.segment(&title);
            let problems = lint(&seg, s, self.budget());
            let Some(p) = problems
                .iter()
                .find(|p| hard(p) && !self.inside_names(item, &old.subject, &seg, p))
            else {
                return (!title.trim().is_empty()).then_some(title);
            };
            let fix = p.suggestion.as_ref()?;
            title = title
                .chars()
                .take(p.start)
                .chain(fix.chars())
                .chain(title.chars().skip(p.end))
                .collect();
        }
        None
    }

    /// Composes the best title for an item (see the module docs).
    pub fn rewrite(&self, item: &Item) -> Rewrite {
        let u = self.universe();
        let seg = u.segmenter().segment(&item.title);
        let old = self.score_segmented(item, &seg);
        let pool = self.pool(item, &seg, &old);

        // Start 1: the constrained words alone, then greedy and local search.
        let mut locked = pool.empty_state();
        for i in 0..pool.units.len() {
            if pool.units[i].locked {
                pool.add(&mut locked, i);
            }
        }
        let mut a = locked.clone();
        pool.greedy(&mut a);
        pool.local_search(&mut a);
        // Start 2: the original cut to the budget (compliant words only), improved the same way.
        let mut b = locked.clone();
        pool.fill(&mut b);
        pool.greedy(&mut b);
        pool.local_search(&mut b);
        let mut best = if a.value > b.value + 1e-9 {
            a
        } else {
            b.clone()
        };
        pool.fill(&mut best);

        let free: Vec<u32> = (0..pool.units.len())
            .filter(|&i| pool.units[i].locked)
            .flat_map(|i| pool.units[i].ids.clone())
            .collect();
        let usable_ids: Vec<u32> = pool.usable.iter().map(|x| x.0).collect();
        let upper_bound = u
            .upper_bound(&usable_ids, &free, self.budget(), |w| gbk_len(u.word(w)))
            .max(best.value);
        let achieved = best.value;

        // Over the budget, a prohibited or a repeated word: the title must change, even when
        // the score falls ("never worse" holds among titles that meet the constraints). A
        // repeat inside the brand, product or must-keep words themselves is kept: so are they.
        let violations: Vec<&Problem> = old
            .problems
            .iter()
            .filter(|p| hard(p) && !self.inside_names(item, &old.subject, &seg, p))
            .collect();
        let over_or_illegal = !violations.is_empty();
        let composed = self
            .realise(&pool, best, &old)
            .or_else(|| self.realise(&pool, b, &old))
            .or_else(|| self.realise(&pool, locked, &old));
        // Last resort for a title that must change: the names alone (brand, product word,
        // must-keep words), which are true and kept by every rewrite.
        let composed = composed.or_else(|| {
            over_or_illegal
                .then(|| {
                    self.names_only(item, &old)
                        .or_else(|| self.lint_fixed(item, &old))
                })
                .flatten()
        });
        let (mut title, mut why) = match composed {
            Some(t) => (t, String::new()),
            None => (
                item.title.clone(),
                "kept: no title passing every constraint could be composed".to_owned(),
            ),
        };
        let (mut new_score, mut new_problems, mut new_keys) = self.scored_title(&title, &old);
        if title != item.title && new_score.score <= old.score.score && !over_or_illegal {
            title = item.title.clone();
            (new_score, new_problems, new_keys) = self.scored_title(&title, &old);
            why = "kept: no better title under the constraints".to_owned();
        }
        let _ = new_problems;
        let changed = title != item.title;
        let old_keys: Vec<String> = seg.words().map(|t| seg.key(t).to_owned()).collect();
        let mut added: Vec<String> = Vec::new();
        for k in &new_keys {
            if !old_keys.contains(k) && !added.contains(k) {
                added.push(k.clone());
            }
        }
        let mut removed: Vec<String> = Vec::new();
        for k in &old_keys {
            if !new_keys.contains(k) && !removed.contains(k) {
                removed.push(k.clone());
            }
        }
        let unconfirmed: Vec<String> = pool
            .units
            .iter()
            .filter(|x| x.origin == Origin::New && added.iter().any(|a| x.keys.contains(a)))
            .map(|x| x.text.clone())
            .collect();
        let covered_gain: Vec<(u32, f64)> = new_score
            .covered
            .iter()
            .filter(|(k, _)| !old.score.covered.iter().any(|(o, _)| o == k))
            .copied()
            .collect();
        let covered_lost: Vec<(u32, f64)> = old
            .score
            .covered
            .iter()
            .filter(|(k, _)| !new_score.covered.iter().any(|(n, _)| n == k))
            .copied()
            .collect();
        let have: Vec<u32> = pool.units.iter().flat_map(|x| x.ids.clone()).collect();
        let suggestions: Vec<(u32, Vec<String>)> = old
            .candidates
            .list
            .iter()
            .filter(|c| !pool.usable.iter().any(|x| x.0 == c.keyword))
            .take(5)
            .map(|c| {
                let lacking = u
                    .keyword(c.keyword)
                    .words
                    .iter()
                    .filter(|w| !have.contains(w))
                    .map(|w| u.word(*w).to_owned())
                    .collect();
                (c.keyword, lacking)
            })
            .collect();

        let mut reason: Vec<String> = Vec::new();
        if changed {
            let mut fixes = Vec::new();
            for p in &violations {
                fixes.push(match p.kind {
                    ProblemKind::RepeatedWord => {
                        format!("fixed a repeated word \"{}\"", p.text)
                    }
                    ProblemKind::OverBudget => {
                        format!(
                            "brought within budget ({} -> {} bytes)",
                            old.bytes,
                            gbk_len(&title)
                        )
                    }
                    k => format!("{} \"{}\" removed", k.as_str().replace('_', " "), p.text),
                });
            }
            fixes.dedup();
            reason.extend(fixes);
            if !covered_gain.is_empty() {
                let v: f64 = covered_gain.iter().map(|x| x.1).sum();
                reason.push(format!(
                    "covers {} more keyword(s), +{:.1} value",
                    covered_gain.len(),
                    v
                ));
            }
            reason.push(format!(
                "score {:.1} -> {:.1}",
                old.score.score, new_score.score
            ));
        } else if why.is_empty() {
            reason.push("kept: already the best title under the constraints".to_owned());
        } else {
            reason.push(why);
        }
        if upper_bound > 0.0 {
            reason.push(format!(
                "gap to upper bound {:.0}%",
                100.0 * (upper_bound - achieved).max(0.0) / upper_bound
            ));
        }
        if !unconfirmed.is_empty() {
            reason.push(format!(
                "added words to confirm as true: {}",
                unconfirmed.join(" ")
            ));
        }
        if let Some(note) = old.subject.note() {
            reason.push(note);
        }
        if !suggestions.is_empty() && !self.options.allow_new_words {
            let list: Vec<String> = suggestions
                .iter()
                .take(3)
                .map(|(k, lack)| format!("{} (needs {})", u.keyword(*k).text, lack.join("+")))
                .collect();
            reason.push(format!("suggest if true: {}", list.join(", ")));
        }
        Rewrite {
            new_bytes: gbk_len(&title),
            changed,
            title,
            old,
            new_score,
            added,
            removed,
            unconfirmed,
            covered_gain,
            covered_lost,
            upper_bound,
            achieved,
            suggestions,
            reason: reason.join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::tests::universe;
    use crate::title::score::ScoreConfig;

    fn with<R>(f: impl FnOnce(&Composer<'_>) -> R) -> R {
        let u = universe(&[
            ("碎花连衣裙", 500.0),
            ("雪纺连衣裙", 400.0),
            ("连衣裙女", 300.0),
            ("法式连衣裙", 200.0),
            ("长袖连衣裙", 150.0),
            ("洋气连衣裙", 20.0),
            ("连衣裙 秋季", 90.0),
            ("收腰连衣裙", 80.0),
            ("丝绒连衣裙", 70.0),
            ("男士面霜", 60.0),
        ]);
        let config = ScoreConfig::default();
        let c = Composer {
            scorer: Scorer {
                universe: &u,
                config: &config,
                budget: 60,
            },
            options: ComposeOptions::default(),
        };
        f(&c)
    }

    #[test]
    fn uses_attribute_words_and_keeps_brand_first() {
        with(|c| {
            let item = Item {
                attributes: vec![("材质".into(), "雪纺".into())],
                brand: Some("栀夏".into()),
                ..Item::new("1", "栀夏碎花长袖连衣裙女")
            };
            let r = c.rewrite(&item);
            assert!(r.changed, "{r:?}");
            assert!(r.title.starts_with("栀夏"), "{}", r.title);
            assert!(
                r.title.contains("雪纺连衣裙"),
                "next to its partner: {}",
                r.title
            );
            assert!(r.new_score.score > r.old.score.score);
            assert!(r.added.contains(&"雪纺".to_owned()));
        })
    }

    #[test]
    fn over_budget_prohibited_and_repeats_are_fixed() {
        with(|c| {
            let item = Item::new(
                "2",
                "栀夏顶级碎花连衣裙女秋季法式长袖收腰显瘦气质温柔风小众设计感高级感百搭连衣裙裙子",
            );
            assert!(gbk_len(&item.title) > 60);
            let r = c.rewrite(&item);
            assert!(r.new_bytes <= 60, "{}", r.title);
            assert!(!r.title.contains("顶级"));
            assert_eq!(r.title.matches("连衣裙").count(), 1, "{}", r.title);
            assert!(r.new_score.score >= r.old.score.score);
            assert!(r.reason.contains("within budget"), "{}", r.reason);
        })
    }

    #[test]
    fn never_adds_another_gender_or_untrue_words() {
        with(|c| {
            let r = c.rewrite(&Item::new("3", "碎花连衣裙女"));
            assert!(!r.title.contains("男"));
            // 秋季 is only in a keyword: not true of the item unless it says so.
            assert!(!r.title.contains("秋季"), "{}", r.title);
            assert!(r.reason.contains("suggest if true"), "{}", r.reason);
            let c2 = Composer {
                options: ComposeOptions {
                    allow_new_words: true,
                    ..c.options
                },
                ..*c
            };
            let r = c2.rewrite(&Item::new("3", "碎花连衣裙女"));
            assert!(r.title.contains("秋季"), "{}", r.title);
            assert!(r.unconfirmed.contains(&"秋季".to_owned()));
        })
    }

    #[test]
    fn a_repeated_word_always_goes_and_the_reason_says_so() {
        with(|c| {
            let item = Item {
                brand: Some("栀夏".into()),
                ..Item::new("6", "栀夏碎花连衣裙女碎花")
            };
            let r = c.rewrite(&item);
            assert!(r.changed, "{r:?}");
            assert_eq!(r.title.matches("碎花").count(), 1, "{}", r.title);
            assert!(r.reason.contains("fixed a repeated word"), "{}", r.reason);
            // A repeat inside the brand itself is the brand: kept.
            let item = Item {
                brand: Some("好上好".into()),
                ..Item::new("7", "好上好碎花连衣裙女")
            };
            let r = c.rewrite(&item);
            assert!(r.title.starts_with("好上好"), "{}", r.title);
        })
    }

    #[test]
    fn keeps_a_title_that_cannot_be_improved() {
        with(|c| {
            let r = c.rewrite(&Item::new("4", "碎花雪纺洋气连衣裙女"));
            assert!(!r.changed, "{}", r.title);
            assert!(r.reason.starts_with("kept"), "{}", r.reason);
        })
    }

    #[test]
    fn must_keep_and_banned_words_are_obeyed() {
        with(|c| {
            let item = Item {
                must_keep: vec!["小众".into()],
                banned: vec!["法式".into()],
                attributes: vec![("风格".into(), "法式".into())],
                ..Item::new("5", "碎花连衣裙女小众")
            };
            let r = c.rewrite(&item);
            assert!(r.title.contains("小众"));
            assert!(!r.title.contains("法式"), "{}", r.title);
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Whatever the title: within budget, nothing prohibited or repeated, brand and product
        /// word kept, never a lower score.
        #[test]
        fn hard_constraints_hold(words in proptest::collection::vec(
            proptest::sample::select(vec!["碎花", "雪纺", "连衣裙", "女", "顶级", "法式", "长袖",
                "收腰", "秋季", "丝绒", "百搭", "显瘦", "气质", "高级感", "2026新款", " ", "【", "】"]),
            1..30)) {
            let title = format!("栀夏{}连衣裙", words.concat());
            with(|c| {
                let item = Item { brand: Some("栀夏".into()), ..Item::new("p", title.clone()) };
                let r = c.rewrite(&item);
                let s = c.scorer.universe.segmenter();
                let seg = s.segment(&r.title);
                let problems = lint(&seg, s, 60);
                proptest::prop_assert!(gbk_len(&r.title) <= 60, "{}", r.title);
                proptest::prop_assert!(!problems.iter().any(hard), "{} {:?}", r.title, problems);
                proptest::prop_assert!(r.title.starts_with("栀夏"), "{}", r.title);
                proptest::prop_assert!(r.title.contains("连衣裙"));
                proptest::prop_assert!(r.new_score.score >= r.old.score.score, "{} {} -> {} {}", title, r.old.score.score, r.title, r.new_score.score);
                Ok(())
            })?;
        }
    }
}
