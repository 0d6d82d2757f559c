//! The view and the index entry show the meeting as its records say.

use bytes::Bytes;
use ccm_core::model::{MeetingChange, MeetingProvider, MeetingRecord, ModificationType};
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{EmailAddress, Object, Role, UserId};
use ccm_testkit::MemoryStore;
use serde_json::json;

use super::*;

fn caller() -> Caller {
    Caller {
        id: UserId::parse("bob@example.com").unwrap(),
        name: "Bob".into(),
        roles: vec![Role::Approver],
        customers: None,
        groups: Vec::new(),
    }
}

fn object(extra: serde_json::Value) -> Object {
    let mut v = json!({"changeId": "CHG-1", "changeTitle": "Patch", "status": "approved", "customers": ["acme"],
                       "include_meeting": true, "version": 3});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    Object::from_json(v.to_string().as_bytes()).unwrap()
}

fn record(step: u32, change: MeetingChange, join: &str) -> MeetingRecord {
    MeetingRecord {
        object: ObjectId::parse("CHG-1").unwrap(),
        step,
        change,
        version: 3,
        provider: MeetingProvider::Graph,
        event_id: format!("AAMk{step}"),
        ical_uid: "040000008200E0".into(),
        join_url: Some(join.into()),
        subject: "Change Implementation: Patch".into(),
        start: "2026-06-10T14:00:00Z".parse().unwrap(),
        end: "2026-06-10T15:00:00Z".parse().unwrap(),
        timezone: "America/New_York".into(),
        location: None,
        organizer: EmailAddress::parse("meetings@example.com").ok(),
        sequence: step.saturating_sub(1),
        attendees: 4,
        customers: Vec::new(),
        at: format!("2026-06-0{step}T12:00:00Z").parse().unwrap(),
        by: "ccm-processor (acme)".into(),
        comment: None,
    }
}

async fn store_with(records: &[MeetingRecord]) -> MemoryStore {
    let store = MemoryStore::new();
    for r in records {
        store.put(&r.key(), Bytes::from(serde_json::to_vec(r).unwrap()), PutOptions::create_only()).await.unwrap();
    }
    store
}

const LEGACY: &str = "https://teams.microsoft.com/l/legacy";

#[tokio::test]
async fn the_view_shows_the_current_meeting_from_its_records_not_the_archive() {
    let store = store_with(&[
        record(1, MeetingChange::Scheduled, "https://t/1"),
        record(2, MeetingChange::Rescheduled, "https://t/1"),
    ])
    .await;
    let o = object(json!({"meeting_metadata": {"meeting_id": "old", "join_url": LEGACY,
        "start_time": "2026-01-01T10:00:00Z", "end_time": "2026-01-01T11:00:00Z", "subject": "old"}}));
    let results = Results::load(&store, o.id()).await.unwrap();
    let ObjectView(shown) = object_view(&o, &results, &caller());
    let m = shown.life().meeting_metadata.clone().unwrap();
    assert_eq!((m.meeting_id.as_str(), m.join_url.as_str()), ("AAMk2", "https://t/1"));
    let kinds: Vec<ModificationType> = shown.life().modifications.iter().map(|m| m.modification_type).collect();
    assert_eq!(kinds, [ModificationType::MeetingScheduled, ModificationType::MeetingScheduled]);
    let entry = index_entry(&o, &results.meeting(&o));
    assert_eq!(entry.join_url.as_deref(), Some("https://t/1"));
}

#[tokio::test]
async fn a_cancelled_meeting_is_no_longer_shown_and_has_no_join_link() {
    let store = store_with(&[
        record(1, MeetingChange::Scheduled, "https://t/1"),
        record(2, MeetingChange::Cancelled, "https://t/1"),
    ])
    .await;
    let o = object(json!({"status": "cancelled"}));
    let results = Results::load(&store, o.id()).await.unwrap();
    let ObjectView(shown) = object_view(&o, &results, &caller());
    assert!(shown.life().meeting_metadata.is_none());
    assert_eq!(shown.life().modifications.last().unwrap().modification_type, ModificationType::MeetingCancelled);
    assert_eq!(current_index_entry(&store, &o).await.unwrap().join_url, None);
}

#[tokio::test]
async fn a_legacy_meeting_counts_only_while_nothing_was_recorded() {
    let store = MemoryStore::new();
    let o = object(json!({"meeting_metadata": {"meeting_id": "old", "join_url": LEGACY,
        "start_time": "2026-01-01T10:00:00Z", "end_time": "2026-01-01T11:00:00Z", "subject": "old"}}));
    let results = Results::load(&store, o.id()).await.unwrap();
    let ObjectView(shown) = object_view(&o, &results, &caller());
    assert_eq!(shown.life().meeting_metadata.as_ref().map(|m| m.join_url.as_str()), Some(LEGACY));
    assert_eq!(current_index_entry(&store, &o).await.unwrap().join_url.as_deref(), Some(LEGACY));
}

#[tokio::test]
async fn claims_and_unreadable_records_do_not_hide_the_object() {
    let store = store_with(&[record(1, MeetingChange::Scheduled, "https://t/1")]).await;
    let id = ObjectId::parse("CHG-1").unwrap();
    store.put(&MeetingKey::Claim(2).storage_key(&id), Bytes::from_static(b"{}"), PutOptions::default()).await.unwrap();
    store
        .put(&MeetingKey::Record(3).storage_key(&id), Bytes::from_static(b"not json"), PutOptions::default())
        .await
        .unwrap();
    let o = object(json!({}));
    let results = Results::load(&store, o.id()).await.unwrap();
    assert_eq!(results.meeting_records.len(), 1);
    let ObjectView(shown) = object_view(&o, &results, &caller());
    assert_eq!(shown.life().meeting_metadata.as_ref().unwrap().join_url, "https://t/1");
}
