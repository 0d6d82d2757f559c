//! The built-in survey in `ccm serve`: completing a change mails each recipient their own survey
//! link; the link opens `/survey.html` without signing in, takes one answer per recipient, and the
//! answer shows on the change.

use serde_json::{Value, json};

use super::{Running, sign_in, start};

async fn act(http: &reqwest::Client, app: &Running, who: &str, id: &str, action: &str) {
    let (cookie, csrf) = sign_in(http, &app.base, who).await;
    let res = http
        .post(format!("{}/api/changes/{id}/{action}", app.base))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{action}: {}", res.text().await.unwrap());
}

/// The survey links of the completion notices of `title`, per recipient (from the text parts).
async fn survey_links(app: &Running, title: &str) -> Vec<(String, String)> {
    let subject = format!("✅ Completed: {title}");
    for _ in 0..100 {
        let mut found = Vec::new();
        for e in ccm_embedded::outbox::list(&app.outbox).unwrap().into_iter().filter(|e| e.subject == subject) {
            let raw = std::fs::read(app.outbox.join(&e.customer).join(&e.file)).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let text = msg.body_text(0).unwrap().into_owned();
            let start = text.find(&format!("{}/survey.html?t=", app.base)).expect("a survey link");
            found.push((e.to.clone(), text[start..].split_whitespace().next().unwrap().to_owned()));
        }
        if found.len() >= 2 {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no completion notices for {title}");
}

#[tokio::test]
async fn a_completed_change_mails_personal_survey_links_that_take_one_answer_each() {
    let app = start().await;
    let http = reqwest::Client::new();
    let (alice, csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let day = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%d").to_string();
    let created: Value = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "changeTitle": "Survey me", "changeReason": "Test", "implementationPlan": "Do it",
            "customers": ["acme"], "status": "submitted",
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
    act(&http, &app, "bob@example.com", &id, "approve").await;
    act(&http, &app, "alice@example.com", &id, "complete").await;

    let links = survey_links(&app, "Survey me").await;
    let mut distinct: Vec<&String> = links.iter().map(|(_, l)| l).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), links.len(), "one link per recipient: {links:?}");

    let page = http.get(&links[0].1).send().await.unwrap();
    assert_eq!(page.status(), 200, "the survey page needs no sign-in");
    assert!(page.text().await.unwrap().contains("survey.js"));
    let token = links[0].1.split("?t=").nth(1).unwrap().to_owned();
    let form: Value =
        http.get(format!("{}/api/survey?t={token}", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!((form["objectId"].as_str(), form["customer"].as_str()), (Some(id.as_str()), Some("acme")));
    for (recommend, status) in [(9, "created"), (10, "updated")] {
        let res = http
            .put(format!("{}/api/survey", app.base))
            .json(&json!({"token": token, "excellent": true, "recommend": recommend}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], status);
    }

    let (bob, _) = sign_in(&http, &app.base, "bob@example.com").await;
    let surveys: Value = http
        .get(format!("{}/api/changes/{id}/surveys", app.base))
        .header("cookie", bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(surveys["customers"][0]["score"]["responses"], 1, "{surveys}");
    assert_eq!(surveys["customers"][0]["score"]["nps"], 100);
}
