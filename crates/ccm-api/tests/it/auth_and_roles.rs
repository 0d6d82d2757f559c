//! Sessions, CSRF, roles and customer scoping.

use crate::support::{TestApp, approved_change, complete_change, id_of, ids, object_path, submitted_change};
use ccm_core::Role;
use chrono::Duration;
use http::{Method, StatusCode, header};
use serde_json::json;

#[tokio::test]
async fn me_shows_the_user_roles_customers_and_csrf_token() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let (status, _, me) = alice.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["name"], "Alice Author");
    assert_eq!(me["roles"], json!(["author"]));
    assert_eq!(me["allCustomers"], true);
    assert_eq!(me["customers"].as_array().unwrap().len(), 7);
    assert_eq!(me["allowSelfApproval"], false);
    assert!(me["csrfToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(me["expiresAt"], "2026-06-01T13:00:00Z");
}

#[tokio::test]
async fn customers_lists_every_configured_customer_by_name() {
    let app = TestApp::new().await;
    let (status, _, list) = app.login("victor@example.com").get("/api/customers").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Acme Corporation",
            "Globex Corporation",
            "HTS Non-Production",
            "Initech",
            "Stark Industries",
            "Umbrella Corporation",
            "Wayne Enterprises"
        ]
    );
    let acme = &list[0];
    assert_eq!(acme["code"], "acme");
    assert_eq!(acme["environment"], "prod");
    assert_eq!(acme["logoUrl"], "/logos/acme.svg");
    assert_eq!(list[2]["environment"], "nonprod");
}

