//! An STS + SES v2 stand-in that answers the SDK as the real services would, for the fan-out benchmark.
//!
//! Any account works without set-up: `AssumeRole` hands out an access key id that carries the
//! 12-digit account of the role ARN (`ASIA{account}{nnnn}`), and every SES call finds its account
//! again in the SigV4 `Authorization` header (`Credential=AKID/…`). Signatures are not checked.
//! Each account has one contact list whose contacts are generated from the account number:
//! `subscribers` opted in to [`TOPIC`], and one in 21 opted out of it (never to be mailed).
//!
//! `SendEmail` is admitted by a per-account token bucket at the configured rate holding one second
//! of sends (SES's "maximum send rate"), checked on arrival; beyond it the answer is SES's HTTP 429
//! `TooManyRequestsException`. Every answer, refusals included, comes after a seeded random latency.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{Value, json};

/// The topic every generated subscriber opted in to (the approved-change notice goes to it).
pub const TOPIC: &str = "aws-announce";
const OTHER_TOPICS: [&str; 3] = ["aws-approval", "announce-approval", "general-announce"];
/// One contact in this many has opted out of [`TOPIC`].
const OPTED_OUT_EVERY: usize = 21;

#[derive(Debug, Clone)]
pub struct StubConfig {
    /// Messages per second each account accepts (its SES `MaxSendRate`).
    pub rate: f64,
    /// Contacts opted in to [`TOPIC`] per account.
    pub subscribers: usize,
    /// Every answer takes between these two.
    pub latency: (Duration, Duration),
    pub seed: u64,
}

/// One accepted `SendEmail`.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub at: Instant,
    pub recipient: String,
}

/// What one account saw.
#[derive(Debug, Default, Clone)]
pub struct AccountLog {
    pub assume_role: usize,
    pub get_account: usize,
    pub list_contact_lists: usize,
    pub get_contact_list: usize,
    pub list_contacts_pages: usize,
    pub accepted: Vec<Accepted>,
    pub throttled: usize,
    pub throttled_at: Vec<Instant>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

struct Inner {
    config: StubConfig,
    logs: Mutex<HashMap<String, AccountLog>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    latency: Jitter,
    keys_issued: Mutex<u64>,
}

/// A running stub; it stops with the process.
#[derive(Clone)]
pub struct Stub {
    pub endpoint: String,
    inner: Arc<Inner>,
}

impl Stub {
    /// Starts the stub on 127.0.0.1 (a free port) on a thread and runtime of its own, so its
    /// admission times are not held up by the processor's tasks.
    pub fn start(config: StubConfig) -> Stub {
        let inner = Arc::new(Inner {
            latency: Jitter::new(config.latency, config.seed),
            config,
            logs: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            keys_issued: Mutex::new(0),
        });
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let state = inner.clone();
        std::thread::Builder::new()
            .name("ses-stub".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a stub runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding the stub");
                    tx.send(listener.local_addr().expect("the stub's address")).expect("reporting the address");
                    axum::serve(listener, router(state)).await.expect("serving the stub");
                });
            })
            .expect("starting the stub thread");
        let addr = rx.recv().expect("the stub started");
        Stub { endpoint: format!("http://{addr}"), inner }
    }

    /// Every account's log so far, by account number.
    pub fn logs(&self) -> HashMap<String, AccountLog> {
        self.inner.logs.lock().expect("stub log").clone()
    }

    /// The address of subscriber `i` of `account` (opted in to [`TOPIC`]).
    pub fn subscriber(account: &str, i: usize) -> String {
        format!("user{i}@a{account}.example.org")
    }

    /// The contact list of `account`.
    pub fn list_name(account: &str) -> String {
        format!("ccm-contacts-{account}")
    }
}

fn router(state: Arc<Inner>) -> Router {
    Router::new()
        .route("/", post(sts))
        .route("/v2/email/account", get(get_account))
        .route("/v2/email/contact-lists", get(list_contact_lists))
        .route("/v2/email/contact-lists/{name}", get(get_contact_list))
        .route("/v2/email/contact-lists/{name}/contacts/list", post(list_contacts))
        .route("/v2/email/outbound-emails", post(send_email))
        .with_state(state)
}

/// A seeded random delay between two bounds (uniform): the stub's answers, the S3-like store's calls.
pub struct Jitter {
    low: Duration,
    span_us: u64,
    state: Mutex<u64>,
}

impl Jitter {
    pub fn new((low, high): (Duration, Duration), seed: u64) -> Self {
        Self { low, span_us: high.saturating_sub(low).as_micros() as u64, state: Mutex::new(seed | 1) }
    }

