//! The meeting an object asks for ([`MeetingPlan`], read from its fields) and the legacy meeting
//! metadata the original system wrote into the archive ([`MeetingMetadata`]; ccm now keeps its
//! meetings beside the object, see [`super::meeting_record`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::object::Object;
use crate::ids::{AnnouncementType, EmailAddress, ObjectKind};
use crate::schedule;
use crate::text::{self, TextKind};

/// `{meeting_id, join_url, start_time, end_time, subject, organizer?, attendees?[]}`: what the original
/// wrote into `archive/` once Graph made a meeting. Read as legacy data only; the object's view fills it
/// from the current meeting record so the portal and mail templates keep one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingMetadata {
    pub meeting_id: String,
    pub join_url: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

/// The meeting an object asks for, as its author chose it: the slot the calendar must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingPlan {
    pub subject: String,
    /// The meeting time the author chose (a change without one: its implementation window's start).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The zone the meeting was entered in; invitations show it in that zone.
    pub zone: Tz,
    pub location: Option<String>,
    /// The extra attendees the author typed, parsed and de-duplicated (case-insensitive).
    pub attendees: Vec<EmailAddress>,
    /// Entries of the attendee field that are not e-mail addresses (left out, reported).
    pub invalid_attendees: usize,
}

impl MeetingPlan {
    /// The meeting `object` asks for, or `None` when it wants none or names no time for it.
    pub fn of(object: &Object) -> Option<Self> {
        if !object.include_meeting() {
            return None;
        }
        let zone = object
            .timezone()
            .and_then(|z| schedule::parse_zone("timezone", z).ok())
            .unwrap_or(chrono_tz::America::New_York);
        let title = one_line(object.title());
        let (subject, start, minutes, location, attendees) = match object {
            Object::Change(c) => {
                let start = c.meeting_date.or(c.implementation_start)?;
                // Without a chosen length, a meeting at the window's start lasts as long as the window.
                let window = match (c.meeting_date, c.implementation_start, c.implementation_end) {
                    (None, Some(s), Some(e)) => Some(e.signed_duration_since(s).num_minutes()),
                    _ => None,
                };
                let subject =
                    non_empty(c.meeting_title.as_deref()).unwrap_or_else(|| format!("Change Implementation: {title}"));
                (subject, start, c.meeting_duration_minutes().or(window), &c.meeting_location, &c.attendees)
            }
            Object::Announcement(a) => {
                let start = a.meeting_date?;
                let subject = non_empty(a.meeting_title.as_deref())
                    .unwrap_or_else(|| format!("{} Event: {title}", event_label(a.announcement_type)));
                (subject, start, a.meeting_duration, &a.meeting_location, &a.attendees)
            }
        };
        let end = schedule::meeting_end(start, minutes)?;
        let (attendees, invalid_attendees) = parse_attendees(attendees.as_deref().unwrap_or_default());
        Some(Self { subject, start, end, zone, location: non_empty(location.as_deref()), attendees, invalid_attendees })
    }

    /// The object kind's label in meeting subjects and invitations.
    pub fn kind_label(kind: ObjectKind) -> &'static str {
        match kind {
            ObjectKind::Change => "Change",
            ObjectKind::Announcement(t) => event_label(t),
        }
    }
}

fn event_label(t: AnnouncementType) -> &'static str {
    match t {
        AnnouncementType::Cic => "CIC",
        AnnouncementType::Finops => "FinOps",
        AnnouncementType::Innersource => "InnerSource",
        AnnouncementType::General => "General",
    }
}

fn one_line(s: &str) -> String {
    text::clean(s, TextKind::SingleLine).trim().to_owned()
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(one_line).filter(|s| !s.is_empty())
}

