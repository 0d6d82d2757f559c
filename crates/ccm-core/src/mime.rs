//! Building the MIME form of an outgoing e-mail (for SES raw sends and the local outbox): a
//! multipart/alternative text + HTML body, plus a `text/calendar; method=REQUEST` invitation when
//! the message carries one. Built with `mail-builder`; parsed back by an independent parser in tests.

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;

use crate::ports::OutgoingEmail;

/// The message as bytes (RFC 5322), with extra headers (name, value) added verbatim.
pub fn build(
    email: &OutgoingEmail,
    date: DateTime<Utc>,
    message_id: &str,
    extra_headers: &[(&str, String)],
) -> Vec<u8> {
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain; charset=utf-8", email.text.as_str()),
            MimePart::new("text/html; charset=utf-8", email.html.as_str()),
        ],
    );
    let body = match &email.ics {
        None => alternative,
        Some(ics) => MimePart::new(
            "multipart/mixed",
            vec![
                alternative,
                MimePart::new("text/calendar; method=REQUEST; charset=utf-8", ics.to_vec()).attachment("invite.ics"),
            ],
        ),
    };
    let mut builder = MessageBuilder::new()
        .from(email.from.as_str())
        .to(email.to.as_str())
        .subject(email.subject.as_str())
        .date(date.timestamp())
        .message_id(message_id)
        .body(body);
    for (name, value) in extra_headers {
        builder = builder.header(*name, Raw::new(value.clone()));
    }
    builder.write_to_vec().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmailAddress;
    use bytes::Bytes;
    use mail_parser::{MessageParser, MimeHeaders};

    fn email(ics: Option<&str>) -> OutgoingEmail {
        OutgoingEmail {
            from: EmailAddress::parse("notifications@ccm.example.com").unwrap(),
            to: EmailAddress::parse("ops@acme.example.com").unwrap(),
            subject: "🟢 Rotate certificates".into(),
            html: "<p>Approved &amp; scheduled</p>".into(),
            text: "Approved & scheduled".into(),
            list_management: None,
            ics: ics.map(|s| Bytes::from(s.to_owned())),
        }
    }

    #[test]
    fn an_independent_parser_reads_back_subject_parts_and_headers() {
        let raw = build(
            &email(None),
            "2026-06-01T12:00:00Z".parse().unwrap(),
            "m1@ccm",
            &[("X-CCM-Topic", "aws-announce".into())],
        );
        let msg = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(msg.subject(), Some("🟢 Rotate certificates"));
        assert_eq!(msg.body_text(0).as_deref(), Some("Approved & scheduled"));
        assert_eq!(msg.body_html(0).as_deref(), Some("<p>Approved &amp; scheduled</p>"));
        assert_eq!(msg.header_raw("X-CCM-Topic").map(str::trim), Some("aws-announce"));
        assert_eq!(msg.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("ops@acme.example.com"));
    }

    #[test]
    fn a_calendar_invitation_is_attached_as_text_calendar_request() {
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
        let raw = build(&email(Some(ics)), Utc::now(), "m2@ccm", &[]);
        let msg = MessageParser::default().parse(&raw).unwrap();
        let part = msg.attachments().next().expect("one attachment");
        assert_eq!(part.attachment_name(), Some("invite.ics"));
        let ct = part.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("calendar")));
        assert_eq!(ct.attribute("method"), Some("REQUEST"));
        assert_eq!(part.contents(), ics.as_bytes());
    }
}
