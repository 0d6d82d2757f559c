//! The moto emulator (a local AWS) for integration tests: one server per test binary, shared by
//! every test in it, isolated per test by unique bucket names (never by resetting).
//!
//! Where the server comes from, in order:
//! 1. `CCM_MOTO_ENDPOINT` (a server someone else started, e.g. the Makefile for a whole run);
//! 2. `<repo>/.venv` (moto installed by `scripts/setup-python.sh`), spawned on a free port through
//!    `scripts/moto_ses_patched.py`, which closes moto's SES v2 gaps for the Rust SDK (epoch
//!    timestamps, the ListContacts filter and paging, GetAccount) and adds a read-back of sent mail
//!    per account ([`Moto::sent_emails`]). Start the same script for `CCM_MOTO_ENDPOINT`.
//!
//! When neither is available, [`shared`] prints `skipping: <reason>` and returns `None`, so tests
//! pass offline without Python; with `CCM_REQUIRE_MOTO=1` (set in CI) it panics instead, so emulator
//! tests never skip silently there.
//!
//! Cleaning up a spawned server: statics are never dropped, so `kill_on_drop` would leave moto
//! running after the tests. Instead the wrapper runs with `--exit-on-stdin-eof` and exits as soon as
//! its stdin reaches end-of-file. The test process keeps the write end of that pipe in a static and
//! never writes to it; when the test process exits, for any reason (even a panic or a kill), the
//! kernel closes the pipe and moto exits with it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use tokio::sync::OnceCell;

/// Static credentials moto accepts; they map to account 123456789012.
pub const TEST_ACCESS_KEY: &str = "testing";
pub const TEST_SECRET_KEY: &str = "testing";
pub const TEST_REGION: &str = "us-east-1";

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const SETUP_HINT: &str = "python3/moto not installed; run scripts/setup-python.sh";

/// The moto wrapper that patches SES v2 and exits when stdin closes (see the module docs).
const PATCHED_SERVER: &str = "scripts/moto_ses_patched.py";

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub endpoint: String,
    /// The server's request log and errors, when this harness spawned it.
    pub log: Option<PathBuf>,
    /// The wrapper process when this harness spawned the server (its stdin pipe keeps it alive).
    _child: Option<Child>,
}

/// Why there is no emulator.
#[derive(Debug)]
enum Unavailable {
    /// Not installed: skip, unless `CCM_REQUIRE_MOTO=1`.
    Missing(String),
    /// Configured but broken: always a failure.
    Broken(String),
}

static SHARED: OnceCell<Result<Moto, Unavailable>> = OnceCell::const_new();

/// The moto server of this test binary, started on first use.
///
/// `None` (after printing `skipping: <reason>`) when no emulator is available; panics instead when
/// `CCM_REQUIRE_MOTO=1`, and always when `CCM_MOTO_ENDPOINT` does not answer or the installed moto
/// fails to start.
pub async fn shared() -> Option<&'static Moto> {
    match SHARED.get_or_init(start).await {
        Ok(moto) => Some(moto),
        Err(Unavailable::Broken(reason)) => panic!("the emulator is misconfigured: {reason}"),
        Err(Unavailable::Missing(reason)) if require_moto() => {
            panic!("CCM_REQUIRE_MOTO=1 but the emulator is unavailable: {reason}")
        }
        Err(Unavailable::Missing(reason)) => {
            eprintln!("skipping: {reason}");
            None
        }
    }
}

