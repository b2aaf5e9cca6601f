//! Lint: what is wrong with a title before any optimisation: budget, compliance, waste.

use serde::Serialize;

use crate::lang::Lang;

use super::chars::{gbk_char_len, gbk_len, is_full_width_ascii, is_outside_gbk, to_half_width};
use super::segment::{Segmented, Segmenter, TokenKind};

/// The kinds of problem lint reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Nothing but white space.
    EmptyTitle,
    /// More GBK bytes than the budget.
    OverBudget,
    /// A word banned by the Advertising Law or the platform.
    Prohibited,
    /// A word already in the title: search counts it once, so it wastes budget.
    RepeatedWord,
    /// A space that is not between two ASCII words.
    WastedSpace,
    /// Full-width letters or digits: twice the bytes of their half-width form.
    FullWidth,
    /// A character outside GBK (emoji): 4 bytes, and may be rejected.
    OutsideGbk,
    /// A control character.
    ControlChar,
}

impl ProblemKind {
    /// The snake_case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyTitle => "empty_title",
            Self::OverBudget => "over_budget",
            Self::Prohibited => "prohibited",
            Self::RepeatedWord => "repeated_word",
            Self::WastedSpace => "wasted_space",
            Self::FullWidth => "full_width",
            Self::OutsideGbk => "outside_gbk",
            Self::ControlChar => "control_char",
        }
    }

    /// The kind's name for a person, in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Self::EmptyTitle => lang.pick("标题为空", "empty title"),
            Self::OverBudget => lang.pick("超出预算", "over budget"),
            Self::Prohibited => lang.pick("违禁词", "prohibited"),
            Self::RepeatedWord => lang.pick("重复词", "repeated word"),
            Self::WastedSpace => lang.pick("多余空格", "wasted space"),
            Self::FullWidth => lang.pick("全角字符", "full width"),
            Self::OutsideGbk => lang.pick("GBK 外字符", "outside GBK"),
            Self::ControlChar => lang.pick("控制字符", "control character"),
        }
    }
}

/// Where wasted space stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpacePlace {
    /// Several spaces where one is needed.
    Extra,
    /// At the start or end of the title.
    Edge,
    /// Between words that need none: Taobao segments Chinese itself.
    Between,
}

/// What exactly is wrong: the figures behind a problem, one variant per [`ProblemKind`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// Nothing but white space.
    EmptyTitle {},
    /// More GBK bytes than the budget.
    OverBudget {
        /// GBK bytes of the title.
        bytes: usize,
        /// The budget.
        budget: usize,
    },
    /// A prohibited word.
    Prohibited {
        /// Why it is banned (the dictionary's category: absolute, authority, ...).
        category: String,
    },
    /// A word already in the title.
    RepeatedWord {
        /// Character (1-based) where it first stands.
        first: usize,
    },
    /// Wasted space.
    WastedSpace {
        /// Bytes wasted.
        bytes: usize,
        /// Where it stands.
        place: SpacePlace,
    },
    /// Full-width letters or digits.
    FullWidth {
        /// GBK bytes as written.
        bytes: usize,
        /// Bytes of the half-width form (the suggestion).
        half_bytes: usize,
    },
    /// A character outside GBK.
    OutsideGbk {
        /// Its code point.
        code: u32,
        /// Its bytes.
        bytes: usize,
    },
    /// A control character.
    ControlChar {
        /// Its code point.
        code: u32,
    },
}

impl Detail {
    /// The kind of problem it details.
    pub fn kind(&self) -> ProblemKind {
        match self {
            Detail::EmptyTitle {} => ProblemKind::EmptyTitle,
            Detail::OverBudget { .. } => ProblemKind::OverBudget,
            Detail::Prohibited { .. } => ProblemKind::Prohibited,
            Detail::RepeatedWord { .. } => ProblemKind::RepeatedWord,
            Detail::WastedSpace { .. } => ProblemKind::WastedSpace,
            Detail::FullWidth { .. } => ProblemKind::FullWidth,
            Detail::OutsideGbk { .. } => ProblemKind::OutsideGbk,
            Detail::ControlChar { .. } => ProblemKind::ControlChar,
        }
    }
}

