use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::ids::{AnnouncementType, ObjectKind};
use crate::workflow::{self, Action, Actor, Status};

fn stored_change() -> Value {
    json!({
        "object_type": "change",
        "changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e",
        "changeTitle": "Rotate TLS certificates",
        "changeReason": "Expiry",
        "customers": ["acme", "globex"],
        "implementationStart": "2026-03-01T15:00:00.000Z",
        "implementationEnd": "2026-03-01T17:00:00Z",
        "implementationBeginDate": "2026-03-01",
        "timezone": "America/New_York",
        "meetingRequired": "yes",
        "meetingDuration": 60,
        "status": "submitted",
        "prior_status": "",
        "version": 3,
        "createdBy": "alice@example.com",
        "completedBy": "kept even though old Go dropped it",
        "modifications": [
            {"timestamp": "2026-02-01T00:00:00Z", "userId": "alice@example.com", "modificationType": "created"},
            {"timestamp": "2026-02-01T00:00:00Z", "user_id": "alice@example.com", "userId": "alice@example.com",
             "modification_type": "submitted", "comment": "please"}
        ]
    })
}

#[test]
fn a_stored_change_is_read_with_its_legacy_spellings() {
    let o = Object::from_json(stored_change().to_string().as_bytes()).unwrap();
    let Object::Change(c) = &o else { panic!("a change") };
    assert_eq!(c.change_title, "Rotate TLS certificates");
    assert_eq!(c.life.status, Status::Submitted);
    assert_eq!(c.life.prior_status, None);
    assert_eq!(c.life.version, 3);
    assert!(c.include_meeting, "meetingRequired=yes means include_meeting");
    assert_eq!(c.meeting_duration_minutes(), Some(60));
    assert_eq!(c.life.modifications[0].user_id, "alice@example.com");
    assert_eq!(c.life.modifications[0].modification_type, ModificationType::Created);
    assert_eq!(c.life.modifications[1].comment.as_deref(), Some("please"));
    assert_eq!(c.extra["implementationBeginDate"], "2026-03-01");
    assert_eq!(c.life.completed_by.as_deref(), Some("kept even though old Go dropped it"));
}

#[test]
fn legacy_snake_case_change_fields_are_accepted_without_overwriting_canonical_ones() {
    let v = json!({"change_id": "CHG-1", "title": "T", "changeTitle": "Canonical", "description": "D",
                   "affected_customers": ["acme"], "status": "draft"});
    let Object::Change(c) = Object::from_json(v.to_string().as_bytes()).unwrap() else { panic!() };
    assert_eq!(c.change_id.as_str(), "CHG-1");
    assert_eq!(c.change_title, "Canonical");
    assert_eq!(c.extra["title"], "T", "the duplicate alias is kept, not lost");
    assert_eq!(c.change_reason.as_deref(), Some("D"));
    assert_eq!(c.customers[0].as_str(), "acme");
}

#[test]
fn a_stored_announcement_reads_numbers_or_strings_and_string_attachments() {
    let v = json!({
        "object_type": "announcement_finops", "announcement_id": "FIN-1", "title": "Savings plan",
        "customers": ["acme"], "meeting_duration": "45", "status": "approved",
        "attachments": ["announcements/FIN-1/attachments/report.pdf",
                        {"name": "b.csv", "s3_key": "announcements/FIN-1/attachments/b.csv", "size": 12}]
    });
    let o = Object::from_json(v.to_string().as_bytes()).unwrap();
    assert_eq!(o.kind(), ObjectKind::Announcement(AnnouncementType::Finops));
    let Object::Announcement(a) = o else { panic!() };
    assert_eq!(a.meeting_duration, Some(45));
    assert_eq!(a.attachments[0].name, "report.pdf");
    assert_eq!(a.attachments[1].size, 12);
}

#[test]
fn an_announcement_missing_its_type_gets_it_from_the_id() {
    let v = json!({"announcement_id": "INN-1", "title": "x", "status": "draft"});
    let o = Object::from_json(v.to_string().as_bytes()).unwrap();
    assert_eq!(o.kind(), ObjectKind::Announcement(AnnouncementType::Innersource));
    assert_eq!(o.to_value()["object_type"], "announcement_innersource");
}

#[test]
fn json_that_is_neither_kind_is_refused() {
    assert!(matches!(Object::from_json(br#"{"foo":1}"#), Err(ObjectError::UnknownKind)));
    assert!(matches!(Object::from_json(b"[1]"), Err(ObjectError::NotAnObject)));
    assert!(Object::from_json(br#"{"changeId":"../x","status":"draft"}"#).is_err());
}

fn arb_json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::String),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    arb_json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys the model reads (or treats as aliases): an unknown field must not collide with them.
fn is_known(key: &str) -> bool {
    const ALIASES: &[&str] = &[
        "change_id",
        "title",
        "description",
        "implementation_plan",
        "test_plan",
        "customer_impact",
        "expectedCustomerImpact",
        "rollback_plan",
        "affected_customers",
        "customerCodes",
        "customer_codes",
        "created_by",
        "created_at",
        "includeMeeting",
        "meetingStartTime",
        "meetingRequired",
        "announcementId",
        "announcementType",
        "meetingTitle",
        "meetingDate",
        "meetingTimezone",
        "meetingDuration",
        "meetingLocation",
        "createdBy",
        "createdAt",
    ];
    Change::KEYS.contains(&key)
        || Announcement::KEYS.contains(&key)
        || Lifecycle::KEYS.contains(&key)
        || ALIASES.contains(&key)
}

proptest! {
    /// Read-modify-write (here: an approval) keeps every field this version does not know, as it was.
    #[test]
    fn unknown_fields_survive_a_read_modify_write(
        extra in prop::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,12}", arb_json(), 0..8),
        announcement in any::<bool>(),
    ) {
        let extra: Map<String, Value> = extra.into_iter().filter(|(k, _)| !is_known(k)).collect();
        let mut base = if announcement {
            json!({"object_type": "announcement_cic", "announcement_id": "CIC-1", "announcement_type": "cic",
                   "title": "t", "customers": ["acme"], "status": "submitted", "created_by": "a@example.com"})
        } else {
            stored_change()
        };
        base.as_object_mut().unwrap().extend(extra.clone());
        let mut object = Object::from_json(base.to_string().as_bytes()).unwrap();
        workflow::apply(&mut object, Action::Approve, Actor::new("bob@example.com", false),
                        chrono::Utc::now()).unwrap();
        let written = Object::from_json(&object.to_json()).unwrap().to_value();
        for (k, v) in &extra {
            prop_assert_eq!(written.get(k), Some(v), "field {} was lost or changed", k);
        }
    }
}

#[test]
fn known_fields_round_trip_through_the_stored_form() {
    let o = Object::from_json(stored_change().to_string().as_bytes()).unwrap();
    let again = Object::from_json(&o.to_json()).unwrap();
    assert_eq!(o, again);
}
