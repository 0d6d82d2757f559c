//! The subscribable calendar feed: one VCALENDAR (RFC 5545, `METHOD:PUBLISH`) with an event per
//! implementation window and per meeting, and one per blackout occurrence. Times are UTC.
//!
//! Calendar clients refresh a feed by reading it again and match events by UID: an event keeps its
//! UID for life (`{id}@ccm`, `{id}-meeting@ccm`, `{blackout id}-{start}@ccm`) and its SEQUENCE is
//! the object's version, which grows with every write, so a moved window moves and a cancelled one
//! (left out of the feed) disappears. The caller decides what is in the feed and cuts customer
//! lists to what the feed's subscriber may see; this module only writes it.

use chrono::{DateTime, Utc};

use super::ics::{escape_text, push, utc};
use crate::blackout::Blackout;
use crate::blackout_schedule::Occurrence;
use crate::ids::ObjectKind;
use crate::ports::IndexEntry;
use crate::workflow::Status;

/// Everything one feed shows.
pub struct Feed<'a> {
    /// The calendar's name (`X-WR-CALNAME`).
    pub name: &'a str,
    /// `email_config.portal_base_url`, for links to the objects.
    pub portal_base_url: &'a str,
    pub entries: &'a [IndexEntry],
    pub blackouts: &'a [(Blackout, Vec<Occurrence>)],
    /// DTSTAMP of entries that record no modification time.
    pub now: DateTime<Utc>,
}

/// The page that opens an object in the portal.
pub fn object_url(base: &str, entry: &IndexEntry) -> String {
    let base = base.trim_end_matches('/');
    match entry.kind() {
        ObjectKind::Change => format!("{base}/edit-change.html?changeId={}", entry.id),
        ObjectKind::Announcement(_) => format!("{base}/edit-announcement.html?announcementId={}", entry.id),
    }
}

fn label(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => "Change",
        ObjectKind::Announcement(_) => "Announcement",
    }
}

struct Event<'a> {
    uid: String,
    sequence: u32,
    stamp: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    summary: String,
    description: String,
    status: Option<&'static str>,
    url: Option<String>,
    category: &'a str,
    transparent: bool,
}

fn write_event(out: &mut String, e: &Event<'_>) {
    out.push_str("BEGIN:VEVENT\r\n");
    push(out, "UID", &escape_text(&e.uid));
    push(out, "SEQUENCE", &e.sequence.to_string());
    push(out, "DTSTAMP", &utc(e.stamp));
    push(out, "DTSTART", &utc(e.start));
    // A period without length is shown as one minute rather than dropped.
    let end = if e.end > e.start { e.end } else { e.start + chrono::TimeDelta::minutes(1) };
    push(out, "DTEND", &utc(end));
    push(out, "SUMMARY", &escape_text(&e.summary));
    push(out, "DESCRIPTION", &escape_text(&e.description));
    push(out, "CATEGORIES", &escape_text(e.category));
    if let Some(status) = e.status {
        push(out, "STATUS", status);
    }
    if let Some(url) = &e.url {
        push(out, "URL", url);
    }
    push(out, "TRANSP", if e.transparent { "TRANSPARENT" } else { "OPAQUE" });
    out.push_str("END:VEVENT\r\n");
}

