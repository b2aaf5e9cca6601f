//! Title text as Taobao sees it: folding for matching, and length in GBK bytes.
//!
//! Folding maps every character to exactly one character, so a position in the folded text
//! is the same position in the original title: spans never need a translation table.

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

/// Folds a whole string for matching (see [`fold_char`]); the result has as many
/// characters as the input.
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

/// The display form of a title: full-width ASCII made half-width, runs of white space
/// collapsed to one space, trimmed. Case is kept.
pub fn normalize(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars().map(to_half_width) {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
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
    fn normalizes_for_display() {
        assert_eq!(
            normalize("  ＣＨＡＮＤＯ\u{3000}\u{3000}自然堂  面霜 "),
            "CHANDO 自然堂 面霜"
        );
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
        fn fold_keeps_char_count(s in "\\PC{0,40}") {
            prop_assert_eq!(fold(&s).chars().count(), s.chars().count());
        }
    }
}
