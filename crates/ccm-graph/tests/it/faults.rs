//! Throttling, outages, timeouts and refused credentials.

use std::time::{Duration, Instant};

use ccm_core::ports::{Calendar, CalendarError, Secret};
use ccm_graph::GraphCalendar;
use ccm_testkit::graph_stub::{Fault, GraphStub};

use crate::support::*;

#[tokio::test]
async fn throttling_is_retried_after_the_time_graph_asks_for() {
    let (stub, cal) = calendar().await;
    stub.fail_next([Fault::Status(429, Some(1))]);
    let started = Instant::now();
    cal.create(&request(3)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert_eq!(stub.events().len(), 1);
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried_with_backoff() {
    let (stub, cal) = calendar().await;
    // The lookup meets a 503, then a timeout (the stub answers after the client gave up), then works.
    stub.fail_next([Fault::Status(503, None), Fault::Delay(Duration::from_millis(900)), Fault::Status(502, None)]);
    let event = cal.create(&request(3)).await.unwrap();
    assert_eq!(stub.events().len(), 1);
    assert_eq!(stub.events()[0].id, event.event_id);
}

#[tokio::test]
async fn a_create_that_timed_out_after_graph_made_the_event_does_not_make_a_second() {
    let (stub, cal) = calendar().await;
    // Lookup fine; the POST is done by Graph but answered too late; the retry carries the same
    // transactionId, so Graph returns the event it made.
    stub.fail_next([Fault::Delay(Duration::ZERO), Fault::Delay(Duration::from_millis(900))]);
    cal.create(&request(3)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(stub.events().len(), 1);
    assert!(stub.count("POST", "/events") >= 2, "the create was sent again");
}

#[tokio::test]
async fn a_graph_that_stays_down_is_a_retryable_error_after_the_last_attempt() {
    let (stub, cal) = calendar().await;
    stub.fail_next((0..4).map(|_| Fault::Status(503, None)));
    let err = cal.create(&request(3)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains("4 attempt"), "{err}");
    assert!(stub.events().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let (stub, cal) = calendar().await;
    cal.create(&request(3)).await.unwrap();
    stub.revoke_tokens();
    cal.cancel(&organizer(), &stub.events()[0].id, "cancelled").await.unwrap();
    assert_eq!(stub.tokens_issued(), 2);
}

#[tokio::test]
async fn refused_credentials_are_a_permanent_error_that_names_no_secret() {
    let stub = GraphStub::start().await;
    let mut s = settings(&stub);
    s.client_secret = Secret::new("wrong-secret-value");
    let cal = GraphCalendar::new(s).unwrap();
    let err = cal.create(&request(3)).await.unwrap_err();
    assert!(matches!(err, CalendarError::Rejected(_)), "{err}");
    assert!(err.to_string().contains("AADSTS7000215") && !err.to_string().contains("wrong-secret-value"), "{err}");
}

#[tokio::test]
async fn a_throttled_token_endpoint_is_retried_too() {
    let (stub, cal) = calendar().await;
    stub.fail_next_token([Fault::Status(429, Some(0)), Fault::Status(500, None)]);
    cal.create(&request(3)).await.unwrap();
    assert_eq!(stub.tokens_issued(), 1);
}
