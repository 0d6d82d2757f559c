//! Which characters user text may hold: one rule, applied twice. Input validation refuses text
//! that breaks it (naming the field, [`check`] and [`refused_in_fields`]); rendering strips or
//! replaces the same characters from whatever is stored ([`clean`]), because objects written by
//! older versions may hold them.
//!
//! Refused everywhere: C0 controls (U+0000–U+001F) other than TAB and LF, DEL, C1 controls
//! (U+0080–U+009F), the Unicode `Bidi_Control` characters (U+061C, U+200E, U+200F, U+202A–U+202E,
//! U+2066–U+2069: overrides and isolates reorder what a reader sees, e.g. a file name or subject
//! that reads backwards) and the line and paragraph separators U+2028/U+2029 (a line break that
//! some clients honour and others do not). Single-line text (titles, ticket numbers, names) also
//! refuses TAB and LF; multi-line text (plans, summaries, content) keeps them.

use std::borrow::Cow;

use serde_json::Value;

/// Whether a text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A title, a ticket number, a name: one line.
    SingleLine,
    /// A plan, a summary, content: LF and TAB allowed.
    MultiLine,
}

/// The wire names (changes and announcements, with their aliases) of single-line fields. Every
/// other string field of an object is multi-line text; unknown fields are kept from older
/// versions and may hold line breaks.
pub const SINGLE_LINE_FIELDS: &[&str] = &[
    "changeTitle",
    "title",
    "snowTicket",
    "jiraTicket",
    "timezone",
    "meetingTitle",
    "meeting_title",
    "meetingLocation",
    "meeting_location",
    "meeting_timezone",
    "meetingTimezone",
    "attendees",
    "name",
    "subject",
    "content_type",
    "customers",
    "author",
    "createdBy",
    "created_by",
];

/// Top-level fields ccm writes itself (history, the meeting Graph made, uploaded files): a user
/// cannot edit them, so validating a user's edit does not look at them (rendering still cleans them).
pub const SERVER_OWNED_FIELDS: &[&str] = &["modifications", "meeting_metadata", "attachments"];

/// Whether `c` may appear in text of `kind`.
pub fn is_allowed(c: char, kind: TextKind) -> bool {
    match c {
        '\t' | '\n' => kind == TextKind::MultiLine,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => false,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => false,
        '\u{2028}' | '\u{2029}' => false,
        _ => true,
    }
}

/// `Err(reason)` naming the first refused character and where it is (1-based character position).
pub fn check(s: &str, kind: TextKind) -> Result<(), String> {
    match s.chars().enumerate().find(|(_, c)| !is_allowed(*c, kind)) {
        None => Ok(()),
        Some((i, c)) => Err(format!(
            "contains {} at character {}; remove it{}",
            describe(c),
            i.saturating_add(1),
            if kind == TextKind::SingleLine && matches!(c, '\n' | '\r' | '\t') {
                " (this field is one line)"
            } else {
                ""
            }
        )),
    }
}

fn describe(c: char) -> String {
    let what = match c {
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '\u{0}' => "a NUL character",
        '\u{2028}' | '\u{2029}' => "a Unicode line separator",
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            "a bidirectional-text control"
        }
        _ => "a control character",
    };
    format!("{what} (U+{:04X})", u32::from(c))
}

/// The text with every refused character removed or replaced, never failing: line-like characters
/// (CR, LF, VT, FF, NEL, U+2028/U+2029; TAB in single-line text) become a space in single-line text
/// and LF in multi-line text (CRLF counts once); everything else refused is removed.
pub fn clean(s: &str, kind: TextKind) -> Cow<'_, str> {
    if s.chars().all(|c| is_allowed(c, kind)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_allowed(c, kind) {
            out.push(c);
            continue;
        }
        let line_like = matches!(c, '\r' | '\n' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}');
        match kind {
            TextKind::SingleLine if line_like || c == '\t' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(' ');
            }
            TextKind::MultiLine if line_like => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Every string a user wrote in an object's JSON that breaks the rule, as (field path, reason):
/// top-level fields by name (`changeTitle`), nested ones with their path (`extra.notes[0]`). A
/// field is single-line when its own name is in [`SINGLE_LINE_FIELDS`]; the
/// [`SERVER_OWNED_FIELDS`] are skipped.
pub fn refused_in_fields(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            let user = map.iter().filter(|(k, _)| !SERVER_OWNED_FIELDS.contains(&k.as_str()));
            let user: serde_json::Map<String, Value> = user.map(|(k, v)| (k.clone(), v.clone())).collect();
            walk(&Value::Object(user), "", TextKind::MultiLine, &mut out);
        }
        other => walk(other, "", TextKind::MultiLine, &mut out),
    }
    out
}

