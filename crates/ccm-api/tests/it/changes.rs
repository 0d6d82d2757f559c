//! `/api/changes`: the lifecycle, schedules, validation, editing with ETags, versions and deletion.

use crate::support::{TestApp, approved_change, complete_change, history, id_of, ids, object_path, submitted_change};
use http::{Method, StatusCode, header};
use serde_json::json;

#[tokio::test]
async fn a_change_goes_from_draft_to_completed_and_can_then_only_be_duplicated() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));

    let (status, headers, reply) = alice.post("/api/changes", complete_change("Patch the fleet")).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert!(headers.contains_key(header::ETAG));
    let draft = &reply["object"];
    let id = id_of(draft);
    assert!(id.starts_with("CHG-"), "{id}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["createdBy"], "alice@example.com");
    assert_eq!(history(draft), ["created"]);
    assert!(app.stored(&format!("drafts/{id}.json")).await.is_some());

    // A draft is its author's alone.
    assert_eq!(bob.get(&object_path(&id)).await.0, StatusCode::NOT_FOUND);
    assert!(!ids(&bob.get("/api/changes").await.2).contains(&id.as_str()));
    assert!(!ids(&bob.get("/api/search?q=fleet").await.2).contains(&id.as_str()));
    assert!(ids(&alice.get("/api/changes").await.2).contains(&id.as_str()));

    let (_, etag) = alice.fetch(&id).await;
    let (status, _, reply) = alice.put(&object_path(&id), &etag, json!({"changeTitle": "Patch the whole fleet"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["changeTitle"], "Patch the whole fleet");
    assert_eq!(reply["object"]["version"], 2);
    assert_eq!(history(&reply["object"]), ["created", "updated"]);

    let (status, _, reply) = alice.act(&id, "submit").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["status"], "submitted");
    assert_eq!(reply["object"]["submittedBy"], "alice@example.com");
    assert!(app.stored(&format!("archive/{id}.json")).await.is_some());
    assert!(app.stored(&format!("drafts/{id}.json")).await.is_none());
    let triggers = reply["triggers"].as_array().unwrap();
    let mut customers: Vec<&str> = triggers.iter().map(|t| t["customer"].as_str().unwrap()).collect();
    customers.sort_unstable();
    assert_eq!(customers, ["acme", "globex"]);
    for t in triggers {
        assert_eq!(t["success"], true);
        let key = format!("customers/{}/{id}.json", t["customer"].as_str().unwrap());
        assert_eq!(t["s3Key"], key.as_str());
        let trigger = app.stored(&key).await.unwrap_or_else(|| panic!("no trigger at {key}"));
        assert_eq!(trigger["status"], "submitted");
    }
    assert_eq!(reply["summary"], json!({"total": 2, "successful": 2, "failed": 0}));

    let (status, _, reply) = bob.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let approved = &reply["object"];
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["version"], 4);
    assert_eq!(approved["approvedBy"], "bob@example.com");
    assert_eq!(history(approved), ["created", "updated", "submitted", "approved"]);
    assert_eq!(reply["triggers"].as_array().unwrap().len(), 2);
    assert_eq!(app.stored(&format!("customers/acme/{id}.json")).await.unwrap()["status"], "approved");

    let (status, _, reply) = alice.act(&id, "complete").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["status"], "completed");
    assert_eq!(reply["object"]["completedBy"], "alice@example.com");

    let carol = app.login("carol@example.com");
    for action in ["submit", "approve", "complete", "cancel"] {
        let (status, _, body) = carol.act(&id, action).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {body}");
        assert_eq!(body["error"], "invalid_transition");
    }
    let (_, etag) = alice.fetch(&id).await;
    assert_eq!(
        alice.put(&object_path(&id), &etag, json!({"changeTitle": "x"})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(alice.delete(&object_path(&id)).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _, reply) = alice.act(&id, "duplicate").await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let copy = &reply["object"];
    let copy_id = id_of(copy);
    assert!(copy_id.starts_with("CHG-") && copy_id != id);
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["version"], 1);
    assert_eq!(history(copy), ["created"]);
    assert_eq!(copy["changeTitle"], "Patch the whole fleet");
    for gone in ["approvedBy", "submittedBy", "completedBy", "prior_status"] {
        assert!(copy.get(gone).is_none(), "{gone} survived duplication: {copy}");
    }
    assert!(app.stored(&format!("drafts/{copy_id}.json")).await.is_some());
}

