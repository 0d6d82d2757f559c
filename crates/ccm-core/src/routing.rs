//! The routing table: which notification an object's status calls for, and to which SES topic.
//!
//! | object | status | topic | event |
//! |---|---|---|---|
//! | change | submitted | `aws-approval` | approval request |
//! | change | approved | `aws-announce` (meeting: `aws-calendar`) | approved; rescheduled when approved again with a moved window or meeting ([`crate::reschedule`]) |
//! | change | completed | `aws-announce` | completed (with survey link) |
//! | change | cancelled | `aws-announce` if ever approved, else `aws-approval` | cancelled |
//! | announcement | submitted | `announce-approval` | approval request |
//! | announcement | approved / completed | its type topic | approved (or rescheduled) / completed |
//! | announcement | cancelled | type topic if ever approved, else `announce-approval` | cancelled |
//!
//! Type topics: cic → `cic-announce`, finops → `finops-announce`, innersource → `inner-announce`,
//! general → `general-updates`.
//!
//! Reminders ([`Event::Reminder`], [`Event::ApprovalReminder`]) are not routed by status: the
//! reminder sweep finds them and [`crate::reminders::decide`] names their topic.
//!
//! The meeting is decided apart from the mail ([`meeting_step`]): from the object and its meeting
//! records (`results/{id}/meeting/…`), never from the archive's legacy `meeting_metadata`, which
//! counts only for an object that has no records yet.
//!
//! | status | the object wants a meeting | standing meeting | step |
//! |---|---|---|---|
//! | approved | yes | none | schedule (attendees: the calendar topic, announcements: their type topic) |
//! | approved | yes | another slot, subject or location | reschedule (the same event) |
//! | approved | yes | the same | nothing |
//! | approved | no (removed by an edit) | yes | cancel |
//! | submitted (an approved object edited), cancelled, deleted | – | yes | cancel, before any mail |
//! | draft, completed | – | – | nothing (a completed meeting stays in calendars) |

use serde::{Deserialize, Serialize};

use crate::ids::{AnnouncementType, ObjectKind};
use crate::model::{MeetingHistory, MeetingPlan, MeetingRecord, Object};
use crate::workflow::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    ApprovalRequest,
    Approved,
    Completed,
    Cancelled,
    /// Before an approved window starts ([`crate::reminders`]): not routed by status, found by the sweep.
    Reminder,
    /// A submission still waiting for approval ([`crate::reminders`]).
    ApprovalReminder,
    /// An approved object approved again after its window or meeting time moved (decided by
    /// [`crate::reschedule::decide`], not by [`route`]).
    Rescheduled,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApprovalRequest => "approval_request",
            Self::Approved => "approved",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Reminder => "reminder",
            Self::ApprovalReminder => "approval_reminder",
            Self::Rescheduled => "rescheduled",
        }
    }
}

/// What to send for an object in its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub event: Event,
    pub topic: &'static str,
}

/// What an object's meeting needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingStep {
    Nothing,
    /// No meeting stands: create one and invite.
    Schedule,
    /// The standing meeting's time, zone, subject or location no longer match the object: update the
    /// same event (same UID, higher sequence).
    Reschedule,
    /// The standing meeting must go, before any mail about the object.
    Cancel,
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
    let (approval, audience) = match object.kind() {
        ObjectKind::Change => (APPROVAL_TOPIC, ANNOUNCE_TOPIC),
        ObjectKind::Announcement(t) => (ANNOUNCEMENT_APPROVAL_TOPIC, type_topic(t)),
    };
    let r = |event, topic| Route { event, topic };
    Some(match life.status {
        Status::Draft => return None,
        Status::Submitted => r(Event::ApprovalRequest, approval),
        Status::Approved => r(Event::Approved, audience),
        Status::Completed => r(Event::Completed, audience),
        Status::Cancelled => r(Event::Cancelled, if life.ever_approved() { audience } else { approval }),
    })
}

/// The topic a meeting's attendees come from: the calendar topic (`email_config.calendar_topic`,
/// `aws-calendar` by default) for changes, the type topic for announcements.
pub fn meeting_topic(kind: ObjectKind, calendar_topic: &str) -> &str {
    match kind {
        ObjectKind::Change => calendar_topic,
        ObjectKind::Announcement(t) => type_topic(t),
    }
}

/// What `object`'s meeting needs, given its records (see the table above).
pub fn meeting_step(object: &Object, history: &MeetingHistory) -> MeetingStep {
    decide_meeting(object.life().status, MeetingPlan::of(object).as_ref(), history.current())
}

/// The meeting of a deleted object: cancelled if it still stands.
pub fn meeting_step_for_deleted(history: &MeetingHistory) -> MeetingStep {
    if history.current().is_some() { MeetingStep::Cancel } else { MeetingStep::Nothing }
}

fn decide_meeting(status: Status, plan: Option<&MeetingPlan>, current: Option<&MeetingRecord>) -> MeetingStep {
    match (status, plan, current) {
        (Status::Approved, Some(_), None) => MeetingStep::Schedule,
        (Status::Approved, Some(plan), Some(current)) if !same_slot(plan, current) => MeetingStep::Reschedule,
        (Status::Approved, None, Some(_)) | (Status::Submitted | Status::Cancelled, _, Some(_)) => MeetingStep::Cancel,
        _ => MeetingStep::Nothing,
    }
}

