//! Text as Taobao sees it: folding for matching, the one normal form of a word, and length
//! in GBK bytes.
//!
//! [`fold_char`] is the one character rule. A title is folded character for character
//! ([`fold`]), so a position in the folded text is the same position in the original title:
//! spans never need a translation table. A word or keyword given as data (a dictionary entry,
//! an export row, a query, an operator's word) is keyed by its [`normal_form`]: folded, its
//! white space collapsed. The two agree on any text without white space, so on every word of a
//! segmented title.

use std::borrow::Cow;

use encoding_rs::GB18030;

/// Taobao's title budget in GBK bytes (the API's "30 characters").
pub const DEFAULT_BUDGET: usize = 60;

/// Folds one character for matching: full-width ASCII to half-width, the ideographic space
/// to a space, ASCII letters to lower case. Everything else is kept.
#[inline]
pub fn fold_char(c: char) -> char {
    let c = to_half_width(c);
    c.to_ascii_lowercase()
}

/// Full-width ASCII (U+FF01..U+FF5E) to its half-width form and U+3000 to a space; the
/// original case is kept, so this is the form baobei writes back into titles.
#[inline]
pub fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether a character is a full-width form of an ASCII character (which costs 2 bytes
/// where its half-width form costs 1).
#[inline]
pub fn is_full_width_ascii(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}')
}

/// Folds a title for matching (see [`fold_char`]); the result has as many characters as the
/// input, white space included. A word's key is its [`normal_form`].
pub fn fold(s: &str) -> String {
    // Full-width forms are U+FF01..U+FF5E (UTF-8 EF BC xx / EF BD xx) and U+3000 (E3 80 80);
    // a title without them needs only the byte-wise ASCII lower-casing.
    let b = s.as_bytes();
    let has_wide = b
        .windows(3)
        .any(|w| (w[0] == 0xEF && (w[1] == 0xBC || w[1] == 0xBD)) || w == [0xE3, 0x80, 0x80]);
    if has_wide {
        s.chars().map(fold_char).collect()
    } else {
        s.to_ascii_lowercase()
    }
}

/// The normal form of a word or keyword, the one key every spelling an operator, an export,
/// a query log or a dictionary gives for it meets in: ASCII letters lowercased, full-width ASCII forms (`Ａ`, `１`, `＋`)
/// and the ideographic space turned into their half-width forms, whitespace runs collapsed to
/// one ASCII space and trimmed.
///
/// Chinese text is left as it is (no simplified/traditional folding). Returns the input
/// unchanged, without allocating, when it is already normalised: the common case on the lookup
/// path.
pub fn normal_form(text: &str) -> Cow<'_, str> {
    if is_normalized(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    // The same folding as titles: keywords and title tokens must meet on one form.
    for c in text.chars().map(fold_char) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Whether `text` is already in normal form, eight bytes at a time: the lookup path asks this
/// for every key, and a byte-at-a-time loop with a branch per byte class cost a fifth of a
/// cached lookup.
///
/// Words of plain text (lower-case ASCII, digits, punctuation, CJK ideographs) and single
/// spaces are accepted here; a word holding anything else (upper case, control or non-ASCII
/// whitespace, a lead byte of a full-width form) is left to the exact byte-wise check.
fn is_normalized(text: &str) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte whose low seven bits are >= `n` (`n <= 0x80`); no carry crosses a
    // byte because each sum stays below 0x100.
    let ge7 = |low7: u64, n: u64| low7 + (0x80 - n) * LO;
    let bytes = text.as_bytes();
    let (chunks, tail) = bytes.as_chunks::<8>();
    let mut padded = [b'a'; 8]; // 'a' is plain text: it cannot change the verdict
    padded[..tail.len()].copy_from_slice(tail);
    let mut unusual = 0u64;
    let mut bad_space = 0u64;
    let mut prev_space = 1u64 << 63; // a leading space is not normalised
    for chunk in chunks.iter().chain((!tail.is_empty()).then_some(&padded)) {
        let w = u64::from_le_bytes(*chunk);
        let low7 = w & !HI;
        let ascii = !w & HI;
        let non_ascii = w & HI;
        let x = w ^ (LO * u64::from(b' '));
        let space = !(((x & !HI) + !HI) | x) & HI;
        let upper = ascii & ge7(low7, 0x41) & !ge7(low7, 0x5B);
        let control = ascii & !ge7(low7, 0x21) & !space;
        // Lead bytes 0xC2 and 0xE1..=0xE3 (non-ASCII whitespace, U+3000) and 0xEF
        // (full-width forms): the byte-wise check decides.
        let lead = non_ascii
            & ((ge7(low7, 0x42) & !ge7(low7, 0x43))
                | (ge7(low7, 0x61) & !ge7(low7, 0x64))
                | (ge7(low7, 0x6F) & !ge7(low7, 0x70)));
        unusual |= upper | control | lead;
        bad_space |= space & ((space << 8) | (prev_space >> 56));
        prev_space = space;
    }
    if bad_space != 0 {
        return false; // a leading or a doubled space
    }
    if unusual != 0 {
        return is_normalized_bytewise(text);
    }
    bytes.last() != Some(&b' ')
}