#[tokio::test]
async fn a_change_created_as_submitted_writes_its_triggers_at_once() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Straight in");
    body["status"] = "submitted".into();
    let (status, _, reply) = alice.post("/api/changes", body).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let id = id_of(&reply["object"]);
    assert_eq!(reply["object"]["status"], "submitted");
    assert_eq!(history(&reply["object"]), ["created", "submitted"]);
    assert_eq!(reply["triggers"].as_array().unwrap().len(), 2);
    assert!(app.stored(&format!("archive/{id}.json")).await.is_some());
    assert!(app.stored(&format!("customers/globex/{id}.json")).await.is_some());
}

#[tokio::test]
async fn a_cancelled_change_can_be_deleted_into_the_deleted_archive() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = approved_change(&alice, &bob, "To be cancelled").await;
    let (status, _, reply) = alice.act(&id, "cancel").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["status"], "cancelled");
    assert_eq!(reply["object"]["cancelledBy"], "alice@example.com");

    let (status, _, reply) = alice.delete(&object_path(&id)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["deletedPath"], format!("deleted/archive/{id}.json"));
    assert!(app.stored(&format!("archive/{id}.json")).await.is_none());
    let deleted = app.stored(&format!("deleted/archive/{id}.json")).await.unwrap();
    assert_eq!(deleted["deletedBy"], "alice@example.com");
    assert_eq!(alice.get(&object_path(&id)).await.0, StatusCode::NOT_FOUND);
    assert!(!ids(&alice.get("/api/changes").await.2).contains(&id.as_str()));
}

