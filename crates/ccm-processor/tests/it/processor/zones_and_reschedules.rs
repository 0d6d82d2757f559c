//! Recipients' time zones (one rendering per zone) and reschedule notices (once per version).

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{Object, StorageKey};
use ccm_processor::Outcome;
use serde_json::json;

use crate::support::*;

const MOVED_START: &str = "2026-06-11T14:00:00Z";
const MOVED_END: &str = "2026-06-11T16:00:00Z";

#[tokio::test]
async fn each_recipient_reads_the_window_in_their_own_zone_first_else_in_the_objects() {
    let rig = Rig::new().await;
    rig.contacts.add_in_zone("acme", "berlin@acme.example.com", &["aws-announce"], Some(chrono_tz::Europe::Berlin));
    rig.contacts.add_in_zone("acme", "tokyo@acme.example.com", &["aws-announce"], Some(chrono_tz::Asia::Tokyo));
    rig.contacts.add_in_zone("acme", "berlin2@acme.example.com", &["aws-announce"], Some(chrono_tz::Europe::Berlin));
    rig.contacts.add("acme", "plain@acme.example.com", &["aws-announce"]);
    let o = change("CHG-Z1", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 4);
    let text_to = |to: &str| rig.mailer.sent().into_iter().find(|m| m.email.to.as_str() == to).unwrap().email.text;
    let berlin = text_to("berlin@acme.example.com");
    let first = berlin.find("June 10, 2026 at 4:00 PM CEST – June 10, 2026 at 6:00 PM CEST (Europe/Berlin)").unwrap();
    let then = berlin.find("June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT (America/New_York)").unwrap();
    assert!(first < then, "{berlin}");
    assert_eq!(text_to("berlin2@acme.example.com"), berlin, "one copy per zone");
    assert!(text_to("tokyo@acme.example.com").contains("June 10, 2026 at 11:00 PM JST"));
    let plain = text_to("plain@acme.example.com");
    assert!(
        plain.contains("Implementation window: June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT\n"),
        "{plain}"
    );
}

#[tokio::test]
async fn without_a_contact_zone_the_customers_configured_zone_is_the_readers() {
    let mut doc: serde_json::Value = serde_json::from_str(include_str!("../../../../../config.json")).unwrap();
    doc["customer_mappings"]["acme"]["timezone"] = json!("Europe/London");
    let config = std::sync::Arc::new(ccm_core::config::AppConfig::from_json(&doc.to_string()).unwrap());
    let rig = Rig::with_config(config).await;
    rig.contacts.add("acme", "plain@acme.example.com", &["aws-announce"]);
    let o = change("CHG-Z2", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    let text = rig.mailer.sent()[0].email.text.clone();
    assert!(text.contains("June 10, 2026 at 3:00 PM BST – June 10, 2026 at 5:00 PM BST (Europe/London)"), "{text}");
}

/// Keeps `object`'s pre-image as the API does before writing the next version.
async fn snapshot(rig: &Rig, object: &Object) {
    let key = StorageKey::Version(object.id().clone(), object.life().version);
    rig.store.put(&key, Bytes::from(object.to_json()), PutOptions::default()).await.unwrap();
}

/// The object at `version` with `status` and the window starting at `start`.
fn at(id: &str, version: u32, status: &str, start: &str, end: &str) -> Object {
    change(
        id,
        status,
        &["acme"],
        json!({"version": version, "approvedBy": "bob@example.com", "implementationStart": start, "implementationEnd": end}),
    )
}

/// Approves `id` at v2 (the window of [`change`]), then edits it to `start`–`end` (v3, submitted)
/// and approves it again (v4); returns the v3 and v4 outcomes.
async fn approve_edit_approve(rig: &Rig, id: &str, start: &str, end: &str) -> (Outcome, Outcome) {
    let v2 = at(id, 2, "approved", "2026-06-10T14:00:00Z", "2026-06-10T16:00:00Z");
    rig.archive_and_trigger(&v2).await;
    rig.processor.process(&code("acme"), v2.id()).await.unwrap();
    snapshot(rig, &v2).await;
    let v3 = at(id, 3, "submitted", start, end);
    rig.archive_and_trigger(&v3).await;
    let requested = rig.processor.process(&code("acme"), v3.id()).await.unwrap();
    snapshot(rig, &v3).await;
    let v4 = at(id, 4, "approved", start, end);
    rig.archive_and_trigger(&v4).await;
    let approved = rig.processor.process(&code("acme"), v4.id()).await.unwrap();
    (requested, approved)
}

#[tokio::test]
async fn a_reapproved_change_whose_window_moved_is_rescheduled_once_even_when_redelivered() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 2);
    rig.subscribers("acme", "aws-approval", 1);
    let (requested, approved) = approve_edit_approve(&rig, "CHG-R1", MOVED_START, MOVED_END).await;

    let Outcome::Sent(r) = requested else { panic!("{requested:?}") };
    assert_eq!(r.event, "approval_request");
    let request = rig.mailer.sent().into_iter().find(|m| m.email.subject.contains("Approval requested")).unwrap();
    assert!(
        request.email.text.contains("Window moved:\n  was: June 10, 2026 at 10:00 AM EDT"),
        "{}",
        request.email.text
    );
    assert!(request.email.text.contains("  now: June 11, 2026 at 10:00 AM EDT"));

    let Outcome::Sent(s) = approved else { panic!("{approved:?}") };
    assert_eq!((s.event.as_str(), s.topic.as_str(), s.sent), ("rescheduled", "aws-announce", 2));
    let rescheduled: Vec<_> =
        rig.mailer.sent().into_iter().filter(|m| m.email.subject.starts_with("🕒 Rescheduled: ")).collect();
    assert_eq!(rescheduled.len(), 2);
    assert!(rescheduled[0].email.text.contains("was: June 10, 2026 at 10:00 AM EDT"), "{}", rescheduled[0].email.text);

    // The same version's trigger again (a redelivery, another instance): nothing is sent twice.
    let v4 = rig.archived(&ccm_core::ObjectId::parse("CHG-R1").unwrap()).await;
    rig.archive_and_trigger(&v4).await;
    let Outcome::Sent(again) = rig.processor.process(&code("acme"), v4.id()).await.unwrap() else { panic!() };
    assert_eq!((again.event.as_str(), again.sent, again.already_sent), ("rescheduled", 0, 2));
    let keys = rig.result_keys(v4.id()).await;
    assert!(keys.iter().any(|k| k.ends_with("v4/acme/rescheduled.json")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("v4/acme/approved")), "{keys:?}");
}

#[tokio::test]
async fn a_reapproved_change_whose_window_did_not_move_gets_the_approved_notice() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 1);
    rig.subscribers("acme", "aws-approval", 1);
    let (requested, approved) =
        approve_edit_approve(&rig, "CHG-R2", "2026-06-10T14:00:00Z", "2026-06-10T16:00:00Z").await;
    let Outcome::Sent(s) = approved else { panic!("{approved:?}") };
    assert_eq!(s.event, "approved");
    assert!(matches!(requested, Outcome::Sent(_)));
    let request = rig.mailer.sent().into_iter().find(|m| m.email.subject.contains("Approval requested")).unwrap();
    assert!(!request.email.text.contains("moved"), "{}", request.email.text);
}
