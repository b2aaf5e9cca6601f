//! Recall: which search queries a title is found for. The one matcher of baobei.
//!
//! Taobao finds a title for a query when the title holds every word of the query, in any
//! order. So:
//!
//! - a title's **terms** are its words (baobei's segmentation, folded) plus the dictionary
//!   sub-words of its longer Chinese words (the 2- and 3-character pieces jieba knows:
//!   `保湿霜` holds `保湿`), as a search engine indexes for recall (jieba's `cut_for_search`);
//! - a query's **words** are its plain segmentation, as a SET: `儿童宝宝` and `宝宝儿童` are
//!   one query ([`query_key`]);
//! - a title is found for a query when its terms hold every word of the query ([`matches()`]).
//!
//! The listing index (its tokenizer), `keywords derive`, the keyword universe, score, rewrite
//! and suggest all ask here, so that what derive counts as a match is what score calls found.

use crate::text::chars::{fold_char, gbk_len};
use crate::text::{Segmented, Segmenter};

/// Calls `emit(term, token, byte_from, byte_to)` for every term of a segmented title, in
/// title order: each word's sub-words first, then the word. `token` is the word's number
/// among the title's words (its position); bytes point into the original title. A term may
/// be emitted more than once.
pub fn for_each_term<'s>(
    segmenter: &Segmenter,
    seg: &'s Segmented<'_>,
    mut emit: impl FnMut(&'s str, usize, usize, usize),
) {
    for (position, token) in seg.words().enumerate() {
        let key = seg.key(token);
        let (from, to) = (token.byte_start as usize, token.byte_end as usize);
        each_subword(segmenter, key, |sub| emit(sub, position, from, to));
        emit(key, position, from, to);
    }
}

/// The dictionary sub-words (2 and 3 characters) of one folded Chinese word longer than
/// them; none for ASCII words (`iphone15` holds no `iphone`: ASCII runs are cut by rule).
pub fn each_subword<'k>(segmenter: &Segmenter, key: &'k str, mut emit: impl FnMut(&'k str)) {
    // Most words have two characters and so no sub-word: out before the boundary table.
    if key.is_ascii() || key.chars().nth(2).is_none() {
        return;
    }
    // Character boundaries of (at most) the first 64 characters, without allocating.
    let mut bounds = [0usize; 65];
    let mut stored = 0;
    for (i, _) in key.char_indices().chain([(key.len(), ' ')]) {
        if stored == bounds.len() {
            break;
        }
        bounds[stored] = i;
        stored += 1;
    }
    let chars = stored - 1;
    for width in [2, 3] {
        if chars > width {
            for start in 0..=chars - width {
                let sub = &key[bounds[start]..bounds[start + width]];
                if segmenter.is_word(sub) {
                    emit(sub);
                }
            }
        }
    }
}

/// Whether writing `right` straight after `left` would make a word across the junction that
/// neither side has: a dictionary word of 2 to 4 characters taking characters from both
/// (`包` + `邮` is 包邮, `利宁格` + `格列齐特` holds 格格), or two ASCII words run together.
/// Such a junction needs its space: without it a search engine may cut the title otherwise.
pub fn joins_into_word(segmenter: &Segmenter, left: &str, right: &str) -> bool {
    let tail: Vec<char> = left.chars().rev().take(3).map(fold_char).collect();
    let head: Vec<char> = right.chars().take(3).map(fold_char).collect();
    let (Some(l), Some(r)) = (tail.first(), head.first()) else {
        return false;
    };
    if l.is_ascii_alphanumeric() && r.is_ascii_alphanumeric() {
        return true;
    }
    let mut word = String::with_capacity(16);
    for i in 1..=tail.len() {
        for j in 1..=head.len() {
            if !(2..=4).contains(&(i + j)) {
                continue;
            }
            word.clear();
            word.extend(tail[..i].iter().rev());
            word.extend(&head[..j]);
            if !word.is_ascii() && segmenter.is_word(&word) {
                return true;
            }
        }
    }
    false
}

/// Whether a dictionary word of 3 or 4 characters takes a part of `word` together with the
/// characters beside it: 席梦思床 takes 床 of 床垫 in 席梦思床垫, 门禁卡 takes 卡 of 卡套 in
/// 门禁卡套. Another segmenter may cut there, and `word` would then not stand as a word. A
/// longer word holding all of it (保湿面霜 holds 面霜) splits nothing: search still finds the
/// word inside it; nor does a two-character word across the edge (水面 in 补水面霜): such
/// pairs are everywhere, and segmenters weigh them down.
pub fn splits(segmenter: &Segmenter, left: &str, word: &str, right: &str) -> bool {
    let w: Vec<char> = word.chars().map(fold_char).collect();
    let tail: Vec<char> = left.chars().rev().take(3).map(fold_char).collect();
    let head: Vec<char> = right.chars().take(3).map(fold_char).collect();
    let mut probe = String::with_capacity(16);
    let mut known = |chars: &mut dyn Iterator<Item = char>| {
        probe.clear();
        probe.extend(chars);
        !probe.is_ascii() && segmenter.is_word(&probe)
    };
    for part in 1..w.len() {
        for n in 1..=3 {
            if part + n > 4 {
                break;
            }
            if part + n < 3 {
                continue;
            }
            // The left neighbour's last `n` characters and the word's first `part`.
            if n <= tail.len() && known(&mut tail[..n].iter().rev().chain(&w[..part]).copied()) {
                return true;
            }
            // The word's last `part` characters and the right neighbour's first `n`.
            if n <= head.len() && known(&mut w[w.len() - part..].iter().chain(&head[..n]).copied())
            {
                return true;
            }
        }
    }
    false
}