/// A prohibited-word category for a person: the built-in ones named in Chinese, any other
/// (from a user's dictionary) as written.
fn category(lang: Lang, category: &str) -> String {
    let zh = match category {
        "absolute" => "绝对化用语",
        "authority" => "虚假权威",
        "guarantee" => "承诺保证",
        "lure" => "诱导用语",
        "medical" => "医疗功效",
        "superstition" => "封建迷信",
        other => other,
    };
    lang.pick(zh, category).to_owned()
}

/// One problem, pointing at its text in the original title.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// The offending text.
    pub text: String,
    /// First character (0-based) in the original title.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// What exactly is wrong (its fields flattened into the problem's JSON).
    #[serde(flatten)]
    pub detail: Detail,
    /// What to write instead: `""` means delete; absent when there is no mechanical fix.
    pub suggestion: Option<String>,
}

impl Problem {
    fn new(
        detail: Detail,
        text: String,
        (start, end): (usize, usize),
        suggestion: Option<String>,
    ) -> Problem {
        Problem {
            kind: detail.kind(),
            text,
            start,
            end,
            detail,
            suggestion,
        }
    }

    /// What is wrong, for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        let text = &self.text;
        let half = self.suggestion.as_deref().unwrap_or_default();
        match (lang, &self.detail) {
            (Lang::Zh, Detail::EmptyTitle {}) => "标题为空".to_owned(),
            (Lang::En, Detail::EmptyTitle {}) => "the title is empty".to_owned(),
            (Lang::Zh, Detail::OverBudget { bytes, budget }) => {
                format!(
                    "{bytes} 字节，超出 {budget} 字节预算 {} 字节",
                    bytes - budget
                )
            }
            (Lang::En, Detail::OverBudget { bytes, budget }) => {
                format!(
                    "{bytes} bytes, {} over the {budget}-byte budget",
                    bytes - budget
                )
            }
            (_, Detail::Prohibited { category: c }) => match lang {
                Lang::Zh => format!("「{text}」是违禁词（{}）", category(lang, c)),
                Lang::En => format!("\"{text}\" is prohibited ({})", category(lang, c)),
            },
            (Lang::Zh, Detail::RepeatedWord { first }) => {
                format!("「{text}」已在第 {first} 个字出现：搜索只算一次，重复只占字节")
            }
            (Lang::En, Detail::RepeatedWord { first }) => format!(
                "\"{text}\" already stands at character {first}: search counts a word once, the \
                 repeat only costs bytes"
            ),
            (Lang::Zh, Detail::WastedSpace { bytes, place }) => match place {
                SpacePlace::Extra => format!("多余空格 {bytes} 字节：一个就够"),
                SpacePlace::Edge => format!("标题首尾的空格 {bytes} 字节"),
                SpacePlace::Between => {
                    format!("词间不需要的空格 {bytes} 字节：淘宝会自己切分中文")
                }
            },
            (Lang::En, Detail::WastedSpace { bytes, place }) => match place {
                SpacePlace::Extra => format!("{bytes} byte(s) of extra space where one is enough"),
                SpacePlace::Edge => format!("{bytes} byte(s) of space at the edge of the title"),
                SpacePlace::Between => format!(
                    "{bytes} byte(s) of space between words that need none: Taobao segments \
                     Chinese itself"
                ),
            },
            (Lang::Zh, Detail::FullWidth { bytes, half_bytes }) => {
                format!("全角「{text}」占 {bytes} 字节，半角「{half}」只占 {half_bytes} 字节")
            }
            (Lang::En, Detail::FullWidth { bytes, half_bytes }) => {
                format!("full-width \"{text}\" costs {bytes} bytes, \"{half}\" {half_bytes}")
            }
            (Lang::Zh, Detail::OutsideGbk { code, bytes }) => {
                format!("U+{code:04X} 不在 GBK 内：占 {bytes} 字节，淘宝可能拒收")
            }
            (Lang::En, Detail::OutsideGbk { code, bytes }) => {
                format!("U+{code:04X} is outside GBK: {bytes} bytes, and Taobao may reject it")
            }
            (Lang::Zh, Detail::ControlChar { code }) => format!("控制字符 U+{code:04X}"),
            (Lang::En, Detail::ControlChar { code }) => format!("control character U+{code:04X}"),
        }
    }
}