#[tokio::test]
async fn a_draft_is_deleted_into_deleted_drafts() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "Scratch"})).await);
    let (status, _, reply) = alice.delete(&object_path(&id)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["deletedPath"], format!("deleted/drafts/{id}.json"));
    assert!(app.stored(&format!("drafts/{id}.json")).await.is_none());
    assert_eq!(app.stored(&format!("deleted/drafts/{id}.json")).await.unwrap()["changeTitle"], "Scratch");
    assert_eq!(alice.get(&object_path(&id)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn submitted_and_approved_changes_cannot_be_deleted() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let submitted = submitted_change(&alice, "Submitted").await;
    let approved = approved_change(&alice, &bob, "Approved").await;
    for id in [&submitted, &approved] {
        let (status, _, body) = alice.delete(&object_path(id)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(app.stored(&format!("archive/{id}.json")).await.is_some());
    }
}

#[tokio::test]
async fn someone_elses_change_cannot_be_deleted() {
    let app = TestApp::new().await;
    let (alice, cathy) = (app.login("alice@example.com"), app.login("cathy@acme.example.com"));
    let draft = id_of(&alice.create("/api/changes", json!({"changeTitle": "Mine"})).await);
    assert_eq!(cathy.delete(&object_path(&draft)).await.0, StatusCode::NOT_FOUND);

    let cancelled = submitted_change(&alice, "Cancelled").await;
    assert_eq!(alice.act(&cancelled, "cancel").await.0, StatusCode::OK);
    let (status, _, body) = cathy.delete(&object_path(&cancelled)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(app.stored(&format!("drafts/{draft}.json")).await.is_some());
    assert!(app.stored(&format!("archive/{cancelled}.json")).await.is_some());
}

#[tokio::test]
async fn local_schedule_times_are_read_in_the_changes_own_time_zone() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let change = alice
        .create(
            "/api/changes",
            json!({
                "changeTitle": "Tokyo window",
                "implementationBeginDate": "2026-06-10",
                "implementationBeginTime": "09:00",
                "implementationEndDate": "2026-06-10",
                "implementationEndTime": "11:30",
                "timezone": "Asia/Tokyo",
            }),
        )
        .await;
    assert_eq!(change["implementationStart"], "2026-06-10T00:00:00Z");
    assert_eq!(change["implementationEnd"], "2026-06-10T02:30:00Z");
    assert_eq!(change["timezone"], "Asia/Tokyo");
}

#[tokio::test]
async fn a_local_time_skipped_by_daylight_saving_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    // 2027-03-14 02:30 does not exist in New York (clocks jump from 02:00 to 03:00).
    let (status, _, body) = alice
        .post(
            "/api/changes",
            json!({
                "changeTitle": "In the gap",
                "implementationBeginDate": "2027-03-14",
                "implementationBeginTime": "02:30",
                "implementationEndDate": "2027-03-14",
                "implementationEndTime": "05:00",
                "timezone": "America/New_York",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "implementationBeginDate");
    assert!(app.keys("drafts/").await.is_empty());
}

#[tokio::test]
async fn a_window_shorter_than_fifteen_minutes_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Too short");
    body["implementationEnd"] = "2026-06-10T10:10:00Z".into();
    let (status, _, reply) = alice.post("/api/changes", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["field"], "implementationEnd");
}

#[tokio::test]
async fn an_empty_draft_is_accepted_but_submitting_it_names_every_missing_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", json!({})).await);
    let (status, _, body) = alice.act(&id, "submit").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "validation");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["changeTitle", "changeReason", "implementationPlan", "implementationStart", "customers"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(body["field"], fields[0]);
    // Nothing moved.
    assert!(app.stored(&format!("drafts/{id}.json")).await.is_some());
    assert!(app.stored(&format!("archive/{id}.json")).await.is_none());
    assert!(app.keys("customers/").await.is_empty());
}

#[tokio::test]
async fn creating_as_submitted_without_content_names_every_missing_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let (status, _, body) = alice.post("/api/changes", json!({"status": "submitted", "changeTitle": "t"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["errors"].as_array().unwrap().len() >= 4, "{body}");
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn editing_an_approved_change_sends_it_back_for_approval_and_notifies_again() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = approved_change(&alice, &bob, "Approved once").await;
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, reply) = alice.put(&object_path(&id), &etag, json!({"changeReason": "New reason"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let object = &reply["object"];
    assert_eq!(object["status"], "submitted");
    assert_eq!(object["changeReason"], "New reason");
    assert!(object.get("approvedBy").is_none(), "{object}");
    assert_eq!(reply["triggers"].as_array().unwrap().len(), 2);
    assert_eq!(app.stored(&format!("customers/acme/{id}.json")).await.unwrap()["status"], "submitted");
}

#[tokio::test]
async fn an_edit_with_a_stale_etag_is_refused_with_the_current_object() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = submitted_change(&alice, "Contended").await;
    let (_, stale) = alice.fetch(&id).await;
    let (status, _, _) = alice.put(&object_path(&id), &stale, json!({"changeTitle": "First"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = alice.put(&object_path(&id), &stale, json!({"changeTitle": "Second"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["current"]["object"]["changeTitle"], "First");
    let (_, fresh) = alice.fetch(&id).await;
    assert_eq!(body["current"]["etag"], fresh.as_str());
}

#[tokio::test]
async fn an_edit_without_if_match_is_refused_with_428() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "t"})).await);
    let (status, _, body) = alice.call(Method::PUT, &object_path(&id)).json(json!({"changeTitle": "u"})).send().await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    assert_eq!(alice.fetch(&id).await.0["changeTitle"], "t");
}

#[tokio::test]
async fn an_action_with_a_stale_if_match_is_refused() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = submitted_change(&alice, "Pinned").await;
    let (_, etag) = alice.fetch(&id).await;
    assert_eq!(alice.put(&object_path(&id), &etag, json!({"changeTitle": "Moved on"})).await.0, StatusCode::OK);
    let (status, _, body) =
        bob.call(Method::POST, &format!("{}/approve", object_path(&id))).if_match(&etag).send().await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(alice.fetch(&id).await.0["status"], "submitted");
}

#[tokio::test]
async fn a_get_carries_the_stored_objects_etag_and_answers_in_full_even_to_if_none_match() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "Cached"})).await);
    let (_, etag) = alice.fetch(&id).await;
    let stored = app.store.head(&ccm_core::StorageKey::parse(&format!("drafts/{id}.json")).unwrap()).await.unwrap();
    assert_eq!(etag, stored.unwrap().etag.as_str(), "the ETag is the store's");
    let (status, headers, body) = alice.call(Method::GET, &object_path(&id)).if_none_match(&etag).send().await;
    assert_eq!(status, StatusCode::OK, "results may have arrived without the ETag changing");
    assert_eq!(headers[header::ETAG], etag.as_str());
    assert_eq!(body["changeTitle"], "Cached");
}

