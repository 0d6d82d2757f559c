//! One Teams meeting per object through the Graph adapter, against the Graph stand-in.

use std::sync::Arc;
use std::time::Duration;

use ccm_core::model::{MeetingChange, MeetingProvider};
use ccm_graph::{GraphCalendar, GraphSettings};
use ccm_processor::Outcome;
use ccm_testkit::graph_stub::{CLIENT_ID, CLIENT_SECRET, Fault, GraphStub, TENANT};
use serde_json::json;

use super::*;

async fn graph_rig(config: Arc<ccm_core::config::AppConfig>) -> (Rig, GraphStub) {
    let stub = GraphStub::start().await;
    let mut settings = GraphSettings::new(TENANT, CLIENT_ID, ccm_core::ports::Secret::new(CLIENT_SECRET));
    settings.graph_url = stub.graph_url.clone();
    settings.login_url = stub.login_url.clone();
    settings.timeout = Duration::from_millis(500);
    settings.backoff = Duration::from_millis(10);
    let mut rig = Rig::with_config(config).await;
    rig.processor.calendar = Some(Arc::new(GraphCalendar::new(settings).unwrap()));
    rig.processor.mailer = Arc::new(Journaled { inner: rig.mailer.clone(), stub: stub.clone() });
    (rig, stub)
}

#[tokio::test]
async fn thirty_customer_triggers_for_one_approval_make_exactly_one_meeting_for_everyone() {
    let (rig, stub) = graph_rig(config_with_customers(30)).await;
    stub.set_latency(Duration::from_millis(30));
    let customers = codes(30);
    for c in &customers {
        rig.subscribers(c, "aws-calendar", 2);
        rig.subscribers(c, "aws-announce", 1);
    }
    // One person subscribed in two customers is invited once.
    rig.contacts.add("c01", "Shared@Example.com", &["aws-calendar"]);
    rig.contacts.add("c02", "shared@example.com", &["aws-calendar"]);
    let refs: Vec<&str> = customers.iter().map(String::as_str).collect();
    let o = change_with_meeting("CHG-race", "approved", &refs, 3, json!({}));
    rig.archive_and_trigger(&o).await;

    for outcome in process_all(&rig, &o).await {
        assert!(matches!(outcome, Ok(Outcome::Sent(_))), "{outcome:?}");
    }

    let events = stub.events();
    assert_eq!(events.len(), 1, "one meeting for thirty triggers");
    assert_eq!(stub.count("POST", "/events"), 1, "one create call");
    let e = &events[0];
    assert_eq!(e.organizer, "change-meetings@ccm.example.com", "email_config.meeting_organizer owns it");
    assert_eq!(e.body["start"], json!({"dateTime": "2026-06-10T09:00:00.0000000", "timeZone": "America/New_York"}));
    assert_eq!(e.body["end"]["dateTime"], "2026-06-10T09:45:00.0000000", "the chosen time, not the window");
    assert_eq!(e.body["hideAttendees"], true);
    assert_eq!(e.body["isOnlineMeeting"], true);
    let attendees = e.body["attendees"].as_array().unwrap().len();
    assert_eq!(attendees, 30 * 2 + 1 + 1, "every customer's calendar subscribers, the shared one once, the guest");
    assert!(!e.body["body"]["content"].as_str().unwrap().contains("Customer 1"), "the body names no customer");

    let recorded = records(&rig, &o).await;
    assert_eq!(recorded.len(), 1);
    let r = &recorded[0];
    assert_eq!((r.step, r.change, r.provider, r.version), (1, MeetingChange::Scheduled, MeetingProvider::Graph, 3));
    assert_eq!(r.event_id, e.id);
    let join = r.join_url.clone().unwrap();
    assert_eq!(r.customers.len(), 30);
    // Every approval mail carries the join link (the triggers waited for the one that made it).
    let approvals: Vec<_> = rig.mailer.sent().into_iter().filter(|m| m.email.subject.starts_with("🟢")).collect();
    assert_eq!(approvals.len(), 30);
    assert!(
        approvals
            .iter()
            .all(|m| m.email.html.contains(&join.replace('&', "&amp;")) && m.email.html.contains("Join meeting"))
    );
    assert_eq!(rig.archived(o.id()).await, o, "the processor never writes the archive");
}

