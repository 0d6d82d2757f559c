//! `ccm serve` end to end over real HTTP on a random loopback port.

use std::path::PathBuf;
use std::sync::Arc;

use ccm_cli::serve::{Backend, ServeArgs, build};
use ccm_embedded::JsonContacts;
use serde_json::{Value, json};

/// The mail `ccm serve` sends: one customer per copy, well-formed, unsubscribe links, input rules.
#[path = "serve/mail.rs"]
mod mail;

/// The same system as Lambdas: the real binaries under a Runtime API emulator, against moto.
#[path = "serve/lambdas.rs"]
mod lambdas;

/// The built-in survey: personal links in completion notices, one answer per recipient.
#[path = "serve/surveys.rs"]
mod surveys;

/// Delivery feedback: the outbox as SES's mailbox simulator, counts and addresses through the API.
#[path = "serve/feedback.rs"]
mod feedback;
/// Reminders through the internal timer.
#[path = "serve/reminders.rs"]
mod reminders;

/// Meetings: join links, ICS invitations in the outbox, the local meeting page, `ccm meeting`.
#[path = "serve/meetings.rs"]
mod meetings;

/// Reschedules: old → new in the reader's zone, after an approved change's window moved.
#[path = "serve/reschedules.rs"]
mod reschedules;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn args(data: &std::path::Path) -> ServeArgs {
    ServeArgs {
        data: data.to_path_buf(),
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        demo: true,
        backend: Backend::Embedded,
        bucket: None,
        index_table: None,
        html: None,
        secure_cookies: false,
        contacts: None,
        reminder_interval: 0,
    }
}

struct Running {
    base: String,
    outbox: PathBuf,
    contacts: Arc<JsonContacts>,
    data: PathBuf,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds a random port first and builds the server for it, as `ccm serve` does.
async fn start() -> Running {
    // The server's log lines, shown with a failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("info").try_init();
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut serve_args = args(dir.path());
    serve_args.port = listener.local_addr().unwrap().port();
    let server = build(&repo().join("config.json"), &repo().join("SESConfig.json"), &serve_args).await.unwrap();
    server.start_queue().await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (outbox, contacts) = (server.outbox.clone(), server.contacts.clone().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, server.router).await.unwrap();
    });
    Running { base, outbox, contacts, data: dir.path().to_path_buf(), _dir: dir, task }
}

