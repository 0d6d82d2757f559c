//! Optimistic concurrency: `If-Match` means exactly what HTTP says. Another person's write is a
//! conflict; the processor's results, written beside the object, never are. Racing writes of one
//! draft (edit, submit, delete, duplicate) have exactly one winner and lose no saved edit, on the
//! embedded store and on S3.

use std::sync::Arc;

use crate::support::*;
use axum::http::StatusCode;
use bytes::Bytes;
use ccm_core::model::DeliveryResult;
use ccm_core::ports::PutOptions;
use ccm_core::{CustomerCode, ObjectId};
use http::Method;
use serde_json::{Value, json};

/// What a processor writes for one customer: a result beside the object, never the object.
async fn write_result_like_the_processor(app: &TestApp, id: &str, version: u32, customer: &str) {
    let result = DeliveryResult {
        object: ObjectId::parse(id).unwrap(),
        version,
        customer: CustomerCode::parse(customer).unwrap(),
        event: "approval_request".into(),
        topic: "aws-approval".into(),
        at: chrono::Utc::now(),
        subscribers: 3,
        restricted: 0,
        sent: 3,
        already_sent: 0,
        rejected: 0,
    };
    let body = Bytes::from(serde_json::to_vec(&result).unwrap());
    app.store.put(&result.key().unwrap(), body, PutOptions::create_only()).await.unwrap();
}

