//! Optimistic concurrency: another user's edit is a conflict; the processor's annotations (history
//! entries, meeting data, no version bump) are not.

use crate::support::*;
use axum::http::StatusCode;
use bytes::Bytes;
use ccm_core::model::{Modification, ModificationType};
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{Object, ObjectId, StorageKey};
use serde_json::json;

async fn annotate_like_the_processor(app: &TestApp, id: &str) {
    let key = StorageKey::Archive(ObjectId::parse(id).unwrap());
    let doc = app.store.get(&key).await.unwrap().unwrap();
    let mut o = Object::from_json(&doc.body).unwrap();
    let mut entry = Modification::new(ModificationType::Processed, "ccm-processor", chrono::Utc::now());
    entry.customer_code = Some("acme".into());
    o.life_mut().modifications.push(entry);
    app.store.put(&key, Bytes::from(o.to_json()), PutOptions::if_match(doc.meta.etag)).await.unwrap();
}

#[tokio::test]
async fn an_edit_after_the_processor_annotated_the_object_is_not_a_conflict() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Annotated");
    body["status"] = json!("submitted");
    let created = alice.create("/api/changes", body).await;
    let id = created["changeId"].as_str().unwrap().to_owned();
    let (_, etag) = alice.fetch(&id).await;

    annotate_like_the_processor(&app, &id).await;
    let (fresh, fresh_etag) = alice.fetch(&id).await;
    assert_ne!(fresh_etag, etag, "the stored bytes changed, so GET shows a new ETag");
    assert!(history(&fresh).contains(&"processed"));

    let (status, _, saved) =
        alice.put(&object_path(&id), &etag, json!({"changeTitle": "Edited after the annotation"})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(history(&saved["object"]).contains(&"processed"), "the annotation is kept");

    // A human edit in between (a version bump) is still a conflict.
    let (_, before_bob) = alice.fetch(&id).await;
    let carol = app.login("carol@example.com");
    let (_, carol_etag) = carol.fetch(&id).await;
    let (status, _, _) = carol.put(&object_path(&id), &carol_etag, json!({"changeTitle": "Carol's title"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, reply) = alice.put(&object_path(&id), &before_bob, json!({"changeTitle": "Alice again"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{reply}");
    assert_eq!(reply["current"]["object"]["changeTitle"], "Carol's title");
}
