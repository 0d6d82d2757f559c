//! The text rules of RFC 5545 that a feed needs: TEXT escaping (§3.3.11), UTC DATE-TIME values
//! (§3.3.5, form #2) and content lines folded at 75 octets without splitting a UTF-8 character
//! (§3.1), each ended by CRLF. Kept apart from the feed itself so other iCalendar writers can share
//! them.

use chrono::{DateTime, Utc};

/// Longest content line, in octets, before folding (CRLF not counted).
pub const MAX_LINE_OCTETS: usize = 75;

/// A TEXT value: backslash, semicolon and comma escaped, newlines as `\n`, other control characters
/// dropped (they are not allowed in a value).
pub fn escape_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A DATE-TIME in UTC: `20260102T200405Z`.
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// One content line, folded: every physical line is at most 75 octets, continuation lines start
/// with a space, and the result ends with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len().saturating_add(line.len() / 70 * 3).saturating_add(2));
    let mut used = 0usize;
    for c in line.chars() {
        let width = c.len_utf8();
        if used.saturating_add(width) > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used = used.saturating_add(width);
    }
    out.push_str("\r\n");
    out
}

/// Appends `NAME:value` (the value already in its final form) as folded lines.
pub fn push(out: &mut String, name: &str, value: &str) {
    out.push_str(&fold(&format!("{name}:{value}")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_escapes_the_characters_rfc_5545_reserves() {
        assert_eq!(escape_text("a;b,c\\d\ne\r\nf\u{7}g"), "a\\;b\\,c\\\\d\\ne\\nfg");
    }

    #[test]
    fn a_long_line_is_folded_at_75_octets_without_splitting_a_character() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= MAX_LINE_OCTETS, "{} octets: {physical:?}", physical.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"), "unfolding gives the line back");
    }

    proptest! {
        #[test]
        fn folding_keeps_every_line_short_and_unfolds_to_the_original(s in "\\PC{0,300}") {
            let line = format!("DESCRIPTION:{}", escape_text(&s));
            let folded = fold(&line);
            prop_assert!(folded.ends_with("\r\n"));
            for physical in folded.trim_end_matches("\r\n").split("\r\n") {
                prop_assert!(physical.len() <= MAX_LINE_OCTETS);
            }
            prop_assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"));
        }
    }
}
