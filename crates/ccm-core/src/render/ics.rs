//! iCalendar invitations (RFC 5545, iTIP methods of RFC 5546) for deployments without Microsoft
//! Graph: `METHOD:REQUEST` to invite or reschedule, `METHOD:CANCEL` to cancel, always with the
//! object's stable UID and a `SEQUENCE` that grows with every step, so a calendar updates the one
//! event it already holds. Times are local to the meeting's zone with its `VTIMEZONE`.
//!
//! Text is cleaned of control and bidi characters ([`crate::text::clean`]) and escaped per
//! RFC 5545 §3.3.11; parameter values are quoted; lines are folded at 75 octets without splitting a
//! character; every line ends in CRLF. Parsed back by Python's `icalendar` in the tests.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::ids::EmailAddress;
use crate::text::{self, TextKind};

/// The iTIP method of an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsMethod {
    /// Invite, or update an invitation already sent (same UID, higher SEQUENCE).
    Request,
    /// Cancel the event with that UID.
    Cancel,
}

impl IcsMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// One invitation: one event for the listed attendees.
#[derive(Debug, Clone)]
pub struct IcsInvite<'a> {
    pub method: IcsMethod,
    /// The same for every invitation of one object's meeting.
    pub uid: &'a str,
    pub sequence: u32,
    /// When this invitation was made (`DTSTAMP`).
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone: Tz,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    /// Where to join (`URL`), when there is a link.
    pub url: Option<&'a str>,
    pub organizer: &'a EmailAddress,
    pub organizer_name: Option<&'a str>,
    pub attendees: &'a [EmailAddress],
}

/// The `.ics` text of `invite`.
pub fn render_ics(invite: &IcsInvite<'_>) -> String {
    let zone = invite.zone.name();
    // A local time names its first occurrence (RFC 5545 §3.3.5): the second 01:30 of a night the
    // clocks go back can only be written in UTC.
    let time = |name: &str, t: DateTime<Utc>| {
        let local = t.with_timezone(&invite.zone).naive_local();
        match invite.zone.from_local_datetime(&local).earliest() {
            Some(first) if first.with_timezone(&Utc) == t => {
                format!("{name};TZID={}:{}", param(zone), local.format("%Y%m%dT%H%M%S"))
            }
            _ => format!("{name}:{}", t.format("%Y%m%dT%H%M%SZ")),
        }
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "PRODID:-//ccm//Customer Contact Manager//EN".to_owned(),
        "VERSION:2.0".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{}", invite.method.as_str()),
    ];
    lines.extend(super::vtimezone::lines(invite.zone, invite.start, invite.end));
    lines.push("BEGIN:VEVENT".into());
    lines.push(format!("UID:{}", escape_text(&one_line(invite.uid))));
    lines.push(format!("SEQUENCE:{}", invite.sequence));
    lines.push(format!("DTSTAMP:{}", invite.stamp.format("%Y%m%dT%H%M%SZ")));
    lines.push(time("DTSTART", invite.start));
    lines.push(time("DTEND", invite.end));
    lines.push(format!("SUMMARY:{}", escape_text(&one_line(invite.summary))));
    let description = text::clean(invite.description, TextKind::MultiLine);
    if !description.trim().is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape_text(&description)));
    }
    if let Some(location) = invite.location.map(one_line).filter(|l| !l.trim().is_empty()) {
        lines.push(format!("LOCATION:{}", escape_text(&location)));
    }
    if let Some(url) = invite.url.filter(|u| is_web_link(u)) {
        lines.push(format!("URL:{}", one_line(url)));
    }
    let organizer_cn = invite.organizer_name.map(|n| format!(";CN={}", param(&one_line(n)))).unwrap_or_default();
    lines.push(format!("ORGANIZER{organizer_cn}:mailto:{}", invite.organizer));
    for a in invite.attendees {
        lines.push(format!(
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}"
        ));
    }
    match invite.method {
        IcsMethod::Request => {
            lines.push("STATUS:CONFIRMED".into());
            lines.push("TRANSP:OPAQUE".into());
            lines.push("BEGIN:VALARM".into());
            lines.push("ACTION:DISPLAY".into());
            lines.push(format!("DESCRIPTION:{}", escape_text(&one_line(invite.summary))));
            lines.push("TRIGGER:-PT15M".into());
            lines.push("END:VALARM".into());
        }
        IcsMethod::Cancel => lines.push("STATUS:CANCELLED".into()),
    }
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold_into(&mut out, line);
    }
    out
}

fn one_line(s: &str) -> String {
    text::clean(s, TextKind::SingleLine).into_owned()
}

