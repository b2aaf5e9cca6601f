//! Lint: what is wrong with a title before any optimisation: budget, compliance, waste.

use serde::Serialize;

use super::segment::{Segmented, Segmenter, TokenKind};
use super::text::{gbk_char_len, gbk_len, is_full_width_ascii, is_outside_gbk, to_half_width};

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
    /// What is wrong, for a person.
    pub message: String,
    /// What to write instead: `""` means delete; absent when there is no mechanical fix.
    pub suggestion: Option<String>,
}

/// Lints a segmented title against a byte budget.
pub fn lint(seg: &Segmented<'_>, segmenter: &Segmenter, budget: usize) -> Vec<Problem> {
    let title = seg.title();
    let mut problems = Vec::new();
    if title.trim().is_empty() {
        problems.push(Problem {
            kind: ProblemKind::EmptyTitle,
            text: title.to_owned(),
            start: 0,
            end: title.chars().count(),
            message: "the title is empty".into(),
            suggestion: None,
        });
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
    problems.push(Problem {
        kind: ProblemKind::OverBudget,
        text: title.chars().skip(cut).collect(),
        start: cut,
        end: title.chars().count(),
        message: format!(
            "{bytes} bytes, {} over the {budget}-byte budget",
            bytes - budget
        ),
        suggestion: None,
    });
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
                let message = format!("\"{text}\" is prohibited ({})", entry.category);
                problems.push(Problem {
                    kind: ProblemKind::Prohibited,
                    text,
                    start: first.start as usize,
                    end: last.end as usize,
                    message,
                    suggestion: Some(entry.substitute.clone().unwrap_or_default()),
                });
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
/// occurrence a neighbour takes part of ([`crate::recall::splits`]: 床垫 in 席梦思床垫, 卡套 in
/// 门禁卡套) may be read otherwise by another segmenter, so it is no certain whole word and
/// counts for no repeat.
pub fn repeats(seg: &Segmented<'_>, segmenter: &Segmenter) -> Vec<(usize, usize)> {
    let title = seg.title();
    let clear = |token: &crate::title::Token| {
        let (from, to) = (token.byte_start as usize, token.byte_end as usize);
        !crate::recall::splits(segmenter, &title[..from], &title[from..to], &title[to..])
    };
    let countable = |t: &crate::title::Token| {
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
        problems.push(Problem {
            kind: ProblemKind::RepeatedWord,
            text: text.to_owned(),
            start: token.start as usize,
            end: token.end as usize,
            message: format!(
                "「{text}」已在第 {} 个字出现：搜索只算一次，重复只占字节",
                first.start + 1
            ),
            suggestion: Some(String::new()),
        });
    }
}

/// Character-level problems: spaces, full-width forms, characters outside GBK, controls.
fn characters(title: &str, segmenter: &Segmenter, problems: &mut Vec<Problem>) {
    let chars: Vec<char> = title.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_control() {
            problems.push(Problem {
                kind: ProblemKind::ControlChar,
                text: c.to_string(),
                start: i,
                end: i + 1,
                message: format!("control character U+{:04X}", c as u32),
                suggestion: Some(String::new()),
            });
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
                && crate::recall::joins_into_word(segmenter, &left, &right);
            let run: String = chars[start..i].iter().collect();
            let wasted = gbk_len(&run) - usize::from(keep_one);
            if wasted > 0 {
                let message = if keep_one {
                    format!("{wasted} byte(s) of extra space where one is enough")
                } else if before.is_none() || after.is_none() {
                    format!("{wasted} byte(s) of space at the edge of the title")
                } else {
                    format!(
                        "{wasted} byte(s) of space between words that need none: Taobao segments Chinese itself"
                    )
                };
                problems.push(Problem {
                    kind: ProblemKind::WastedSpace,
                    text: run,
                    start,
                    end: i,
                    message,
                    suggestion: Some(if keep_one { " ".into() } else { String::new() }),
                });
            }
        } else if is_full_width_ascii(c) {
            let start = i;
            while i < chars.len() && is_full_width_ascii(chars[i]) && !chars[i].is_whitespace() {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let half: String = text.chars().map(to_half_width).collect();
            problems.push(Problem {
                kind: ProblemKind::FullWidth,
                message: format!(
                    "full-width \"{text}\" costs {} bytes, \"{half}\" {}",
                    gbk_len(&text),
                    half.len()
                ),
                text,
                start,
                end: i,
                suggestion: Some(half),
            });
        } else if is_outside_gbk(c) {
            problems.push(Problem {
                kind: ProblemKind::OutsideGbk,
                text: c.to_string(),
                start: i,
                end: i + 1,
                message: format!(
                    "U+{:04X} is outside GBK: {} bytes, and Taobao may reject it",
                    c as u32,
                    gbk_char_len(c)
                ),
                suggestion: Some(String::new()),
            });
            i += 1;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::title::test_segmenter as segmenter;

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
        assert_eq!(over.message, "66 bytes, 6 over the 60-byte budget");
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