fn require_moto() -> bool {
    std::env::var("CCM_REQUIRE_MOTO").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Finds or starts a server.
async fn start() -> Result<Moto, Unavailable> {
    if let Some(endpoint) = std::env::var("CCM_MOTO_ENDPOINT").ok().filter(|e| !e.trim().is_empty()) {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        // An explicit endpoint that does not answer is a broken setup, not a reason to skip.
        wait_until_ready(&endpoint, Duration::from_secs(5), None)
            .await
            .map_err(|err| Unavailable::Broken(format!("CCM_MOTO_ENDPOINT={endpoint} does not answer: {err}")))?;
        return Ok(Moto { endpoint, log: None, _child: None });
    }
    let venv_bin = repo_root().join(".venv/bin");
    if !venv_bin.join("moto_server").is_file() {
        return Err(Unavailable::Missing(format!(
            "{SETUP_HINT} ({} not found)",
            venv_bin.join("moto_server").display()
        )));
    }
    let mut last_error = String::new();
    // The free port may be taken between probing and binding: try a few.
    for _ in 0..3 {
        match spawn(&venv_bin.join("python"), &repo_root().join(PATCHED_SERVER)).await {
            Ok(moto) => return Ok(moto),
            Err(err) => last_error = err,
        }
    }
    // Installed but failing to start is broken, whatever CCM_REQUIRE_MOTO says.
    Err(Unavailable::Broken(format!("moto did not start: {last_error}")))
}

async fn spawn(python: &Path, script: &Path) -> Result<Moto, String> {
    let port = free_port()?;
    let log_path = log_path();
    let log = std::fs::File::create(&log_path).map_err(|e| format!("creating {}: {e}", log_path.display()))?;
    let mut child = Command::new(python)
        .arg(script)
        .args(["--exit-on-stdin-eof", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("spawning {}: {e}", python.display()))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    match wait_until_ready(&endpoint, READY_TIMEOUT, Some(&mut child)).await {
        Ok(()) => Ok(Moto { endpoint, log: Some(log_path), _child: Some(child) }),
        Err(err) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("{err} (server log: {})", log_path.display()))
        }
    }
}

/// Polls `GET /moto-api/config` until it answers 200, the child exits, or the timeout passes.
async fn wait_until_ready(endpoint: &str, timeout: Duration, mut child: Option<&mut Child>) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))?;
    let url = format!("{endpoint}/moto-api/config");
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(child) = child.as_deref_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            return Err(format!("moto exited with {status} before answering"));
        }
        match http.get(&url).send().await {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) if Instant::now() >= deadline => return Err(format!("{url} answered {}", resp.status())),
            Err(err) if Instant::now() >= deadline => return Err(format!("{url}: {err}")),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// One log per test binary, overwritten by its next run: `$TMPDIR/ccm-moto-<binary>.log`.
fn log_path() -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "tests".to_owned());
    std::env::temp_dir().join(format!("ccm-moto-{binary}.log"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

/// The workspace root (this crate lives in `<repo>/crates/ccm-testkit`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// A lower-case name with a random suffix, valid as an S3 bucket name (3–63 characters).
pub fn unique_name(prefix: &str) -> String {
    let prefix: String =
        prefix.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).take(40).collect();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("{prefix}-{}", &suffix[..16]);
    name.trim_start_matches('-').to_owned()
}

/// An SDK configuration for `endpoint` as the tests use it: static credentials, `us-east-1`, retries
/// disabled (a failure shows at once instead of after the SDK's back-off). Works for any endpoint,
/// including an unreachable one.
pub fn sdk_config_for(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(TEST_REGION))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
            TEST_ACCESS_KEY,
            TEST_SECRET_KEY,
            None,
            None,
            "ccm-testkit",
        )))
        .retry_config(RetryConfig::disabled())
        .build()
}

impl Moto {
    /// See [`sdk_config_for`].
    pub fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint)
    }

    /// A plain S3 client for test setup (path-style, checksums only when required). Adapters under
    /// test should build their own client the way production does.
    pub fn s3_client(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Creates a bucket with a fresh [`unique_name`] and returns its name.
    pub async fn create_bucket(&self, prefix: &str) -> String {
        let name = unique_name(prefix);
        self.s3_client().create_bucket().bucket(&name).send().await.unwrap_or_else(|e| {
            panic!("creating bucket {name} on moto: {}", aws_sdk_s3::error::DisplayErrorContext(e))
        });
        name
    }

    /// Drops every resource of every account (`POST /moto-api/reset`).
    ///
    /// Not for tests that share the server in parallel: it wipes their buckets too. Isolate tests by
    /// unique names instead.
    pub async fn reset(&self) {
        let url = format!("{}/moto-api/reset", self.endpoint);
        let resp = reqwest::Client::new().post(&url).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        assert!(resp.status().is_success(), "POST {url} answered {}", resp.status());
    }
}

/// One message SES accepted, as the emulator stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// The account it was sent from (`None` when the server is plain moto, without the wrapper).
    pub account: Option<String>,
    pub region: Option<String>,
    pub message_id: String,
    pub source: String,
    pub destinations: Vec<String>,
    /// Simple content: the subject and the body moto kept (the HTML part when there is one).
    pub subject: Option<String>,
    pub body: Option<String>,
    /// Raw content: the whole MIME message.
    pub raw: Option<String>,
    /// The configuration set the message was sent with (the patched server only).
    pub configuration_set: Option<String>,
    /// Its SES message tags, by name (the patched server only).
    pub tags: std::collections::BTreeMap<String, String>,
}