#[tokio::test]
async fn a_processor_result_changes_neither_the_etag_nor_a_users_next_edit_and_shows_in_the_history() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Annotated");
    body["status"] = json!("submitted");
    let id = id_of(&alice.create("/api/changes", body).await);
    let (before, etag) = alice.fetch(&id).await;

    write_result_like_the_processor(&app, &id, before["version"].as_u64().unwrap() as u32, "acme").await;
    let (fresh, fresh_etag) = alice.fetch(&id).await;
    assert_eq!(fresh_etag, etag, "the stored object did not change");
    assert!(history(&fresh).contains(&"processed"), "{fresh}");

    let (status, _, saved) =
        alice.put(&object_path(&id), &etag, json!({"changeTitle": "Edited after the result"})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(history(&saved["object"]).contains(&"processed"), "the result stays in the history");
    let stored = app.stored(&format!("archive/{id}.json")).await.unwrap();
    assert!(!history(&stored).contains(&"processed"), "results are never written into the object");

    // Another person's edit in between is a conflict, and the message names them.
    let (_, before_carol) = alice.fetch(&id).await;
    let carol = app.login("carol@example.com");
    let (_, carol_etag) = carol.fetch(&id).await;
    let (status, _, _) = carol.put(&object_path(&id), &carol_etag, json!({"changeTitle": "Carol's title"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, reply) = alice.put(&object_path(&id), &before_carol, json!({"changeTitle": "Alice again"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{reply}");
    assert_eq!(reply["current"]["object"]["changeTitle"], "Carol's title");
    assert!(reply["message"].as_str().unwrap().contains("carol@example.com"), "{reply}");
}

#[tokio::test]
async fn an_approve_pinned_to_the_etag_read_right_after_submission_is_not_a_conflict() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let bob = app.login("bob@example.com");
    let id = submitted_change(&alice, "Pinned").await;
    let (_, etag) = bob.fetch(&id).await;
    for customer in ["acme", "globex"] {
        write_result_like_the_processor(&app, &id, 2, customer).await;
    }
    let (status, _, body) =
        bob.call(Method::POST, &format!("{}/approve", object_path(&id))).if_match(&etag).send().await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn thirty_customers_results_written_during_a_run_of_edits_cause_no_conflict() {
    let app = Arc::new(TestApp::new().await);
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Busy");
    body["status"] = json!("submitted");
    let id = id_of(&alice.create("/api/changes", body).await);
    let writers = {
        let app = app.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let tasks: Vec<_> = (0..30)
                .map(|i| {
                    let (app, id) = (app.clone(), id.clone());
                    tokio::spawn(async move { write_result_like_the_processor(&app, &id, 2, &format!("c{i}")).await })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    };
    for i in 0..10 {
        let (_, etag) = alice.fetch(&id).await;
        let (status, _, reply) = alice.put(&object_path(&id), &etag, json!({"changeTitle": format!("Edit {i}")})).await;
        assert_eq!(status, StatusCode::OK, "edit {i}: {reply}");
    }
    writers.await.unwrap();
    assert_eq!(app.keys(&format!("results/{id}/")).await.len(), 30);
}

/// One round of the race: 20 requests at once on one draft read at one ETag. Returns the outcome.
async fn race_once(app: &Arc<TestApp>, round: usize) {
    let alice = Arc::new(app.login("alice@example.com"));
    let id = id_of(&alice.create("/api/changes", complete_change(&format!("Race {round}"))).await);
    let (_, etag) = alice.fetch(&id).await;
    let path = object_path(&id);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (alice, path, etag) = (alice.clone(), path.clone(), etag.clone());
            tokio::spawn(async move {
                let reply = match i % 4 {
                    0 => alice.put(&path, &etag, json!({"changeTitle": format!("Edit {i}")})).await,
                    1 => alice.call(Method::POST, &format!("{path}/submit")).if_match(&etag).send().await,
                    2 => alice.call(Method::DELETE, &path).if_match(&etag).send().await,
                    _ => alice.call(Method::POST, &format!("{path}/duplicate")).send().await,
                };
                (i % 4, reply)
            })
        })
        .collect();
    let mut outcomes: Vec<(usize, StatusCode, Value)> = Vec::new();
    for t in tasks {
        let (kind, (status, _, body)) = t.await.unwrap();
        outcomes.push((kind, status, body));
    }
    for (kind, status, body) in &outcomes {
        let ok = if *kind == 3 { [StatusCode::CREATED] } else { [StatusCode::OK] };
        assert!(
            ok.contains(status) || *status == StatusCode::CONFLICT || *status == StatusCode::NOT_FOUND,
            "round {round}, request kind {kind}: {status} {body}"
        );
    }
    let winners: Vec<&(usize, StatusCode, Value)> =
        outcomes.iter().filter(|(k, s, _)| *k != 3 && *s == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "round {round}: exactly one conditional write wins: {outcomes:?}");
    let draft = app.stored(&format!("drafts/{id}.json")).await;
    let archive = app.stored(&format!("archive/{id}.json")).await;
    match winners[0] {
        (0, _, body) => {
            let title = body["object"]["changeTitle"].clone();
            assert_eq!(draft.as_ref().map(|d| d["changeTitle"].clone()), Some(title), "round {round}: the edit stands");
            assert!(archive.is_none(), "round {round}");
        }
        (1, _, _) => {
            assert!(draft.is_none(), "round {round}: the submitted draft is gone");
            let archive = archive.expect("the archive exists");
            assert_eq!(archive["changeTitle"], format!("Race {round}"), "round {round}: nobody's edit was dropped");
            assert_eq!(archive["status"], "submitted");
        }
        (2, _, _) => {
            assert!(draft.is_none() && archive.is_none(), "round {round}: deleted");
            assert!(app.stored(&format!("deleted/drafts/{id}.json")).await.is_some());
        }
        other => panic!("round {round}: unexpected winner {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_edits_submits_deletes_and_duplicates_of_a_draft_have_one_winner_on_the_embedded_store() {
    let app = Arc::new(TestApp::new().await);
    for round in 0..15 {
        race_once(&app, round).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_edits_submits_deletes_and_duplicates_of_a_draft_have_one_winner_on_s3() {
    let Some(app) = TestApp::on_moto().await else { return };
    let app = Arc::new(app);
    for round in 0..4 {
        race_once(&app, round).await;
    }
}