/// Lints a segmented title against a byte budget.
pub fn lint(seg: &Segmented<'_>, segmenter: &Segmenter, budget: usize) -> Vec<Problem> {
    let title = seg.title();
    let mut problems = Vec::new();
    if title.trim().is_empty() {
        problems.push(Problem::new(
            Detail::EmptyTitle {},
            title.to_owned(),
            (0, title.chars().count()),
            None,
        ));
        return problems;
    }
    over_budget(title, budget, &mut problems);
    prohibited(seg, segmenter, &mut problems);
    repeated(seg, segmenter, &mut problems);
    characters(title, segmenter, &mut problems);
    problems.sort_by_key(|p| (p.start, p.kind));
    problems
}

fn over_budget(title: &str, budget: usize, problems: &mut Vec<Problem>) {
    let bytes = gbk_len(title);
    if bytes <= budget {
        return;
    }
    // Point at the characters that do not fit.
    let (mut used, mut cut) = (0, 0);
    for (i, c) in title.chars().enumerate() {
        used += gbk_char_len(c);
        if used > budget {
            cut = i;
            break;
        }
    }
    problems.push(Problem::new(
        Detail::OverBudget { bytes, budget },
        title.chars().skip(cut).collect(),
        (cut, title.chars().count()),
        None,
    ));
}

/// Banned words are matched on whole tokens, or on up to three adjacent tokens that together
/// spell a banned phrase (`销量` + `第一`), never on substrings: `第一次` is fine.
fn prohibited(seg: &Segmented<'_>, segmenter: &Segmenter, problems: &mut Vec<Problem>) {
    let tokens = &seg.tokens;
    let mut t = 0;
    while t < tokens.len() {
        let mut matched = 0;
        for n in (1..=3.min(tokens.len() - t)).rev() {
            let run = &tokens[t..t + n];
            if run.windows(2).any(|w| w[0].end != w[1].start)
                || run.iter().any(|r| r.kind == TokenKind::Punct)
            {
                continue;
            }
            let (first, last) = (run[0], run[n - 1]);
            if let Some(entry) = segmenter.prohibited(seg.key_between(&first, &last)) {
                let text =
                    seg.title()[first.byte_start as usize..last.byte_end as usize].to_owned();
                problems.push(Problem::new(
                    Detail::Prohibited {
                        category: entry.category.clone(),
                    },
                    text,
                    (first.start as usize, last.end as usize),
                    Some(entry.substitute.clone().unwrap_or_default()),
                ));
                matched = n;
                break;
            }
        }
        t += matched.max(1);
    }
}

/// The repeated words of a title: `(later, earlier)` indices into `seg.tokens`, each later
/// occurrence paired with the first one.
///
/// A repeat is the same WHOLE word twice: search counts a word once, so the second costs
/// bytes and finds nothing more. Sharing a character or a part is not a repeat (保湿 and
/// 保湿霜, 粘蝇带 and 粘蝇彩带, 水嫩 and 水磁场 are different search terms), and neither is a
/// lone character of no meaning of its own (喵喵酒 is cut 喵/喵/酒 but is one word): a
/// one-character word repeats only when the dictionaries know it as a word (女, 男). An
/// occurrence a neighbour takes part of ([`crate::text::recall::splits`]: 床垫 in 席梦思床垫, 卡套 in
/// 门禁卡套) may be read otherwise by another segmenter, so it is no certain whole word and
/// counts for no repeat.
pub fn repeats(seg: &Segmented<'_>, segmenter: &Segmenter) -> Vec<(usize, usize)> {
    let title = seg.title();
    let clear = |token: &crate::text::Token| {
        let (from, to) = (token.byte_start as usize, token.byte_end as usize);
        !crate::text::recall::splits(segmenter, &title[..from], &title[from..to], &title[to..])
    };
    let countable = |t: &crate::text::Token| {
        let key = seg.key(t);
        t.kind != TokenKind::Punct
            && (key.chars().nth(1).is_some()
                || matches!(
                    segmenter.kind_of(key),
                    Some(
                        crate::dictionary::WordKind::Traffic
                            | crate::dictionary::WordKind::Attribute
                            | crate::dictionary::WordKind::Product
                            | crate::dictionary::WordKind::Brand
                    )
                ))
    };
    // Occurrences by word, in title order; only words written twice are looked at closely.
    let mut by_key: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut slot: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for (i, t) in seg.tokens.iter().enumerate() {
        if !countable(t) {
            continue;
        }
        let key = seg.key(t);
        let n = *slot.entry(key).or_insert_with(|| {
            by_key.push((key, Vec::new()));
            by_key.len() - 1
        });
        by_key[n].1.push(i);
    }
    let mut out = Vec::new();
    for (_, at) in by_key.iter().filter(|(_, at)| at.len() > 1) {
        let mut clear = at.iter().copied().filter(|&i| clear(&seg.tokens[i]));
        if let Some(first) = clear.next() {
            out.extend(clear.map(|later| (later, first)));
        }
    }
    out.sort_unstable();
    out
}

