//! Every answer names its request; the triggers a request writes carry the same id, so the
//! processor's log lines can be tied to the click that caused them.

use crate::support::*;
use axum::http::StatusCode;
use ccm_core::StorageKey;
use http::Method;
use serde_json::json;

#[tokio::test]
async fn an_answer_carries_the_callers_request_id_or_a_new_one() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let (_, headers, _) = alice.call(Method::GET, "/api/me").header("x-request-id", "edge-1234").send().await;
    assert_eq!(headers["x-request-id"], "edge-1234");
    for forged in ["", "has space", "semi;colon", &"x".repeat(200)] {
        let (_, headers, _) = alice.call(Method::GET, "/api/me").header("x-request-id", forged).send().await;
        let id = headers["x-request-id"].to_str().unwrap();
        assert!(id != forged && uuid_like(id), "{forged:?} was replaced by a new id, not {id:?}");
    }
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn the_triggers_of_a_submission_carry_its_request_id() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", complete_change("Traced")).await);
    let (status, _, _) = alice
        .call(Method::POST, &format!("{}/submit", object_path(&id)))
        .header("x-request-id", "req-submit-42")
        .json(json!({}))
        .send()
        .await;
    assert_eq!(status, StatusCode::OK);
    for customer in ["acme", "globex"] {
        let key = StorageKey::parse(&format!("customers/{customer}/{id}.json")).unwrap();
        let meta = app.store.head(&key).await.unwrap().expect("the trigger");
        assert_eq!(meta.metadata.get("request-id").map(String::as_str), Some("req-submit-42"), "{customer}");
    }
}
