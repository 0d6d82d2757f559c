//! Writing message headers by hand, because their encoding is where mail clients disagree: RFC 2047
//! encoded-words of at most 75 characters, each holding whole UTF-8 characters, lines folded before
//! 76 characters, and a display name quoted or encoded so that it can never become an address.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::ids::EmailAddress;
use crate::text::{self, TextKind};

/// RFC 2047 §2: an encoded-word is at most 75 characters.
pub const MAX_ENCODED_WORD: usize = 75;
/// RFC 2047 §2: a line holding encoded-words is at most 76 characters.
const MAX_LINE: usize = 76;
const PREFIX: &str = "=?utf-8?B?";
const SUFFIX: &str = "?=";

/// Printable ASCII that no reader could take for an encoded-word.
fn is_plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b)) && !s.contains("=?")
}

/// The longest run of whole characters from `s` whose base64 fits in `room` characters.
fn take_chars(s: &str, room: usize) -> usize {
    let max_bytes = room / 4 * 3;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let next = i.saturating_add(c.len_utf8());
        if next > max_bytes {
            break;
        }
        end = next;
    }
    end
}

/// `s` as encoded-words, the first fitting in `first_room` characters (what is left of the first
/// line, or a whole line when that is too little for one character), the others in a continuation
/// line each.
fn encoded_words(s: &str, first_room: usize) -> Vec<String> {
    let overhead = PREFIX.len() + SUFFIX.len();
    let full = MAX_ENCODED_WORD - overhead;
    let mut words = Vec::new();
    let mut rest = s;
    let mut room = match first_room.min(MAX_ENCODED_WORD).saturating_sub(overhead) {
        r if r < 8 => full,
        r => r,
    };
    while !rest.is_empty() {
        // `full` holds 45 bytes, more than any character: `end` is 0 only on a short first line.
        let end = match take_chars(rest, room) {
            0 => take_chars(rest, full),
            n => n,
        };
        let (head, tail) = rest.split_at(end);
        words.push(format!("{PREFIX}{}{SUFFIX}", STANDARD.encode(head)));
        rest = tail;
        room = full;
    }
    words
}

/// Writes `name: tokens…`, folding between tokens so that lines stay within 76 characters (a
/// single token longer than a line, such as a long URL, stays whole on its own line).
fn write_tokens(out: &mut Vec<u8>, name: &str, tokens: &[String]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b":");
    let mut line = name.len().saturating_add(1);
    let mut token_on_line = false;
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        let too_long = line.saturating_add(1).saturating_add(token.len()) > MAX_LINE;
        let fits_alone = token.len() < MAX_LINE;
        if too_long && (token_on_line || fits_alone) {
            out.extend_from_slice(b"\r\n");
            line = 0;
        }
        out.push(b' ');
        out.extend_from_slice(token.as_bytes());
        line = line.saturating_add(1).saturating_add(token.len());
        token_on_line = true;
    }
    out.extend_from_slice(b"\r\n");
}

/// An unstructured header (`Subject`, our `X-` headers): one line of text, control and bidi
/// characters replaced, white space squeezed; printable ASCII as words, anything else as
/// encoded-words.
pub fn write_text(out: &mut Vec<u8>, name: &str, value: &str) {
    let value = text::clean(value, TextKind::SingleLine);
    let squeezed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let tokens = if is_plain(&squeezed) {
        squeezed.split(' ').map(str::to_owned).collect()
    } else {
        encoded_words(&squeezed, MAX_LINE.saturating_sub(name.len() + 2))
    };
    write_tokens(out, name, &tokens);
}

/// A mailbox header (`From`, `To`): `"Display Name" <address>`, the name quoted when it is
/// printable ASCII and encoded otherwise; the bare address without a name.
pub fn write_mailbox(out: &mut Vec<u8>, name: &str, display: Option<&str>, address: &EmailAddress) {
    let display = display.map(|d| {
        let d = text::clean(d, TextKind::SingleLine);
        d.split_whitespace().collect::<Vec<_>>().join(" ")
    });
    let mut tokens = match display.as_deref() {
        None | Some("") => Vec::new(),
        Some(d) if is_plain(d) => vec![format!("\"{}\"", d.replace('\\', "\\\\").replace('"', "\\\""))],
        Some(d) => encoded_words(d, MAX_LINE.saturating_sub(name.len() + 2)),
    };
    tokens.push(if tokens.is_empty() { address.as_str().to_owned() } else { format!("<{}>", address.as_str()) });
    write_tokens(out, name, &tokens);
}

/// A header whose value we make ourselves (`Date`, `Message-ID`, `List-Unsubscribe`): written as
/// is, less anything that is not printable ASCII.
pub fn write_raw(out: &mut Vec<u8>, name: &str, value: &str) {
    let value: String = value.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).collect();
    write_tokens(out, name, &value.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>());
}

/// A field name (RFC 5322 §3.6.8): printable ASCII without `:` or space.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ascii_subjects_are_written_as_words_and_folded_at_spaces() {
        let s = header(|o| write_text(o, "Subject", &"word ".repeat(30)));
        assert!(s.lines().all(|l| l.len() <= 76), "{s}");
        assert!(s.starts_with("Subject: word word"));
        assert!(!s.contains("=?"));
    }

    #[test]
    fn non_ascii_subjects_become_encoded_words_of_at_most_75_characters() {
        let s = header(|o| write_text(o, "Subject", &"🟢 Zertifikate erneuern für alle Lastverteiler ".repeat(4)));
        for line in s.lines() {
            assert!(line.len() <= 76, "{line:?}");
            for word in line.split_whitespace().filter(|w| w.starts_with("=?")) {
                assert!(word.len() <= MAX_ENCODED_WORD, "{word}");
                let b64 = word.trim_start_matches(PREFIX).trim_end_matches(SUFFIX);
                let bytes = STANDARD.decode(b64).unwrap();
                assert!(String::from_utf8(bytes).is_ok(), "each word holds whole characters");
            }
        }
    }

    #[test]
    fn an_ascii_display_name_is_quoted_and_cannot_inject_an_address() {
        let addr = EmailAddress::parse("notifications@ccm.example.com").unwrap();
        let s = header(|o| write_mailbox(o, "From", Some("CCOE \"Ops\" <evil@x.com>"), &addr));
        assert_eq!(s, "From: \"CCOE \\\"Ops\\\" <evil@x.com>\" <notifications@ccm.example.com>\r\n");
        let s = header(|o| write_mailbox(o, "From", None, &addr));
        assert_eq!(s, "From: notifications@ccm.example.com\r\n");
    }

    #[test]
    fn a_text_that_looks_like_an_encoded_word_is_encoded() {
        let s = header(|o| write_text(o, "Subject", "=?utf-8?B?aGk=?="));
        assert!(s.starts_with("Subject: =?utf-8?B?PT"), "{s}");
    }
}
