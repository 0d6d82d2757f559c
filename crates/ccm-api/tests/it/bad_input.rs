//! Bodies, ids and parameters the API must refuse without writing anything.

use crate::support::{TestApp, complete_change, id_of, object_path};
use http::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn malformed_json_is_refused_as_bad_json() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for raw in [&b"{\"changeTitle\": "[..], b"not json", b"", b"\xff\xfe"] {
        let (status, _, body) = alice.call(Method::POST, "/api/changes").raw(raw).send().await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}: {body}");
        assert_eq!(body["error"], "bad_json", "{raw:?}: {body}");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for body in [json!([complete_change("in an array")]), json!("a string"), json!(42), Value::Null] {
        let (status, _, reply) = alice.post("/api/changes", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {reply}");
        assert_eq!(reply["error"], "bad_json");
    }
    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "t"})).await);
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, _) = alice.put(&object_path(&id), &etag, json!(["changeTitle", "u"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(alice.fetch(&id).await.0["changeTitle"], "t");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let huge = json!({"changeTitle": "big", "notes": "x".repeat((1 << 20) + 10)});
    let (status, _, body) = alice.post("/api/changes", huge.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "too_large");

    let id = id_of(&alice.create("/api/changes", json!({"changeTitle": "t"})).await);
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, _) = alice.put(&object_path(&id), &etag, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.all_keys().await, [format!("drafts/{id}.json")]);
}

#[tokio::test]
async fn an_unknown_customer_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for customers in [json!(["acme", "nosuch"]), json!(["acme", "acme"])] {
        let mut body = complete_change("x");
        body["customers"] = customers.clone();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{customers}: {reply}");
        assert_eq!(reply["field"], "customers", "{customers}: {reply}");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_malformed_customer_list_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for customers in [json!(["Not A Code"]), json!("acme"), json!([1])] {
        let mut body = complete_change("x");
        body["customers"] = customers.clone();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{customers}: {reply}");
        assert_eq!(reply["field"], "customers", "{customers}: {reply}");
    }
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for (field, value) in [
        ("customers", json!("acme")),
        ("include_meeting", json!("yes")),
        ("changeTitle", json!(["a", "b"])),
        ("implementationStart", json!(12)),
        ("implementationStart", json!("next tuesday")),
    ] {
        let mut body = complete_change("x");
        body[field] = value.clone();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}={value}: {reply}");
        assert_eq!(reply["error"], "validation", "{field}={value}: {reply}");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn bad_schedule_input_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for (extra, field) in [
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"implementationBeginDate": "2026-06-10"}), "implementationBeginTime"),
        (json!({"implementationEndTime": "10:00"}), "implementationEndDate"),
        (
            json!({"implementationBeginDate": "10/06/2026", "implementationBeginTime": "10:00"}),
            "implementationBeginDate",
        ),
        (
            json!({"implementationBeginDate": "2026-06-10", "implementationBeginTime": "25:00"}),
            "implementationBeginDate",
        ),
        (json!({"implementationEnd": "2026-06-10T09:00:00Z"}), "implementationEnd"),
        (json!({"implementationEnd": "2026-06-12T10:00:00Z"}), "implementationEnd"),
        (
            json!({"implementationStart": "2046-06-10T10:00:00Z", "implementationEnd": "2046-06-10T11:00:00Z"}),
            "implementationStart",
        ),
    ] {
        let mut body = complete_change("x");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {reply}");
        let fields: Vec<&str> =
            reply["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{extra}: {field} not in {fields:?}");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_title_over_200_characters_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let (status, _, reply) = alice.post("/api/changes", json!({"changeTitle": "t".repeat(201)})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["field"], "changeTitle");
    let (status, _, reply) = alice.post("/api/changes", json!({"changeReason": "r".repeat(20_001)})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(reply["field"], "changeReason");
}

#[tokio::test]
async fn a_new_object_may_only_be_draft_or_submitted() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for status_value in ["approved", "completed", "cancelled", "Draft", "bogus"] {
        let mut body = complete_change("x");
        body["status"] = status_value.into();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{status_value}: {reply}");
        assert_eq!(reply["field"], "status", "{status_value}: {reply}");
    }
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_status_that_is_not_a_string_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for value in [json!(5), json!(true), json!({"name": "approved"})] {
        let mut body = complete_change("x");
        body["status"] = value.clone();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}: {reply}");
    }
}

