//! Every message is parsed back by an independent parser (mail-parser), and its raw form is
//! checked against the rules clients differ on.

use bytes::Bytes;
use mail_parser::{MessageParser, MimeHeaders};
use proptest::prelude::*;

use super::*;
use crate::EmailAddress;

fn email(subject: &str, ics: Option<&str>) -> OutgoingEmail {
    OutgoingEmail {
        from: EmailAddress::parse("notifications@ccm.example.com").unwrap(),
        from_name: Some("CCOE Notifications".into()),
        to: EmailAddress::parse("ops@acme.example.com").unwrap(),
        subject: subject.into(),
        html: "<p>Approved &amp; scheduled</p>".into(),
        text: "Approved & scheduled".into(),
        list_management: None,
        ics: ics.map(|s| Bytes::from(s.to_owned())),
        feedback: None,
    }
}

fn date() -> DateTime<Utc> {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

/// The header section of a raw message, unparsed.
fn head(raw: &[u8]) -> String {
    let s = String::from_utf8(raw.to_vec()).expect("the message is ASCII");
    s.split("\r\n\r\n").next().unwrap().to_owned()
}

/// Checks the rules on a raw message: ASCII only, CRLF line ends, header lines of at most 76
/// characters (78 is the RFC 5322 limit), encoded-words of at most 75, one charset per part.
fn assert_well_formed(raw: &[u8]) {
    assert!(raw.is_ascii(), "8-bit data in the message");
    let text = String::from_utf8(raw.to_vec()).unwrap();
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "a bare CR or LF");
    for line in head(raw).split("\r\n") {
        assert!(line.len() <= 76, "header line of {} characters: {line:?}", line.len());
        for word in line.split_whitespace().filter(|w| w.starts_with("=?")) {
            assert!(word.len() <= header::MAX_ENCODED_WORD, "encoded-word of {} characters: {word}", word.len());
        }
    }
    for line in text.split("\r\n").filter(|l| l.to_ascii_lowercase().starts_with("content-type:")) {
        assert!(line.matches("charset").count() <= 1, "duplicated charset: {line}");
    }
}

#[test]
fn an_independent_parser_reads_back_subject_parts_and_headers() {
    let raw =
        build(&email("🟢 Rotate certificates", None), date(), "m1@ccm", &[("X-CCM-Topic", "aws-announce".into())]);
    assert_well_formed(&raw);
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.subject(), Some("🟢 Rotate certificates"));
    assert_eq!(msg.body_text(0).as_deref(), Some("Approved & scheduled"));
    assert_eq!(msg.body_html(0).as_deref(), Some("<p>Approved &amp; scheduled</p>"));
    assert_eq!(msg.header_raw("X-CCM-Topic").map(str::trim), Some("aws-announce"));
    assert_eq!(msg.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("ops@acme.example.com"));
    assert_eq!(msg.message_id(), Some("m1@ccm"));
}

#[test]
fn a_calendar_invitation_is_attached_as_text_calendar_request() {
    let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
    let raw = build(&email("Meeting", Some(ics)), Utc::now(), "m2@ccm", &[]);
    assert_well_formed(&raw);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let part = msg.attachments().next().expect("one attachment");
    assert_eq!(part.attachment_name(), Some("invite.ics"));
    let ct = part.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("calendar")));
    assert_eq!(ct.attribute("method"), Some("REQUEST"));
    assert_eq!(part.contents(), ics.as_bytes());
}

#[test]
fn a_calendar_cancellation_is_attached_as_text_calendar_cancel() {
    let ics = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n";
    let raw = build(&email("Cancelled", Some(ics)), Utc::now(), "m4@ccm", &[]);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let part = msg.attachments().next().expect("one attachment");
    assert_eq!(part.content_type().unwrap().attribute("method"), Some("CANCEL"));
}

#[test]
fn each_text_part_names_its_charset_once() {
    let raw = build(&email("Done", None), date(), "m3@ccm", &[]);
    assert_well_formed(&raw);
    let text = String::from_utf8(raw.clone()).unwrap();
    assert_eq!(text.matches("charset").count(), 2, "text/plain and text/html, once each:\n{text}");
    let msg = MessageParser::default().parse(&raw).unwrap();
    for i in 0..2 {
        let part = msg.part(msg.text_body.first().copied().unwrap_or(0) + i).unwrap();
        if let Some(ct) = part.content_type().filter(|ct| ct.ctype() == "text") {
            assert_eq!(ct.attribute("charset"), Some("utf-8"));
        }
    }
}