impl SentEmail {
    fn from_json(v: &serde_json::Value) -> Self {
        let text = |name: &str| v.get(name).and_then(|x| x.as_str()).map(str::to_owned);
        let destinations = match v.get("destinations") {
            Some(serde_json::Value::Array(list)) => list.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect(),
            // data.json keeps Simple destinations as {"ToAddresses": [...], ...}.
            Some(serde_json::Value::Object(map)) => map
                .values()
                .filter_map(|l| l.as_array())
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Self {
            account: text("account"),
            region: text("region"),
            message_id: text("id").unwrap_or_default(),
            source: text("source").unwrap_or_default(),
            destinations,
            subject: text("subject"),
            body: text("body"),
            raw: text("raw_data"),
            configuration_set: text("configuration_set"),
            tags: v
                .get("tags")
                .and_then(|t| t.as_object())
                .map(|t| t.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                .unwrap_or_default(),
        }
    }
}

impl Moto {
    /// Every message SES accepted so far, in every account, oldest first: from the wrapper's
    /// `GET /ccm-moto/ses/sent` (with accounts), else from moto's `GET /moto-api/data.json`.
    pub async fn sent_emails(&self) -> Vec<SentEmail> {
        let http = reqwest::Client::new();
        let url = format!("{}/ccm-moto/ses/sent", self.endpoint);
        let resp = http.get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        if resp.status().is_success() {
            let body: serde_json::Value = resp.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let messages = body["messages"].as_array().cloned().unwrap_or_default();
            return messages.iter().map(SentEmail::from_json).collect();
        }
        let data = self.data_json().await;
        ["Message", "RawMessage"]
            .iter()
            .flat_map(|kind| data["ses"][kind].as_array().cloned().unwrap_or_default())
            .map(|m| SentEmail::from_json(&m))
            .collect()
    }

    /// The messages accepted for `recipient` (compared ignoring case) in `account`.
    pub async fn sent_to(&self, account: &str, recipient: &str) -> Vec<SentEmail> {
        self.sent_emails()
            .await
            .into_iter()
            .filter(|m| m.account.as_deref() == Some(account))
            .filter(|m| m.destinations.iter().any(|d| d.to_lowercase().contains(&recipient.to_lowercase())))
            .collect()
    }

    /// `(role ARN, session name)` of every STS AssumeRole moto granted so far.
    pub async fn assumed_roles(&self) -> Vec<(String, String)> {
        let data = self.data_json().await;
        data["sts"]["AssumedRole"]
            .as_array()
            .map(|roles| {
                roles
                    .iter()
                    .map(|r| {
                        let text = |name: &str| r[name].as_str().unwrap_or_default().to_owned();
                        (text("role_arn"), text("session_name"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One SNS query-API call (`Action=…` and its parameters) as the test credentials' account;
    /// the XML answer. The workspace has no SNS SDK (no adapter calls SNS: AWS delivers to it), so
    /// tests set topics up through the query API; moto checks no signature.
    pub async fn sns(&self, params: &[(&str, &str)]) -> String {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={TEST_ACCESS_KEY}/20260101/{TEST_REGION}/sns/aws4_request, SignedHeaders=host, Signature=0"
        );
        let resp = reqwest::Client::new()
            .post(format!("{}/", self.endpoint))
            .header("authorization", auth)
            .form(params)
            .send()
            .await
            .unwrap_or_else(|e| panic!("SNS {params:?}: {e}"));
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "SNS {params:?} answered {status}: {body}");
        body
    }

    async fn data_json(&self) -> serde_json::Value {
        let url = format!("{}/moto-api/data.json", self.endpoint);
        let resp = reqwest::get(&url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert!(resp.status().is_success(), "GET {url} answered {}", resp.status());
        resp.json().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_are_lower_case_distinct_and_valid_bucket_names() {
        let a = unique_name("CCM_Contract");
        let b = unique_name("CCM_Contract");
        assert_ne!(a, b);
        assert!(a.starts_with("ccm-contract-"), "{a}");
        assert!((3..=63).contains(&a.len()));
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{a}");
    }
}