#[tokio::test]
async fn path_tricks_in_ids_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let carol = app.login("carol@example.com");
    let id = id_of(&alice.create("/api/changes", complete_change("Real")).await);
    let before = app.all_keys().await;
    for bad in ["..%2Farchive%2FCHG-1", "..", "CHG-..", "XYZ-1", "CHG-a.b", "CHG-", "CHG-1%00", "CHG-%2E%2E", "chg-1"] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::PUT, ""),
            (Method::DELETE, ""),
            (Method::POST, "/submit"),
            (Method::POST, "/duplicate"),
            (Method::GET, "/versions"),
            (Method::GET, "/versions/1"),
            (Method::GET, "/deliveries"),
        ] {
            let path = format!("/api/changes/{bad}{suffix}");
            let (status, _, body) =
                carol.call(method.clone(), &path).if_match("\"x\"").json(complete_change("Evil")).send().await;
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
                "{method} {path}: {status} {body}"
            );
            if status == StatusCode::BAD_REQUEST {
                assert_eq!(body["field"], "id", "{method} {path}: {body}");
            }
        }
    }
    assert_eq!(app.all_keys().await, before);
    assert_eq!(alice.fetch(&id).await.0["changeTitle"], "Real");
}

#[tokio::test]
async fn an_unknown_action_is_not_found() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", complete_change("x")).await);
    let before = app.all_keys().await;
    for action in ["publish", "edit", "delete", "Submit", "approve%2F..%2Fsubmit"] {
        let (status, _, body) = alice.post(&format!("{}/{action}", object_path(&id)), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}: {body}");
    }
    assert_eq!(app.all_keys().await, before);
}

#[tokio::test]
async fn a_version_that_is_not_a_number_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let id = id_of(&alice.create("/api/changes", complete_change("x")).await);
    let (status, _, body) = alice.get(&format!("{}/versions/latest", object_path(&id))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "n", "the path parameter is named");
    assert_eq!(alice.get(&format!("{}/versions/v1", object_path(&id))).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_missing_object_is_not_found() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let path = "/api/changes/CHG-00000000-0000-4000-8000-000000000000";
    assert_eq!(alice.get(path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(alice.put(path, "\"x\"", json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(alice.delete(path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(alice.post(&format!("{path}/submit"), json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(alice.get(&format!("{path}/versions")).await.0, StatusCode::NOT_FOUND);
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_meeting_duration_out_of_range_is_refused_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let huge = [json!(1e12), json!(i64::MAX), json!(-5), json!(0), json!(481), json!("9223372036854775807")];
    for value in &huge {
        for (key, field) in [("meeting_duration", "meeting_duration"), ("meetingDuration", "meeting_duration")] {
            let mut body = crate::support::complete_announcement("cic", "Huge meeting");
            body[key] = value.clone();
            let (status, _, reply) = alice.post("/api/announcements", body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{key}={value}: {reply}");
            assert_eq!(reply["field"], field, "{key}={value}: {reply}");
        }
        let mut body = complete_change("Huge meeting");
        body["meetingDuration"] = value.clone();
        let (status, _, reply) = alice.post("/api/changes", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "meetingDuration={value}: {reply}");
        assert_eq!(reply["field"], "meetingDuration", "{value}: {reply}");
    }
    assert!(app.all_keys().await.is_empty(), "nothing stored: {:?}", app.all_keys().await);

    // The same through PUT: the draft keeps its last good content.
    let id = id_of(&alice.create("/api/announcements", crate::support::complete_announcement("cic", "t")).await);
    for value in &huge {
        let (_, etag) = alice.fetch(&id).await;
        let mut body = crate::support::complete_announcement("cic", "t");
        body["meetingDuration"] = value.clone();
        let (status, _, reply) = alice.put(&object_path(&id), &etag, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}: {reply}");
        assert_eq!(reply["field"], "meeting_duration");
    }
    let (stored, _) = alice.fetch(&id).await;
    assert!(stored.get("meeting_duration").is_none(), "{stored}");
    let (status, _, page) = alice.get("/api/announcements").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crate::support::ids(&page), [id.as_str()], "still listed and served");
}

#[tokio::test]
async fn a_wrong_type_names_the_field_not_the_body() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for (key, value) in [("include_meeting", json!("yes please")), ("meeting_duration", json!({"minutes": 5}))] {
        let mut body = crate::support::complete_announcement("cic", "Typed");
        body[key] = value.clone();
        let (status, _, reply) = alice.post("/api/announcements", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key}: {reply}");
        assert_eq!(reply["field"], key, "{reply}");
    }
}
