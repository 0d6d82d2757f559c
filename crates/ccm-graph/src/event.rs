//! The JSON of Graph's `event` resource that ccm writes and reads (Graph v1.0 `microsoft.graph.event`):
//! `subject`, `body` (itemBody), `start`/`end` (dateTimeTimeZone), `location`, `attendees`,
//! `isOnlineMeeting` + `onlineMeetingProvider: teamsForBusiness`, `hideAttendees`, `transactionId`
//! and one `singleValueExtendedProperties` entry carrying the same key, so an event is found again.

use ccm_core::ports::{CalendarEvent, MeetingRequest};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The extended property ccm stamps on its events (MAPI named property in PS_PUBLIC_STRINGS).
pub const KEY_PROPERTY: &str = "String {00020329-0000-0000-C000-000000000046} Name ccmMeetingKey";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    pub content_type: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    /// Wall-clock time in `time_zone`: `2026-06-10T10:00:00.0000000`.
    pub date_time: String,
    pub time_zone: String,
}

impl DateTimeTimeZone {
    pub fn new(t: DateTime<Utc>, zone: Option<Tz>) -> Self {
        match zone {
            Some(z) => Self { date_time: ccm_core::schedule::graph_datetime(t, z), time_zone: z.name().to_owned() },
            None => Self { date_time: t.format("%Y-%m-%dT%H:%M:%S.0000000").to_string(), time_zone: "UTC".into() },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub email_address: EmailAddress,
    /// `required`, `optional` or `resource`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtendedProperty {
    pub id: String,
    pub value: String,
}

/// What ccm sends to create (`POST`) or update (`PATCH`) an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWrite {
    pub subject: String,
    pub body: ItemBody,
    pub start: DateTimeTimeZone,
    pub end: DateTimeTimeZone,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub attendees: Vec<Attendee>,
    pub is_online_meeting: bool,
    pub online_meeting_provider: &'static str,
    pub hide_attendees: bool,
    pub allow_new_time_proposals: bool,
    pub is_reminder_on: bool,
    pub reminder_minutes_before_start: u32,
    /// Only on create: Graph refuses to change it later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub single_value_extended_properties: Vec<ExtendedProperty>,
}

impl EventWrite {
    /// The event for `r`; `zone: None` sends the times in UTC (for a zone Graph does not know).
    pub fn from_request(r: &MeetingRequest, zone: Option<Tz>, create: bool) -> Self {
        Self {
            subject: r.subject.clone(),
            body: ItemBody { content_type: "HTML".into(), content: r.html_body.clone() },
            start: DateTimeTimeZone::new(r.start, zone),
            end: DateTimeTimeZone::new(r.end, zone),
            location: r.location.clone().map(|display_name| Location { display_name }),
            attendees: r
                .attendees
                .iter()
                .map(|a| Attendee { email_address: EmailAddress { address: a.to_string() }, kind: "required".into() })
                .collect(),
            is_online_meeting: true,
            online_meeting_provider: "teamsForBusiness",
            hide_attendees: r.hide_attendees,
            allow_new_time_proposals: false,
            is_reminder_on: true,
            reminder_minutes_before_start: 15,
            transaction_id: create.then(|| r.transaction_id.clone()),
            single_value_extended_properties: if create {
                vec![ExtendedProperty { id: KEY_PROPERTY.into(), value: r.transaction_id.clone() }]
            } else {
                Vec::new()
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingInfo {
    #[serde(default)]
    pub join_url: Option<String>,
}

/// The parts of an event ccm reads back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRead {
    pub id: String,
    #[serde(default, rename = "iCalUId")]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub online_meeting: Option<OnlineMeetingInfo>,
    #[serde(default)]
    pub is_cancelled: bool,
}

impl EventRead {
    pub fn join_url(&self) -> Option<&str> {
        self.online_meeting.as_ref()?.join_url.as_deref().filter(|u| !u.is_empty())
    }
    pub fn into_event(self) -> CalendarEvent {
        let join_url = self.join_url().map(str::to_owned);
        CalendarEvent { event_id: self.id, ical_uid: self.ical_uid, join_url }
    }
}

/// A page of `GET …/events`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventPage {
    #[serde(default)]
    pub value: Vec<EventRead>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccm_core::{EmailAddress as Addr, ObjectId};
    use serde_json::json;

    fn request() -> MeetingRequest {
        MeetingRequest {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 3,
            transaction_id: "5c3d0d52-6ad5-5c44-a9b6-3f0e5e1f2a10".into(),
            ical_uid: "CHG-1@ccm.example.com".into(),
            sequence: 0,
            organizer: Addr::parse("meetings@ccm.example.com").unwrap(),
            subject: "Change Implementation: Patch".into(),
            html_body: "<p>Patch</p>".into(),
            start: "2026-06-10T14:00:00Z".parse().unwrap(),
            end: "2026-06-10T15:00:00Z".parse().unwrap(),
            timezone: "America/New_York".into(),
            location: Some("Room 1".into()),
            attendees: vec![Addr::parse("ops@acme.example.com").unwrap()],
            hide_attendees: true,
        }
    }

    #[test]
    fn a_create_is_an_online_teams_meeting_at_the_chosen_local_time_with_its_key() {
        let body = serde_json::to_value(EventWrite::from_request(&request(), Some(chrono_tz::America::New_York), true))
            .unwrap();
        assert_eq!(body["start"], json!({"dateTime": "2026-06-10T10:00:00.0000000", "timeZone": "America/New_York"}));
        assert_eq!(body["end"]["dateTime"], "2026-06-10T11:00:00.0000000");
        assert_eq!(
            (body["isOnlineMeeting"].clone(), body["onlineMeetingProvider"].clone()),
            (json!(true), json!("teamsForBusiness"))
        );
        assert_eq!(body["hideAttendees"], true);
        assert_eq!(body["transactionId"], "5c3d0d52-6ad5-5c44-a9b6-3f0e5e1f2a10");
        assert_eq!(body["singleValueExtendedProperties"][0]["id"], KEY_PROPERTY);
        assert_eq!(
            body["attendees"][0],
            json!({"emailAddress": {"address": "ops@acme.example.com"}, "type": "required"})
        );
        assert_eq!(body["body"], json!({"contentType": "HTML", "content": "<p>Patch</p>"}));
    }

    #[test]
    fn an_update_carries_no_transaction_id_and_a_zone_graph_lacks_becomes_utc() {
        let body = serde_json::to_value(EventWrite::from_request(&request(), None, false)).unwrap();
        assert!(body.get("transactionId").is_none() && body.get("singleValueExtendedProperties").is_none());
        assert_eq!(body["start"], json!({"dateTime": "2026-06-10T14:00:00.0000000", "timeZone": "UTC"}));
    }
}
