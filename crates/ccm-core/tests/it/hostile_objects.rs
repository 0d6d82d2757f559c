//! No stored or submitted object, however hostile, may panic anything the core does with it: parse,
//! the index entry, every workflow action, rendering every notification, the stored round trip.
//! The values mix plausible ones with the extremes that broke the server before (a meeting of
//! `i64::MAX` minutes, `1e12`, dates at the end of time, control characters).

use std::collections::BTreeMap;

use ccm_core::model::{Announcement, Change, Lifecycle};
use ccm_core::ports::IndexEntry;
use ccm_core::render::{self, NotificationContext};
use ccm_core::routing::{self, Event};
use ccm_core::workflow::{self, Action, Actor};
use ccm_core::{CustomerCode, Object};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Keys the original wrote under other names; the reader accepts them.
const ALIASES: &[&str] = &["meetingDuration", "meetingDate", "change_id", "announcementId", "meetingRequired"];

fn any_key() -> impl Strategy<Value = String> {
    let known: Vec<&'static str> =
        Change::KEYS.iter().chain(Announcement::KEYS).chain(Lifecycle::KEYS).chain(ALIASES).copied().collect();
    prop_oneof![
        9 => prop::sample::select(known).prop_map(str::to_owned),
        1 => "[a-z_]{1,8}",
    ]
}

fn hostile_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(1e12)),
        Just(json!(-1e308)),
        Just(json!(0.5)),
        Just(json!(u32::MAX)),
        any::<i64>().prop_map(Value::from),
        (-1000i64..2000).prop_map(Value::from),
    ]
}

fn hostile_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("")),
        Just(json!("9223372036854775807")),
        Just(json!("+262143-12-31T23:59:59Z")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("0001-01-01T00:00:00Z")),
        Just(json!("2026-06-10T14:00:00Z")),
        Just(json!("Etc/GMT-14")),
        Just(json!("Not/AZone")),
        Just(json!("America/New_York")),
        Just(json!("acme")),
        Just(json!("approved")),
        Just(json!("CHG-0f8fad5b-d9cb-469f-a165-70867728950e")),
        Just(json!("a\r\nBcc: x@evil\u{0}\u{202e}b")),
        "\\PC{0,40}".prop_map(Value::from),
    ]
}

fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from), hostile_number(), hostile_text()];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn hostile_object() -> impl Strategy<Value = Map<String, Value>> {
    let base = prop_oneof![
        Just(json!({"object_type": "change", "changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e",
                    "customers": ["acme", "globex"], "status": "approved", "include_meeting": true,
                    "implementationStart": "2026-06-10T14:00:00Z", "implementationEnd": "2026-06-10T16:00:00Z"})),
        Just(json!({"object_type": "announcement_cic", "announcement_id": "CIC-0f8fad5b-d9cb-469f-a165-70867728950e",
                    "announcement_type": "cic", "customers": ["acme"], "status": "submitted",
                    "include_meeting": true, "meeting_date": "2026-06-10T14:00:00Z"})),
    ];
    // Numbers where the model expects numbers (so the object still parses and reaches the arithmetic),
    // then a few arbitrary overrides of any key.
    let numeric = prop::collection::btree_map(
        prop::sample::select(vec!["meeting_duration", "meetingDuration", "version"]).prop_map(str::to_owned),
        hostile_number(),
        0..3,
    );
    (base, numeric, prop::collection::btree_map(any_key(), hostile_value(), 0..4)).prop_map(
        |(base, numeric, overrides)| {
            let mut map = base.as_object().cloned().unwrap_or_default();
            map.extend(numeric);
            map.extend(overrides);
            map
        },
    )
}

fn names() -> BTreeMap<CustomerCode, String> {
    [("acme", "Acme"), ("globex", "Globex")]
        .into_iter()
        .filter_map(|(c, n)| Some((CustomerCode::parse(c).ok()?, n.to_owned())))
        .collect()
}