    /// The next delay: xorshift64*, reproducible for a given seed (the order of requests still varies).
    pub fn next(&self) -> Duration {
        if self.span_us == 0 {
            return self.low;
        }
        let mut s = self.state.lock().expect("jitter state");
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        self.low + Duration::from_micros(s.wrapping_mul(0x2545_F491_4F6C_DD1D) % (self.span_us + 1))
    }
}

impl Inner {
    async fn latency(&self) {
        tokio::time::sleep(self.latency.next()).await;
    }

    fn log(&self, account: &str, f: impl FnOnce(&mut AccountLog)) {
        f(self.logs.lock().expect("stub log").entry(account.to_owned()).or_default());
    }

    /// Takes a token from the account's bucket (capacity: one second of sends, at least one).
    fn admit(&self, account: &str, now: Instant) -> bool {
        let rate = self.config.rate;
        let capacity = rate.floor().max(1.0);
        let mut buckets = self.buckets.lock().expect("stub buckets");
        let b = buckets.entry(account.to_owned()).or_insert(Bucket { tokens: capacity, refilled: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.refilled).as_secs_f64() * rate).min(capacity);
        b.refilled = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// SES's JSON error: the SDK reads the code from `x-amzn-ErrorType`.
fn ses_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, [("x-amzn-ErrorType", code)], Json(json!({ "message": message }))).into_response()
}

/// The account in `Credential=ASIA{account}{nnnn}/date/region/service/aws4_request`.
fn account_of(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let akid = auth.split("Credential=").nth(1).and_then(|c| c.split('/').next()).unwrap_or_default();
    let account = akid.strip_prefix("ASIA").and_then(|rest| rest.get(..12))?;
    account.bytes().all(|b| b.is_ascii_digit()).then(|| account.to_owned())
}