/// The feed as `text/calendar` (CRLF line ends, lines folded at 75 octets).
pub fn render(feed: &Feed<'_>) -> String {
    let mut out = String::new();
    out.push_str("BEGIN:VCALENDAR\r\n");
    push(&mut out, "VERSION", "2.0");
    push(&mut out, "PRODID", "-//ccm//Change calendar//EN");
    push(&mut out, "CALSCALE", "GREGORIAN");
    push(&mut out, "METHOD", "PUBLISH");
    push(&mut out, "X-WR-CALNAME", &escape_text(feed.name));
    push(&mut out, "REFRESH-INTERVAL;VALUE=DURATION", "PT1H");
    for entry in feed.entries {
        let status = match entry.status {
            Status::Submitted => Some("TENTATIVE"),
            Status::Approved | Status::Completed => Some("CONFIRMED"),
            Status::Cancelled => Some("CANCELLED"),
            Status::Draft => None,
        };
        let url = object_url(feed.portal_base_url, entry);
        let customers = entry.customers.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
        let description = format!(
            "{} {} ({})\nCustomers: {customers}\n{}\n{url}",
            label(entry.kind()),
            entry.id,
            entry.status,
            entry.summary
        );
        let stamp = entry.modified_at.unwrap_or(feed.now);
        let mut event = Event {
            uid: format!("{}@ccm", entry.id),
            sequence: entry.version,
            stamp,
            start: feed.now,
            end: feed.now,
            summary: format!("{}: {}", label(entry.kind()), entry.title),
            description,
            status,
            url: Some(url),
            category: entry.type_name.as_str(),
            transparent: false,
        };
        if let Some(start) = entry.start {
            event.start = start;
            event.end = entry.end.unwrap_or(start);
            write_event(&mut out, &event);
        }
        if let Some(start) = entry.meeting_start {
            event.uid = format!("{}-meeting@ccm", entry.id);
            event.start = start;
            event.end = entry.meeting_end.unwrap_or(start);
            event.summary = format!("Meeting: {}", entry.title);
            write_event(&mut out, &event);
        }
    }
    for (blackout, occurrences) in feed.blackouts {
        let scope = if blackout.is_global() {
            "every customer".to_owned()
        } else {
            blackout.input.customers.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        };
        for o in occurrences {
            write_event(
                &mut out,
                &Event {
                    uid: format!("{}-{}@ccm", blackout.id, utc(o.start)),
                    sequence: blackout.version,
                    stamp: blackout.modified_at,
                    start: o.start,
                    end: o.end,
                    summary: format!("Blackout: {}", blackout.input.name),
                    description: format!("No changes for {scope}.\n{}", blackout.input.reason),
                    status: Some("CONFIRMED"),
                    url: None,
                    category: "blackout",
                    transparent: true,
                },
            );
        }
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Object;

    fn entry(json: serde_json::Value) -> IndexEntry {
        IndexEntry::from_object(&Object::from_json(json.to_string().as_bytes()).unwrap())
    }

    #[test]
    fn a_feed_has_a_stable_uid_the_version_as_sequence_and_escaped_folded_text() {
        let change = entry(serde_json::json!({
            "changeId": "CHG-1", "changeTitle": "Patch; reboot, and verify \\ done", "status": "approved", "version": 4,
            "customers": ["acme"], "implementationStart": "2026-06-10T10:00:00Z", "implementationEnd": "2026-06-10T12:00:00Z",
            "include_meeting": true, "meetingDate": "2026-06-09T15:00:00Z", "meetingDuration": "30",
            "changeReason": "A long reason that goes on and on so that the description line is longer than seventy-five octets",
            "modifiedAt": "2026-06-01T00:00:00Z"
        }));
        let now = "2026-06-02T00:00:00Z".parse().unwrap();
        let text = render(&Feed {
            name: "ccm: acme",
            portal_base_url: "https://ccm.example.com/",
            entries: &[change],
            blackouts: &[],
            now,
        });
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("UID:CHG-1@ccm\r\nSEQUENCE:4\r\n"));
        assert!(text.contains("DTSTART:20260610T100000Z\r\nDTEND:20260610T120000Z\r\n"));
        assert!(text.contains("SUMMARY:Change: Patch\\; reboot\\, and verify \\\\ done\r\n"));
        assert!(
            text.contains("UID:CHG-1-meeting@ccm\r\n")
                && text.contains("DTSTART:20260609T150000Z\r\nDTEND:20260609T153000Z\r\n")
        );
        assert!(text.contains("STATUS:CONFIRMED\r\n"));
        assert!(text.contains("URL:https://ccm.example.com/edit-change.html?changeId=CHG-1\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        assert!(!text.replace("\r\n", "").contains('\n'), "no bare line feeds");
    }
}
