//! Meetings in `ccm serve` (the local ICS calendar): approving a change with a meeting gives it a
//! join link in its view, in the lists and in the approval mail; each calendar subscriber gets an
//! ICS invitation in the outbox; the join link opens the local meeting page; `ccm meeting` shows the
//! attendees and payload, sends an update (same UID, higher SEQUENCE), and cancels (same UID).

use std::time::Duration;

use mail_parser::MimeHeaders as _;
use serde_json::{Value, json};

use super::{Running, repo, sign_in, start};

/// Creates, submits (as alice) and approves (as bob) a change with a meeting for `customers`.
async fn approved_change_with_meeting(app: &Running, title: &str, customers: &[&str]) -> String {
    let http = reqwest::Client::new();
    let (alice, alice_csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let (bob, bob_csrf) = sign_in(&http, &app.base, "bob@example.com").await;
    let day = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let res = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &alice_csrf)
        .json(&json!({
            "changeTitle": title, "changeReason": "Test", "implementationPlan": "Do it",
            "customers": customers, "status": "submitted", "timezone": "Europe/Paris",
            "implementationBeginDate": day, "implementationBeginTime": "09:00",
            "implementationEndDate": day, "implementationEndTime": "12:00",
            "include_meeting": true, "meetingTitle": format!("Go/no-go: {title}"),
            "meetingDate": format!("{day}T08:30"), "meetingDuration": "30", "meetingLocation": "Room 12",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["object"]["changeId"].as_str().unwrap().to_owned();
    let approved = http
        .post(format!("{}/api/changes/{id}/approve", app.base))
        .header("cookie", &bob)
        .header("x-csrf-token", &bob_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    id
}

/// Polls `GET /api/changes/{id}` as bob until its meeting has a join link.
async fn join_url(app: &Running, id: &str) -> String {
    let http = reqwest::Client::new();
    let (bob, _) = sign_in(&http, &app.base, "bob@example.com").await;
    for _ in 0..300 {
        let o: Value = http
            .get(format!("{}/api/changes/{id}", app.base))
            .header("cookie", &bob)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(url) = o.pointer("/meeting_metadata/join_url").and_then(Value::as_str).filter(|u| !u.is_empty()) {
            return url.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let keys: Vec<String> = ccm_embedded::outbox::list(&app.outbox)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.customer, e.to, e.subject))
        .collect();
    let results: Vec<String> = walk(&app.data.join("objects/results")).into_iter().collect();
    panic!("{id} never got a join link; outbox {keys:#?}; results {results:#?}");
}

/// The outbox messages with a calendar part, as (customer, recipient, ics text).
fn invitations(app: &Running, title: &str) -> Vec<(String, String, String)> {
    ccm_embedded::outbox::list(&app.outbox)
        .unwrap()
        .into_iter()
        .filter(|e| e.subject.contains(title))
        .filter_map(|e| {
            let raw = std::fs::read(app.outbox.join(&e.customer).join(&e.file)).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let ics = msg.attachments().find(|p| p.is_content_type("text", "calendar"))?;
            Some((e.customer.clone(), e.to.clone(), String::from_utf8_lossy(ics.contents()).replace("\r\n ", "")))
        })
        .collect()
}

/// Polls the outbox (up to 30 s: the machine may be busy) until `n` invitations of `title` are there.
async fn wait_for_invitations(app: &Running, title: &str, n: usize) -> Vec<(String, String, String)> {
    let mut sent = Vec::new();
    for _ in 0..300 {
        sent = invitations(app, title);
        if sent.len() >= n {
            // Settle: anything beyond `n` would be a duplicate, which the caller's assertions catch.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return invitations(app, title);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let who: Vec<String> = sent.iter().map(|(c, to, _)| format!("{c} {to}")).collect();
    panic!("{} of {n} invitations of {title:?} after 30 s: {who:?}", sent.len());
}

#[tokio::test]
async fn an_approved_change_with_a_meeting_has_a_join_link_everywhere_and_invitations_in_the_outbox() {
    let app = start().await;
    let id = approved_change_with_meeting(&app, "Meeting end to end", &["acme", "globex"]).await;
    let join = join_url(&app, &id).await;
    assert!(join.starts_with(&format!("{}/dev/meetings/{id}", app.base)), "{join}");

    // The lists carry it too: the index follows the meeting records once the trigger is processed.
    let http = reqwest::Client::new();
    let (bob, _) = sign_in(&http, &app.base, "bob@example.com").await;
    let mut listed = Value::Null;
    for _ in 0..300 {
        let found: Value = http
            .get(format!("{}/api/search?status=approved&limit=500", app.base))
            .header("cookie", &bob)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed = found["items"].as_array().unwrap().iter().find(|i| i["id"] == id.as_str()).unwrap()["joinUrl"].clone();
        if !listed.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed, join.as_str());

    // Each calendar subscriber of each customer: one invitation, through that customer.
    let sent = wait_for_invitations(&app, "Go/no-go: Meeting end to end", 4).await;
    let mut who: Vec<(String, String)> = sent.iter().map(|(c, to, _)| (c.clone(), to.clone())).collect();
    who.sort();
    assert_eq!(
        who,
        [
            ("acme".to_owned(), "alice@example.com".to_owned()),
            ("acme".into(), "ops@acme.example.com".into()),
            ("globex".into(), "alice@example.com".into()),
            ("globex".into(), "ops@globex.example.com".into()),
        ]
    );
    for (_, to, ics) in &sent {
        assert!(ics.contains("METHOD:REQUEST") && ics.contains(&format!("UID:{id}@ccm.example.com")));
        assert!(
            ics.contains("DTSTART;TZID=Europe/Paris:") && ics.contains("T083000"),
            "the chosen time in Paris: {ics}"
        );
        assert!(ics.contains(&format!("RSVP=TRUE:mailto:{to}")));
    }

    // The join link opens the local meeting page for a signed-in user.
    let page = http.get(&join).header("cookie", &bob).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Meeting end to end") && html.contains("data-status=\"scheduled\""), "{html}");
    let ics = http.get(format!("{join}.ics")).header("cookie", &bob).send().await.unwrap();
    assert!(ics.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
}

fn cli(app: &Running, args: &[&str]) -> ccm_cli::Cli {
    let mut argv: Vec<String> = vec![
        "ccm".into(),
        "--config".into(),
        repo().join("config.json").display().to_string(),
        "--ses-config".into(),
        repo().join("SESConfig.json").display().to_string(),
        "--output".into(),
        "json".into(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv.extend(["--data".to_owned(), app.data.display().to_string()]);
    <ccm_cli::Cli as clap::Parser>::try_parse_from(&argv).unwrap()
}

async fn run(app: &Running, args: &[&str]) -> (std::process::ExitCode, Value) {
    let printer = ccm_cli::commands::output::Printer::capture();
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let runtime = ccm_cli::Runtime { sdk: Some(sdk), printer: printer.clone(), progress: None };
    let code = Box::pin(ccm_cli::run(cli(app, args), runtime)).await;
    let out = printer.captured();
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")))
}

#[tokio::test]
async fn ccm_meeting_shows_attendees_per_customer_and_the_payload_then_updates_and_cancels_the_meeting() {
    let _ = tracing_subscriber::fmt().with_env_filter("info").with_test_writer().try_init();
    let app = start().await;
    let id = approved_change_with_meeting(&app, "Meeting by hand", &["acme", "initech"]).await;
    join_url(&app, &id).await;
    // Both customers' triggers have mailed their invitations before the operator steps in.
    wait_for_invitations(&app, "Go/no-go: Meeting by hand", 4).await;

    let (code, dry) = run(&app, &["meeting", "invite", "--object", &id, "--dry-run", "--force-update"]).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    assert_eq!(dry["provider"], "ics");
    assert!(dry["step"].as_str().unwrap().starts_with("update event"), "{dry}");
    let customers: Vec<(&str, u64)> = dry["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["customer"].as_str().unwrap(), c["subscribers"].as_u64().unwrap()))
        .collect();
    assert_eq!(customers, [("acme", 2), ("initech", 2)]);
    assert_eq!(dry["attendees"].as_array().unwrap().len(), 3, "alice is subscribed in both and invited once");
    assert!(dry["payload"].as_str().unwrap().contains("METHOD:REQUEST"));

    // A forced update: the same event (UID) again, with a higher SEQUENCE, to every attendee.
    let (code, updated) = run(&app, &["meeting", "invite", "--object", &id, "--force-update"]).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{updated}");
    let sent: u64 = updated["invitations"].as_array().unwrap().iter().map(|i| i["sent"].as_u64().unwrap()).sum();
    assert_eq!(sent, 4, "{updated}");
    let uid = format!("UID:{id}@ccm.example.com");
    let sequences = |method: &str| -> Vec<u32> {
        invitations(&app, "Go/no-go: Meeting by hand")
            .into_iter()
            .filter(|(_, _, ics)| ics.contains(&format!("METHOD:{method}")))
            .map(|(_, _, ics)| {
                assert!(ics.contains(&uid), "one UID for the object: {ics}");
                let line = ics.lines().find(|l| l.starts_with("SEQUENCE:")).unwrap();
                line["SEQUENCE:".len()..].trim().parse().unwrap()
            })
            .collect()
    };
    let mut requests = sequences("REQUEST");
    requests.sort();
    assert_eq!(requests, [0, 0, 0, 0, 1, 1, 1, 1], "the first invitations, then the update");

    let (code, cancelled) = run(&app, &["meeting", "cancel", "--object", &id]).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{cancelled}");
    assert_eq!(cancelled["record"]["change"], "cancelled");
    let sent: u64 = cancelled["invitations"].as_array().unwrap().iter().map(|i| i["sent"].as_u64().unwrap()).sum();
    assert_eq!(sent, 4, "each customer's subscribers hear of the cancellation: {cancelled}");
    assert_eq!(sequences("CANCEL"), [2, 2, 2, 2], "the cancellation outranks the update");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
