//! Reminders in `ccm serve`: the internal timer sweeps the index, the local queue hands the due
//! reminder to the processor, and the reminder lands in the outbox as a well-formed message; `ccm
//! reminders sweep` over a data directory.

use std::time::Duration;

use ccm_embedded::outbox::OutboxEntry;
use serde_json::{Value, json};

use super::{args, repo, sign_in};

/// A server on a random port with the reminder timer sweeping every `every`.
async fn start_with_reminders(
    every: Duration,
) -> (String, std::path::PathBuf, tempfile::TempDir, tokio::task::JoinHandle<()>) {
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("info").try_init();
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut serve_args = args(dir.path());
    serve_args.demo = false;
    serve_args.port = listener.local_addr().unwrap().port();
    let server =
        ccm_cli::serve::build(&repo().join("config.json"), &repo().join("SESConfig.json"), &serve_args).await.unwrap();
    server.start_queue().await.unwrap();
    let timer = server.start_reminders(every).expect("the embedded backend runs the timer");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let outbox = server.outbox.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, server.router).await.unwrap();
        timer.stop().await;
    });
    (base, outbox, dir, task)
}

fn reminders_in(outbox: &std::path::Path, title: &str) -> Vec<OutboxEntry> {
    ccm_embedded::outbox::list(outbox)
        .unwrap()
        .into_iter()
        .filter(|e| e.subject.starts_with("⏰ Starts in") && e.subject.ends_with(title))
        .collect()
}

#[tokio::test]
async fn an_approved_change_starting_within_the_lead_time_gets_a_reminder_through_the_timer() {
    let (base, outbox, _dir, task) = start_with_reminders(Duration::from_millis(150)).await;
    let http = reqwest::Client::new();
    let (alice, alice_csrf) = sign_in(&http, &base, "alice@example.com").await;
    let (bob, bob_csrf) = sign_in(&http, &base, "bob@example.com").await;

    // Starts in about five hours (whole minutes, UTC).
    let start = chrono::Utc::now() + chrono::Duration::minutes(5 * 60 + 10);
    let end = start + chrono::Duration::hours(1);
    let title = "Reminder <b>check</b>";
    let res = http
        .post(format!("{base}/api/changes"))
        .header("cookie", &alice)
        .header("x-csrf-token", &alice_csrf)
        .json(&json!({
            "changeTitle": title, "changeReason": "Test", "implementationPlan": "Do it",
            "customers": ["acme"], "status": "submitted", "timezone": "UTC",
            "implementationBeginDate": start.format("%Y-%m-%d").to_string(),
            "implementationBeginTime": start.format("%H:%M").to_string(),
            "implementationEndDate": end.format("%Y-%m-%d").to_string(),
            "implementationEndTime": end.format("%H:%M").to_string()
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    let id = created["object"]["changeId"].as_str().unwrap().to_owned();
    let res = http
        .post(format!("{base}/api/changes/{id}/approve"))
        .header("cookie", &bob)
        .header("x-csrf-token", &bob_csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    let mut found = Vec::new();
    for _ in 0..100 {
        found = reminders_in(&outbox, title);
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!found.is_empty(), "no reminder in the outbox: {:#?}", ccm_embedded::outbox::list(&outbox).unwrap());
    // Several more sweeps: still one reminder per recipient.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let found = reminders_in(&outbox, title);
    let mut recipients: Vec<&str> = found.iter().map(|e| e.to.as_str()).collect();
    let all = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), all, "one reminder per recipient: {recipients:?}");
    assert!(found.iter().all(|e| e.customer == "acme"));

    let raw = std::fs::read(outbox.join(&found[0].customer).join(&found[0].file)).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(msg.subject().unwrap(), format!("⏰ Starts in about 5 hours: {title}"));
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("This approved change starts in about 5 hours"), "{text}");
    assert!(text.contains(&format!("/edit-change.html?changeId={id}")), "the portal link: {text}");
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("Reminder &lt;b&gt;check"), "user text escaped");
    assert!(!html.contains("<b>check"));
    task.abort();
}

/// `ccm --output json reminders sweep --data {dir} {args}`: its exit code and document.
async fn sweep_by_hand(data: &std::path::Path, args: &[&str]) -> (std::process::ExitCode, Value) {
    let mut argv: Vec<String> = ["ccm", "--config"].map(String::from).to_vec();
    argv.push(repo().join("config.json").display().to_string());
    argv.push("--ses-config".into());
    argv.push(repo().join("SESConfig.json").display().to_string());
    argv.extend(["--output", "json", "reminders", "sweep", "--data"].map(String::from));
    argv.push(data.display().to_string());
    argv.extend(args.iter().map(|a| a.to_string()));
    let cli = <ccm_cli::Cli as clap::Parser>::try_parse_from(&argv).unwrap();
    let printer = ccm_cli::commands::output::Printer::capture();
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    let runtime = ccm_cli::Runtime { sdk: Some(sdk), printer: printer.clone(), progress: None };
    let code = Box::pin(ccm_cli::run(cli, runtime)).await;
    let out = printer.captured();
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")))
}

#[tokio::test]
async fn ccm_reminders_sweep_lists_what_is_due_with_dry_run_and_hands_it_off_once_without() {
    use ccm_core::ports::{DocumentStore, PutOptions};
    let dir = tempfile::tempdir().unwrap();
    {
        let store = ccm_embedded::EmbeddedStore::open(dir.path()).await.unwrap();
        let start = chrono::Utc::now() + chrono::Duration::hours(6);
        let object = json!({"changeId": "CHG-by-hand", "changeTitle": "Patch", "status": "approved", "version": 2,
            "customers": ["acme", "globex"], "implementationStart": start,
            "implementationEnd": start + chrono::Duration::hours(1), "approvedBy": "bob@example.com"});
        let key = ccm_core::StorageKey::Archive(ccm_core::ObjectId::parse("CHG-by-hand").unwrap());
        store.put(&key, object.to_string().into(), PutOptions::default()).await.unwrap();
    }
    let (code, dry) = sweep_by_hand(dir.path(), &["--dry-run"]).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    assert_eq!(dry["dry_run"], true);
    let due: Vec<(&str, &str)> = dry["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["customer"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(due, [("acme", "reminder"), ("globex", "reminder")]);
    assert!(!dir.path().join("objects/customers").exists(), "a dry run writes nothing");

    let (_, done) = sweep_by_hand(dir.path(), &[]).await;
    assert_eq!(done["handed_off"], 2, "{done}");
    assert!(dir.path().join("objects/customers/acme/reminders/CHG-by-hand/v2/reminder.json").is_file());
    let (_, again) = sweep_by_hand(dir.path(), &[]).await;
    assert_eq!((again["handed_off"].as_u64(), again["pending"].as_u64()), (Some(0), Some(2)), "{again}");
}

#[tokio::test]
async fn the_reminder_timer_stops_when_asked_and_is_off_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve_args = args(dir.path());
    serve_args.demo = false;
    let server =
        ccm_cli::serve::build(&repo().join("config.json"), &repo().join("SESConfig.json"), &serve_args).await.unwrap();
    assert!(server.start_reminders(Duration::ZERO).is_none(), "0 turns the timer off");
    let timer = server.start_reminders(Duration::from_millis(20)).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), timer.stop()).await.expect("the timer stops promptly");
}
