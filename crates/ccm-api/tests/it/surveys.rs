//! The built-in survey: answering through a signed link (no sign-in), and the answers on the object
//! and in the figures per customer and quarter, cut to the caller's customers.

use ccm_core::ports::Clock;
use ccm_core::survey::{SurveyClaims, SurveyKeys, respondent};
use ccm_core::{CustomerCode, EmailAddress, ObjectId, Token};
use chrono::Duration;
use http::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{Client, TestApp, approved_change, submitted_change};

fn keys() -> SurveyKeys {
    SurveyKeys::from_secrets(&"survey".repeat(8), None)
}

async fn app() -> TestApp {
    let mut app = TestApp::new().await;
    app.state.surveys.links = Some(keys());
    app
}

/// The link token of `email` at `customer` for `id`, valid for 90 days from the test's start.
fn token(app: &TestApp, id: &str, customer: &str, email: &str) -> String {
    let claims = SurveyClaims {
        object: ObjectId::parse(id).unwrap(),
        customer: CustomerCode::parse(customer).unwrap(),
        respondent: respondent(&EmailAddress::parse(email).unwrap()),
        expires: app.clock.now() + Duration::days(90),
    };
    keys().sign(&claims)
}

/// A change for acme and globex, approved by bob and completed by alice.
async fn completed(app: &TestApp, title: &str) -> String {
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = approved_change(&alice, &bob, title).await;
    let (status, _, body) = alice.act(&id, "complete").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

async fn put_answer(client: &Client, token: &str, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["token"] = json!(token);
    let (status, _, reply) = client.call(Method::PUT, "/api/survey").json(body).without_csrf().send().await;
    (status, reply)
}

#[tokio::test]
async fn a_recipient_answers_through_their_link_and_a_second_submit_replaces_the_answer() {
    let app = app().await;
    let id = completed(&app, "Rotate certificates").await;
    let anonymous = app.anonymous();
    let t = token(&app, &id, "acme", "ops@acme.example.com");

    let (status, headers, form) = anonymous.get(&format!("/api/survey?t={t}")).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!((form["objectId"].as_str(), form["title"].as_str()), (Some(id.as_str()), Some("Rotate certificates")));
    assert_eq!((form["customer"].as_str(), form["customerName"].as_str()), (Some("acme"), Some("Acme Corporation")));
    assert_eq!(form["questions"]["excellent"], "Was this change excellent?");
    assert_eq!(form["logoUrl"], "/logos/acme.svg");
    assert!(form["answer"].is_null());

    let (status, reply) =
        put_answer(&anonymous, &t, json!({"excellent": true, "recommend": 9, "comment": "Smooth"})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!((reply["status"].as_str(), reply["answer"]["recommend"].as_u64()), (Some("created"), Some(9)));
    app.clock.advance(Duration::hours(2));
    let (status, reply) = put_answer(&anonymous, &t, json!({"excellent": false, "recommend": 4})).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["status"], "updated");
    assert!(reply["answer"]["updatedAt"].is_string() && reply["answer"].get("comment").is_none());

    let (_, _, form) = anonymous.get(&format!("/api/survey?t={t}")).await;
    assert_eq!((form["answer"]["excellent"].as_bool(), form["answer"]["recommend"].as_u64()), (Some(false), Some(4)));
    let stored = app.keys("surveys/results/acme/").await;
    assert_eq!(stored.len(), 1, "one answer per recipient: {stored:?}");
    assert!(stored[0].starts_with("surveys/results/acme/2026/Q2/") && stored[0].contains(&id), "{stored:?}");
    let record = app.stored(&stored[0]).await.unwrap();
    assert!(!record.to_string().contains("ops@acme"), "no address is stored: {record}");
}

#[tokio::test]
async fn a_forged_expired_or_misdirected_link_is_refused() {
    let app = app().await;
    let id = completed(&app, "Rotate certificates").await;
    let anonymous = app.anonymous();
    let (status, _, body) = anonymous.get("/api/survey?t=not.a-token").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("survey_link_invalid")));
    let foreign = SurveyKeys::from_secrets(&"other".repeat(10), None).sign(&SurveyClaims {
        object: ObjectId::parse(&id).unwrap(),
        customer: CustomerCode::parse("acme").unwrap(),
        respondent: Token::parse("0123456789abcdef0123456789abcdef").unwrap(),
        expires: "2030-01-01T00:00:00Z".parse().unwrap(),
    });
    let (status, _) = put_answer(&anonymous, &foreign, json!({"excellent": true, "recommend": 10})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) =
        anonymous.get(&format!("/api/survey?t={}", token(&app, &id, "initech", "ops@initech.example.com"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "initech is not on the change: {body}");
    let alice = app.login("alice@example.com");
    let open = submitted_change(&alice, "Not done yet").await;
    let (status, _, _) =
        anonymous.get(&format!("/api/survey?t={}", token(&app, &open, "acme", "ops@acme.example.com"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a survey opens on completion");
    let t = token(&app, &id, "acme", "ops@acme.example.com");
    app.clock.advance(Duration::days(91));
    let (status, _, body) = anonymous.get(&format!("/api/survey?t={t}")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("survey_link_expired")), "{body}");
    assert!(app.keys("surveys/").await.is_empty());
}

#[tokio::test]
async fn a_missing_or_out_of_range_answer_is_refused_naming_each_field() {
    let app = app().await;
    let id = completed(&app, "Rotate certificates").await;
    let t = token(&app, &id, "acme", "ops@acme.example.com");
    let (status, body) = put_answer(&app.anonymous(), &t, json!({"recommend": 11})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["excellent", "recommend"]);
    let (status, _, _) = app
        .anonymous()
        .call(Method::PUT, "/api/survey")
        .raw("token=x")
        .header("content-type", "text/plain")
        .send()
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a cross-site form post cannot answer");
    assert!(app.keys("surveys/").await.is_empty());
}

async fn answer_as(app: &TestApp, id: &str, customer: &str, who: &str, excellent: bool, recommend: u8, comment: &str) {
    let t = token(app, id, customer, &format!("{who}@{customer}.example.com"));
    let (status, body) =
        put_answer(&app.anonymous(), &t, json!({"excellent": excellent, "recommend": recommend, "comment": comment}))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn answers_show_on_the_object_per_customer_and_a_scoped_user_sees_only_theirs() {
    let app = app().await;
    let id = completed(&app, "Rotate certificates").await;
    answer_as(&app, &id, "acme", "ops", true, 10, "Great").await;
    answer_as(&app, &id, "acme", "noc", false, 5, "Too long").await;
    answer_as(&app, &id, "globex", "ops", true, 8, "").await;

    let (status, _, body) = app.login("bob@example.com").get(&format!("/api/changes/{id}/surveys")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["quarter"], "2026-Q2");
    let customers = body["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 2);
    let acme = &customers[0];
    assert_eq!((acme["customer"].as_str(), acme["score"]["responses"].as_u64()), (Some("acme"), Some(2)));
    assert_eq!((acme["score"]["satisfaction"].as_i64(), acme["score"]["nps"].as_i64()), (Some(50), Some(0)));
    let comments: Vec<&str> =
        acme["answers"].as_array().unwrap().iter().filter_map(|a| a["comment"].as_str()).collect();
    assert_eq!(comments.len(), 2);
    assert_eq!(customers[1]["score"]["nps"], 0, "one passive");

    let (status, _, scoped) = app.login("cathy@acme.example.com").get(&format!("/api/changes/{id}/surveys")).await;
    assert_eq!(status, StatusCode::OK, "{scoped}");
    let names: Vec<&str> =
        scoped["customers"].as_array().unwrap().iter().map(|c| c["customer"].as_str().unwrap()).collect();
    assert_eq!(names, ["acme"]);
    assert!(!scoped.to_string().contains("globex"));

    let (status, _, _) = app.login("bob@example.com").get(&format!("/api/announcements/{id}/surveys")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a change is not an announcement");
    let open = submitted_change(&app.login("alice@example.com"), "Open").await;
    let (_, _, none) = app.login("bob@example.com").get(&format!("/api/changes/{open}/surveys")).await;
    assert_eq!((none["quarter"].clone(), none["customers"].as_array().map(Vec::len)), (Value::Null, Some(0)));
}

#[tokio::test]
async fn the_figures_give_nps_and_satisfaction_per_customer_and_quarter_within_the_callers_scope() {
    let app = app().await;
    let id = completed(&app, "Rotate certificates").await;
    answer_as(&app, &id, "acme", "ops", true, 10, "").await;
    answer_as(&app, &id, "acme", "noc", true, 9, "").await;
    answer_as(&app, &id, "globex", "ops", false, 2, "Slow").await;
    let bob = app.login("bob@example.com");

    let (status, _, all) = bob.get("/api/surveys?from=2026-Q1&to=2026-Q4").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!((all["from"].as_str(), all["to"].as_str()), (Some("2026-Q1"), Some("2026-Q4")));
    let rows = all["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0]["customer"].as_str(), rows[0]["quarter"].as_str()), (Some("acme"), Some("2026-Q2")));
    assert_eq!((rows[0]["score"]["nps"].as_i64(), rows[0]["score"]["satisfaction"].as_i64()), (Some(100), Some(100)));
    assert_eq!((rows[1]["score"]["nps"].as_i64(), rows[1]["score"]["satisfaction"].as_i64()), (Some(-100), Some(0)));
    assert_eq!((all["total"]["responses"].as_u64(), all["total"]["nps"].as_i64()), (Some(3), Some(33)));
    assert_eq!(all["answers"].as_array().unwrap().len(), 3);

    let (_, _, globex) = bob.get("/api/surveys?customer=globex&from=2026-04-01&to=2026-06-30").await;
    assert_eq!(globex["total"]["responses"], 1);
    let (_, _, announcements) = bob.get("/api/surveys?type=cic,general&from=2026-Q2&to=2026-Q2").await;
    assert_eq!(announcements["total"]["responses"], 0);
    let (_, _, earlier) = bob.get("/api/surveys?from=2025-Q1&to=2026-Q1").await;
    assert_eq!(earlier["total"]["responses"], 0, "answers count in the quarter the change was completed");

    let (_, _, cathy) = app.login("cathy@acme.example.com").get("/api/surveys?from=2026-Q2&to=2026-Q2").await;
    assert_eq!(cathy["total"]["responses"], 2);
    assert!(!cathy.to_string().contains("globex"), "{cathy}");
    let (_, _, cathy) =
        app.login("cathy@acme.example.com").get("/api/surveys?customer=globex&from=2026-Q2&to=2026-Q2").await;
    assert_eq!(cathy["total"]["responses"], 0, "another customer's answers are not shown");

    for (query, field) in [
        ("from=2026-Q5", "from"),
        ("to=soon", "to"),
        ("from=2026-Q3&to=2026-Q1", "from"),
        ("from=2020-Q1&to=2026-Q1", "from"),
        ("customer=nobody", "customer"),
        ("type=meeting", "type"),
    ] {
        let (status, _, body) = bob.get(&format!("/api/surveys?{query}")).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{query}: {body}");
    }
    let (status, _, _) = app.anonymous().get("/api/surveys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn where_no_link_key_is_configured_the_survey_page_has_nothing_to_answer() {
    let app = TestApp::new().await;
    let (status, _, body) = app.anonymous().get("/api/survey?t=abc.def").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn the_openapi_document_describes_the_survey_routes_and_the_public_ones_need_no_csrf() {
    let app = TestApp::new().await;
    let (_, _, doc) = app.login("victor@example.com").get("/api/openapi.json").await;
    let paths = &doc["paths"];
    for p in [
        "/api/survey",
        "/api/surveys",
        "/api/changes/{id}/surveys",
        "/api/announcements/{id}/surveys",
        "/webhooks/typeform",
    ] {
        assert!(paths.get(p).is_some(), "{p} missing");
    }
    assert_eq!(paths["/api/survey"]["put"]["security"], json!([{}]), "answering needs no session");
    assert_eq!(paths["/webhooks/typeform"]["post"]["security"], json!([{}]));
    let write = &paths["/api/saved-searches"]["put"]["security"];
    assert!(write.to_string().contains("csrf"), "other writes still need the CSRF header: {write}");
}
