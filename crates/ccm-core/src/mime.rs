//! Building the MIME form of an outgoing e-mail (for SES raw sends and the local outbox): a
//! multipart/alternative text + HTML body, plus a `text/calendar` invitation (`method=REQUEST` or
//! `CANCEL`, as the calendar says) when the message carries one. The body parts come from `mail-builder`; the message headers are
//! written here ([`header`]) so that their encoding is ours to test: encoded-words of at most 75
//! characters, a quoted or encoded display name, one `charset` per part. Every message says it was
//! sent by a program ([`NOTIFICATION_HEADERS`]). Parsed back by an independent parser in tests.

pub mod header;

use chrono::{DateTime, Utc};
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::MimePart;

use crate::ports::OutgoingEmail;
use crate::text::{self, TextKind};

/// Headers every notification carries, on every path (the outbox, SES raw and simple sends):
/// RFC 3834's `Auto-Submitted` so that auto-responders and vacation replies stay quiet, and the
/// Exchange equivalent.
pub const NOTIFICATION_HEADERS: [(&str, &str); 2] =
    [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "OOF, AutoReply")];

/// The `From` header's value: `"Display Name" <address>` (quoted, or RFC 2047-encoded when not
/// ASCII), or the bare address. What SES's `FromEmailAddress` takes too.
pub fn from_value(email: &OutgoingEmail) -> String {
    let mut out = Vec::new();
    header::write_mailbox(&mut out, "From", email.from_name.as_deref(), &email.from);
    let line = String::from_utf8_lossy(&out).into_owned();
    line.trim_start_matches("From:").replace("\r\n", "").trim().to_owned()
}

fn text_part(content_type: &'static str, body: &str) -> MimePart<'static> {
    let body = text::clean(body, TextKind::MultiLine).into_owned();
    MimePart::new(ContentType::new(content_type).attribute("charset", "utf-8"), body)
}

/// The iTIP method a `text/calendar` part must name: the calendar's own `METHOD` (RFC 6047 §2.4),
/// `REQUEST` when it names none this builder knows.
fn calendar_method(ics: &[u8]) -> &'static str {
    let method = ics
        .split(|b| *b == b'\n')
        .find_map(|line| line.strip_prefix(b"METHOD:"))
        .map(|m| m.trim_ascii())
        .unwrap_or_default();
    match method {
        b"CANCEL" => "CANCEL",
        b"PUBLISH" => "PUBLISH",
        _ => "REQUEST",
    }
}

/// The message as bytes (RFC 5322), with extra headers (name, value) added after ours. A header
/// name that is not a valid field name is left out; values are written on one line.
pub fn build(
    email: &OutgoingEmail,
    date: DateTime<Utc>,
    message_id: &str,
    extra_headers: &[(&str, String)],
) -> Vec<u8> {
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![text_part("text/plain", &email.text), text_part("text/html", &email.html)],
    );
    let body = match &email.ics {
        None => alternative,
        Some(ics) => MimePart::new(
            "multipart/mixed",
            vec![
                alternative,
                MimePart::new(
                    ContentType::new("text/calendar")
                        .attribute("method", calendar_method(ics))
                        .attribute("charset", "utf-8"),
                    ics.to_vec(),
                )
                .attachment("invite.ics"),
            ],
        ),
    };
    let mut out = Vec::new();
    header::write_mailbox(&mut out, "From", email.from_name.as_deref(), &email.from);
    header::write_mailbox(&mut out, "To", None, &email.to);
    header::write_text(&mut out, "Subject", &email.subject);
    header::write_raw(&mut out, "Date", &date.to_rfc2822());
    header::write_raw(&mut out, "Message-ID", &format!("<{}>", message_id.trim_matches(['<', '>'])));
    header::write_raw(&mut out, "MIME-Version", "1.0");
    for (name, value) in NOTIFICATION_HEADERS {
        header::write_raw(&mut out, name, value);
    }
    for (name, value) in extra_headers.iter().filter(|(name, _)| header::is_field_name(name)) {
        if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            header::write_raw(&mut out, name, value);
        } else {
            header::write_text(&mut out, name, value);
        }
    }
    // Writing into a Vec cannot fail.
    let _ = body.write_part(&mut out);
    out
}

#[cfg(test)]
mod tests;
