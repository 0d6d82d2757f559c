//! The reminder decisions: what the sweep finds on the index and what the processor re-checks.

use serde_json::json;

use super::*;

const NOW: &str = "2026-06-10T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn config(reminders: serde_json::Value) -> AppConfig {
    let mut v: serde_json::Value = serde_json::from_str(include_str!("../../../../config.json")).unwrap();
    v["reminders"] = reminders;
    AppConfig::from_json(&v.to_string()).unwrap()
}

fn change(status: &str, version: u32, start: &str) -> Object {
    Object::from_json(
        json!({"changeId": "CHG-1", "changeTitle": "Patch", "customers": ["acme", "globex"], "status": status,
               "version": version, "implementationStart": start, "implementationEnd": "2026-06-12T00:00:00Z",
               "submittedAt": "2026-06-09T06:00:00Z"})
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn due(kind: ReminderKind, version: u32) -> DueReminder {
    DueReminder {
        customer: CustomerCode::parse("acme").unwrap(),
        object: ObjectId::parse("CHG-1").unwrap(),
        version,
        kind,
    }
}

#[test]
fn a_window_inside_the_lead_time_is_reminded_on_the_audience_topic() {
    let c = config(json!({}));
    let route = decide(&change("approved", 3, "2026-06-11T10:00:00Z"), &due(ReminderKind::Window, 3), now(), &c);
    assert_eq!(route, Ok(Route { event: Event::Reminder, topic: "aws-announce" }));
}

#[test]
fn a_window_moved_out_of_range_or_a_new_version_or_status_is_not_reminded() {
    let c = config(json!({}));
    let w = |o: &Object, v| decide(o, &due(ReminderKind::Window, v), now(), &c);
    assert!(matches!(w(&change("approved", 3, "2026-06-12T10:00:00Z"), 3), Err(Skip::OutOfRange(_))));
    assert!(matches!(w(&change("approved", 3, "2026-06-10T11:00:00Z"), 3), Err(Skip::OutOfRange(_))), "started");
    assert!(matches!(w(&change("approved", 4, "2026-06-11T10:00:00Z"), 3), Err(Skip::VersionChanged { .. })));
    assert!(matches!(w(&change("cancelled", 3, "2026-06-11T10:00:00Z"), 3), Err(Skip::StatusChanged(..))));
    assert!(matches!(w(&change("submitted", 3, "2026-06-11T10:00:00Z"), 3), Err(Skip::StatusChanged(..))));
}

#[test]
fn the_off_switch_and_a_topic_lead_of_zero_stop_reminders() {
    let o = change("approved", 3, "2026-06-11T10:00:00Z");
    let off = config(json!({"disabled_customers": ["acme"]}));
    assert_eq!(decide(&o, &due(ReminderKind::Window, 3), now(), &off), Err(Skip::CustomerOff));
    let topic_off = config(json!({"lead_hours_by_topic": {"aws-announce": 0}}));
    assert_eq!(decide(&o, &due(ReminderKind::Window, 3), now(), &topic_off), Err(Skip::TopicOff("aws-announce")));
}

#[test]
fn approvers_are_reminded_after_the_wait_and_not_before() {
    let o = change("submitted", 2, "2026-06-20T10:00:00Z");
    let after_48 = config(json!({}));
    assert!(matches!(
        decide(&o, &due(ReminderKind::Approval, 2), now(), &after_48),
        Err(Skip::NotWaitingLongEnough(_))
    ));
    let after_24 = config(json!({"approval_reminder_after_hours": 24}));
    assert_eq!(
        decide(&o, &due(ReminderKind::Approval, 2), now(), &after_24),
        Ok(Route { event: Event::ApprovalReminder, topic: "aws-approval" })
    );
    let off = config(json!({"approval_reminder_after_hours": 0}));
    assert_eq!(decide(&o, &due(ReminderKind::Approval, 2), now(), &off), Err(Skip::ApprovalOff));
}

#[test]
fn the_sweep_finds_one_reminder_per_enabled_customer_of_an_entry_in_range() {
    let reminders = config(json!({"disabled_customers": ["globex"]})).reminders;
    let entry = IndexEntry::from_object(&change("approved", 3, "2026-06-11T10:00:00Z"));
    let found = due_from_entry(&entry, now(), &reminders);
    assert_eq!(found, vec![due(ReminderKind::Window, 3)]);
    let later = IndexEntry::from_object(&change("approved", 3, "2026-06-13T10:00:00Z"));
    assert!(due_from_entry(&later, now(), &reminders).is_empty());
}

#[test]
fn reminder_trigger_keys_round_trip_to_the_due_reminder() {
    for kind in ReminderKind::ALL {
        let d = due(kind, 7);
        let key = StorageKey::parse(&d.trigger_key().to_string()).unwrap();
        assert_eq!(DueReminder::from_key(&key), Some(d.clone()));
        assert_eq!(d.result_key().to_string(), format!("results/CHG-1/v7/acme/{}.json", kind.as_str()));
    }
}
