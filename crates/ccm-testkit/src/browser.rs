//! A minimal W3C WebDriver client over Debian's chromedriver + headless Chromium, for browser tests
//! written in Rust. Installed by `scripts/setup-browser.sh`; tests skip (saying why) when it is
//! missing, and fail instead when `CCM_REQUIRE_BROWSER=1`.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `None` (after printing why) when the browser is not installed and not required.
pub fn available() -> bool {
    let ok = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !ok {
        assert!(
            std::env::var("CCM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "CCM_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing (scripts/setup-browser.sh)"
        );
        eprintln!("skipping: Chromium/chromedriver not installed (run scripts/setup-browser.sh)");
    }
    ok
}

pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    _driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9515)
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    pub async fn start() -> Self {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path().display()),
            ]}
        }}});
        let reply: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = reply["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {reply}")).to_owned();
        Self { http, base, session, _driver: driver, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let reply: Value = req.send().await.expect("webdriver call").json().await.expect("webdriver json");
        reply["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// Runs an async script; the script calls `arguments[0](result)` when done.
    pub async fn run_async(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({"script": script, "args": []}))).await
    }

    /// Waits up to `secs` seconds for the current URL to satisfy `pred`.
    pub async fn wait_for_url(&self, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..secs * 10 {
            last = self.url().await;
            if pred(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser never reached the expected page; it is at {last}");
    }

    pub async fn close(self) {
        let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send().await;
    }
}
