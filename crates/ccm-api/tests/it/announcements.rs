//! `/api/announcements`: the four types, their workflow, the type filter and the family boundary.

use crate::support::{TestApp, complete_announcement, complete_change, history, id_of, ids, object_path};
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn each_announcement_type_gets_its_own_id_prefix_and_object_type() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for (type_, prefix) in [("cic", "CIC-"), ("finops", "FIN-"), ("innersource", "INN-"), ("general", "GEN-")] {
        let (status, _, reply) = alice.post("/api/announcements", complete_announcement(type_, type_)).await;
        assert_eq!(status, StatusCode::CREATED, "{type_}: {reply}");
        let object = &reply["object"];
        let id = id_of(object);
        assert!(id.starts_with(prefix), "{type_}: {id}");
        assert_eq!(object["object_type"], format!("announcement_{type_}"));
        assert_eq!(object["announcement_type"], type_);
        assert_eq!(object["status"], "draft");
        assert_eq!(object["version"], 1);
        assert_eq!(object["created_by"], "alice@example.com");
        assert_eq!(object["author"], "Alice Author");
        assert_eq!(history(object), ["created"]);
        assert!(app.stored(&format!("drafts/{id}.json")).await.is_some());
    }
}

#[tokio::test]
async fn an_announcement_needs_a_known_type() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for body in [json!({"title": "No type"}), json!({"title": "Bad type", "announcement_type": "memo"})] {
        let (status, _, reply) = alice.post("/api/announcements", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert_eq!(reply["field"], "announcement_type");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn an_announcement_goes_through_the_same_workflow_as_a_change() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let mut body = complete_announcement("finops", "Savings plans");
    // Umbrella needs two approvers (config.json's approval_policies): two customers with one each.
    body["customers"] = json!(["acme", "initech"]);
    let id = id_of(&alice.create("/api/announcements", body).await);
    let path = object_path(&id);
    assert_eq!(bob.get(&path).await.0, StatusCode::NOT_FOUND);

    let (_, etag) = alice.fetch(&id).await;
    let (status, _, reply) = alice.put(&path, &etag, json!({"title": "Savings plans 2026"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["title"], "Savings plans 2026");

    let (status, _, reply) = alice.act(&id, "submit").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["status"], "submitted");
    for code in ["acme", "initech"] {
        let key = format!("customers/{code}/{id}.json");
        assert!(
            reply["triggers"].as_array().unwrap().iter().any(|t| t["s3Key"] == key.as_str() && t["success"] == true)
        );
        assert_eq!(app.stored(&key).await.unwrap()["announcement_type"], "finops");
    }

    let (status, _, reply) = bob.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["approvedBy"], "bob@example.com");
    let (status, _, reply) = alice.act(&id, "complete").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(history(&reply["object"]), ["created", "updated", "submitted", "approved", "completed"]);
    assert_eq!(alice.act(&id, "cancel").await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _, body) = bob.get(&format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["versions"][0]["version"], 5);
    let (_, _, v3) = bob.get(&format!("{path}/versions/3")).await;
    assert_eq!(v3["status"], "submitted");

    let (status, _, reply) = alice.act(&id, "duplicate").await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let copy = id_of(&reply["object"]);
    assert!(copy.starts_with("FIN-") && copy != id);
    assert_eq!(reply["object"]["status"], "draft");
    assert_eq!(reply["object"]["announcement_type"], "finops");
}

#[tokio::test]
async fn submitting_an_announcement_requires_title_summary_and_customers() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/announcements", json!({"announcement_type": "general"})).await);
    let (status, _, body) = alice.act(&id, "submit").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["title", "summary", "customers"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn an_announcement_meeting_time_is_read_in_its_own_time_zone() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_announcement("cic", "Town hall");
    body["include_meeting"] = true.into();
    body["meeting_date"] = "2026-06-10T09:00".into();
    body["meeting_timezone"] = "Asia/Tokyo".into();
    body["meeting_duration"] = 45.into();
    let object = alice.create("/api/announcements", body).await;
    assert_eq!(object["meeting_date"], "2026-06-10T00:00:00Z");
    assert_eq!(object["meeting_duration"], 45);
}

#[tokio::test]
async fn the_announcement_type_cannot_change_on_edit() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/announcements", complete_announcement("cic", "Fixed type")).await);
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, reply) =
        alice.put(&object_path(&id), &etag, json!({"announcement_type": "finops", "object_type": "change"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["object"]["announcement_type"], "cic");
    assert_eq!(reply["object"]["object_type"], "announcement_cic");
    assert_eq!(id_of(&reply["object"]), id);
}

#[tokio::test]
async fn the_announcement_list_filters_by_type_and_never_shows_changes() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let finops = id_of(&alice.create("/api/announcements", complete_announcement("finops", "Costs")).await);
    let cic = id_of(&alice.create("/api/announcements", complete_announcement("cic", "Incident")).await);
    let change = id_of(&alice.create("/api/changes", complete_change("A change")).await);

    let (status, _, page) = alice.get("/api/announcements").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut all = ids(&page);
    all.sort_unstable();
    let mut want = [finops.as_str(), cic.as_str()];
    want.sort_unstable();
    assert_eq!(all, want);
    assert!(!all.contains(&change.as_str()));

    let (_, _, page) = alice.get("/api/announcements?type=finops").await;
    assert_eq!(ids(&page), [finops.as_str()]);
    let (_, _, page) = alice.get("/api/announcements?type=cic&status=draft").await;
    assert_eq!(ids(&page), [cic.as_str()]);
    let (status, _, body) = alice.get("/api/announcements?type=memo").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "type");
}

