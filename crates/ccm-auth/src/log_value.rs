//! Values that came from a request (SAML attributes, issuers, ids, algorithm URIs, error messages
//! quoting them), made safe for logs: at most a fixed number of characters, and every character
//! that could end a line, forge a field or reorder text shown as an escape. In the text format
//! of `ccm serve` a newline in a SAML attribute would otherwise start a log line of the sender's
//! choosing; the JSON format of the Lambdas escapes newlines but not bidi overrides.
//!
//! ```
//! use ccm_auth::log_value::untrusted;
//! let shown = untrusted("acme\n2026-01-01T00:00:00Z  INFO signed in as admin").to_string();
//! assert!(shown.starts_with("acme\\n2026"));
//! ```

use std::fmt::{self, Write};

/// How many characters of a request-derived value a log line shows by default.
pub const DEFAULT_MAX_CHARS: usize = 200;

/// A request-derived string as logs show it (see the module documentation). Display it with `%`.
#[derive(Debug, Clone, Copy)]
pub struct Untrusted<'a> {
    value: &'a str,
    max_chars: usize,
}

/// `value` capped at [`DEFAULT_MAX_CHARS`] characters and escaped.
pub fn untrusted(value: &str) -> Untrusted<'_> {
    Untrusted { value, max_chars: DEFAULT_MAX_CHARS }
}

/// `value` capped at `max_chars` characters and escaped.
pub fn untrusted_capped(value: &str, max_chars: usize) -> Untrusted<'_> {
    Untrusted { value, max_chars }
}

/// The first `max_chars` characters of `value`, unescaped: for error values that quote input,
/// so an error never carries kilobytes of it. Escaping is left to the log line.
pub fn truncated(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.value.chars();
        for c in chars.by_ref().take(self.max_chars) {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if needs_escape(c) => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        if chars.next().is_some() {
            write!(f, "…[{} chars]", self.value.chars().count())?;
        }
        Ok(())
    }
}

/// Control characters (C0, DEL, C1), line and paragraph separators, and the bidi controls that
/// reorder what a reader sees (U+061C, U+200E/F, U+202A–E, U+2066–9).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{feff}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_are_escaped_and_backslashes_doubled() {
        let shown = untrusted("a\nb\r\tc\\n\u{1b}[31m\u{85}").to_string();
        assert_eq!(shown, "a\\nb\\r\\tc\\\\n\\u{1b}[31m\\u{85}");
        assert!(!shown.contains('\n') && !shown.contains('\r'));
    }

    #[test]
    fn bidi_overrides_are_escaped_and_ordinary_unicode_kept() {
        assert_eq!(untrusted("moc.\u{202e}evil").to_string(), "moc.\\u{202e}evil");
        assert_eq!(untrusted("Zoë Ünal 名前").to_string(), "Zoë Ünal 名前");
    }

    #[test]
    fn long_values_are_capped_and_say_how_long_they_were() {
        let long = "x".repeat(5000);
        let shown = untrusted(&long).to_string();
        assert!(shown.starts_with(&"x".repeat(DEFAULT_MAX_CHARS)));
        assert!(shown.ends_with("…[5000 chars]"), "{shown}");
        assert_eq!(untrusted_capped("abcdef", 3).to_string(), "abc…[6 chars]");
        assert_eq!(truncated("abcdef", 3), "abc…");
        assert_eq!(truncated("abc", 3), "abc");
        assert_eq!(truncated("ééé", 2), "éé…");
    }
}
