//! Delivery feedback on one machine: the outbox mailer acts as SES's mailbox simulator, so a change
//! approved for umbrella (whose demo contacts include `bounce@` and `complaint@simulator.amazonses.com`)
//! comes back as delivered, bounced and complained counts through the API, with the addresses in
//! full for staff and masked for umbrella's own (customer-scoped) approver.

use serde_json::{Value, json};

use super::{Running, sign_in, start};

async fn call(http: &reqwest::Client, app: &Running, who: &str, method: reqwest::Method, path: &str) -> Value {
    let (cookie, csrf) = sign_in(http, &app.base, who).await;
    let res = http
        .request(method, format!("{}{path}", app.base))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Umbrella's row of the deliveries of `id`, as `who` sees it, once `done` holds (up to ~15 s).
async fn umbrella_row(
    http: &reqwest::Client,
    app: &Running,
    who: &str,
    id: &str,
    done: &dyn Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        let body = call(http, app, who, reqwest::Method::GET, &format!("/api/changes/{id}/deliveries")).await;
        if let Some(row) = body["customers"].as_array().and_then(|c| c.iter().find(|r| r["customer"] == "umbrella")) {
            if done(row) {
                return row.clone();
            }
            last = row.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("umbrella's deliveries never settled: {last}");
}

#[tokio::test]
async fn an_approved_change_shows_the_simulators_deliveries_bounces_and_complaints_through_the_api() {
    let app = start().await;
    let http = reqwest::Client::new();
    let day = (chrono::Utc::now() + chrono::Duration::days(5)).format("%Y-%m-%d").to_string();
    let (alice, csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let created: Value = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "changeTitle": "Feedback loop", "changeReason": "Test", "implementationPlan": "Do it",
            "customers": ["umbrella"], "status": "submitted",
            "implementationBeginDate": day, "implementationBeginTime": "09:00",
            "implementationEndDate": day, "implementationEndTime": "10:00"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["object"]["changeId"].as_str().unwrap().to_owned();
    // Umbrella's policy wants two approvers: one from ccm-approvers, one from its change board.
    for who in ["bob@example.com", "ursula@example.com"] {
        call(&http, &app, who, reqwest::Method::POST, &format!("/api/changes/{id}/approve")).await;
    }

    // The approval requests and the approval notice each reached both simulator addresses.
    let settled = |row: &Value| {
        let n = |k: &str| row[k].as_u64().unwrap_or_default();
        n("bounced") == 2 && n("complained") == 2 && n("sent") > 4 && n("delivered") + n("bounced") == n("sent")
    };
    let staff = umbrella_row(&http, &app, "victor@example.com", &id, &settled).await;
    assert_eq!(staff["bounced_addresses"], json!(["bounce@simulator.amazonses.com"]), "{staff}");
    assert_eq!(staff["complained_addresses"], json!(["complaint@simulator.amazonses.com"]), "{staff}");
    assert_eq!(staff["rejected"], 0);

    let scoped = umbrella_row(&http, &app, "ursula@example.com", &id, &settled).await;
    assert_eq!(scoped["bounced_addresses"], json!(["b***@simulator.amazonses.com"]), "{scoped}");
    assert_eq!(scoped["complained_addresses"], json!(["c***@simulator.amazonses.com"]), "{scoped}");
    assert_eq!(
        (scoped["sent"].clone(), scoped["delivered"].clone()),
        (staff["sent"].clone(), staff["delivered"].clone())
    );
}