async fn sign_in(http: &reqwest::Client, base: &str, email: &str) -> (String, String) {
    let res = http.post(format!("{base}/auth/dev-login")).json(&json!({"email": email})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    (cookie, body["csrfToken"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn serve_with_demo_data_serves_the_portal_the_api_and_the_development_sign_in() {
    let app = start().await;
    let http = reqwest::Client::new();

    let page = http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.headers().contains_key("content-security-policy"));

    let login_page = http.get(format!("{}/auth/dev-login?return=/approvals.html", app.base)).send().await.unwrap();
    let html = login_page.text().await.unwrap();
    assert!(html.contains("bob@example.com") && html.contains("value=\"/approvals.html\""));

    let anonymous = http.get(format!("{}/api/statistics", app.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let (cookie, csrf) = sign_in(&http, &app.base, "carol@example.com").await;
    let stats: Value = http
        .get(format!("{}/api/statistics", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for status in ["submitted", "approved", "completed", "cancelled"] {
        assert!(stats["all"][status].as_u64().unwrap() >= 1, "demo data has a {status} object: {stats}");
    }

    let created = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"changeTitle": "From the test", "customers": ["acme"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let forged = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &cookie)
        .json(&json!({"changeTitle": "No CSRF token", "customers": ["acme"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let out = http.post(format!("{}/auth/logout", app.base)).header("cookie", &cookie).send().await.unwrap();
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn a_form_sign_in_redirects_back_to_a_local_page_only() {
    let app = start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (asked, expected) in
        [("/approvals.html?customerCode=acme", "/approvals.html?customerCode=acme"), ("https://evil.example/", "/")]
    {
        let res = http
            .post(format!("{}/auth/dev-login", app.base))
            .form(&[("email", "bob@example.com"), ("return", asked)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], expected);
    }
}

#[tokio::test]
async fn restarting_on_the_same_data_keeps_objects_and_does_not_seed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = repo().join("config.json");
    let ses = repo().join("SESConfig.json");
    let first = build(&cfg, &ses, &args(dir.path())).await.unwrap();
    let q = ccm_core::ports::IndexQuery { viewer: "carol@example.com".into(), limit: 500, ..Default::default() };
    let before = first.state.app.index.query(&q).await.unwrap().total;
    drop(first);
    let second = build(&cfg, &ses, &args(dir.path())).await.unwrap();
    assert_eq!(second.state.app.index.query(&q).await.unwrap().total, before);
    assert!(before > 0);
}

#[test]
fn the_development_sign_in_refuses_to_start_inside_aws_lambda() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccm"))
        .args(["serve", "--port", "0", "--data"])
        .arg(dir.path())
        .env("AWS_LAMBDA_FUNCTION_NAME", "ccm-api")
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not available inside AWS Lambda"), "{stderr}");
}

/// `GET {path}` as carol, the demo admin (the outbox shows every customer's mail: admins only).
async fn admin_get(http: &reqwest::Client, base: &str, path: &str) -> reqwest::Response {
    let (cookie, _) = sign_in(http, base, "carol@example.com").await;
    http.get(format!("{base}{path}")).header("cookie", cookie).send().await.unwrap()
}

async fn outbox(http: &reqwest::Client, base: &str) -> Vec<Value> {
    admin_get(http, base, "/dev/outbox.json").await.json::<Vec<Value>>().await.unwrap()
}

#[tokio::test]
async fn the_outbox_is_for_signed_in_admins_only() {
    let app = start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let anonymous = http.get(format!("{}/dev/outbox.json", app.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let page = http.get(format!("{}/dev/outbox", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 303, "signed out, the page sends you to sign in");
    assert!(page.headers()["location"].to_str().unwrap().starts_with("/auth/login?return=/dev/outbox"));
    let (alice, _) = sign_in(&http, &app.base, "alice@example.com").await;
    let as_author = http.get(format!("{}/dev/outbox.json", app.base)).header("cookie", alice).send().await.unwrap();
    assert_eq!(as_author.status(), 403);
    assert_eq!(admin_get(&http, &app.base, "/dev/outbox.json").await.status(), 200);
}

/// Waits (up to ~30 s: CI machines are busy) until the outbox holds at least `want` messages matching `pred` for each of
/// the two customers of the test, and returns them.
async fn wait_for(http: &reqwest::Client, base: &str, want: usize, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
    for _ in 0..300 {
        let hits: Vec<Value> = outbox(http, base).await.into_iter().filter(|m| pred(m)).collect();
        let per = |c: &str| hits.iter().filter(|m| m["customer"] == c).count();
        if per("initech") >= want && per("stark") >= want {
            return hits;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox never held {want} matching messages: {:#?}", outbox(http, base).await);
}

#[tokio::test]
async fn submitting_and_approving_a_change_mails_both_customers_subscribers_through_the_outbox() {
    let app = start().await;
    let http = reqwest::Client::new();
    let (alice, alice_csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let (bob, bob_csrf) = sign_in(&http, &app.base, "bob@example.com").await;
    let day = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let created: Value = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &alice_csrf)
        .json(&json!({
            "changeTitle": "Outbox end to end <script>x</script>", "changeReason": "Test", "implementationPlan": "Do it",
            "customers": ["initech", "stark"], "status": "submitted", "timezone": "Europe/Paris",
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
    let is = |topic: &'static str, subject: &'static str| {
        move |m: &Value| m["topic"] == topic && m["subject"].as_str().unwrap_or_default().starts_with(subject)
    };
    // Approval requests: bob and each customer's security contact, for both customers.
    let requests = wait_for(&http, &app.base, 2, is("aws-approval", "⚠️ Approval requested: Outbox end to end")).await;
    let customers: std::collections::BTreeSet<&str> =
        requests.iter().map(|m| m["customer"].as_str().unwrap()).collect();
    assert_eq!(customers.into_iter().collect::<Vec<_>>(), ["initech", "stark"]);

    let approved = http
        .post(format!("{}/api/changes/{id}/approve", app.base))
        .header("cookie", &bob)
        .header("x-csrf-token", &bob_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let notices = wait_for(&http, &app.base, 1, is("aws-announce", "🟢 Outbox end to end")).await;
    assert!(notices.iter().any(|m| m["customer"] == "initech") && notices.iter().any(|m| m["customer"] == "stark"));

    // The rendered message escapes the title and shows the Paris schedule.
    let first = &notices[0];
    let path = format!("/dev/outbox/{}/{}", first["customer"].as_str().unwrap(), first["file"].as_str().unwrap());
    let html = admin_get(&http, &app.base, &path).await.text().await.unwrap();
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>x"));
    assert!(html.contains("9:00 AM CE"), "Paris time with its abbreviation");
}