#[tokio::test]
async fn versions_list_newest_first_and_each_old_version_can_be_read() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = submitted_change(&alice, "Version one").await; // v1 draft, v2 submitted
    let (_, etag) = alice.fetch(&id).await;
    assert_eq!(alice.put(&object_path(&id), &etag, json!({"changeTitle": "Version three"})).await.0, StatusCode::OK);
    assert_eq!(bob.act(&id, "approve").await.0, StatusCode::OK); // v4

    let (status, _, body) = bob.get(&format!("{}/versions", object_path(&id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let versions = body["versions"].as_array().unwrap();
    let numbers: Vec<u64> = versions.iter().map(|v| v["version"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(versions[0]["current"], true);
    assert_eq!(versions[0]["status"], "approved");
    assert_eq!(versions[3]["status"], "draft");

    let (status, _, v1) = bob.get(&format!("{}/versions/1", object_path(&id))).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["changeTitle"], "Version one");
    assert_eq!(v1["status"], "draft");
    let (_, _, v3) = bob.get(&format!("{}/versions/3", object_path(&id))).await;
    assert_eq!(v3["changeTitle"], "Version three");
    assert_eq!(v3["status"], "submitted");
    let (_, _, v4) = bob.get(&format!("{}/versions/4", object_path(&id))).await;
    assert_eq!(v4["status"], "approved");
    assert_eq!(bob.get(&format!("{}/versions/9", object_path(&id))).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_edited_draft_keeps_its_earlier_version() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "First draft"})).await);
    let (_, etag) = alice.fetch(&id).await;
    assert_eq!(alice.put(&object_path(&id), &etag, json!({"changeTitle": "Second draft"})).await.0, StatusCode::OK);
    let (status, _, v1) = alice.get(&format!("{}/versions/1", object_path(&id))).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["changeTitle"], "First draft");
}

#[tokio::test]
async fn server_owned_fields_sent_by_the_client_are_ignored() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Sneaky");
    for (k, v) in [
        ("changeId", json!("CHG-mine")),
        ("status", json!("draft")),
        ("version", json!(42)),
        ("createdBy", json!("mallory@example.com")),
        ("approvedBy", json!("mallory@example.com")),
        ("approvedAt", json!("2026-01-01T00:00:00Z")),
        ("submittedBy", json!("mallory@example.com")),
        (
            "modifications",
            json!([{"timestamp": "2026-01-01T00:00:00Z", "user_id": "mallory@example.com", "modification_type": "approved"}]),
        ),
    ] {
        body[k] = v;
    }
    let object = alice.create("/api/changes", body.clone()).await;
    let id = id_of(&object);
    assert_ne!(id, "CHG-mine");
    assert_eq!(object["version"], 1);
    assert_eq!(object["createdBy"], "alice@example.com");
    assert_eq!(history(&object), ["created"]);
    for k in ["approvedBy", "approvedAt", "submittedBy"] {
        assert!(object.get(k).is_none(), "{k}: {object}");
    }
    assert!(app.stored("archive/CHG-mine.json").await.is_none());
    assert!(app.stored("drafts/CHG-mine.json").await.is_none());

    // The same on edit: the body may not move the status or rewrite history.
    let (_, etag) = alice.fetch(&id).await;
    body["status"] = "approved".into();
    let (status, _, reply) = alice.put(&object_path(&id), &etag, body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let object = &reply["object"];
    assert_eq!(id_of(object), id);
    assert_eq!(object["status"], "draft");
    assert_eq!(object["version"], 2);
    assert_eq!(object["createdBy"], "alice@example.com");
    assert_eq!(history(object), ["created", "updated"]);
    assert!(object.get("approvedBy").is_none(), "{object}");
}