fn exercise(object: &Object, now: DateTime<Utc>) {
    let _ = IndexEntry::from_object(object);
    let _ = object.search_text();
    let _ = routing::route(object);
    let names = names();
    let acme = CustomerCode::parse("acme").expect("valid code");
    let customers: Vec<CustomerCode> = object.customers().iter().cloned().chain([acme]).collect();
    for customer in &customers {
        for event in [
            Event::ApprovalRequest,
            Event::Approved,
            Event::Completed,
            Event::Cancelled,
            Event::Reminder,
            Event::ApprovalReminder,
            Event::Rescheduled,
        ] {
            let ctx = NotificationContext {
                object,
                event,
                customer,
                customer_name: names.get(customer).map_or("", String::as_str),
                portal_base_url: "https://ccm.example.com",
                now,
                reader_zone: Some(chrono_tz::Asia::Tokyo),
                previous: Some(object),
            };
            let _ = render::render(&ctx);
        }
    }
    // The reminder rules do checked date arithmetic on whatever dates the object carries.
    let entry = IndexEntry::from_object(object);
    let config = ccm_core::config::RemindersConfig::default();
    for due in ccm_core::reminders::due_from_entry(&entry, now, &config) {
        let _ = ccm_core::reminders::decide(object, &due, now, app_config());
    }
    for action in Action::ALL {
        let mut copy = object.clone();
        let actor = Actor::new("bob@example.com", false);
        if workflow::apply(&mut copy, action, actor, now).is_ok() {
            let _ = IndexEntry::from_object(&copy);
        }
    }
    let stored = object.to_json();
    if let Ok(again) = Object::from_json(&stored) {
        let _ = IndexEntry::from_object(&again);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_stored_object_panics_parse_index_workflow_or_rendering(map in hostile_object()) {
        let now: DateTime<Utc> = "2026-06-02T15:30:00Z".parse().expect("a fixed instant");
        if let Ok(object) = Object::from_map(map) {
            exercise(&object, now);
        }
    }
}

#[test]
fn an_announcement_with_a_meeting_of_i64_max_minutes_loads_and_indexes_with_a_clamped_end() {
    let stored = json!({"object_type": "announcement_cic", "announcement_id": "CIC-0f8fad5b-d9cb-469f-a165-70867728950e",
        "announcement_type": "cic", "customers": ["acme"], "status": "approved", "include_meeting": true,
        "meeting_date": "2026-06-10T14:00:00Z", "meeting_duration": i64::MAX});
    let object = Object::from_json(stored.to_string().as_bytes()).expect("an old stored object still loads");
    let entry = IndexEntry::from_object(&object);
    let end = entry.end.expect("an end");
    assert_eq!(end.to_rfc3339(), "2026-06-10T22:00:00+00:00", "clamped to the longest meeting, 480 minutes");
}

#[test]
fn a_meeting_at_the_end_of_time_has_no_end_rather_than_a_panic() {
    let stored = json!({"object_type": "announcement_cic", "announcement_id": "CIC-0f8fad5b-d9cb-469f-a165-70867728950e",
        "announcement_type": "cic", "customers": ["acme"], "status": "approved",
        "meeting_date": "+262142-12-31T23:59:59Z", "meeting_duration": 480});
    if let Ok(object) = Object::from_json(stored.to_string().as_bytes()) {
        assert_eq!(IndexEntry::from_object(&object).end, None);
    }
}

#[test]
fn an_object_at_the_last_version_number_refuses_further_transitions() {
    let stored = json!({"object_type": "change", "changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e",
        "customers": ["acme"], "status": "submitted", "version": u32::MAX});
    let mut object = Object::from_json(stored.to_string().as_bytes()).expect("loads");
    let actor = Actor::new("bob@example.com", false);
    let refused = workflow::apply(&mut object, Action::Approve, actor, Utc::now());
    assert_eq!(refused, Err(workflow::TransitionError::VersionExhausted));
}

/// The example configuration (reminders at their defaults), parsed once.
fn app_config() -> &'static ccm_core::config::AppConfig {
    static CONFIG: std::sync::OnceLock<ccm_core::config::AppConfig> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| {
        ccm_core::config::AppConfig::from_json(include_str!("../../../../config.json")).expect("the example config")
    })
}