#[tokio::test]
async fn asking_the_announcement_list_for_changes_is_refused_naming_the_filter() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    alice.create("/api/announcements", complete_announcement("finops", "Costs")).await;
    let (status, _, page) = alice.get("/api/announcements?type=change").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert_eq!(page["field"], "type", "{page}");
}

#[tokio::test]
async fn a_change_id_under_announcements_is_not_found_and_the_reverse_too() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let change = id_of(&alice.create("/api/changes", complete_change("A change")).await);
    let announcement = id_of(&alice.create("/api/announcements", complete_announcement("cic", "News")).await);
    let before = app.all_keys().await;

    for path in [
        format!("/api/announcements/{change}"),
        format!("/api/announcements/{change}/versions"),
        format!("/api/announcements/{change}/versions/1"),
        format!("/api/changes/{announcement}"),
    ] {
        let (status, _, body) = alice.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    for action in ["submit", "cancel", "duplicate"] {
        let path = format!("/api/announcements/{change}/{action}");
        assert_eq!(alice.post(&path, json!({})).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = alice.put(&format!("/api/announcements/{change}"), "\"x\"", json!({"title": "t"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(alice.delete(&format!("/api/announcements/{change}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.all_keys().await, before);
}

#[tokio::test]
async fn a_scoped_user_sees_only_announcements_for_their_customers() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_announcement("general", "For acme");
    body["status"] = "submitted".into();
    let acme = id_of(&alice.create("/api/announcements", body).await);
    let mut body = complete_announcement("general", "For stark");
    body["customers"] = json!(["stark"]);
    body["status"] = "submitted".into();
    let stark = id_of(&alice.create("/api/announcements", body).await);

    let cathy = app.login("cathy@acme.example.com");
    assert_eq!(ids(&cathy.get("/api/announcements").await.2), [acme.as_str()]);
    assert_eq!(cathy.get(&object_path(&stark)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(cathy.get(&object_path(&acme)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_duplicated_announcement_is_authored_by_whoever_duplicated_it() {
    let app = TestApp::new().await;
    let (alice, carol) = (app.login("alice@example.com"), app.login("carol@example.com"));
    let mut body = complete_announcement("general", "Hello");
    body["status"] = "submitted".into();
    let id = id_of(&alice.create("/api/announcements", body).await);
    let (status, _, reply) = carol.act(&id, "duplicate").await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(reply["object"]["created_by"], "carol@example.com");
    assert_eq!(reply["object"]["author"], "Carol Admin");
}