/// `a@x.com, B@y.com; c@z.com` → the valid addresses, first spelling kept, duplicates (ignoring
/// case) dropped, and how many entries were not addresses.
pub fn parse_attendees(raw: &str) -> (Vec<EmailAddress>, usize) {
    let mut out: Vec<EmailAddress> = Vec::new();
    let mut invalid = 0usize;
    for part in raw.split([',', ';', '\n', ' ', '\t']).map(str::trim).filter(|p| !p.is_empty()) {
        match EmailAddress::parse(part) {
            Ok(e) if !out.contains(&e) => out.push(e),
            Ok(_) => {}
            Err(_) => invalid = invalid.saturating_add(1),
        }
    }
    (out, invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> Object {
        Object::from_json(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_change_meets_at_the_time_its_author_chose_not_at_its_window() {
        let plan = MeetingPlan::of(&obj(json!({
            "changeId": "CHG-1", "changeTitle": "Patch", "status": "approved", "include_meeting": true,
            "implementationStart": "2026-06-10T14:00:00Z", "implementationEnd": "2026-06-10T18:00:00Z",
            "meetingDate": "2026-06-09T13:30:00Z", "meetingDuration": "45", "timezone": "Europe/Berlin",
            "meetingLocation": "Room 1", "attendees": "a@x.com, A@X.com; not-an-address, b@y.com"
        })))
        .unwrap();
        assert_eq!(plan.subject, "Change Implementation: Patch");
        assert_eq!(plan.start.to_rfc3339(), "2026-06-09T13:30:00+00:00");
        assert_eq!(plan.end.to_rfc3339(), "2026-06-09T14:15:00+00:00");
        assert_eq!(plan.zone, chrono_tz::Europe::Berlin);
        assert_eq!(plan.location.as_deref(), Some("Room 1"));
        let attendees: Vec<&str> = plan.attendees.iter().map(EmailAddress::as_str).collect();
        assert_eq!(attendees, ["a@x.com", "b@y.com"]);
        assert_eq!(plan.invalid_attendees, 1);
    }

    #[test]
    fn a_change_without_a_meeting_time_meets_for_its_window_clamped_to_eight_hours() {
        let plan = MeetingPlan::of(&obj(json!({
            "changeId": "CHG-1", "changeTitle": "Patch", "status": "approved", "include_meeting": true,
            "meetingTitle": "Go/no-go", "implementationStart": "2026-06-10T14:00:00Z",
            "implementationEnd": "2026-06-11T02:00:00Z"
        })))
        .unwrap();
        assert_eq!(plan.subject, "Go/no-go");
        assert_eq!(plan.start.to_rfc3339(), "2026-06-10T14:00:00+00:00");
        assert_eq!(plan.end.to_rfc3339(), "2026-06-10T22:00:00+00:00");
        assert_eq!(plan.zone, chrono_tz::America::New_York, "the default zone");
    }

    #[test]
    fn an_object_that_wants_no_meeting_or_names_no_time_has_no_plan() {
        let no_meeting =
            json!({"changeId": "CHG-1", "status": "approved", "implementationStart": "2026-06-10T14:00:00Z"});
        assert_eq!(MeetingPlan::of(&obj(no_meeting)), None);
        assert_eq!(
            MeetingPlan::of(&obj(json!({"changeId": "CHG-1", "status": "approved", "include_meeting": true}))),
            None
        );
        let a = obj(json!({"announcement_id": "CIC-1", "announcement_type": "cic", "title": "Summit",
            "status": "approved", "include_meeting": true}));
        assert_eq!(MeetingPlan::of(&a), None);
    }

    #[test]
    fn an_announcement_meeting_is_named_for_its_type() {
        let a = obj(json!({"announcement_id": "FIN-1", "announcement_type": "finops", "title": "Savings\u{202e}",
            "status": "approved", "include_meeting": true, "meeting_date": "2026-06-10T14:00:00Z", "meeting_duration": 30,
            "meeting_timezone": "Asia/Tokyo"}));
        let plan = MeetingPlan::of(&a).unwrap();
        assert_eq!(plan.subject, "FinOps Event: Savings", "bidi controls are stripped");
        assert_eq!(plan.end.to_rfc3339(), "2026-06-10T14:30:00+00:00");
        assert_eq!(plan.zone, chrono_tz::Asia::Tokyo);
    }
}
