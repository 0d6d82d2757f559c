//! `POST /webhooks/typeform`: deliveries signed as Typeform documents are recorded once; anything
//! unsigned, wrongly signed or oversized is refused before it is read, and nothing is stored.

use bytes::Bytes;
use ccm_core::ports::{PutOptions, Secret};
use ccm_core::survey::SurveyFormRecord;
use ccm_core::survey::typeform::signature;
use ccm_core::{CustomerCode, ObjectId};
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, approved_change};

const SECRET: &str = "tf-webhook-secret-0123456789abcdef";
const FORM: &str = "frm0001";

/// An app with the webhook secret, a completed change for acme and globex, and the record of the
/// Typeform form made for acme (as the processor's Typeform adapter writes it).
async fn setup() -> (TestApp, String) {
    let mut app = TestApp::new().await;
    app.state.surveys.typeform_secret = Some(Secret::new(SECRET));
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = approved_change(&alice, &bob, "Rotate certificates").await;
    let (status, _, body) = alice.act(&id, "complete").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = SurveyFormRecord {
        provider: "typeform".into(),
        form_id: FORM.into(),
        object: ObjectId::parse(&id).unwrap(),
        type_name: "change".into(),
        title: "Rotate certificates".into(),
        customer: CustomerCode::parse("acme").unwrap(),
        year: 2026,
        quarter: 2,
        opened_at: "2026-06-01T12:00:00Z".parse().unwrap(),
        display_url: format!("https://acme.typeform.com/to/{FORM}"),
        created_at: "2026-06-01T12:00:05Z".parse().unwrap(),
        provider_form: Value::Null,
    };
    let body = Bytes::from(serde_json::to_vec(&record).unwrap());
    app.store.put(&record.key().unwrap(), body, PutOptions::create_only()).await.unwrap();
    (app, id)
}

/// Typeform's delivery of one response to our form, shaped as its documentation's example.
fn delivery(id: &str, token: &str, form: &str) -> String {
    json!({
        "event_id": "01J0WEBHOOKEVENT",
        "event_type": "form_response",
        "form_response": {
            "form_id": form,
            "token": token,
            "landed_at": "2026-06-02T09:00:00Z",
            "submitted_at": "2026-06-02T09:01:30Z",
            "hidden": {"object_id": id, "event_type": "change", "event_subtype": "general", "customer_code": "acme", "year": "2026", "quarter": "2"},
            "definition": {"id": form, "title": "Rotate certificates", "fields": []},
            "answers": [
                {"type": "boolean", "boolean": true, "field": {"id": "f1", "type": "yes_no", "ref": "excellent"}},
                {"type": "number", "number": 10, "field": {"id": "f2", "type": "opinion_scale", "ref": "recommend"}},
                {"type": "text", "text": "Well <b>announced</b>", "field": {"id": "f3", "type": "long_text", "ref": "improve"}}
            ]
        }
    })
    .to_string()
}

async fn post(app: &TestApp, body: &str, signature: Option<String>) -> Reply {
    let client = app.anonymous();
    let mut call = client.call(Method::POST, "/webhooks/typeform").raw(body.to_owned());
    if let Some(s) = signature {
        call = call.header("typeform-signature", &s);
    }
    call.send().await
}

fn signed(body: &str) -> Option<String> {
    Some(signature(SECRET.as_bytes(), body.as_bytes()))
}

async fn answers(app: &TestApp) -> Vec<String> {
    app.keys("surveys/results/").await
}

