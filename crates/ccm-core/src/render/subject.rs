//! The subject line: one line, no control or bidi characters, at most [`MAX_SUBJECT_CHARS`]
//! characters. A longer subject is cut at a word boundary and ends with "…"; the full title is in
//! the body.

use crate::text::{self, TextKind};

/// The longest subject sent, in characters (Unicode scalar values), the "…" included. Mail clients
/// show 60–100 characters of a subject; the emoji and status word come first.
pub const MAX_SUBJECT_CHARS: usize = 100;

/// A subject line: control characters and line breaks become spaces (no header injection), bidi
/// controls are dropped, white space is squeezed, and anything longer than [`MAX_SUBJECT_CHARS`]
/// is cut at a word boundary with "…".
pub fn clean_subject(raw: &str) -> String {
    let one_line = text::clean(raw, TextKind::SingleLine);
    let squeezed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&squeezed, MAX_SUBJECT_CHARS)
}

/// `s` if it has at most `max` characters, else its longest prefix ending at a word boundary (or,
/// when the last word would lose more than half the room, at a character boundary that splits no
/// emoji or accent) followed by "…", `max` characters at most.
pub fn truncate(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_owned();
    }
    let budget = max.saturating_sub(1);
    let at_space = chars.get(..=budget).and_then(|head| head.iter().rposition(|c| c.is_whitespace()));
    let mut cut = match at_space {
        Some(i) if i >= budget / 2 => i,
        _ => budget,
    };
    // Never separate a base character from what extends it (accents, variation selectors, ZWJ
    // sequences, skin tones).
    while cut > 0 && (chars.get(cut).is_some_and(|c| extends(*c)) || chars.get(cut - 1) == Some(&'\u{200d}')) {
        cut -= 1;
    }
    let head: String = chars.get(..cut).unwrap_or_default().iter().collect();
    let head = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{head}…")
}

/// Characters that belong to the character before them.
fn extends(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{fe20}'..='\u{fe2f}'
        | '\u{200d}'
        | '\u{1f3fb}'..='\u{1f3ff}'
        | '\u{e0020}'..='\u{e007f}'
        | '\u{e0100}'..='\u{e01ef}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_short_subject_is_kept_whole() {
        assert_eq!(clean_subject("✅ Completed: Rotate certificates"), "✅ Completed: Rotate certificates");
    }

    #[test]
    fn a_long_subject_is_cut_at_a_word_boundary_with_an_ellipsis() {
        let long = format!("🟢 {}", "certificate rotation ".repeat(10));
        let s = clean_subject(&long);
        assert!(s.chars().count() <= MAX_SUBJECT_CHARS, "{s}");
        assert!(s.ends_with("rotation…") || s.ends_with("certificate…"), "{s}");
        assert!(!s.contains(" …"));
    }

    #[test]
    fn a_subject_without_spaces_is_cut_between_characters_not_inside_an_emoji() {
        let family = "👩\u{200d}👩\u{200d}👧";
        let long = format!("{}{}", "x".repeat(97), family);
        let s = truncate(&long, 100);
        assert_eq!(s, format!("{}…", "x".repeat(97)));
        let accented = format!("{}e\u{301}tude", "y".repeat(98));
        assert_eq!(truncate(&accented, 100), format!("{}…", "y".repeat(98)));
    }

    #[test]
    fn control_characters_and_bidi_overrides_never_reach_the_subject() {
        assert_eq!(clean_subject("Line one\r\nBcc: victim@example.com"), "Line one Bcc: victim@example.com");
        assert_eq!(clean_subject("Invoice \u{202e}fdp.exe\u{0}\u{b}"), "Invoice fdp.exe");
    }

    proptest! {
        #[test]
        fn every_subject_is_one_clean_line_within_the_limit(raw in any::<String>()) {
            let s = clean_subject(&raw);
            prop_assert!(s.chars().count() <= MAX_SUBJECT_CHARS);
            prop_assert!(text::check(&s, TextKind::SingleLine).is_ok());
            prop_assert!(!s.starts_with(' ') && !s.ends_with(' '));
        }
    }
}
