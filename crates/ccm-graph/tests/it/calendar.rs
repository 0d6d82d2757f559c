//! Create, look up, update and cancel, as Graph sees them.

use std::sync::Arc;

use ccm_core::ports::{Calendar, CalendarError, Invitations};
use ccm_graph::GraphCalendar;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_meeting_is_one_online_teams_event_in_the_organizers_calendar_at_the_chosen_local_time() {
    let (stub, cal) = calendar().await;
    assert_eq!(cal.invitations(), Invitations::SentByCalendar);
    let event = cal.create(&request(3)).await.unwrap();
    assert!(event.join_url.as_deref().unwrap().starts_with("https://teams.microsoft.com/l/meetup-join/"));
    let events = stub.events();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.id, event.event_id);
    assert_eq!(e.organizer, "change-meetings@ccm.example.com");
    assert_eq!(e.body["start"], json!({"dateTime": "2026-06-10T10:00:00.0000000", "timeZone": "America/New_York"}));
    assert_eq!(e.body["end"], json!({"dateTime": "2026-06-10T11:00:00.0000000", "timeZone": "America/New_York"}));
    assert_eq!(e.body["isOnlineMeeting"], true);
    assert_eq!(e.body["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(e.body["hideAttendees"], true, "attendees of different customers never see each other");
    assert_eq!(e.body["location"], json!({"displayName": "Bridge 4"}));
    assert_eq!(e.body["attendees"].as_array().unwrap().len(), 2);
    assert_eq!(e.transaction_id.as_deref(), Some("0f8fad5b-d9cb-469f-a165-708677289503"));
    // One lookup, one create; the create answered with the join URL, so no read-back.
    assert_eq!((stub.count("GET", "/events"), stub.count("POST", "/events")), (1, 1));
}

#[tokio::test]
async fn creating_again_finds_the_event_instead_of_making_a_second() {
    let (stub, cal) = calendar().await;
    let first = cal.create(&request(3)).await.unwrap();
    let again = cal.create(&request(3)).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(stub.events().len(), 1);
    assert_eq!(stub.count("POST", "/events"), 1, "the lookup found it: no second POST");
    assert_eq!(stub.tokens_issued(), 1, "the token is cached between calls");
}

#[tokio::test]
async fn thirty_adapters_creating_at_once_make_exactly_one_event() {
    // Thirty processes (one per customer trigger), each with its own client: only Graph's
    // transactionId and the lookup stand between them and thirty meetings.
    let stub = ccm_testkit::graph_stub::GraphStub::start().await;
    stub.set_latency(std::time::Duration::from_millis(20));
    let calendars: Vec<Arc<GraphCalendar>> =
        (0..30).map(|_| Arc::new(GraphCalendar::new(settings(&stub)).unwrap())).collect();
    let results = futures::future::join_all(calendars.iter().map(|c| {
        let c = c.clone();
        async move { c.create(&request(3)).await }
    }))
    .await;
    let ids: std::collections::BTreeSet<String> = results.into_iter().map(|r| r.unwrap().event_id).collect();
    assert_eq!(ids.len(), 1, "every caller got the same event");
    assert_eq!(stub.events().len(), 1);
}

#[tokio::test]
async fn another_version_is_another_meeting_key() {
    let (stub, cal) = calendar().await;
    let a = cal.create(&request(3)).await.unwrap();
    let b = cal.create(&request(5)).await.unwrap();
    assert_ne!(a.event_id, b.event_id);
    assert_eq!(stub.events().len(), 2);
}

#[tokio::test]
async fn a_reschedule_patches_the_same_event_without_a_transaction_id() {
    let (stub, cal) = calendar().await;
    let event = cal.create(&request(3)).await.unwrap();
    let mut moved = request(5);
    moved.start = "2026-06-11T13:00:00Z".parse().unwrap();
    moved.end = "2026-06-11T14:30:00Z".parse().unwrap();
    moved.timezone = "Europe/Berlin".into();
    let updated = cal.update(&event.event_id, &moved).await.unwrap();
    assert_eq!(updated.event_id, event.event_id);
    let e = &stub.events()[0];
    assert_eq!((e.patches, stub.count("PATCH", "")), (1, 1));
    assert_eq!(e.body["start"], json!({"dateTime": "2026-06-11T15:00:00.0000000", "timeZone": "Europe/Berlin"}));
    let patch = stub.requests().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert!(patch.body.get("transactionId").is_none());
    // The id holds '/', '+' and '=': it reached the stub as one path segment.
    assert_eq!(patch.path, format!("/users/change-meetings@ccm.example.com/events/{}", event.event_id));
}

#[tokio::test]
async fn a_cancel_is_the_organizers_cancel_action_with_a_comment_and_a_gone_event_is_already_cancelled() {
    let (stub, cal) = calendar().await;
    let event = cal.create(&request(3)).await.unwrap();
    cal.cancel(&organizer(), &event.event_id, "Rotate certificates was cancelled.").await.unwrap();
    let e = &stub.events()[0];
    assert!(e.cancelled);
    assert_eq!(e.cancel_comment.as_deref(), Some("Rotate certificates was cancelled."));
    assert_eq!(stub.count("POST", "/cancel"), 1);
    cal.cancel(&organizer(), &event.event_id, "again").await.unwrap();
    cal.cancel(&organizer(), "no-such-event", "never existed").await.unwrap();
    assert!(matches!(cal.update(&event.event_id, &request(4)).await, Err(CalendarError::NotFound(_))));
}

#[tokio::test]
async fn a_zone_graph_does_not_know_is_written_in_utc() {
    let (stub, cal) = calendar().await;
    let mut r = request(3);
    r.timezone = "America/Argentina/Ushuaia".into();
    cal.create(&r).await.unwrap();
    assert_eq!(stub.events()[0].body["start"], json!({"dateTime": "2026-06-10T14:00:00.0000000", "timeZone": "UTC"}));
}