#[test]
fn a_long_non_ascii_subject_is_split_into_short_encoded_words_that_read_back_whole() {
    let subject =
        "⚠️ Approval requested: Zertifikate für alle Lastverteiler in Frankfurt und Zürich erneuern 🔐 日本語";
    let raw = build(&email(subject, None), date(), "m4@ccm", &[]);
    assert_well_formed(&raw);
    assert!(head(&raw).contains("Subject: =?utf-8?B?"));
    assert_eq!(MessageParser::default().parse(&raw).unwrap().subject(), Some(subject));
}

#[test]
fn the_from_header_carries_the_configured_display_name() {
    let raw = build(&email("x", None), date(), "m5@ccm", &[]);
    assert!(head(&raw).contains("From: \"CCOE Notifications\" <notifications@ccm.example.com>"));
    let msg = MessageParser::default().parse(&raw).unwrap();
    let from = msg.from().and_then(|a| a.first()).unwrap();
    assert_eq!((from.name(), from.address()), (Some("CCOE Notifications"), Some("notifications@ccm.example.com")));

    let mut e = email("x", None);
    e.from_name = Some("Équipe CCOE — Benachrichtigungen für Kunden 通知".into());
    let raw = build(&e, date(), "m6@ccm", &[]);
    assert_well_formed(&raw);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let from = msg.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.name(), e.from_name.as_deref());
    assert_eq!(from.address(), Some("notifications@ccm.example.com"));
    assert_eq!(from_value(&e).split_whitespace().last(), Some("<notifications@ccm.example.com>"));
}

#[test]
fn every_message_says_it_was_sent_automatically() {
    let raw = build(&email("x", None), date(), "m7@ccm", &[]);
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));
    assert_eq!(msg.header_raw("X-Auto-Response-Suppress").map(str::trim), Some("OOF, AutoReply"));
}

#[test]
fn control_characters_in_subject_and_body_never_reach_the_message() {
    let mut e = email("Title\r\nBcc: victim@example.com\u{0}\u{202e}", None);
    e.text = "one\r\ntwo\u{b}\u{202e}three\u{0}".into();
    e.html = "<p>\u{2066}x\u{2069}\u{1b}</p>".into();
    let raw = build(&e, date(), "m8@ccm", &[("X-Bad", "a\r\nInjected: yes".into())]);
    assert_well_formed(&raw);
    let h = head(&raw);
    assert!(!h.contains("\r\nBcc:") && !h.contains("\r\nInjected:"), "{h}");
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.subject(), Some("Title Bcc: victim@example.com"));
    assert_eq!(msg.body_text(0).map(|t| t.replace("\r\n", "\n")).as_deref(), Some("one\ntwo\nthree"));
    assert_eq!(msg.body_html(0).as_deref(), Some("<p>x</p>"));
    assert!(msg.bcc().is_none());
}

/// Any text, or text rich in what breaks mail: controls, bidi characters, line breaks, emoji.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f-\\x9f\u{202a}-\u{202e}\u{2066}-\u{2069}\u{2028}a-zA-Z=?é🟢👩\u{200d}日 ]{0,160}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_subject_name_and_body_give_a_well_formed_message_that_reads_back(
        subject in hostile(),
        name in proptest::option::of(hostile()),
        body in hostile(),
    ) {
        let mut e = email(&subject, None);
        e.from_name = name;
        e.text = body.clone();
        let raw = build(&e, date(), "p@ccm", &[]);
        assert_well_formed(&raw);
        let msg = MessageParser::default().parse(&raw).unwrap();
        let expected = crate::text::clean(&subject, TextKind::SingleLine).split_whitespace().collect::<Vec<_>>().join(" ");
        if !expected.is_empty() {
            prop_assert_eq!(msg.subject().unwrap_or_default(), expected.as_str());
        }
        let from = msg.from().and_then(|a| a.first()).and_then(|a| a.address());
        prop_assert_eq!(from, Some("notifications@ccm.example.com"));
        let text = msg.body_text(0).unwrap_or_default().replace("\r\n", "\n");
        prop_assert!(crate::text::check(&text, TextKind::MultiLine).is_ok(), "{:?}", text);
    }
}