fn is_web_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, newlines as `\n`.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted when it holds `:`, `;` or `,`; a double quote cannot be escaped in
/// iCalendar, so it is dropped.
fn param(s: &str) -> String {
    let s: String = s.chars().filter(|c| *c != '"').collect();
    if s.contains([':', ';', ',']) || s.contains(' ') { format!("\"{s}\"") } else { s }
}

/// Appends `line` folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0usize;
    for c in line.chars() {
        let width = c.len_utf8();
        if used.saturating_add(width) > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used = used.saturating_add(width);
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn invite<'a>(method: IcsMethod, attendees: &'a [EmailAddress], organizer: &'a EmailAddress) -> IcsInvite<'a> {
        IcsInvite {
            method,
            uid: "CHG-0f8fad5b-d9cb-469f-a165-70867728950e@ccm.example.com",
            sequence: 0,
            stamp: "2026-06-01T12:00:00Z".parse().unwrap(),
            start: "2026-06-10T14:00:00Z".parse().unwrap(),
            end: "2026-06-10T15:00:00Z".parse().unwrap(),
            zone: chrono_tz::America::New_York,
            summary: "Change Implementation: Rotate certificates; phase 1, part A",
            description: "Rotate the TLS certificates of the load balancers.\nJoin: https://meet.example.com/x\nA very long line that goes on and on past the seventy-five octet limit of iCalendar lines — with ünïcödé.",
            location: Some("Room 4, Building B"),
            url: Some("https://meet.example.com/x"),
            organizer,
            organizer_name: Some("Change Meetings"),
            attendees,
        }
    }

    #[test]
    fn a_request_is_a_complete_calendar_with_the_meetings_zone() {
        let organizer = addr("change-meetings@ccm.example.com");
        let attendees = [addr("ops@acme.example.com")];
        insta::assert_snapshot!("ics_request", render_ics(&invite(IcsMethod::Request, &attendees, &organizer)));
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_says_cancelled() {
        let organizer = addr("change-meetings@ccm.example.com");
        let attendees = [addr("ops@acme.example.com")];
        let mut i = invite(IcsMethod::Cancel, &attendees, &organizer);
        i.sequence = 2;
        insta::assert_snapshot!("ics_cancel", render_ics(&i));
    }

    #[test]
    fn every_line_ends_in_crlf_and_fits_75_octets() {
        let organizer = addr("change-meetings@ccm.example.com");
        let attendees =
            [addr("ops@acme.example.com"), addr("a-very-long-address.of.someone@sub.division.acme.example.com")];
        let text = render_ics(&invite(IcsMethod::Request, &attendees, &organizer));
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("ünïcödé"), "a folded character is whole again after unfolding");
    }

    #[test]
    fn the_second_of_two_equal_local_times_is_written_in_utc() {
        let organizer = addr("change-meetings@ccm.example.com");
        let attendees = [addr("ops@acme.example.com")];
        let mut i = invite(IcsMethod::Request, &attendees, &organizer);
        // New York, November 1 2026: 01:30 EDT is 05:30Z, 01:30 EST is 06:30Z.
        i.start = "2026-11-01T05:30:00Z".parse().unwrap();
        i.end = "2026-11-01T06:30:00Z".parse().unwrap();
        let text = render_ics(&i);
        assert!(text.contains("\r\nDTSTART;TZID=America/New_York:20261101T013000\r\n"), "{text}");
        assert!(text.contains("\r\nDTEND:20261101T063000Z\r\n"), "{text}");
    }

    #[test]
    fn user_text_is_escaped_and_cleaned_so_it_cannot_add_properties() {
        let organizer = addr("change-meetings@ccm.example.com");
        let attendees = [addr("ops@acme.example.com")];
        let mut i = invite(IcsMethod::Request, &attendees, &organizer);
        i.summary = "Patch\r\nATTENDEE:mailto:evil@example.com\u{202e}";
        i.description = "a\\b;c,d\u{7}\r\nEND:VEVENT";
        i.organizer_name = Some("Ops \"Team\": A;B");
        i.url = Some("javascript:alert(1)");
        let text = render_ics(&i).replace("\r\n ", "");
        assert!(text.contains("SUMMARY:Patch ATTENDEE:mailto:evil@example.com\r\n"), "{text}");
        assert!(text.contains("DESCRIPTION:a\\\\b\\;c\\,d\\nEND:VEVENT\r\n"), "{text}");
        assert!(text.contains("ORGANIZER;CN=\"Ops Team: A;B\":mailto:"), "{text}");
        assert!(!text.contains("javascript"), "only web links become URL");
        assert_eq!(text.matches("\r\nATTENDEE").count(), 1);
        assert_eq!(text.matches("\r\nEND:VEVENT").count(), 1);
    }
}