#[tokio::test]
async fn a_rescheduled_meeting_is_one_patch_of_the_same_event() {
    let (rig, stub) = graph_rig(config()).await;
    for c in ["acme", "globex", "initech"] {
        rig.subscribers(c, "aws-calendar", 1);
    }
    let o = change_with_meeting("CHG-move", "approved", &["acme", "globex", "initech"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    // Edited and approved again before the resubmission was processed: a new time in another zone.
    let moved = change_with_meeting(
        "CHG-move",
        "approved",
        &["acme", "globex", "initech"],
        5,
        json!({"meetingDate": "2026-06-11T08:00:00Z", "meetingDuration": "90", "timezone": "Europe/Berlin"}),
    );
    rig.archive_and_trigger(&moved).await;
    for outcome in process_all(&rig, &moved).await {
        outcome.unwrap();
    }
    assert_eq!(stub.events().len(), 1);
    assert_eq!(stub.count("PATCH", ""), 1, "one update for three triggers");
    let e = &stub.events()[0];
    assert_eq!(e.body["start"], json!({"dateTime": "2026-06-11T10:00:00.0000000", "timeZone": "Europe/Berlin"}));
    assert_eq!(e.body["end"]["dateTime"], "2026-06-11T11:30:00.0000000");
    let recorded = records(&rig, &moved).await;
    assert_eq!(
        recorded.iter().map(|r| (r.step, r.change)).collect::<Vec<_>>(),
        [(1, MeetingChange::Scheduled), (2, MeetingChange::Rescheduled)]
    );
    assert_eq!(recorded[1].event_id, recorded[0].event_id);
    assert_eq!((recorded[1].sequence, recorded[1].version), (1, 5));
}

#[tokio::test]
async fn a_cancellation_cancels_the_meeting_once_and_before_any_cancellation_mail() {
    let (rig, stub) = graph_rig(config()).await;
    for c in ["acme", "globex", "initech"] {
        rig.subscribers(c, "aws-calendar", 1);
        rig.subscribers(c, "aws-announce", 2);
    }
    let o = change_with_meeting("CHG-stop", "approved", &["acme", "globex", "initech"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let cancelled = change_with_meeting("CHG-stop", "cancelled", &["acme", "globex", "initech"], 4, json!({}));
    rig.archive_and_trigger(&cancelled).await;
    for outcome in process_all(&rig, &cancelled).await {
        outcome.unwrap();
    }
    assert_eq!(stub.count("POST", "/cancel"), 1, "one cancel call for three triggers");
    let event = &stub.events()[0];
    assert!(event.cancelled);
    assert_eq!(event.cancel_comment.as_deref(), Some("Rotate certificates was cancelled."));
    let journal = stub.journal();
    let cancel_at = journal.iter().position(|j| j.starts_with("cancel ")).unwrap();
    let first_cancellation_mail = journal.iter().position(|j| j.contains("❌")).unwrap();
    assert!(cancel_at < first_cancellation_mail, "{journal:#?}");
    assert_eq!(journal.iter().filter(|j| j.contains("❌")).count(), 6);
    let mails: Vec<_> = rig.mailer.sent().into_iter().filter(|m| m.email.subject.contains("❌")).collect();
    assert!(mails.iter().all(|m| !m.email.html.contains("Join meeting")), "a cancelled meeting has no join link");
    let last = records(&rig, &cancelled).await.pop().unwrap();
    assert_eq!((last.step, last.change, last.version), (2, MeetingChange::Cancelled, 4));
}

#[tokio::test]
async fn an_approved_change_edited_back_to_submitted_loses_its_meeting_and_gets_a_new_one_when_approved_again() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("acme", "aws-calendar", 1);
    rig.subscribers("acme", "aws-approval", 1);
    let o = change_with_meeting("CHG-edit", "approved", &["acme"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let resubmitted = change_with_meeting("CHG-edit", "submitted", &["acme"], 4, json!({"approvedBy": null}));
    rig.archive_and_trigger(&resubmitted).await;
    process_all(&rig, &resubmitted).await.pop().unwrap().unwrap();
    assert_eq!(stub.count("POST", "/cancel"), 1);
    let journal = stub.journal();
    assert!(journal.iter().position(|j| j.starts_with("cancel")) < journal.iter().position(|j| j.contains("⚠️")));
    let again = change_with_meeting("CHG-edit", "approved", &["acme"], 5, json!({}));
    rig.archive_and_trigger(&again).await;
    process_all(&rig, &again).await.pop().unwrap().unwrap();
    let events = stub.events();
    assert_eq!(events.len(), 2, "the cancelled event stays cancelled; a new one is made");
    assert!(events[0].cancelled && !events[1].cancelled);
    let steps: Vec<_> = records(&rig, &again).await.iter().map(|r| r.change).collect();
    assert_eq!(steps, [MeetingChange::Scheduled, MeetingChange::Cancelled, MeetingChange::Scheduled]);
}

#[tokio::test]
async fn a_customer_whose_subscribers_cannot_be_read_is_reported_and_the_meeting_goes_ahead() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("acme", "aws-calendar", 2);
    // globex has no contact list at all.
    let o = change_with_meeting("CHG-part", "approved", &["acme", "globex"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    assert_eq!(stub.events().len(), 1);
    let r = &records(&rig, &o).await[0];
    assert_eq!(r.attendees, 3, "acme's two and the guest");
    let globex = r.customers.iter().find(|c| c.customer.as_str() == "globex").unwrap();
    assert!(globex.error.as_deref().unwrap().contains("no contact list"), "{globex:?}");
}

#[tokio::test]
async fn restricted_recipients_apply_to_meeting_attendees_and_the_extra_ones() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("hts-nonprod", "aws-calendar", 3);
    rig.contacts.add("hts-nonprod", "Alice@Example.com", &["aws-calendar"]);
    let o = change_with_meeting(
        "CHG-np",
        "approved",
        &["hts-nonprod"],
        3,
        json!({"attendees": "guest@partner.example.com, qa-team@example.com"}),
    );
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let attendees: Vec<String> = stub.events()[0].body["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["emailAddress"]["address"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(attendees, ["Alice@Example.com", "qa-team@example.com"]);
}

#[tokio::test]
async fn announcements_invite_their_type_topic_of_every_customer() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("acme", "finops-announce", 1);
    rig.subscribers("globex", "finops-announce", 1);
    rig.subscribers("globex", "aws-calendar", 5);
    let a = Object::from_json(
        json!({"announcement_id": "FIN-1", "announcement_type": "finops", "title": "Savings review",
               "customers": ["acme", "globex"], "status": "approved", "version": 2, "approvedBy": "bob@example.com",
               "include_meeting": true, "meeting_date": "2026-06-10T15:00:00Z", "meeting_duration": 30,
               "meeting_timezone": "Asia/Tokyo"})
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    rig.archive_and_trigger(&a).await;
    process_all(&rig, &a).await;
    let e = &stub.events()[0];
    assert_eq!(e.body["subject"], "FinOps Event: Savings review");
    assert_eq!(e.body["attendees"].as_array().unwrap().len(), 2, "both customers' finops-announce, not aws-calendar");
    assert_eq!(e.body["start"], json!({"dateTime": "2026-06-11T00:00:00.0000000", "timeZone": "Asia/Tokyo"}));
}

#[tokio::test]
async fn a_graph_outage_does_not_hold_back_the_approval_mail_and_the_meeting_follows_on_redelivery() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("acme", "aws-calendar", 1);
    rig.subscribers("acme", "aws-announce", 2);
    let o = change_with_meeting("CHG-down", "approved", &["acme"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    stub.fail_next((0..4).map(|_| Fault::Status(503, None)));
    let err = rig.processor.process(&code("acme"), o.id()).await.unwrap_err();
    assert!(err.retryable, "{err}");
    assert_eq!(rig.mailer.sent().len(), 2, "the approval went out anyway");
    assert!(rig.trigger_exists("acme", o.id()).await, "the trigger stays for the retry");
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.sent, s.already_sent), (0, 2));
    assert_eq!(stub.events().len(), 1);
    assert!(!rig.trigger_exists("acme", o.id()).await);
}

#[tokio::test]
async fn a_deleted_objects_standing_meeting_is_cancelled_by_a_late_trigger() {
    let (rig, stub) = graph_rig(config()).await;
    rig.subscribers("acme", "aws-calendar", 1);
    let o = change_with_meeting("CHG-gone", "approved", &["acme"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    // Cancelled and deleted before the cancellation's trigger ran.
    let cancelled = change_with_meeting("CHG-gone", "cancelled", &["acme"], 4, json!({}));
    let body = bytes::Bytes::from(cancelled.to_json());
    use ccm_core::StorageKey;
    use ccm_core::ports::{DocumentStore, PutOptions};
    rig.store.put(&StorageKey::DeletedArchive(o.id().clone()), body.clone(), PutOptions::default()).await.unwrap();
    rig.store.delete(&StorageKey::Archive(o.id().clone())).await.unwrap();
    rig.store.put(&StorageKey::Trigger(code("acme"), o.id().clone()), body, PutOptions::default()).await.unwrap();
    let outcome = rig.processor.process(&code("acme"), o.id()).await.unwrap();
    assert!(matches!(outcome, Outcome::NothingToSend(_)), "{outcome:?}");
    assert_eq!(stub.count("POST", "/cancel"), 1);
}
