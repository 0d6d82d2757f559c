//! `ccm serve` end to end over real HTTP on a random loopback port.

use std::path::PathBuf;

use ccm_cli::serve::{Backend, ServeArgs, build};
use serde_json::{Value, json};

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
        html: None,
        secure_cookies: false,
    }
}

struct Running {
    base: String,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let server = build(&repo().join("config.json"), &repo().join("SESConfig.json"), &args(dir.path())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, server.router).await.unwrap();
    });
    Running { base, _dir: dir, task }
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
    let before = first.state.index.query(&q).await.unwrap().total;
    drop(first);
    let second = build(&cfg, &ses, &args(dir.path())).await.unwrap();
    assert_eq!(second.state.index.query(&q).await.unwrap().total, before);
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