/// Does the standing meeting already hold what the object asks for?
pub fn same_slot(plan: &MeetingPlan, current: &MeetingRecord) -> bool {
    plan.start == current.start
        && plan.end == current.end
        && plan.zone.name() == current.timezone
        && plan.subject == current.subject
        && plan.location == current.location
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
        assert_eq!((approved.event, approved.topic), (Event::Approved, "aws-announce"));
        assert_eq!(with("completed", json!({})).unwrap().topic, "aws-announce");
        assert_eq!(with("cancelled", json!({})).unwrap().topic, "aws-approval", "never approved: approvers hear of it");
        let after_approval = with("cancelled", json!({"approvedBy": "bob@example.com"})).unwrap();
        assert_eq!(after_approval.topic, "aws-announce");
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

    mod meeting {
        use super::*;
        use crate::model::{MeetingChange, MeetingProvider};

        fn plan(start: &str) -> MeetingPlan {
            MeetingPlan {
                subject: "Change Implementation: Patch".into(),
                start: start.parse().unwrap(),
                end: "2026-06-10T15:00:00Z".parse().unwrap(),
                zone: chrono_tz::America::New_York,
                location: None,
                attendees: Vec::new(),
                invalid_attendees: 0,
            }
        }

        fn record(change: MeetingChange, start: &str) -> MeetingRecord {
            let p = plan(start);
            MeetingRecord {
                object: crate::ObjectId::parse("CHG-1").unwrap(),
                step: 1,
                change,
                version: 3,
                provider: MeetingProvider::Graph,
                event_id: "AAMk1".into(),
                ical_uid: "040000008200E0".into(),
                join_url: Some("https://teams.microsoft.com/l/meetup-join/1".into()),
                subject: p.subject,
                start: p.start,
                end: p.end,
                timezone: "America/New_York".into(),
                location: None,
                organizer: None,
                sequence: 0,
                attendees: 2,
                customers: Vec::new(),
                at: p.start,
                by: "ccm-processor".into(),
                comment: None,
            }
        }

        const T1: &str = "2026-06-10T14:00:00Z";
        const T2: &str = "2026-06-10T14:30:00Z";

        #[test]
        fn every_status_plan_and_standing_meeting_gives_the_documented_step() {
            use MeetingStep::*;
            use Status::*;
            let same = record(MeetingChange::Scheduled, T1);
            let moved = record(MeetingChange::Rescheduled, T2);
            let wanted = plan(T1);
            // (status, the object wants a meeting, standing meeting) → step
            let table: &[(Status, Option<&MeetingPlan>, Option<&MeetingRecord>, MeetingStep)] = &[
                (Draft, Some(&wanted), None, Nothing),
                (Draft, Some(&wanted), Some(&same), Nothing),
                (Submitted, Some(&wanted), None, Nothing),
                (Submitted, Some(&wanted), Some(&same), Cancel),
                (Submitted, None, Some(&same), Cancel),
                (Approved, Some(&wanted), None, Schedule),
                (Approved, Some(&wanted), Some(&same), Nothing),
                (Approved, Some(&wanted), Some(&moved), Reschedule),
                (Approved, None, Some(&same), Cancel),
                (Approved, None, None, Nothing),
                (Completed, Some(&wanted), Some(&same), Nothing),
                (Completed, Some(&wanted), None, Nothing),
                (Cancelled, Some(&wanted), Some(&same), Cancel),
                (Cancelled, None, Some(&moved), Cancel),
                (Cancelled, Some(&wanted), None, Nothing),
            ];
            for (status, plan, current, step) in table {
                assert_eq!(decide_meeting(*status, *plan, *current), *step, "{status:?} {plan:?} {current:?}");
            }
        }

        #[test]
        fn a_new_zone_subject_or_location_is_a_reschedule_too() {
            let current = record(MeetingChange::Scheduled, T1);
            let mut p = plan(T1);
            assert!(same_slot(&p, &current));
            p.zone = chrono_tz::Europe::London;
            assert!(!same_slot(&p, &current));
            let mut p = plan(T1);
            p.subject.push('!');
            assert!(!same_slot(&p, &current));
            let mut p = plan(T1);
            p.location = Some("Room 2".into());
            assert!(!same_slot(&p, &current));
        }

        #[test]
        fn the_step_comes_from_the_records_not_the_archives_legacy_metadata() {
            let o =
                obj(json!({"changeId": "CHG-1", "changeTitle": "Patch", "status": "approved", "include_meeting": true,
                "meetingDate": T1, "meetingDuration": "60", "timezone": "America/New_York",
                "meeting_metadata": {"meeting_id": "m", "join_url": "https://t", "start_time": T1,
                                     "end_time": "2026-06-10T15:00:00Z", "subject": "s"}}));
            // The archive names a meeting, but nothing was recorded and no legacy meeting is passed in.
            assert_eq!(meeting_step(&o, &MeetingHistory::default()), MeetingStep::Schedule);
            let scheduled = MeetingHistory::new(vec![record(MeetingChange::Scheduled, T1)], None);
            assert_eq!(meeting_step(&o, &scheduled), MeetingStep::Nothing);
            let cancelled = MeetingHistory::new(vec![record(MeetingChange::Cancelled, T1)], None);
            assert_eq!(meeting_step(&o, &cancelled), MeetingStep::Schedule, "re-approved after a cancellation");
            assert_eq!(meeting_step_for_deleted(&scheduled), MeetingStep::Cancel);
            assert_eq!(meeting_step_for_deleted(&cancelled), MeetingStep::Nothing);
        }

        #[test]
        fn changes_meet_with_the_calendar_topic_and_announcements_with_their_type_topic() {
            assert_eq!(meeting_topic(ObjectKind::Change, "aws-calendar"), "aws-calendar");
            assert_eq!(
                meeting_topic(ObjectKind::Announcement(AnnouncementType::Finops), "aws-calendar"),
                "finops-announce"
            );
        }
    }
}
