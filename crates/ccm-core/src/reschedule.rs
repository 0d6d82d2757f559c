//! Reschedules: when an approved object is approved again after an edit, its audience hears
//! "rescheduled" instead of a second "approved" when the times it was told moved.
//!
//! What a customer was last told is the object as it stood at the last version that customer got
//! an `approved` or `rescheduled` notice for (its delivery result under `results/`, its pre-image under
//! `versions/`): both are in the shared store, written once, so every processor instance and every
//! redelivery decides the same (only versions before the one being processed count).

use chrono::{DateTime, Utc};

use crate::model::{MeetingPlan, Object};
use crate::routing::{Event, Route};

/// When an object says it happens: its window (an announcement's: its meeting slot) and its
/// meeting's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub meeting: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Slot {
    pub fn of(object: &Object) -> Self {
        let window = match object.window() {
            (Some(start), Some(end)) => Some((start, end)),
            _ => None,
        };
        Self { window, meeting: MeetingPlan::of(object).map(|m| (m.start, m.end)) }
    }
}

/// The events whose notices tell the audience when the object happens.
pub fn announces_times(event: Event) -> bool {
    matches!(event, Event::Approved | Event::Rescheduled)
}

/// The notice for `object` given what its audience was last told (`announced`: the object as it
/// was then; `None`: never announced to this customer). An approved object whose window or meeting
/// time moved since is [`Event::Rescheduled`] to the same topic; anything else keeps its route.
pub fn decide(route: Route, object: &Object, announced: Option<&Object>) -> Route {
    match announced {
        Some(before) if route.event == Event::Approved && Slot::of(before) != Slot::of(object) => {
            Route { event: Event::Rescheduled, topic: route.topic }
        }
        _ => route,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::routing::route;

    fn change(status: &str, start: &str, meeting: Option<&str>) -> Object {
        let mut v = json!({"changeId": "CHG-1", "changeTitle": "Patch", "customers": ["acme"], "status": status,
            "implementationStart": start, "implementationEnd": "2026-06-10T18:00:00Z", "timezone": "Europe/Berlin",
            "approvedBy": "bob@example.com"});
        if let Some(m) = meeting {
            v["include_meeting"] = json!(true);
            v["meetingDate"] = json!(m);
            v["meetingDuration"] = json!("30");
        }
        Object::from_json(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn an_approved_object_whose_window_moved_is_rescheduled_to_the_same_topic() {
        let before = change("approved", "2026-06-10T14:00:00Z", None);
        let now = change("approved", "2026-06-10T15:00:00Z", None);
        let decided = decide(route(&now).unwrap(), &now, Some(&before));
        assert_eq!((decided.event, decided.topic), (Event::Rescheduled, "aws-announce"));
    }

    #[test]
    fn a_moved_meeting_alone_is_a_reschedule_too() {
        let before = change("approved", "2026-06-10T14:00:00Z", Some("2026-06-09T09:00:00Z"));
        let now = change("approved", "2026-06-10T14:00:00Z", Some("2026-06-09T10:00:00Z"));
        assert_eq!(decide(route(&now).unwrap(), &now, Some(&before)).event, Event::Rescheduled);
    }

    #[test]
    fn an_unmoved_window_a_first_approval_and_other_statuses_keep_their_route() {
        let before = change("approved", "2026-06-10T14:00:00Z", None);
        let same = change("approved", "2026-06-10T14:00:00Z", None);
        assert_eq!(decide(route(&same).unwrap(), &same, Some(&before)).event, Event::Approved);
        assert_eq!(decide(route(&same).unwrap(), &same, None).event, Event::Approved);
        let submitted = change("submitted", "2026-06-10T15:00:00Z", None);
        assert_eq!(decide(route(&submitted).unwrap(), &submitted, Some(&before)).event, Event::ApprovalRequest);
    }
}