fn is_normalized_bytewise(text: &str) -> bool {
    let mut after_space = true; // a leading space is not normalised
    for &b in text.as_bytes() {
        if b < 0x80 {
            if b == b' ' {
                if after_space {
                    return false;
                }
                after_space = true;
                continue;
            }
            if b.is_ascii_uppercase() || b.is_ascii_whitespace() || b == 0x0b {
                return false;
            }
            after_space = false;
        } else if matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF) {
            // Lead bytes of every non-ASCII whitespace character and of the full-width forms
            // (U+0085, U+00A0, U+1680, U+2000.., U+3000, U+FF01..): check by characters. CJK
            // ideographs (lead bytes 0xE4..0xE9) and continuation bytes stay on this fast path.
            return is_normalized_slow(text);
        } else {
            after_space = false;
        }
    }
    text.is_empty() || !after_space
}

fn is_normalized_slow(text: &str) -> bool {
    let mut after_space = true;
    for c in text.chars() {
        if fold_char(c) != c {
            return false;
        }
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    text.is_empty() || !after_space
}

/// Bytes one character takes in GB18030 (of which GBK is the two-byte part): 1 for ASCII,
/// 2 for GBK characters, 4 for everything outside GBK (emoji, rare ideographs).
#[inline]
pub fn gbk_char_len(c: char) -> usize {
    match c as u32 {
        0..=0x7F => 1,
        // CJK Unified Ideographs as far as GBK goes: all two bytes, the common case.
        0x4E00..=0x9FA5 => 2,
        _ => {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf);
            let mut encoder = GB18030.new_encoder();
            let mut out = [0u8; 32];
            let (_, _, written, _) = encoder.encode_from_utf8(s, &mut out, true);
            written
        }
    }
}

/// Length of a title as Taobao counts it: GB18030 bytes.
pub fn gbk_len(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(gbk_char_len).sum()
}

/// Whether a character lies outside GBK: Taobao may reject or mangle it, and it costs 4 bytes.
#[inline]
pub fn is_outside_gbk(c: char) -> bool {
    gbk_char_len(c) > 2
}