fn walk(value: &Value, path: &str, kind: TextKind, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Err(why) = check(s, kind) {
                out.push((path.to_owned(), why));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), kind, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                let kind =
                    if SINGLE_LINE_FIELDS.contains(&key.as_str()) { TextKind::SingleLine } else { TextKind::MultiLine };
                walk(item, &child, kind, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const REFUSED: &[char] = &[
        '\0', '\r', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{61c}', '\u{200e}', '\u{200f}',
        '\u{202a}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
    ];

    #[test]
    fn control_and_bidi_characters_are_refused_in_every_kind_of_text() {
        for &c in REFUSED {
            for kind in [TextKind::SingleLine, TextKind::MultiLine] {
                assert!(!is_allowed(c, kind), "U+{:04X} in {kind:?}", u32::from(c));
                assert!(check(&format!("ok{c}"), kind).unwrap_err().contains("at character 3"));
            }
        }
    }

    #[test]
    fn tab_and_line_feed_are_allowed_only_in_multi_line_text() {
        assert!(check("a\tb\nc", TextKind::MultiLine).is_ok());
        assert!(check("a\nb", TextKind::SingleLine).unwrap_err().contains("a line break (U+000A)"));
        assert!(check("a\tb", TextKind::SingleLine).unwrap_err().contains("one line"));
    }

    #[test]
    fn ordinary_unicode_emoji_and_joiners_pass() {
        for ok in ["Café ☕", "👩‍💻 deploy", "⚠️ warn", "שלום", "日本語のタイトル", "a\u{200d}b"]
        {
            assert!(check(ok, TextKind::SingleLine).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_error_names_the_character_by_code_point() {
        let why = check("invoice\u{202e}fdp.exe", TextKind::SingleLine).unwrap_err();
        assert!(why.contains("bidirectional-text control (U+202E) at character 8"), "{why}");
    }

    #[test]
    fn cleaning_single_line_text_turns_line_breaks_into_spaces_and_drops_the_rest() {
        assert_eq!(clean("Line one\r\nBcc: x@example.com", TextKind::SingleLine), "Line one Bcc: x@example.com");
        assert_eq!(clean("a\tb\u{2028}c", TextKind::SingleLine), "a b c");
        assert_eq!(clean("in\u{202e}voice\0.pdf", TextKind::SingleLine), "invoice.pdf");
    }

    #[test]
    fn cleaning_multi_line_text_keeps_line_feeds_and_tabs_and_normalises_carriage_returns() {
        assert_eq!(clean("one\r\ntwo\rthree\u{2029}four\tend", TextKind::MultiLine), "one\ntwo\nthree\nfour\tend");
        assert_eq!(clean("bell\u{7}\u{200f}", TextKind::MultiLine), "bell");
        assert!(matches!(clean("plain\ntext", TextKind::MultiLine), Cow::Borrowed(_)));
    }

    #[test]
    fn fields_are_named_with_their_path_and_kind() {
        let object = json!({
            "changeTitle": "Title\nBcc: x",
            "implementationPlan": "1. one\n2. two\tok",
            "rollbackPlan": "bad\r\nline",
            "legacy": [{"name": "ok.pdf"}, {"name": "evil\u{202e}fdp.exe"}],
            "legacyNotes": "multi\nline is fine",
            "modifications": [{"comment": "written by an older version\r\n"}]
        });
        let found = refused_in_fields(&object);
        let mut fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["changeTitle", "legacy[1].name", "rollbackPlan"]);
    }

    proptest! {
        #[test]
        fn cleaned_text_always_passes_the_check(s in any::<String>()) {
            for kind in [TextKind::SingleLine, TextKind::MultiLine] {
                let cleaned = clean(&s, kind);
                prop_assert!(check(&cleaned, kind).is_ok());
                if check(&s, kind).is_ok() {
                    prop_assert_eq!(cleaned.as_ref(), s.as_str());
                }
            }
        }
    }
}
