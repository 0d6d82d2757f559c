//! A Lambda Runtime API emulator: runs the real Lambda binaries (`ccm-api`, `ccm-auth`,
//! `ccm-processor`, built for `provided.al2023`) as Lambda runs them, on this machine.
//!
//! A custom runtime polls `GET /2018-06-01/runtime/invocation/next` on `AWS_LAMBDA_RUNTIME_API` and
//! posts each result to `…/invocation/{id}/response` (or `/error`). [`RuntimeApi`] serves those
//! routes on loopback; [`LambdaProcess`] starts a binary with the environment Lambda gives it and
//! [`LambdaProcess::invoke`] hands it one event and waits for the answer. It also records what the
//! benchmarks measure: when the process asked for its first event (its init time) and its peak RSS.
//!
//! Why not cargo-lambda's emulator (`cargo lambda watch`): it builds and runs the function from
//! source itself, so tests cannot run a given (release, packaged) binary, cannot see the moment the
//! runtime becomes ready, and would need the cargo-lambda tool at test time. This one is ~250 lines
//! over axum and implements exactly the documented runtime routes.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Notify, oneshot};

const PREFIX: &str = "/2018-06-01/runtime";

/// What one invocation ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function's response document.
    Response(serde_json::Value),
    /// The function reported an error (`/error`): its `errorType` and `errorMessage`.
    Error { error_type: String, message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("the function did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the function failed to initialize: {0}")]
    Init(String),
    #[error("the function process exited: {0}")]
    Exited(String),
    #[error("the function answered something that is not JSON: {0}")]
    NotJson(String),
}

struct Pending {
    id: String,
    payload: Bytes,
    deadline_ms: u128,
}

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<Pending>>,
    arrived: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: Mutex<Option<Instant>>,
    polled: Notify,
    init_error: Mutex<Option<String>>,
    function_arn: Mutex<String>,
}

/// The Runtime API of one function (one execution environment).
#[derive(Clone)]
pub struct RuntimeApi {
    address: String,
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RuntimeApi {
    /// Serves the runtime routes on a free loopback port until the process ends.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next))
            .route(&format!("{PREFIX}/invocation/{{id}}/response"), post(response))
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { address, inner })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// When the function first asked for an event (it is initialized), if it has.
    pub fn ready_at(&self) -> Option<Instant> {
        *lock(&self.inner.first_poll)
    }

    /// Waits until the function asks for its first event, or reported an init error.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<Instant, InvokeError> {
        let deadline = Instant::now() + timeout;
        loop {
            let polled = self.inner.polled.notified();
            if let Some(at) = self.ready_at() {
                return Ok(at);
            }
            if let Some(e) = lock(&self.inner.init_error).clone() {
                return Err(InvokeError::Init(e));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(InvokeError::Timeout(timeout));
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(50)), polled).await;
        }
    }

    /// Queues one event and waits for the function's outcome.
    pub async fn invoke(&self, payload: &serde_json::Value, timeout: Duration) -> Result<Outcome, InvokeError> {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        lock(&self.inner.waiting).insert(id.clone(), tx);
        let deadline_ms = SystemTime::now()
            .checked_add(timeout)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis());
        lock(&self.inner.queue).push_back(Pending {
            id: id.clone(),
            payload: Bytes::from(payload.to_string()),
            deadline_ms,
        });
        self.inner.arrived.notify_one();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err(InvokeError::Exited("the runtime API dropped the invocation".into())),
            Err(_) => {
                lock(&self.inner.waiting).remove(&id);
                match lock(&self.inner.init_error).clone() {
                    Some(e) => Err(InvokeError::Init(e)),
                    None => Err(InvokeError::Timeout(timeout)),
                }
            }
        }
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    {
        let mut first = lock(&inner.first_poll);
        if first.is_none() {
            *first = Some(Instant::now());
            inner.polled.notify_waiters();
        }
    }
    let pending = loop {
        let arrived = inner.arrived.notified();
        if let Some(p) = lock(&inner.queue).pop_front() {
            break p;
        }
        arrived.await;
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", pending.id);
    set("lambda-runtime-deadline-ms", pending.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", lock(&inner.function_arn).clone());
    set("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".into());
    set("content-type", "application/json".into());
    (StatusCode::OK, headers, pending.payload).into_response()
}

fn finish(inner: &Inner, id: &str, outcome: Outcome) -> StatusCode {
    match lock(&inner.waiting).remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()));
    finish(&inner, &id, Outcome::Response(value))
}

fn error_of(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
    (text("errorType"), text("errorMessage"))
}