/// SES's answer to a credential it did not issue.
fn unrecognized_client() -> Response {
    ses_error(
        StatusCode::FORBIDDEN,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
}

async fn sts(State(s): State<Arc<Inner>>, Form(form): Form<HashMap<String, String>>) -> Response {
    s.latency().await;
    let xml_error = |code: &str, message: &str| {
        let body = format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>{code}</Code><Message>{message}</Message></Error><RequestId>stub</RequestId></ErrorResponse>"
        );
        (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
    };
    if form.get("Action").map(String::as_str) != Some("AssumeRole") {
        return xml_error("InvalidAction", "only AssumeRole is stubbed");
    }
    let role = form.get("RoleArn").cloned().unwrap_or_default();
    let session = form.get("RoleSessionName").cloned().unwrap_or_default();
    // arn:aws:iam::{account}:role/{name}
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let (Some(account), Some(resource)) = (parts.get(4), parts.get(5)) else {
        return xml_error("ValidationError", "RoleArn is not an IAM role ARN");
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return xml_error("ValidationError", "RoleArn has no 12-digit account");
    }
    let role_name = resource.strip_prefix("role/").unwrap_or(resource);
    let serial = {
        let mut n = s.keys_issued.lock().expect("stub keys");
        *n += 1;
        *n
    };
    s.log(account, |l| l.assume_role += 1);
    let expiration =
        (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <Credentials><AccessKeyId>ASIA{account}{serial:04}</AccessKeyId>\
         <SecretAccessKey>stub-secret-{serial}</SecretAccessKey><SessionToken>stub-token-{serial}</SessionToken>\
         <Expiration>{expiration}</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>AROASTUB{serial:04}:{session}</AssumedRoleId>\
         <Arn>arn:aws:sts::{account}:assumed-role/{role_name}/{session}</Arn></AssumedRoleUser>\
         </AssumeRoleResult><ResponseMetadata><RequestId>stub-{serial}</RequestId></ResponseMetadata>\
         </AssumeRoleResponse>"
    );
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

async fn get_account(State(s): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    s.latency().await;
    let Some(account) = account_of(&headers) else { return unrecognized_client() };
    let mut sent = 0;
    s.log(&account, |l| {
        l.get_account += 1;
        sent = l.accepted.len();
    });
    Json(json!({
        "SendQuota": {"Max24HourSend": 50_000.0, "MaxSendRate": s.config.rate, "SentLast24Hours": sent as f64},
        "SendingEnabled": true,
        "ProductionAccessEnabled": true,
        "EnforcementStatus": "HEALTHY",
        "DedicatedIpAutoWarmupEnabled": false
    }))
    .into_response()
}

async fn list_contact_lists(
    State(s): State<Arc<Inner>>,
    headers: HeaderMap,
    Query(_page): Query<HashMap<String, String>>,
) -> Response {
    s.latency().await;
    let Some(account) = account_of(&headers) else { return unrecognized_client() };
    s.log(&account, |l| l.list_contact_lists += 1);
    Json(json!({"ContactLists": [{"ContactListName": Stub::list_name(&account), "LastUpdatedTimestamp": 1.7e9}]}))
        .into_response()
}

async fn get_contact_list(State(s): State<Arc<Inner>>, headers: HeaderMap, Path(name): Path<String>) -> Response {
    s.latency().await;
    let Some(account) = account_of(&headers) else { return unrecognized_client() };
    if name != Stub::list_name(&account) {
        return ses_error(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            &format!("List with name {name} does not exist."),
        );
    }
    s.log(&account, |l| l.get_contact_list += 1);
    let topics: Vec<Value> = std::iter::once(TOPIC)
        .chain(OTHER_TOPICS)
        .map(|t| json!({"TopicName": t, "DisplayName": t, "Description": t, "DefaultSubscriptionStatus": "OPT_OUT"}))
        .collect();
    Json(json!({"ContactListName": name, "Topics": topics, "CreatedTimestamp": 1.7e9, "LastUpdatedTimestamp": 1.7e9}))
        .into_response()
}

/// The account's contacts in list order: subscriber `i` opted in to [`TOPIC`], and after every
/// `OPTED_OUT_EVERY - 1` of them one who opted out of it.
fn contacts(account: &str, subscribers: usize) -> impl Iterator<Item = (String, &'static str)> + '_ {
    (0..subscribers).flat_map(move |i| {
        let quiet = (i % (OPTED_OUT_EVERY - 1) == OPTED_OUT_EVERY - 2)
            .then(|| (format!("quiet{i}@a{account}.example.org"), "OPT_OUT"));
        std::iter::once((Stub::subscriber(account, i), "OPT_IN")).chain(quiet)
    })
}

async fn list_contacts(
    State(s): State<Arc<Inner>>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    s.latency().await;
    let Some(account) = account_of(&headers) else { return unrecognized_client() };
    if name != Stub::list_name(&account) {
        return ses_error(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            &format!("List with name {name} does not exist."),
        );
    }
    s.log(&account, |l| l.list_contacts_pages += 1);
    let page_size = body["PageSize"].as_u64().unwrap_or(1000).clamp(1, 1000) as usize;
    let offset: usize = body["NextToken"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let wanted_status = body["Filter"]["FilteredStatus"].as_str().map(str::to_owned);
    let wanted_topic = body["Filter"]["TopicFilter"]["TopicName"].as_str().map(str::to_owned);
    let matching =
        contacts(&account, s.config.subscribers).filter(|(_, status)| match (&wanted_status, &wanted_topic) {
            (Some(want), Some(topic)) if topic == TOPIC => want == status,
            // Nobody holds a preference for the other topics, and their default is OPT_OUT.
            (Some(want), Some(_)) => want == "OPT_OUT",
            _ => true,
        });
    let page: Vec<Value> = matching
        .skip(offset)
        .take(page_size + 1)
        .map(|(address, status)| {
            json!({
                "EmailAddress": address,
                "TopicPreferences": [{"TopicName": TOPIC, "SubscriptionStatus": status}],
                "TopicDefaultPreferences": OTHER_TOPICS.iter()
                    .map(|t| json!({"TopicName": t, "SubscriptionStatus": "OPT_OUT"})).collect::<Vec<_>>(),
                "UnsubscribeAll": false,
                "LastUpdatedTimestamp": 1.7e9
            })
        })
        .collect();
    let more = page.len() > page_size;
    let contacts: Vec<Value> = page.into_iter().take(page_size).collect();
    let mut out = json!({ "Contacts": contacts });
    if more {
        out["NextToken"] = json!((offset + page_size).to_string());
    }
    Json(out).into_response()
}

async fn send_email(State(s): State<Arc<Inner>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let arrived = Instant::now();
    let Some(account) = account_of(&headers) else { return unrecognized_client() };
    let admitted = s.admit(&account, arrived);
    let recipients: Vec<String> = body["Destination"]["ToAddresses"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut message_number = 0;
    s.log(&account, |l| {
        if admitted {
            for r in &recipients {
                l.accepted.push(Accepted { at: arrived, recipient: r.clone() });
            }
            message_number = l.accepted.len();
        } else {
            l.throttled += 1;
            l.throttled_at.push(arrived);
        }
    });
    s.latency().await;
    if !admitted {
        return ses_error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException", "Maximum sending rate exceeded.");
    }
    Json(json!({ "MessageId": format!("stub-{account}-{message_number:06}") })).into_response()
}
