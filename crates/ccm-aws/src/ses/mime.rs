//! The raw MIME message sent when a calendar invitation is attached (SES Simple content cannot carry
//! attachments).
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain; charset=utf-8
//! │   └── text/html; charset=utf-8
//! └── text/calendar; method=REQUEST; charset=UTF-8; name=invite.ics   (attachment)
//! ```

use ccm_core::ports::OutgoingEmail;
use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

/// The attachment's file name, as calendar clients show it.
pub const INVITE_FILE_NAME: &str = "invite.ics";

/// The complete RFC 5322 message for `email`, with its ICS part when there is one.
///
/// SES replaces `Message-ID`; `Date` is set here. The recipient is the message's only `To`.
pub fn raw_mime(email: &OutgoingEmail) -> std::io::Result<Vec<u8>> {
    let alternative = MimePart::new(
        ContentType::new("multipart/alternative"),
        BodyPart::Multipart(vec![
            MimePart::new(ContentType::new("text/plain"), BodyPart::Text(email.text.as_str().into())),
            MimePart::new(ContentType::new("text/html"), BodyPart::Text(email.html.as_str().into())),
        ]),
    );
    let mut parts = vec![alternative];
    if let Some(ics) = &email.ics {
        let calendar = ContentType::new("text/calendar")
            .attribute("method", "REQUEST")
            .attribute("charset", "UTF-8")
            .attribute("name", INVITE_FILE_NAME);
        let body = match std::str::from_utf8(ics) {
            Ok(text) => BodyPart::Text(text.into()),
            Err(_) => BodyPart::Binary(ics.as_ref().into()),
        };
        parts.push(MimePart::new(calendar, body).attachment(INVITE_FILE_NAME));
    }
    MessageBuilder::new()
        .from(email.from.as_str())
        .to(email.to.as_str())
        .subject(email.subject.as_str())
        .body(MimePart::new(ContentType::new("multipart/mixed"), BodyPart::Multipart(parts)))
        .write_to_vec()
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use ccm_core::{EmailAddress, TopicName};

    use super::*;

    fn email(ics: Option<&str>) -> OutgoingEmail {
        OutgoingEmail {
            from: EmailAddress::parse("ccm@example.com").unwrap(),
            to: EmailAddress::parse("jane@example.org").unwrap(),
            subject: "📅 Change window: façade".into(),
            html: "<p>Hello</p>".into(),
            text: "Hello".into(),
            list_management: Some(("list".into(), TopicName::parse("aws-calendar").unwrap())),
            ics: ics.map(|s| Bytes::from(s.to_owned())),
        }
    }

    #[test]
    fn the_message_carries_text_html_and_the_invitation_as_a_named_calendar_part() {
        let raw = String::from_utf8(raw_mime(&email(Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))).unwrap()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/calendar; method=\"REQUEST\"") || raw.contains("text/calendar; method=REQUEST"));
        assert!(raw.contains("invite.ics"), "{raw}");
        assert!(raw.contains("To: <jane@example.org>") || raw.contains("To: jane@example.org"), "{raw}");
        // A non-ASCII subject is encoded, never sent raw.
        assert!(!raw.contains("façade"), "{raw}");
    }

    #[test]
    fn without_an_invitation_there_is_no_calendar_part() {
        let raw = String::from_utf8(raw_mime(&email(None)).unwrap()).unwrap();
        assert!(!raw.contains("text/calendar"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
    }
}
