//! Approval policies per customer (config.json's `approval_policies`): umbrella needs two distinct
//! approvers from ccm-approvers or its own change board, and not from the author's team.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

async fn submitted_for(alice: &Client, customers: Value) -> String {
    let mut body = complete_change("Patch the umbrella fleet");
    body["customers"] = customers;
    let id = id_of(&alice.create("/api/changes", body).await);
    let (status, _, reply) = alice.act(&id, "submit").await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    id
}

#[tokio::test]
async fn a_customer_needing_two_approvers_is_approved_by_the_second_and_the_first_is_recorded() {
    let app = TestApp::new().await;
    let (alice, bob, ursula) =
        (app.login("alice@example.com"), app.login("bob@example.com"), app.login("ursula@example.com"));
    let id = submitted_for(&alice, json!(["umbrella"])).await;

    let (status, _, first) = bob.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["object"]["status"], "submitted", "one of two: still submitted");
    assert_eq!(first["summary"]["total"], 0, "nobody is notified of a partial approval");
    assert_eq!(history(&first["object"]).last(), Some(&"partially_approved"));
    assert_eq!(first["object"]["approvals"][0]["user_id"], "bob@example.com");

    let (status, _, again) = bob.act(&id, "approve").await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::FORBIDDEN, Some("approval_policy")), "{again}");

    let (_, _, progress) = alice.get(&format!("/api/approvals/{id}")).await;
    assert_eq!(progress["complete"], false);
    assert_eq!(progress["customers"][0]["customer"], "umbrella");
    assert_eq!(progress["customers"][0]["quorum"], 2);
    assert_eq!(progress["customers"][0]["stillNeeded"], 1);
    assert_eq!(progress["customers"][0]["approvedBy"][0]["user"], "bob@example.com");
    assert_eq!(progress["canApprove"], false, "alice wrote it");

    let (_, _, for_ursula) = ursula.get(&format!("/api/approvals/{id}")).await;
    assert_eq!(for_ursula["canApprove"], true, "{for_ursula}");
    let (status, _, second) = ursula.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["object"]["status"], "approved");
    assert_eq!(second["object"]["approvedBy"], "ursula@example.com");
    assert_eq!(second["summary"]["total"], 1, "now umbrella is notified");
    let who: Vec<&str> =
        second["object"]["approvals"].as_array().unwrap().iter().map(|a| a["user_id"].as_str().unwrap()).collect();
    assert_eq!(who, ["bob@example.com", "ursula@example.com"]);
    assert_eq!(history(&second["object"]), ["created", "submitted", "partially_approved", "approved"]);
}

#[tokio::test]
async fn an_object_of_several_customers_waits_for_every_customers_policy() {
    let app = TestApp::new().await;
    let (alice, bob, ursula) =
        (app.login("alice@example.com"), app.login("bob@example.com"), app.login("ursula@example.com"));
    let id = submitted_for(&alice, json!(["acme", "umbrella"])).await;
    let (_, _, first) = bob.act(&id, "approve").await;
    assert_eq!(first["object"]["status"], "submitted");
    let (_, _, progress) = bob.get(&format!("/api/approvals/{id}")).await;
    let met: Vec<(String, bool)> = progress["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["customer"].as_str().unwrap().to_owned(), c["met"].as_bool().unwrap()))
        .collect();
    assert_eq!(met, [("acme".to_owned(), true), ("umbrella".to_owned(), false)]);
    let (_, _, scoped) = ursula.get(&format!("/api/approvals/{id}")).await;
    assert_eq!(scoped["customers"].as_array().unwrap().len(), 1, "ursula sees umbrella only: {scoped}");
    let (status, _, done) = ursula.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["object"]["status"], "approved");
}

#[tokio::test]
async fn an_edit_after_a_partial_approval_resets_it() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.login("alice@example.com"), app.login("bob@example.com"));
    let id = submitted_for(&alice, json!(["umbrella"])).await;
    bob.act(&id, "approve").await;
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, edited) =
        alice.put(&object_path(&id), &etag, json!({"changeTitle": "Patch the umbrella fleet (v2)"})).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert!(edited["object"].get("approvals").is_none(), "{edited}");
    let last = edited["object"]["modifications"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["comment"], "1 approval(s) reset by the edit");
    let (_, _, progress) = bob.get(&format!("/api/approvals/{id}")).await;
    assert_eq!(progress["customers"][0]["stillNeeded"], 2);
    assert_eq!(progress["canApprove"], true, "bob may approve the new version again");
}

#[tokio::test]
async fn an_approver_of_the_authors_team_or_outside_the_groups_does_not_count() {
    let app = TestApp::with_config(|c| {
        // Bob joins alice's team; victor becomes an approver outside umbrella's groups.
        let users = c["portal"]["demo_users"].as_array_mut().unwrap();
        for u in users.iter_mut() {
            if u["email"] == "bob@example.com" {
                u["groups"] = json!(["ccm-approvers", "team-platform"]);
            }
            if u["email"] == "victor@example.com" {
                u["roles"] = json!(["approver"]);
                u["groups"] = json!([]);
            }
        }
    })
    .await;
    let (alice, bob, victor) =
        (app.login("alice@example.com"), app.login("bob@example.com"), app.login("victor@example.com"));
    let id = submitted_for(&alice, json!(["umbrella"])).await;
    let (status, _, body) = bob.act(&id, "approve").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("approval_policy")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("author's team"), "{body}");
    let (status, _, body) = victor.act(&id, "approve").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("ccm-approvers or umbrella-change-board"), "{body}");
    let (_, _, progress) = victor.get(&format!("/api/approvals/{id}")).await;
    assert_eq!(progress["canApprove"], false);
    assert!(progress["cannotApproveReason"].as_str().unwrap().contains("umbrella needs an approver"));
}