#[tokio::test]
async fn a_request_without_a_session_is_refused_with_401() {
    let app = TestApp::new().await;
    let anonymous = app.anonymous();
    for path in ["/api/me", "/api/customers", "/api/changes", "/api/search", "/api/statistics", "/api/recent"] {
        let (status, _, body) = anonymous.get(path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error"], "unauthenticated", "{path}");
    }
    let (status, _, body) = anonymous.post("/api/changes", complete_change("x")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
    assert!(app.all_keys().await.is_empty());
}

#[tokio::test]
async fn a_tampered_cookie_is_refused_with_401() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut cookie = alice.cookie().unwrap().into_bytes();
    let at = cookie.len() - 5;
    cookie[at] = if cookie[at] == b'A' { b'B' } else { b'A' };
    let forged = alice.with_cookie(&String::from_utf8(cookie).unwrap());
    let (status, _, body) = forged.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthenticated");
    let (status, _, _) = alice.with_cookie("v1.garbage").get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_cookie_sealed_with_another_key_is_refused() {
    let app = TestApp::new().await;
    let other = TestApp::new().await;
    let foreign = other.login("carol@example.com");
    let (status, _, body) = app.login("alice@example.com").with_cookie(&foreign.cookie().unwrap()).get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn a_session_idle_for_more_than_an_hour_has_expired() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    app.clock.advance(Duration::minutes(61));
    let (status, headers, body) = alice.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "session_expired");
    assert!(!headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn activity_slides_the_idle_timeout() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(59));
        assert_eq!(alice.get("/api/me").await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_session_older_than_eight_hours_has_expired_even_when_active() {
    let app = TestApp::new().await;
    let mut session = app.session_for("alice@example.com");
    // Signed in 8 h 1 min ago, active a minute ago.
    let now = chrono::DateTime::parse_from_rfc3339(crate::support::START).unwrap().timestamp();
    session.created = now - 8 * 3600 - 60;
    session.last_seen = now - 60;
    let (status, _, body) = app.client_with(&session).get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "session_expired");
}

#[tokio::test]
async fn a_request_more_than_a_minute_after_the_last_reissues_the_cookie() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let original = alice.cookie().unwrap();
    let (_, headers, _) = alice.get("/api/me").await;
    assert!(!headers.contains_key(header::SET_COOKIE), "fresh cookies are not re-issued");
    app.clock.advance(Duration::minutes(2));
    let (status, headers, _) = alice.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    let set_cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("ccm_session=v1."), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "the test policy turns Secure off: {set_cookie}");

    // The old cookie still carries the old activity time and expires first.
    let value = set_cookie.trim_start_matches("ccm_session=").split(';').next().unwrap();
    assert_eq!(alice.cookie().as_deref(), Some(value));
    let old = alice.with_cookie(&original);
    app.clock.advance(Duration::minutes(59));
    assert_eq!(alice.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(old.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_state_changing_request_without_the_csrf_token_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let (status, _, body) =
        alice.call(Method::POST, "/api/changes").json(complete_change("x")).without_csrf().send().await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "csrf");
    let (status, _, body) = alice
        .call(Method::POST, "/api/changes")
        .json(complete_change("x"))
        .without_csrf()
        .header("x-csrf-token", "0123")
        .send()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(app.all_keys().await.is_empty());

    let id = id_of(&alice.create("/api/changes", complete_change("x")).await);
    let path = object_path(&id);
    let (_, etag) = alice.fetch(&id).await;
    for (method, p) in
        [(Method::PUT, path.clone()), (Method::DELETE, path.clone()), (Method::POST, format!("{path}/submit"))]
    {
        let (status, _, body) =
            alice.call(method.clone(), &p).if_match(&etag).json(json!({})).without_csrf().send().await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {p}");
        assert_eq!(body["error"], "csrf");
    }
    assert_eq!(alice.fetch(&id).await.0["status"], "draft");
}

#[tokio::test]
async fn a_viewer_can_read_but_neither_create_nor_approve() {
    let app = TestApp::new().await;
    let (alice, victor) = (app.login("alice@example.com"), app.login("victor@example.com"));
    let (status, _, body) = victor.post("/api/changes", complete_change("x")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");

    let id = submitted_change(&alice, "Needs approval").await;
    assert_eq!(victor.get(&object_path(&id)).await.0, StatusCode::OK);
    let (status, _, body) = victor.act(&id, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(victor.act(&id, "cancel").await.0, StatusCode::FORBIDDEN);
    assert_eq!(victor.act(&id, "duplicate").await.0, StatusCode::FORBIDDEN);
    let (_, etag) = victor.fetch(&id).await;
    assert_eq!(victor.put(&object_path(&id), &etag, json!({"changeTitle": "v"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(alice.fetch(&id).await.0["status"], "submitted");
}

#[tokio::test]
async fn an_author_cannot_approve() {
    let app = TestApp::new().await;
    let (alice, cathy) = (app.login("alice@example.com"), app.login("cathy@acme.example.com"));
    let id = submitted_change(&alice, "Alice's").await;
    let (status, _, body) = alice.act(&id, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(cathy.act(&id, "approve").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_author_cannot_edit_submit_or_cancel_someone_elses_change() {
    let app = TestApp::new().await;
    let (alice, cathy) = (app.login("alice@example.com"), app.login("cathy@acme.example.com"));
    let id = submitted_change(&alice, "Alice's").await;
    let (_, etag) = cathy.fetch(&id).await;
    assert_eq!(cathy.put(&object_path(&id), &etag, json!({"changeTitle": "c"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(cathy.act(&id, "cancel").await.0, StatusCode::FORBIDDEN);
    assert_eq!(alice.fetch(&id).await.0["changeTitle"], "Alice's");
}

#[tokio::test]
async fn an_approver_cannot_approve_their_own_change() {
    let app = TestApp::new().await;
    // An approver who also writes changes.
    let mut session = app.session_for("bob@example.com");
    session.user.roles.push(Role::Author);
    let bob = app.client_with(&session);
    let id = submitted_change(&bob, "Bob's").await;
    let (status, _, body) = bob.act(&id, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "self_approval");
    assert_eq!(bob.fetch(&id).await.0["status"], "submitted");
    // Nor may an admin approve their own.
    let carol = app.login("carol@example.com");
    let own = submitted_change(&carol, "Carol's").await;
    assert_eq!(carol.act(&own, "approve").await.0, StatusCode::FORBIDDEN);
    assert_eq!(carol.act(&id, "approve").await.0, StatusCode::OK);
}

#[tokio::test]
async fn self_approval_is_allowed_when_the_config_says_so() {
    let app = TestApp::with_config(|c| c["portal"]["allow_self_approval"] = true.into()).await;
    let carol = app.login("carol@example.com");
    let id = submitted_change(&carol, "Carol's").await;
    let (status, _, body) = carol.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["object"]["approvedBy"], "carol@example.com");
    assert_eq!(carol.get("/api/me").await.2["allowSelfApproval"], true);
}

#[tokio::test]
async fn an_admin_can_act_on_anyones_change() {
    let app = TestApp::new().await;
    let (alice, carol) = (app.login("alice@example.com"), app.login("carol@example.com"));
    let id = submitted_change(&alice, "Alice's").await;
    let (_, etag) = carol.fetch(&id).await;
    let (status, _, body) = carol.put(&object_path(&id), &etag, json!({"changeTitle": "Edited by Carol"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["object"]["modifiedBy"], "carol@example.com");
    assert_eq!(carol.act(&id, "approve").await.0, StatusCode::OK);
    assert_eq!(carol.act(&id, "complete").await.0, StatusCode::OK);
    assert_eq!(carol.act(&id, "duplicate").await.0, StatusCode::CREATED);

    let other = submitted_change(&alice, "Cancel and delete").await;
    assert_eq!(carol.act(&other, "cancel").await.0, StatusCode::OK);
    let (status, _, body) = carol.delete(&object_path(&other)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_approver_can_complete_and_cancel_approved_changes() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let first = approved_change(&alice, &bob, "First").await;
    let second = approved_change(&alice, &bob, "Second").await;
    assert_eq!(bob.act(&first, "complete").await.0, StatusCode::OK);
    assert_eq!(bob.act(&second, "cancel").await.0, StatusCode::OK);
}

// --- customer scope: cathy may act for acme only -------------------------------------------------

async fn acme_and_globex_changes(app: &TestApp) -> (String, String, String) {
    let alice = app.login("alice@example.com");
    let mut acme = complete_change("For acme");
    acme["customers"] = json!(["acme"]);
    let mut globex = complete_change("For globex");
    globex["customers"] = json!(["globex"]);
    let mut both = complete_change("For both");
    both["customers"] = json!(["acme", "globex"]);
    let mut out = Vec::new();
    for body in [acme, globex, both] {
        let id = id_of(&alice.create("/api/changes", body).await);
        assert_eq!(alice.act(&id, "submit").await.0, StatusCode::OK);
        out.push(id);
    }
    (out[0].clone(), out[1].clone(), out[2].clone())
}

#[tokio::test]
async fn a_scoped_user_sees_only_their_customers_objects() {
    let app = TestApp::new().await;
    let (acme, globex, both) = acme_and_globex_changes(&app).await;
    let cathy = app.login("cathy@acme.example.com");

    assert_eq!(cathy.get(&object_path(&acme)).await.0, StatusCode::OK);
    assert_eq!(cathy.get(&object_path(&both)).await.0, StatusCode::OK);
    let (status, _, body) = cathy.get(&object_path(&globex)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(cathy.get(&format!("{}/versions", object_path(&globex))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(cathy.get(&format!("{}/versions/1", object_path(&globex))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(cathy.act(&globex, "duplicate").await.0, StatusCode::NOT_FOUND);

    for path in ["/api/changes", "/api/search", "/api/search?customer=globex", "/api/recent"] {
        let (status, _, page) = cathy.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        let mut seen = ids(&page);
        seen.sort_unstable();
        if path.contains("globex") {
            assert!(seen.is_empty(), "{path}: filtering by another customer reveals nothing: {seen:?}");
        } else {
            let mut want = [acme.as_str(), both.as_str()];
            want.sort_unstable();
            assert_eq!(seen, want, "{path}");
        }
    }
    let (_, _, stats) = cathy.get("/api/statistics").await;
    assert_eq!(stats["all"]["total"], 2, "{stats}");
    assert_eq!(stats["all"]["submitted"], 2, "{stats}");
    let (_, _, stats) = app.login("victor@example.com").get("/api/statistics").await;
    assert_eq!(stats["all"]["total"], 3, "{stats}");
}

#[tokio::test]
async fn a_scoped_user_cannot_create_for_another_customer() {
    let app = TestApp::new().await;
    let cathy = app.login("cathy@acme.example.com");
    let mut body = complete_change("For globex");
    body["customers"] = json!(["acme", "globex"]);
    let (status, _, reply) = cathy.post("/api/changes", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert_eq!(reply["field"], "customers");
    assert!(app.all_keys().await.is_empty());

    let mut body = complete_change("For acme");
    body["customers"] = json!(["acme"]);
    let id = id_of(&cathy.create("/api/changes", body).await);
    // Nor move one of hers to another customer.
    let (_, etag) = cathy.fetch(&id).await;
    let (status, _, reply) = cathy.put(&object_path(&id), &etag, json!({"customers": ["globex"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert_eq!(reply["field"], "customers");
}

#[tokio::test]
async fn a_scoped_user_cannot_duplicate_into_another_customers_draft() {
    let app = TestApp::new().await;
    let (_, _, both) = acme_and_globex_changes(&app).await;
    let cathy = app.login("cathy@acme.example.com");
    let (status, _, body) = cathy.act(&both, "duplicate").await;
    assert!(
        status == StatusCode::FORBIDDEN
            || (status == StatusCode::CREATED && body["object"]["customers"] == json!(["acme"])),
        "{status}: {body}"
    );
}

#[tokio::test]
async fn me_and_customers_show_a_scoped_user_only_their_customers() {
    let app = TestApp::new().await;
    let cathy = app.login("cathy@acme.example.com");
    let (_, _, me) = cathy.get("/api/me").await;
    assert_eq!(me["customers"], json!(["acme"]));
    assert_eq!(me["allCustomers"], false);
    let (_, _, list) = cathy.get("/api/customers").await;
    let codes: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["acme"]);
}

#[tokio::test]
async fn me_reports_the_expiry_of_the_reissued_cookie() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    app.clock.advance(Duration::minutes(30));
    let (_, headers, me) = alice.get("/api/me").await;
    assert!(headers.contains_key(header::SET_COOKIE));
    assert_eq!(me["expiresAt"], "2026-06-01T13:30:00Z");
}

#[tokio::test]
async fn a_scoped_author_lists_her_own_draft_before_choosing_customers() {
    let app = TestApp::new().await;
    let cathy = app.login("cathy@acme.example.com");
    let id = id_of(&cathy.create("/api/changes", json!({"changeTitle": "Not sure for whom yet"})).await);
    assert_eq!(cathy.get(&object_path(&id)).await.0, StatusCode::OK);
    assert_eq!(ids(&cathy.get("/api/changes").await.2), [id.as_str()]);
}

/// Every customer code a reply mentions, wherever it appears.
fn codes_in(value: &serde_json::Value) -> Vec<String> {
    let text = value.to_string();
    ["acme", "globex"].iter().filter(|c| text.contains(&format!("\"{c}\""))).map(|c| (*c).to_owned()).collect()
}

#[tokio::test]
async fn a_scoped_user_reading_a_shared_object_sees_no_other_customer_on_any_read_route() {
    let app = TestApp::new().await;
    let (_, _, both) = acme_and_globex_changes(&app).await;
    // Both customers' processors have reported.
    for customer in ["acme", "globex"] {
        let result = ccm_core::model::DeliveryResult {
            object: ccm_core::ObjectId::parse(&both).unwrap(),
            version: 2,
            customer: ccm_core::CustomerCode::parse(customer).unwrap(),
            event: "approval_request".into(),
            topic: "aws-approval".into(),
            at: chrono::Utc::now(),
            subscribers: 2,
            restricted: 0,
            sent: 2,
            already_sent: 0,
            rejected: 0,
        };
        let body = bytes::Bytes::from(serde_json::to_vec(&result).unwrap());
        let options = ccm_core::ports::PutOptions::create_only();
        app.store.put(&result.key().unwrap(), body, options).await.unwrap();
    }
    let victor = app.login("victor@example.com");
    let (_, _, full) = victor.get(&object_path(&both)).await;
    assert_eq!(codes_in(&full), ["acme", "globex"], "an unscoped user sees both: {full}");

    let cathy = app.login("cathy@acme.example.com");
    let path = object_path(&both);
    for route in [
        path.clone(),
        format!("{path}/versions"),
        format!("{path}/versions/1"),
        format!("{path}/versions/2"),
        format!("{path}/deliveries"),
        "/api/changes".into(),
        "/api/search?q=both".into(),
        "/api/recent".into(),
        "/api/statistics".into(),
    ] {
        let (status, _, body) = cathy.get(&route).await;
        assert_eq!(status, StatusCode::OK, "{route}: {body}");
        assert!(!codes_in(&body).contains(&"globex".to_owned()), "{route} names globex: {body}");
    }
    let (_, _, object) = cathy.get(&path).await;
    assert_eq!(object["customers"], json!(["acme"]));
    let processed: Vec<&serde_json::Value> =
        object["modifications"].as_array().unwrap().iter().filter(|m| m["modification_type"] == "processed").collect();
    assert_eq!(processed.len(), 1, "only acme's delivery result: {processed:?}");
}

#[tokio::test]
async fn a_scoped_users_edit_of_a_shared_object_never_drops_the_customers_they_cannot_see() {
    // An admin bound to acme (admins may edit anyone's object) sends back only what she saw.
    let app = TestApp::with_config(|c| {
        c["portal"]["demo_users"].as_array_mut().unwrap().push(json!(
            {"email": "sam@acme.example.com", "name": "Sam", "roles": ["admin"], "customers": ["acme"]}));
    })
    .await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Shared draft");
    body["customers"] = json!(["acme", "globex"]);
    let id = id_of(&alice.create("/api/changes", body).await);
    assert_eq!(alice.act(&id, "submit").await.0, StatusCode::OK);
    let sam = app.login("sam@acme.example.com");
    let (seen, etag) = sam.fetch(&id).await;
    assert_eq!(seen["customers"], json!(["acme"]));
    let (status, _, reply) =
        sam.put(&object_path(&id), &etag, json!({"customers": ["acme"], "changeTitle": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
    assert_eq!(reply["field"], "customers", "{reply}");
    assert_eq!(alice.fetch(&id).await.0["customers"], json!(["acme", "globex"]));
}
