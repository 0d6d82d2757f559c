//! `GET /api/changes/{id}/deliveries`: sent counts and SES's feedback per customer, other
//! customers left out and addresses masked for customer-scoped users, in full for staff.

use axum::http::StatusCode;
use ccm_core::feedback::{FeedbackKind, FeedbackRecord};
use ccm_core::model::DeliveryResult;
use ccm_core::ports::PutOptions;
use ccm_core::{CustomerCode, EmailAddress, ObjectId};
use serde_json::json;

use crate::support::*;

async fn put(app: &TestApp, key: ccm_core::StorageKey, value: impl serde::Serialize) {
    let body = bytes::Bytes::from(serde_json::to_vec(&value).unwrap());
    app.store.put(&key, body, PutOptions::create_only()).await.unwrap();
}

/// A change for acme and globex, sent to both, with a delivery and a bounce for acme and a
/// complaint for globex.
async fn reported_change(app: &TestApp) -> String {
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Reported");
    body["customers"] = json!(["acme", "globex"]);
    let id = id_of(&alice.create("/api/changes", body).await);
    assert_eq!(alice.act(&id, "submit").await.0, StatusCode::OK);
    let object = ObjectId::parse(&id).unwrap();
    for customer in ["acme", "globex"] {
        let result = DeliveryResult {
            object: object.clone(),
            version: 2,
            customer: CustomerCode::parse(customer).unwrap(),
            event: "approval_request".into(),
            topic: "aws-approval".into(),
            at: chrono::Utc::now(),
            subscribers: 2,
            restricted: 0,
            sent: 2,
            already_sent: 0,
            rejected: 0,
        };
        put(app, result.key().unwrap(), &result).await;
    }
    for (customer, kind, message, to) in [
        ("acme", FeedbackKind::Delivery, "m1", "jane@acme.example.com"),
        ("acme", FeedbackKind::Bounce, "m2", "gone@acme.example.com"),
        ("globex", FeedbackKind::Complaint, "m3", "angry@globex.example.com"),
    ] {
        let record = FeedbackRecord {
            object: object.clone(),
            version: 2,
            customer: CustomerCode::parse(customer).unwrap(),
            event: "approval_request".into(),
            kind,
            message_id: message.into(),
            recipients: vec![EmailAddress::parse(to).unwrap()],
            detail: None,
            at: chrono::Utc::now(),
        };
        put(app, record.key().unwrap(), &record).await;
    }
    id
}

#[tokio::test]
async fn staff_see_every_customers_counts_and_the_addresses_in_full() {
    let app = TestApp::new().await;
    let id = reported_change(&app).await;
    let (status, _, body) = app.login("victor@example.com").get(&format!("{}/deliveries", object_path(&id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], id);
    let customers = body["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 2, "{body}");
    assert_eq!(
        customers[0],
        json!({"customer": "acme", "sent": 2, "delivered": 1, "bounced": 1, "complained": 0, "rejected": 0,
               "bounced_addresses": ["gone@acme.example.com"], "complained_addresses": []})
    );
    assert_eq!(customers[1]["complained_addresses"], json!(["angry@globex.example.com"]));
}

#[tokio::test]
async fn a_customer_scoped_user_sees_their_customer_only_with_masked_addresses() {
    let app = TestApp::new().await;
    let id = reported_change(&app).await;
    let (status, _, body) = app.login("cathy@acme.example.com").get(&format!("{}/deliveries", object_path(&id))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let customers = body["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 1, "{body}");
    assert_eq!(customers[0]["customer"], "acme");
    assert_eq!(customers[0]["bounced_addresses"], json!(["g***@acme.example.com"]));
    assert!(!body.to_string().contains("globex"), "{body}");
}

#[tokio::test]
async fn an_object_without_sends_has_no_deliveries_and_a_hidden_one_is_not_found() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let mut body = complete_change("Globex only");
    body["customers"] = json!(["globex"]);
    let id = id_of(&alice.create("/api/changes", body).await);
    let (status, _, body) = alice.get(&format!("{}/deliveries", object_path(&id))).await;
    assert_eq!((status, body["customers"].clone()), (StatusCode::OK, json!([])));
    alice.act(&id, "submit").await;
    let (status, _, _) = app.login("cathy@acme.example.com").get(&format!("{}/deliveries", object_path(&id))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