async fn error(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let (error_type, message) = error_of(&body);
    finish(&inner, &id, Outcome::Error { error_type, message })
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> StatusCode {
    let (kind, message) = error_of(&body);
    *lock(&inner.init_error) = Some(format!("{kind}: {message}"));
    inner.polled.notify_waiters();
    StatusCode::ACCEPTED
}

/// A Lambda binary running under its own [`RuntimeApi`], as one execution environment.
pub struct LambdaProcess {
    pub name: String,
    pub api: RuntimeApi,
    /// Just before the process was spawned.
    pub started: Instant,
    child: tokio::process::Child,
    stderr: Arc<Mutex<String>>,
}

impl LambdaProcess {
    /// Starts `binary` with the variables Lambda sets (`AWS_LAMBDA_RUNTIME_API`,
    /// `AWS_LAMBDA_FUNCTION_NAME`, memory, version, log group and stream) plus `env`. The process is
    /// killed when this value is dropped. Its standard error (the logs) is kept for [`Self::logs`].
    pub async fn spawn(binary: &Path, name: &str, env: &[(String, String)]) -> std::io::Result<Self> {
        let api = RuntimeApi::start().await?;
        *lock(&api.inner.function_arn) = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
        let mut cmd = tokio::process::Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/ccm/test/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("LAMBDA_TASK_ROOT", binary.parent().unwrap_or(Path::new(".")))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let stderr = Arc::new(Mutex::new(String::new()));
        // Lambda binaries log to stdout (tracing's default) or stderr; keep both.
        if let Some(out) = child.stdout.take() {
            tokio::spawn(collect(out, stderr.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(collect(err, stderr.clone()));
        }
        Ok(Self { name: name.to_owned(), api, started, child, stderr })
    }

    /// Waits for the first poll: process start to "ready for the first event".
    pub async fn init_duration(&mut self, timeout: Duration) -> Result<Duration, InvokeError> {
        let ready = tokio::select! {
            ready = self.api.wait_ready(timeout) => ready?,
            status = self.child.wait() => {
                // Let the collectors read the last lines the process wrote before it exited.
                tokio::time::sleep(Duration::from_millis(200)).await;
                return Err(InvokeError::Exited(format!("{status:?}; logs:\n{}", self.logs())));
            }
        };
        Ok(ready.saturating_duration_since(self.started))
    }

    /// One invocation with `event`; the function's response document (an error answer is an `Err`).
    pub async fn invoke(&mut self, event: &serde_json::Value) -> Result<serde_json::Value, InvokeError> {
        let timeout = Duration::from_secs(60);
        let outcome = tokio::select! {
            outcome = self.api.invoke(event, timeout) => outcome?,
            status = self.child.wait() => {
                // Let the collectors read the last lines the process wrote before it exited.
                tokio::time::sleep(Duration::from_millis(200)).await;
                return Err(InvokeError::Exited(format!("{status:?}; logs:\n{}", self.logs())));
            }
        };
        match outcome {
            Outcome::Response(v) => Ok(v),
            Outcome::Error { error_type, message } => Err(InvokeError::Exited(format!(
                "the invocation failed: {error_type}: {message}; logs:\n{}",
                self.logs()
            ))),
        }
    }

    /// Everything the process logged so far.
    pub fn logs(&self) -> String {
        lock(&self.stderr).clone()
    }

    /// Peak resident set size (`VmHWM`) in KiB, while the process runs (Linux).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

async fn collect(mut stream: impl tokio::io::AsyncRead + Unpin, into: Arc<Mutex<String>>) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 8192];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        lock(&into).push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or_default()));
    }
}

/// The environment a function of a benchmark deployment starts with: `config.json` of the
/// repository pointed at `bucket` (written into `work`), the SES config, the session key and IdP
/// metadata from the environment (not SSM), JSON logs, and moto's endpoint and credentials.
pub fn bench_env(moto: &crate::moto::Moto, work: &Path, bucket: &str) -> Vec<(String, String)> {
    let root = crate::moto::repo_root();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut config: serde_json::Value = serde_json::from_str(&read("config.json")).expect("config.json");
    config["s3_config"]["bucket_name"] = bucket.into();
    config["email_config"]["portal_base_url"] = "https://ccm.example.com".into();
    let config_path = work.join(format!("config-{bucket}.json"));
    std::fs::write(&config_path, config.to_string()).expect("config written");
    let certificate: String =
        read("crates/ccm-auth/tests/fixtures/idp-cert.pem").lines().filter(|l| !l.starts_with("-----")).collect();
    let metadata = format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.test\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp.test/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
    );
    let config_path = config_path.display().to_string();
    [
        ("CCM_CONFIG", config_path.clone()),
        ("CCM_CONFIG_FILE", config_path),
        ("CCM_SES_CONFIG", root.join("SESConfig.json").display().to_string()),
        ("CCM_BUCKET", bucket.to_owned()),
        ("S3_BUCKET", bucket.to_owned()),
        ("CCM_SESSION_KEY", "bench-session-key-of-at-least-32-characters".into()),
        ("CCM_SAML_IDP_METADATA", metadata),
        ("CCM_LOG_FORMAT", "json".into()),
        ("RUST_LOG", "info".into()),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", crate::moto::TEST_ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", crate::moto::TEST_SECRET_KEY.into()),
        ("AWS_REGION", crate::moto::TEST_REGION.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