/// The distinct terms of a title, in title order.
pub fn title_terms(segmenter: &Segmenter, title: &str) -> Vec<String> {
    terms(segmenter, &segmenter.segment(title))
}

/// [`title_terms`] of a title already segmented.
pub fn terms(segmenter: &Segmenter, seg: &Segmented<'_>) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for_each_term(segmenter, seg, |term, _, _, _| {
        if !terms.iter().any(|t| t == term) {
            terms.push(term.to_owned());
        }
    });
    terms
}

/// Calls `emit(term)` for every term of the words that fit in `budget` bytes (every term of
/// a title within it; a word cut by the limit does not count): the one rule for what an
/// over-budget title is counted on.
pub fn for_each_term_within(
    segmenter: &Segmenter,
    seg: &Segmented<'_>,
    budget: usize,
    mut emit: impl FnMut(&str),
) {
    let title = seg.title();
    let fits = gbk_len(title) <= budget;
    for_each_term(segmenter, seg, |term, _, _, to| {
        if fits || gbk_len(&title[..to]) <= budget {
            emit(term);
        }
    });
}

/// The distinct words of a query, in query order: its plain segmentation (no sub-words: a
/// buyer who types `保湿霜` wants titles holding `保湿霜`).
pub fn query_words(segmenter: &Segmenter, query: &str) -> Vec<String> {
    let seg = segmenter.segment(query);
    let mut words: Vec<String> = Vec::new();
    for t in seg.words() {
        let key = seg.key(t);
        if !words.iter().any(|w| w == key) {
            words.push(key.to_owned());
        }
    }
    words
}

/// The identity of a query: its words sorted and joined by a space, so that queries with the
/// same words in another order are one query.
pub fn query_key<S: AsRef<str>>(words: &[S]) -> String {
    let mut sorted: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(" ")
}

/// Whether a title with these terms is found for a query with these words: every word is a
/// term. A query without words is found for nothing.
pub fn matches<T: AsRef<str>, W: AsRef<str>>(terms: &[T], words: &[W]) -> bool {
    !words.is_empty()
        && words
            .iter()
            .all(|w| terms.iter().any(|t| t.as_ref() == w.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_segmenter;

    #[test]
    fn a_title_is_found_for_every_word_in_any_order() {
        let s = test_segmenter();
        let terms = title_terms(s, "自然堂保湿霜补水面霜50g");
        assert!(terms.iter().any(|t| t == "保湿"), "sub-word: {terms:?}");
        for q in ["保湿 补水", "补水保湿", "面霜 自然堂", "50g面霜"] {
            assert!(matches(&terms, &query_words(s, q)), "{q}: {terms:?}");
        }
        assert!(!matches(&terms, &query_words(s, "保湿乳液")));
        assert!(!matches(&terms, &Vec::<String>::new()));
    }

    #[test]
    fn a_junction_that_would_make_a_word_needs_its_space() {
        let s = test_segmenter();
        assert!(joins_into_word(s, "5个包", "邮乐味多"), "包邮");
        assert!(joins_into_word(s, "iphone", "15"));
        assert!(!joins_into_word(s, "补水面霜", "滋润保湿"));
        assert!(!joins_into_word(s, "", "面霜"));
    }

    #[test]
    fn a_neighbour_taking_part_of_a_word_splits_it() {
        let s = test_segmenter();
        assert!(splits(s, "弹簧席梦思", "床垫", "1.5米"), "席梦思床");
        assert!(splits(s, "胸卡门禁", "卡套", "甜美"), "门禁卡");
        assert!(!splits(s, "乳胶舒适", "床垫", ""));
        assert!(
            !splits(s, "补水保湿", "面霜", "女"),
            "保湿面霜 holds all of 面霜"
        );
    }

    #[test]
    fn queries_with_the_same_words_are_one_query() {
        let s = test_segmenter();
        assert_eq!(
            query_key(&query_words(s, "儿童宝宝")),
            query_key(&query_words(s, "宝宝儿童"))
        );
        assert_ne!(
            query_key(&query_words(s, "面霜")),
            query_key(&query_words(s, "眼霜"))
        );
    }

    #[test]
    fn over_the_budget_only_the_words_that_fit_count() {
        let s = test_segmenter();
        let title = format!("{}面霜", "好".repeat(30));
        let holds = |budget| {
            let mut found = false;
            for_each_term_within(s, &s.segment(&title), budget, |t| found |= t == "面霜");
            found
        };
        assert!(!holds(60));
        assert!(holds(70));
    }
}
