//! Times in the reader's zone, and reschedule notices with old → new.

use chrono_tz::Tz;
use serde_json::json;

use super::*;
use crate::ids::CustomerCode;
use crate::model::Object;

fn change(start: &str, end: &str, zone: &str, status: &str) -> Object {
    Object::from_json(
        json!({
            "changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e",
            "changeTitle": "Rotate <certificates>",
            "changeReason": "Expiry",
            "customers": ["acme"],
            "implementationStart": start,
            "implementationEnd": end,
            "timezone": zone,
            "status": status,
            "approvedBy": "bob@example.com",
            "approvedAt": "2026-06-02T15:00:00Z",
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn render_in(object: &Object, event: Event, reader: Option<Tz>, previous: Option<&Object>) -> Rendered {
    let acme = CustomerCode::parse("acme").unwrap();
    render(&NotificationContext {
        object,
        event,
        customer: &acme,
        customer_name: "Acme Corp",
        portal_base_url: "https://ccm.example.com",
        now: "2026-06-02T15:30:00Z".parse().unwrap(),
        reader_zone: reader,
        previous,
    })
    .unwrap()
}

const START: &str = "2026-06-10T14:00:00Z";
const END: &str = "2026-06-10T16:00:00Z";

#[test]
fn the_window_is_shown_in_the_readers_zone_first_then_the_objects_naming_both() {
    let o = change(START, END, "America/New_York", "approved");
    let r = render_in(&o, Event::Approved, Some(chrono_tz::Europe::Berlin), None);
    let berlin = "June 10, 2026 at 4:00 PM CEST – June 10, 2026 at 6:00 PM CEST (Europe/Berlin)";
    let new_york = "June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT (America/New_York)";
    // minijinja's HTML escaping writes `/` as `&#x2f;`.
    for part in [r.text.clone(), r.html.replace("&#x2f;", "/")] {
        let (b, n) = (part.find(berlin), part.find(new_york));
        assert!(b.is_some() && n.is_some() && b < n, "reader's zone first:\n{part}");
        assert!(part.contains("June 10, 2026 at 2:00 PM UTC"), "and UTC");
    }
    assert!(r.text.contains("scheduled for June 10, 2026 at 4:00 PM CEST"), "{}", r.text);
}

#[test]
fn a_reader_in_the_objects_zone_gets_one_line_without_zone_names() {
    let o = change(START, END, "America/New_York", "approved");
    let same = render_in(&o, Event::Approved, Some(chrono_tz::America::New_York), None);
    let default = render_in(&o, Event::Approved, None, None);
    assert_eq!(same, default, "no reader zone means the object's zone");
    assert!(
        same.text.contains("Implementation window: June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT\n")
    );
    assert!(!same.text.contains("(America/New_York)") && !same.html.contains("(America&#x2f;New_York)"));
}

#[test]
fn each_zone_applies_its_own_daylight_saving_rules_on_the_date_shown() {
    // March 20, 2026: New York is already on EDT (since March 8), Berlin still on CET (until March 29).
    let o = change("2026-03-20T13:00:00Z", "2026-03-20T14:00:00Z", "America/New_York", "approved");
    let r = render_in(&o, Event::Approved, Some(chrono_tz::Europe::Berlin), None);
    assert!(
        r.text.contains("March 20, 2026 at 2:00 PM CET – March 20, 2026 at 3:00 PM CET (Europe/Berlin)"),
        "{}",
        r.text
    );
    assert!(r.text.contains("March 20, 2026 at 9:00 AM EDT – March 20, 2026 at 10:00 AM EDT (America/New_York)"));
    // A week later Berlin has moved to CEST.
    let o = change("2026-03-30T13:00:00Z", "2026-03-30T14:00:00Z", "America/New_York", "approved");
    let r = render_in(&o, Event::Approved, Some(chrono_tz::Europe::Berlin), None);
    assert!(r.text.contains("March 30, 2026 at 3:00 PM CEST"), "{}", r.text);
}

#[test]
fn a_reschedule_notice_shows_old_and_new_in_the_readers_and_the_objects_zone() {
    let before = change(START, END, "America/New_York", "approved");
    let now = change("2026-06-11T14:00:00Z", "2026-06-11T16:00:00Z", "America/New_York", "approved");
    let r = render_in(&now, Event::Rescheduled, Some(chrono_tz::Europe::Berlin), Some(&before));
    assert_eq!(r.subject, "🕒 Rescheduled: Rotate <certificates>");
    let text = &r.text;
    let was = text.find("was: June 10, 2026 at 4:00 PM CEST").expect(text);
    let now_at = text.find("now: June 11, 2026 at 4:00 PM CEST").expect(text);
    assert!(was < now_at);
    assert!(text.contains("June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT (America/New_York)"));
    assert!(text.contains("June 11, 2026 at 10:00 AM EDT – June 11, 2026 at 12:00 PM EDT (America/New_York)"));
    assert!(r.html.contains("<s>June 10, 2026 at 4:00 PM CEST"), "{}", r.html);
    assert!(r.html.contains("Rotate &lt;certificates&gt;"), "user text stays escaped");
    insta::assert_snapshot!(
        "rescheduled_change",
        format!("SUBJECT: {}\n\n--- TEXT ---\n{}\n--- HTML ---\n{}", r.subject, r.text, r.html)
    );
}

#[test]
fn an_approval_request_for_an_object_approved_before_says_the_window_moved() {
    let before = change(START, END, "America/New_York", "approved");
    let now = change("2026-06-11T14:00:00Z", "2026-06-11T16:00:00Z", "America/New_York", "submitted");
    let r = render_in(&now, Event::ApprovalRequest, None, Some(&before));
    assert!(r.text.contains("Window moved:\n  was: June 10, 2026 at 10:00 AM EDT"), "{}", r.text);
    assert!(r.text.contains("  now: June 11, 2026 at 10:00 AM EDT"), "{}", r.text);
    assert!(r.html.contains("Window moved"));
    let unmoved = change(START, END, "America/New_York", "submitted");
    let r = render_in(&unmoved, Event::ApprovalRequest, None, Some(&before));
    assert!(!r.text.contains("moved"), "{}", r.text);
}

#[test]
fn an_announcements_moved_meeting_is_said_once_as_its_time() {
    let announcement = |date: &str| {
        Object::from_json(
            json!({"announcement_id": "CIC-1", "announcement_type": "cic", "title": "Town hall", "customers": ["acme"],
                   "status": "approved", "include_meeting": true, "meeting_timezone": "Europe/London",
                   "meeting_date": date, "meeting_duration": 45})
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    };
    let before = announcement("2026-06-12T09:00:00Z");
    let now = announcement("2026-06-13T09:00:00Z");
    let r = render_in(&now, Event::Rescheduled, None, Some(&before));
    assert!(r.text.contains("Time moved:\n  was: June 12, 2026 at 10:00 AM BST"), "{}", r.text);
    assert!(!r.text.contains("Meeting moved"), "{}", r.text);
}