fn repeated(seg: &Segmented<'_>, segmenter: &Segmenter, problems: &mut Vec<Problem>) {
    for (later, earlier) in repeats(seg, segmenter) {
        let (token, first) = (&seg.tokens[later], &seg.tokens[earlier]);
        let text = seg.text(token);
        problems.push(Problem::new(
            Detail::RepeatedWord {
                first: first.start as usize + 1,
            },
            text.to_owned(),
            (token.start as usize, token.end as usize),
            Some(String::new()),
        ));
    }
}

/// Character-level problems: spaces, full-width forms, characters outside GBK, controls.
fn characters(title: &str, segmenter: &Segmenter, problems: &mut Vec<Problem>) {
    let chars: Vec<char> = title.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_control() {
            problems.push(Problem::new(
                Detail::ControlChar { code: c as u32 },
                c.to_string(),
                (i, i + 1),
                Some(String::new()),
            ));
            i += 1;
        } else if c.is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() && !chars[i].is_control() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|p| chars[p]);
            let after = chars.get(i).copied();
            // A space is needed between two ASCII words, and where the characters on either
            // side would run into another word without it (包 邮 is not 包邮).
            let left: String = chars[start.saturating_sub(3)..start].iter().collect();
            let right: String = chars[i..(i + 3).min(chars.len())].iter().collect();
            let keep_one = before.is_some()
                && after.is_some()
                && crate::text::recall::joins_into_word(segmenter, &left, &right);
            let run: String = chars[start..i].iter().collect();
            let wasted = gbk_len(&run) - usize::from(keep_one);
            if wasted > 0 {
                let place = if keep_one {
                    SpacePlace::Extra
                } else if before.is_none() || after.is_none() {
                    SpacePlace::Edge
                } else {
                    SpacePlace::Between
                };
                problems.push(Problem::new(
                    Detail::WastedSpace {
                        bytes: wasted,
                        place,
                    },
                    run,
                    (start, i),
                    Some(if keep_one { " ".into() } else { String::new() }),
                ));
            }
        } else if is_full_width_ascii(c) {
            let start = i;
            while i < chars.len() && is_full_width_ascii(chars[i]) && !chars[i].is_whitespace() {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let half: String = text.chars().map(to_half_width).collect();
            problems.push(Problem::new(
                Detail::FullWidth {
                    bytes: gbk_len(&text),
                    half_bytes: half.len(),
                },
                text,
                (start, i),
                Some(half),
            ));
        } else if is_outside_gbk(c) {
            problems.push(Problem::new(
                Detail::OutsideGbk {
                    code: c as u32,
                    bytes: gbk_char_len(c),
                },
                c.to_string(),
                (i, i + 1),
                Some(String::new()),
            ));
            i += 1;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_segmenter as segmenter;

    fn kinds(title: &str) -> Vec<(ProblemKind, String)> {
        let s = segmenter();
        lint(&s.segment(title), s, 60)
            .into_iter()
            .map(|p| (p.kind, p.text))
            .collect()
    }

    #[test]
    fn prohibited_words_match_whole_words_only() {
        for fine in [
            "第一次穿的连衣裙",
            "最近很火的面霜",
            "国家地理联名T恤",
            "第一季同款",
        ] {
            assert!(
                kinds(fine)
                    .iter()
                    .all(|(k, _)| *k != ProblemKind::Prohibited),
                "{fine}: {:?}",
                kinds(fine)
            );
        }
        for (bad, word) in [
            ("第一品牌面霜", "第一品牌"),
            ("最佳连衣裙", "最佳"),
            ("顶级面霜", "顶级"),
            ("面霜NO.1", "NO.1"),
        ] {
            assert!(
                kinds(bad).contains(&(ProblemKind::Prohibited, word.into())),
                "{bad}: {:?}",
                kinds(bad)
            );
        }
    }

    #[test]
    fn substitute_is_proposed() {
        let s = segmenter();
        let p = lint(&s.segment("顶级面霜"), s, 60);
        assert_eq!(p[0].suggestion.as_deref(), Some("高品质"));
        assert_eq!((p[0].start, p[0].end), (0, 2));
    }

    #[test]
    fn over_budget_says_by_how_much() {
        let s = segmenter();
        let title = "连衣裙".repeat(11); // 66 bytes
        let p = lint(&s.segment(&title), s, 60);
        let over = p
            .iter()
            .find(|p| p.kind == ProblemKind::OverBudget)
            .unwrap();
        assert_eq!(
            over.describe(Lang::En),
            "66 bytes, 6 over the 60-byte budget"
        );
        assert_eq!(over.describe(Lang::Zh), "66 字节，超出 60 字节预算 6 字节");
        assert_eq!(over.start, 30);
    }

    #[test]
    fn spaces_only_between_ascii_words() {
        assert!(kinds("iPhone 15手机壳").is_empty());
        assert_eq!(
            kinds("iPhone 15 手机壳"),
            [(ProblemKind::WastedSpace, " ".to_owned())]
        );
        assert_eq!(
            kinds("面霜 补水"),
            [(ProblemKind::WastedSpace, " ".to_owned())]
        );
        assert_eq!(
            kinds("iPhone  15"),
            [(ProblemKind::WastedSpace, "  ".to_owned())]
        );
    }

    #[test]
    fn character_problems() {
        let k = kinds("ＣＨＡＮＤＯ面霜😀\u{7}");
        assert!(k.contains(&(ProblemKind::FullWidth, "ＣＨＡＮＤＯ".into())));
        assert!(k.contains(&(ProblemKind::OutsideGbk, "😀".into())));
        assert!(k.contains(&(ProblemKind::ControlChar, "\u{7}".into())));
        assert_eq!(kinds("  "), [(ProblemKind::EmptyTitle, "  ".to_owned())]);
    }

    #[test]
    fn repeated_words_are_whole_words_twice() {
        let k = kinds("飞利浦 理发器 飞利浦 配件");
        assert!(
            k.contains(&(ProblemKind::RepeatedWord, "飞利浦".into())),
            "{k:?}"
        );
        let p = lint(&segmenter().segment("面霜女补水面霜"), segmenter(), 60);
        assert_eq!(
            p.iter()
                .filter(|p| p.kind == ProblemKind::RepeatedWord)
                .map(|p| (p.text.as_str(), p.start))
                .collect::<Vec<_>>(),
            [("面霜", 5)]
        );
        // A brand and its alias side by side is the convention, not a repeat.
        assert!(kinds("CHANDO/自然堂面霜").is_empty());
    }

    #[test]
    fn a_shared_character_or_part_is_not_a_repeat() {
        for title in [
            "补水保湿面霜女保湿霜",
            "倩碧 水嫩保湿润肤霜50ml 水磁场面霜",
            "绿叶粘蝇带粘蝇彩带粘蝇彩条板",
            "喵喵酒 鸡尾酒",
            "天然椰棕独立弹簧席梦思床垫1.5米1.8米加厚乳胶舒适床垫",
            "韩版热卖kakao动漫公交卡套胸卡门禁卡套甜美粉色",
        ] {
            let k = kinds(title);
            assert!(
                !k.iter().any(|(kind, _)| *kind == ProblemKind::RepeatedWord),
                "{title}: {k:?}"
            );
        }
    }
}