#[tokio::test]
async fn a_delivery_signed_as_typeform_documents_is_recorded_and_shows_on_the_object() {
    let (app, id) = setup().await;
    let body = delivery(&id, "a3a12ec67a1365927098a606107fac15", FORM);
    let (status, _, reply) = post(&app, &body, signed(&body)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply["status"], "recorded");
    let stored = answers(&app).await;
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].starts_with("surveys/results/acme/2026/Q2/")
            && stored[0].ends_with(&format!("{id}_a3a12ec67a1365927098a606107fac15.json")),
        "{stored:?}"
    );

    let (_, _, surveys) = app.login("bob@example.com").get(&format!("/api/changes/{id}/surveys")).await;
    let acme = &surveys["customers"][0];
    assert_eq!((acme["score"]["responses"].as_u64(), acme["score"]["nps"].as_i64()), (Some(1), Some(100)));
    let answer = &acme["answers"][0];
    assert_eq!(
        (answer["source"].as_str(), answer["comment"].as_str()),
        (Some("typeform"), Some("Well <b>announced</b>"))
    );
}

#[tokio::test]
async fn a_redelivered_response_is_acknowledged_and_stored_once() {
    let (app, id) = setup().await;
    let body = delivery(&id, "tok1", FORM);
    assert_eq!(post(&app, &body, signed(&body)).await.2["status"], "recorded");
    let (status, _, reply) = post(&app, &body, signed(&body)).await;
    assert_eq!((status, reply["status"].as_str()), (StatusCode::OK, Some("duplicate")));
    assert_eq!(answers(&app).await.len(), 1);
}

#[tokio::test]
async fn wrong_secrets_hex_digests_missing_headers_and_altered_bodies_are_refused_and_nothing_is_stored() {
    let (app, id) = setup().await;
    let body = delivery(&id, "tok2", FORM);
    let hex_digest = {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    };
    let attempts = [
        ("another secret", Some(signature(b"not the secret", body.as_bytes()))),
        ("hex, as the original system compared", Some(hex_digest)),
        ("no header", None),
        ("the signature of another body", signed(&delivery(&id, "tok3", FORM))),
        ("no sha256= prefix", signed(&body).map(|s| s.trim_start_matches("sha256=").to_owned())),
        ("garbage", Some("sha256=%%%".to_owned())),
    ];
    for (what, signature) in attempts {
        let (status, _, reply) = post(&app, &body, signature).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {reply}");
        assert_eq!(reply["error"], "bad_signature", "{what}");
    }
    assert!(answers(&app).await.is_empty());
}

#[tokio::test]
async fn an_oversized_delivery_is_refused_and_nothing_is_stored() {
    let (app, id) = setup().await;
    let mut value: Value = serde_json::from_str(&delivery(&id, "tok4", FORM)).unwrap();
    value["padding"] = json!("x".repeat(300 * 1024));
    let body = value.to_string();
    let (status, _, reply) = post(&app, &body, signed(&body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert!(answers(&app).await.is_empty());
}

#[tokio::test]
async fn deliveries_for_forms_ccm_did_not_make_are_acknowledged_and_not_stored() {
    let (app, id) = setup().await;
    for body in [
        delivery(&id, "tok5", "someoneelse"),
        delivery("CHG-00000000-0000-0000-0000-000000000000", "tok6", FORM),
        json!({"event_id": "e", "event_type": "form_partial_response", "form_response": null}).to_string(),
    ] {
        let (status, _, reply) = post(&app, &body, signed(&body)).await;
        assert_eq!((status, reply["status"].as_str()), (StatusCode::OK, Some("ignored")), "{reply}");
    }
    let junk = "{\"not\": \"typeform\"}";
    let (status, _, _) = post(&app, junk, signed(junk)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let bad_token = delivery(&id, "../../archive", FORM);
    let (status, _, _) = post(&app, &bad_token, signed(&bad_token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a token that is not a response token");
    assert!(answers(&app).await.is_empty());
}

#[tokio::test]
async fn the_webhook_takes_only_post_and_is_absent_without_a_secret() {
    let (app, id) = setup().await;
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let (status, _, _) = app.anonymous().call(method.clone(), "/webhooks/typeform").send().await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    let plain = TestApp::new().await;
    let body = delivery(&id, "tok7", FORM);
    let (status, _, _) = post(&plain, &body, signed(&body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
