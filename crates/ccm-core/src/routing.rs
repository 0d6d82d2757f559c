//! The routing table: which notification an object's status calls for, and to which SES topic.
//!
//! | object | status | topic | event |
//! |---|---|---|---|
//! | change | submitted | `aws-approval` | approval request |
//! | change | approved | `aws-announce` (meeting: `aws-calendar`) | approved |
//! | change | completed | `aws-announce` | completed (with survey link) |
//! | change | cancelled | `aws-announce` if ever approved, else `aws-approval` | cancelled |
//! | announcement | submitted | `announce-approval` | approval request |
//! | announcement | approved / completed | its type topic | approved / completed |
//! | announcement | cancelled | type topic if ever approved, else `announce-approval` | cancelled |
//!
//! Type topics: cic → `cic-announce`, finops → `finops-announce`, innersource → `inner-announce`,
//! general → `general-updates`.

use serde::{Deserialize, Serialize};

use crate::ids::{AnnouncementType, ObjectKind};
use crate::model::Object;
use crate::workflow::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    ApprovalRequest,
    Approved,
    Completed,
    Cancelled,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApprovalRequest => "approval_request",
            Self::Approved => "approved",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What to send for an object in its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub event: Event,
    pub topic: &'static str,
    /// A meeting to schedule, with the topic its attendees come from.
    pub schedule_meeting_for: Option<&'static str>,
    /// A scheduled meeting must be cancelled before anything is sent.
    pub cancel_meeting: bool,
}

pub const APPROVAL_TOPIC: &str = "aws-approval";
pub const ANNOUNCE_TOPIC: &str = "aws-announce";
pub const CALENDAR_TOPIC: &str = "aws-calendar";
pub const ANNOUNCEMENT_APPROVAL_TOPIC: &str = "announce-approval";

pub fn type_topic(t: AnnouncementType) -> &'static str {
    match t {
        AnnouncementType::Cic => "cic-announce",
        AnnouncementType::Finops => "finops-announce",
        AnnouncementType::Innersource => "inner-announce",
        AnnouncementType::General => "general-updates",
    }
}

/// Every topic the routing table can name: SESConfig.json must define them all.
pub const ROUTED_TOPICS: &[&str] = &[
    APPROVAL_TOPIC,
    ANNOUNCE_TOPIC,
    CALENDAR_TOPIC,
    ANNOUNCEMENT_APPROVAL_TOPIC,
    "cic-announce",
    "finops-announce",
    "inner-announce",
    "general-updates",
];

/// The notification for `object` as it is now, or `None` (drafts).
pub fn route(object: &Object) -> Option<Route> {
    let life = object.life();
    let (approval, audience, calendar) = match object.kind() {
        ObjectKind::Change => (APPROVAL_TOPIC, ANNOUNCE_TOPIC, CALENDAR_TOPIC),
        ObjectKind::Announcement(t) => (ANNOUNCEMENT_APPROVAL_TOPIC, type_topic(t), type_topic(t)),
    };
    let has_meeting = life.meeting_metadata.is_some();
    let r = |event, topic| Route { event, topic, schedule_meeting_for: None, cancel_meeting: false };
    Some(match life.status {
        Status::Draft => return None,
        // Back to submitted after an edit of an approved object: its old meeting no longer stands.
        Status::Submitted => Route { cancel_meeting: has_meeting, ..r(Event::ApprovalRequest, approval) },
        Status::Approved => Route {
            schedule_meeting_for: (object.include_meeting() && !has_meeting).then_some(calendar),
            ..r(Event::Approved, audience)
        },
        Status::Completed => r(Event::Completed, audience),
        Status::Cancelled => Route {
            cancel_meeting: has_meeting,
            ..r(Event::Cancelled, if life.ever_approved() { audience } else { approval })
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> Object {
        Object::from_json(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn changes_route_by_status_and_approval_history() {
        let base = json!({"changeId": "CHG-1", "customers": ["acme"], "include_meeting": true});
        let with = |status: &str, extra: serde_json::Value| {
            let mut v = base.clone();
            v["status"] = json!(status);
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            route(&obj(v))
        };
        assert_eq!(with("draft", json!({})), None);
        assert_eq!(with("submitted", json!({})).unwrap().topic, "aws-approval");
        let approved = with("approved", json!({})).unwrap();
        assert_eq!(
            (approved.event, approved.topic, approved.schedule_meeting_for),
            (Event::Approved, "aws-announce", Some("aws-calendar"))
        );
        assert_eq!(with("completed", json!({})).unwrap().topic, "aws-announce");
        assert_eq!(with("cancelled", json!({})).unwrap().topic, "aws-approval", "never approved: approvers hear of it");
        let after_approval = with("cancelled", json!({"approvedBy": "bob@example.com"})).unwrap();
        assert_eq!(after_approval.topic, "aws-announce");
    }

    #[test]
    fn a_meeting_is_cancelled_before_a_cancellation_or_a_return_to_submitted() {
        let meeting = json!({"meeting_id": "m", "join_url": "https://t", "start_time": "2026-01-01T10:00:00Z",
                             "end_time": "2026-01-01T11:00:00Z", "subject": "s"});
        for status in ["cancelled", "submitted"] {
            let o = obj(
                json!({"changeId": "CHG-1", "status": status, "approvedBy": "b@x.com", "meeting_metadata": meeting}),
            );
            assert!(route(&o).unwrap().cancel_meeting, "{status}");
        }
        let approved = obj(
            json!({"changeId": "CHG-1", "status": "approved", "include_meeting": true, "meeting_metadata": meeting}),
        );
        assert_eq!(route(&approved).unwrap().schedule_meeting_for, None, "already scheduled");
    }

    #[test]
    fn announcements_route_to_their_type_topic() {
        for (t, topic) in [
            ("cic", "cic-announce"),
            ("finops", "finops-announce"),
            ("innersource", "inner-announce"),
            ("general", "general-updates"),
        ] {
            let id = format!("{}-1", AnnouncementType::parse(t).unwrap().id_prefix());
            let sub = obj(json!({"announcement_id": id, "announcement_type": t, "status": "submitted"}));
            assert_eq!(route(&sub).unwrap().topic, "announce-approval");
            let app = obj(json!({"announcement_id": id, "announcement_type": t, "status": "approved"}));
            assert_eq!(route(&app).unwrap().topic, topic);
        }
    }
}