#[tokio::test]
async fn unknown_fields_are_kept_through_every_transition() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let mut body = complete_change("With extras");
    body["legacyFlag"] = json!({"nested": [1, 2]});
    body["riskLevel"] = "high".into();
    let id = id_of(&alice.create("/api/changes", body).await);
    assert_eq!(alice.act(&id, "submit").await.0, StatusCode::OK);
    assert_eq!(bob.act(&id, "approve").await.0, StatusCode::OK);
    let (_, etag) = alice.fetch(&id).await;
    assert_eq!(alice.put(&object_path(&id), &etag, json!({"changeTitle": "Edited"})).await.0, StatusCode::OK);
    assert_eq!(bob.act(&id, "approve").await.0, StatusCode::OK);
    assert_eq!(alice.act(&id, "complete").await.0, StatusCode::OK);
    let stored = app.stored(&format!("archive/{id}.json")).await.unwrap();
    assert_eq!(stored["legacyFlag"], json!({"nested": [1, 2]}));
    assert_eq!(stored["riskLevel"], "high");
    assert_eq!(stored["status"], "completed");
    let trigger = app.stored(&format!("customers/acme/{id}.json")).await.unwrap();
    assert_eq!(trigger["riskLevel"], "high");
}

#[tokio::test]
async fn every_action_on_a_cancelled_change_except_duplicate_and_delete_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = submitted_change(&alice, "Cancel me").await;
    assert_eq!(alice.act(&id, "cancel").await.0, StatusCode::OK);
    let carol = app.login("carol@example.com");
    for action in ["submit", "approve", "complete", "cancel"] {
        assert_eq!(carol.act(&id, action).await.0, StatusCode::UNPROCESSABLE_ENTITY, "{action}");
    }
    assert_eq!(carol.act(&id, "duplicate").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_list_filters_by_status_and_never_shows_announcements() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let submitted = submitted_change(&alice, "Submitted one").await;
    let draft = id_of(&alice.create("/api/changes", json!({"changeTitle": "Draft one"})).await);
    let announcement =
        id_of(&alice.create("/api/announcements", crate::support::complete_announcement("cic", "Hello")).await);

    let (status, _, page) = alice.get("/api/changes").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let all = ids(&page);
    assert!(all.contains(&submitted.as_str()) && all.contains(&draft.as_str()));
    assert!(!all.contains(&announcement.as_str()));
    assert_eq!(page["total"], 2);

    let (_, _, page) = alice.get("/api/changes?status=submitted").await;
    assert_eq!(ids(&page), [submitted.as_str()]);
    let (_, _, page) = alice.get("/api/changes?type=finops").await;
    assert_eq!(page["total"], 2, "{page}");
}

#[tokio::test]
async fn a_get_returns_the_stored_object_with_its_etag() {
    let app = TestApp::new().await;
    let (alice, victor) = (app.login("alice@example.com"), app.login("victor@example.com"));
    let id = submitted_change(&alice, "Visible").await;
    let (status, headers, body) = victor.get(&object_path(&id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changeTitle"], "Visible");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let stored = app.stored(&format!("archive/{id}.json")).await.unwrap();
    assert_eq!(body, stored);
}