/// Whether a character is a Han ideograph or other CJK letter (for the "space between two
/// Chinese words" rule).
#[inline]
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3040..=0x30FF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gb18030_len(s: &str) -> usize {
        let (bytes, _, _) = GB18030.encode(s);
        bytes.len()
    }

    #[test]
    fn counts_like_taobao() {
        assert_eq!(gbk_len("CHANDO/自然堂 50g"), 17);
        assert_eq!(gbk_len("连衣裙"), 6);
        assert_eq!(gbk_len("ＣＨＡＮＤＯ"), 12);
        assert_eq!(gbk_len("【包邮】"), 8);
        assert_eq!(gbk_len("面霜😀"), 8);
        assert_eq!(gbk_len(""), 0);
    }

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(fold("ＣＨＡＮＤＯ５０ｇ\u{3000}Type-C"), "chando50g type-c");
        assert_eq!(fold("自然堂").chars().count(), 3);
    }

    #[test]
    fn normalisation_folds_case_width_and_whitespace() {
        assert_eq!(normal_form("iPhone 15 Pro"), "iphone 15 pro");
        assert_eq!(normal_form("ＩＰＨＯＮＥ　１５"), "iphone 15");
        assert_eq!(normal_form("  碎花 \t\n 连衣裙  "), "碎花 连衣裙");
        assert_eq!(normal_form("Type-C＋数据线"), "type-c+数据线");
        assert_eq!(normal_form("a\u{a0}\u{3000} b"), "a b");
        assert_eq!(normal_form("   "), "");
        // Non-ASCII letters keep their case: only ASCII is folded.
        assert_eq!(normal_form("ÄPFEL"), "Äpfel");
        assert!(matches!(normal_form("碎花 连衣裙 2024"), Cow::Borrowed(_)));
        assert!(matches!(normal_form("ins风"), Cow::Borrowed(_)));
        assert!(matches!(normal_form("Ins风"), Cow::Owned(_)));
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(
            text in "[a-zA-Z0-9 \t\u{3000}\u{a0}\u{85}\u{1680}\u{2000}\u{205f}ÄéＡＺａ０９碎花连衣裙\u{ff01}-\u{ff5e}\u{ff5f}]{0,24}"
        ) {
            prop_assert_eq!(is_normalized(&text), is_normalized_slow(&text), "{:?}", text);
            prop_assert_eq!(is_normalized_bytewise(&text), is_normalized_slow(&text), "{:?}", text);
            let once = normal_form(&text).into_owned();
            prop_assert_eq!(normal_form(&once), Cow::Borrowed(once.as_str()));
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
            prop_assert!(!once.chars().any(|c| c.is_ascii_uppercase()));
        }
    }

    proptest! {
        /// The word-at-a-time check against the per-character definition on every ASCII byte
        /// and the lead bytes around those it singles out, across word boundaries.
        #[test]
        fn word_wise_normal_form_check_agrees_with_the_definition(
            text in "[\u{0}-\u{7f}\u{80}-\u{a0}\u{c0}\u{fe}\u{1000}\u{1680}\u{2000}-\u{2030}\u{3000}-\u{3002}\u{4e00}\u{ff01}\u{ff5e}\u{ffe5}]{0,40}"
        ) {
            prop_assert_eq!(is_normalized(&text), is_normalized_slow(&text), "{:?}", text);
        }
    }

    #[test]
    fn normal_form_check_at_word_boundaries() {
        // Spaces and upper case on either side of the 8-byte word edges.
        for (text, normal) in [
            ("abcdefg h", true),
            ("abcdefgh ijklmnop", true),
            ("abcdefg  hijklmn", false),
            ("abcdefgh  ijklmn", false),
            ("abcdefgh ", false),
            ("abcdefghijklmnop ", false),
            (" abcdefgh", false),
            ("abcdefghA", false),
            ("abcdefgHi", false),
            ("碎花 连衣裙 2024新款", true),
            ("碎花连衣裙\u{3000}", false),
            ("碎花连衣裙ＡＢ", false),
            ("碎花\t连衣裙", false),
            ("连衣裙\u{1}", true),
            ("", true),
        ] {
            assert_eq!(is_normalized(text), normal, "{text:?}");
            assert_eq!(is_normalized_slow(text), normal, "{text:?}");
        }
    }

    #[test]
    fn emoji_is_outside_gbk() {
        assert!(is_outside_gbk('😀'));
        assert!(!is_outside_gbk('霜'));
        assert!(!is_outside_gbk('【'));
    }

    proptest! {
        #[test]
        fn length_equals_gb18030_encoding(s in "\\PC{0,40}") {
            prop_assert_eq!(gbk_len(&s), gb18030_len(&s));
        }

        #[test]
        fn fold_and_normal_form_agree_without_white_space(s in "[^\\s]{0,40}") {
            prop_assert_eq!(normal_form(&s), fold(&s));
        }

        #[test]
        fn fold_keeps_char_count(s in "\\PC{0,40}") {
            prop_assert_eq!(fold(&s).chars().count(), s.chars().count());
        }
    }
}
