//! A Microsoft Graph (and Azure AD token endpoint) stand-in on 127.0.0.1 that checks each request as
//! Graph would and records what it did, for the `ccm-graph` and processor tests.
//!
//! - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials form (client id, secret, scope
//!   `https://graph.microsoft.com/.default`, grant type) → a bearer token.
//! - `/v1.0/users/{user}/events` `GET` (`$filter` on ccm's extended property) and `POST`;
//!   `/v1.0/users/{user}/events/{id}` `GET` and `PATCH`; `POST …/{id}/cancel` (202).
//!
//! Every Graph call needs a token the stub issued, JSON bodies must be `application/json` and hold
//! only properties of Graph's `event` type with the documented shapes (`dateTimeTimeZone`,
//! `attendee`, `itemBody`, the `onlineMeetingProvider` enum); anything else is a 400 with Graph's
//! error body. A create with a `transactionId` already used returns the event made then (Graph's
//! documented behaviour). Zones outside a small list are refused as Graph refuses unknown zones.
//!
//! Faults can be queued: statuses (429 with `Retry-After`, 5xx) and delays (past the client's
//! timeout), applied to the next Graph requests in order.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{Map, Value, json};

pub const TENANT: &str = "tenant-1";
pub const CLIENT_ID: &str = "client-1";
pub const CLIENT_SECRET: &str = "secret-1";
const KEY_PROPERTY: &str = "String {00020329-0000-0000-C000-000000000046} Name ccmMeetingKey";

/// Zones the stub accepts (Graph accepts Windows names and a list of IANA names).
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Eastern Standard Time",
    "Pacific Standard Time",
];

/// Graph's `event` properties ccm may write.
const EVENT_PROPERTIES: &[&str] = &[
    "subject",
    "body",
    "start",
    "end",
    "location",
    "attendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "hideAttendees",
    "allowNewTimeProposals",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "transactionId",
    "singleValueExtendedProperties",
];

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds) instead of doing the call.
    Status(u16, Option<u64>),
    /// Do the call, then wait this long before answering (past the client's timeout: the work is
    /// done but the client never hears of it).
    Delay(Duration),
}

/// One event as the stub holds it.
#[derive(Debug, Clone)]
pub struct StubEvent {
    pub id: String,
    pub organizer: String,
    /// The body of the create, with every later PATCH merged in.
    pub body: Value,
    pub transaction_id: Option<String>,
    pub cancelled: bool,
    pub cancel_comment: Option<String>,
    pub patches: usize,
}

/// One request the stub answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    tokens: Mutex<Vec<String>>,
    events: Mutex<Vec<StubEvent>>,
    faults: Mutex<VecDeque<Fault>>,
    token_faults: Mutex<VecDeque<Fault>>,
    requests: Mutex<Vec<Recorded>>,
    journal: Mutex<Vec<String>>,
    issued: Mutex<u64>,
    latency: Mutex<Duration>,
}

/// A running stub; it stops with the test's runtime.
#[derive(Clone)]
pub struct GraphStub {
    /// What `CCM_GRAPH_URL` would be: `http://127.0.0.1:{port}/v1.0`.
    pub graph_url: String,
    /// What `CCM_GRAPH_LOGIN_URL` would be.
    pub login_url: String,
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl GraphStub {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/v1.0/users/{user}/events", get(list).post(create))
            .route("/v1.0/users/{user}/events/{id}", get(read).patch(patch))
            .route("/v1.0/users/{user}/events/{id}/cancel", post(cancel))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { graph_url: format!("http://{addr}/v1.0"), login_url: format!("http://{addr}"), inner }
    }

    /// Queues faults for the next Graph requests (not token requests), in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.inner.faults).extend(faults);
    }
    /// Queues faults for the next token requests.
    pub fn fail_next_token(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.inner.token_faults).extend(faults);
    }
    /// Every Graph request takes at least this long (widens race windows).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.inner.latency) = latency;
    }
    /// Forgets every issued token (as if they expired): the next Graph call gets a 401.
    pub fn revoke_tokens(&self) {
        lock(&self.inner.tokens).clear();
    }
    pub fn events(&self) -> Vec<StubEvent> {
        lock(&self.inner.events).clone()
    }
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.inner.requests).clone()
    }
    pub fn tokens_issued(&self) -> u64 {
        *lock(&self.inner.issued)
    }
    /// Requests with this method whose path ends with `suffix` and that succeeded.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        self.requests().iter().filter(|r| r.method == method && r.path.ends_with(suffix) && r.status < 300).count()
    }
    /// A shared timeline: the stub appends `create`, `patch {id}`, `cancel {id}`; tests may add
    /// their own entries (sends) to check the order of things.
    pub fn note(&self, entry: impl Into<String>) {
        lock(&self.inner.journal).push(entry.into());
    }
    pub fn journal(&self) -> Vec<String> {
        lock(&self.inner.journal).clone()
    }
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

impl Inner {
    fn record(&self, method: &str, path: String, status: StatusCode, body: &Value) {
        lock(&self.requests).push(Recorded {
            method: method.into(),
            path,
            status: status.as_u16(),
            body: body.clone(),
        });
    }

    /// The queued fault for this request: `Err(response)` replaces the call, `Ok(delay)` is how
    /// long to wait after doing it.
    async fn fault(&self, queue: &Mutex<VecDeque<Fault>>) -> Result<Duration, Response> {
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let next = lock(queue).pop_front();
        match next {
            None => Ok(Duration::ZERO),
            Some(Fault::Delay(d)) => Ok(d),
            Some(Fault::Status(code, retry_after)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut r = graph_error(status, "TooManyRequests", "injected fault");
                if let Some(s) = retry_after
                    && let Ok(v) = header::HeaderValue::from_str(&s.to_string())
                {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                Err(r)
            }
        }
    }

    /// Graph's checks on every call: a bearer token the stub issued, `Prefer: IdType="ImmutableId"`,
    /// JSON bodies as `application/json`.
    #[allow(clippy::result_large_err, reason = "a test stub: the refusal is the HTTP response it answers with")]
    fn check_headers(&self, headers: &HeaderMap, has_body: bool) -> Result<(), Response> {
        let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let token = auth.strip_prefix("Bearer ").unwrap_or_default();
        if token.is_empty() || !lock(&self.tokens).iter().any(|t| t == token) {
            return Err(graph_error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token is empty or invalid.",
            ));
        }
        let prefer = headers.get("prefer").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if prefer != "IdType=\"ImmutableId\"" {
            return Err(graph_error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRequest",
                "the stub expects Prefer: IdType=\"ImmutableId\"",
            ));
        }
        if has_body {
            let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !ct.starts_with("application/json") {
                return Err(graph_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType", ct));
            }
        }
        Ok(())
    }
}

fn bad(message: impl Into<String>) -> Response {
    graph_error(StatusCode::BAD_REQUEST, "RequestBodyRead", &message.into())
}

/// The shape of an `event` body per Graph's schema. `create` allows `transactionId` and extended properties.
#[allow(clippy::result_large_err, reason = "a test stub: the refusal is the HTTP response it answers with")]
fn check_event(body: &Value, create: bool) -> Result<(), Response> {
    let Some(map) = body.as_object() else { return Err(bad("the body is not a JSON object")) };
    for k in map.keys() {
        if !EVENT_PROPERTIES.contains(&k.as_str()) {
            return Err(bad(format!("The property '{k}' does not exist on type 'microsoft.graph.event'.")));
        }
        if !create && (k == "transactionId" || k == "singleValueExtendedProperties") {
            return Err(bad(format!("'{k}' cannot be changed after the event was created")));
        }
    }
    let string = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    if create && string(map, "subject").is_none() {
        return Err(bad("subject is required"));
    }
    if let Some(b) = map.get("body") {
        let ok = b.as_object().is_some_and(|b| {
            matches!(string(b, "contentType").map(|c| c.to_ascii_lowercase()).as_deref(), Some("html" | "text"))
                && string(b, "content").is_some()
                && b.len() == 2
        });
        if !ok {
            return Err(bad("body must be an itemBody {contentType: text|html, content}"));
        }
    }
    for k in ["start", "end"] {
        let Some(v) = map.get(k) else {
            if create {
                return Err(bad(format!("{k} is required")));
            }
            continue;
        };
        let Some(d) = v.as_object().filter(|d| d.len() == 2) else {
            return Err(bad(format!("{k} must be a dateTimeTimeZone")));
        };
        let dt = string(d, "dateTime").unwrap_or_default();
        if chrono::NaiveDateTime::parse_from_str(&dt, "%Y-%m-%dT%H:%M:%S%.f").is_err() {
            return Err(bad(format!("{k}.dateTime {dt:?} is not a local date and time")));
        }
        let zone = string(d, "timeZone").unwrap_or_default();
        if !ZONES.contains(&zone.as_str()) {
            return Err(graph_error(
                StatusCode::BAD_REQUEST,
                "TimeZoneNotSupportedException",
                &format!(
                    "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."
                ),
            ));
        }
    }
    if let Some(l) = map.get("location")
        && !l.as_object().is_some_and(|l| l.get("displayName").is_some_and(Value::is_string))
    {
        return Err(bad("location must be a location {displayName}"));
    }
    if let Some(a) = map.get("attendees") {
        let ok = a.as_array().is_some_and(|list| {
            list.iter().all(|x| {
                let address = x.pointer("/emailAddress/address").and_then(Value::as_str).unwrap_or_default();
                let kind = x.get("type").and_then(Value::as_str).unwrap_or_default();
                address.contains('@') && matches!(kind, "required" | "optional" | "resource")
            })
        });
        if !ok {
            return Err(bad("attendees must be attendee {emailAddress {address}, type: required|optional|resource}"));
        }
    }
    for k in ["isOnlineMeeting", "hideAttendees", "allowNewTimeProposals", "isReminderOn"] {
        if map.get(k).is_some_and(|v| !v.is_boolean()) {
            return Err(bad(format!("{k} must be a boolean")));
        }
    }
    if let Some(p) = map.get("onlineMeetingProvider")
        && !matches!(p.as_str(), Some("teamsForBusiness" | "skypeForBusiness" | "skypeForConsumer" | "unknown"))
    {
        return Err(bad("onlineMeetingProvider is not an onlineMeetingProviderType"));
    }
    if let Some(props) = map.get("singleValueExtendedProperties") {
        let ok = props.as_array().is_some_and(|list| {
            list.iter()
                .all(|p| p.get("id").is_some_and(Value::is_string) && p.get("value").is_some_and(Value::is_string))
        });
        if !ok {
            return Err(bad("singleValueExtendedProperties must be [{id, value}]"));
        }
    }
    Ok(())
}

fn event_json(e: &StubEvent) -> Value {
    let mut v = e.body.clone();
    if let Some(m) = v.as_object_mut() {
        m.insert("id".into(), e.id.clone().into());
        m.insert("iCalUId".into(), format!("040000008200E00074C5B7101A82E008{:0>8}", e.id.len()).into());
        m.insert("isCancelled".into(), e.cancelled.into());
        m.insert(
            "onlineMeeting".into(),
            json!({"joinUrl": format!("https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0", e.id.replace(['/', '+', '='], ""))}),
        );
        m.remove("singleValueExtendedProperties");
    }
    v
}

async fn token(
    State(s): State<Arc<Inner>>,
    Path(tenant): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let late = match s.fault(&s.token_faults).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if tenant != TENANT
        || get("client_id") != Some(CLIENT_ID)
        || get("client_secret") != Some(CLIENT_SECRET)
        || get("grant_type") != Some("client_credentials")
        || get("scope") != Some("https://graph.microsoft.com/.default")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})),
        )
            .into_response();
    }
    let n = {
        let mut issued = lock(&s.issued);
        *issued = issued.saturating_add(1);
        *issued
    };
    let value = format!("token-{n}");
    lock(&s.tokens).push(value.clone());
    tokio::time::sleep(late).await;
    Json(json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": value}))
        .into_response()
}

async fn list(
    State(s): State<Arc<Inner>>,
    Path(user): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/users/{user}/events");
    if let Err(r) = s.check_headers(&headers, false) {
        s.record("GET", path, r.status(), &Value::Null);
        return r;
    }
    let late = match s.fault(&s.faults).await {
        Ok(d) => d,
        Err(r) => {
            s.record("GET", path, r.status(), &Value::Null);
            return r;
        }
    };
    let filter = q.iter().find(|(k, _)| k == "$filter").map(|(_, v)| v.as_str()).unwrap_or_default();
    let prefix = format!("singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' and ep/value eq '");
    let Some(key) = filter.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix("')")) else {
        let r = bad(format!("the stub only answers ccm's lookup filter, not {filter:?}"));
        s.record("GET", path, r.status(), &Value::Null);
        return r;
    };
    // Cancelled events move to Deleted Items: a calendar listing no longer has them.
    let found: Vec<Value> = lock(&s.events)
        .iter()
        .filter(|e| e.organizer.eq_ignore_ascii_case(&user) && !e.cancelled)
        .filter(|e| {
            e.body["singleValueExtendedProperties"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["id"] == KEY_PROPERTY && p["value"] == key))
        })
        .map(event_json)
        .collect();
    s.record("GET", path, StatusCode::OK, &Value::Null);
    tokio::time::sleep(late).await;
    Json(json!({"value": found})).into_response()
}

async fn create(
    State(s): State<Arc<Inner>>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    let path = format!("/users/{user}/events");
    let Json(body) = body;
    if let Err(r) = s.check_headers(&headers, true) {
        s.record("POST", path, r.status(), &body);
        return r;
    }
    let late = match s.fault(&s.faults).await {
        Ok(d) => d,
        Err(r) => {
            s.record("POST", path, r.status(), &body);
            return r;
        }
    };
    if let Err(r) = check_event(&body, true) {
        s.record("POST", path, r.status(), &body);
        return r;
    }
    let transaction_id = body.get("transactionId").and_then(Value::as_str).map(str::to_owned);
    let (event, created) = {
        let mut events = lock(&s.events);
        match events.iter().find(|e| transaction_id.is_some() && e.transaction_id == transaction_id) {
            Some(e) => (e.clone(), false),
            None => {
                let e = StubEvent {
                    id: format!("AAMkAGI2TG93AAA/{}+x=", events.len()),
                    organizer: user.clone(),
                    body: body.clone(),
                    transaction_id,
                    cancelled: false,
                    cancel_comment: None,
                    patches: 0,
                };
                events.push(e.clone());
                (e, true)
            }
        }
    };
    if created {
        lock(&s.journal).push(format!("create {}", event.id));
    }
    s.record("POST", path, StatusCode::CREATED, &body);
    tokio::time::sleep(late).await;
    (StatusCode::CREATED, Json(event_json(&event))).into_response()
}

async fn read(State(s): State<Arc<Inner>>, Path((user, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let path = format!("/users/{user}/events/{id}");
    if let Err(r) = s.check_headers(&headers, false) {
        s.record("GET", path, r.status(), &Value::Null);
        return r;
    }
    let found = lock(&s.events).iter().find(|e| e.id == id && e.organizer.eq_ignore_ascii_case(&user)).cloned();
    match found {
        Some(e) => {
            s.record("GET", path, StatusCode::OK, &Value::Null);
            Json(event_json(&e)).into_response()
        }
        None => {
            s.record("GET", path, StatusCode::NOT_FOUND, &Value::Null);
            graph_error(StatusCode::NOT_FOUND, "ErrorItemNotFound", "The specified object was not found in the store.")
        }
    }
}

async fn patch(
    State(s): State<Arc<Inner>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    let path = format!("/users/{user}/events/{id}");
    let Json(body) = body;
    if let Err(r) = s.check_headers(&headers, true) {
        s.record("PATCH", path, r.status(), &body);
        return r;
    }
    let late = match s.fault(&s.faults).await {
        Ok(d) => d,
        Err(r) => {
            s.record("PATCH", path, r.status(), &body);
            return r;
        }
    };
    if let Err(r) = check_event(&body, false) {
        s.record("PATCH", path, r.status(), &body);
        return r;
    }
    let updated = {
        let mut events = lock(&s.events);
        events.iter_mut().find(|e| e.id == id && e.organizer.eq_ignore_ascii_case(&user) && !e.cancelled).map(|e| {
            if let (Some(target), Some(changes)) = (e.body.as_object_mut(), body.as_object()) {
                for (k, v) in changes {
                    target.insert(k.clone(), v.clone());
                }
            }
            e.patches = e.patches.saturating_add(1);
            e.clone()
        })
    };
    match updated {
        Some(e) => {
            lock(&s.journal).push(format!("patch {}", e.id));
            s.record("PATCH", path, StatusCode::OK, &body);
            tokio::time::sleep(late).await;
            Json(event_json(&e)).into_response()
        }
        None => {
            s.record("PATCH", path, StatusCode::NOT_FOUND, &body);
            graph_error(StatusCode::NOT_FOUND, "ErrorItemNotFound", "The specified object was not found in the store.")
        }
    }
}

async fn cancel(
    State(s): State<Arc<Inner>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    let path = format!("/users/{user}/events/{id}/cancel");
    let Json(body) = body;
    if let Err(r) = s.check_headers(&headers, true) {
        s.record("POST", path, r.status(), &body);
        return r;
    }
    let late = match s.fault(&s.faults).await {
        Ok(d) => d,
        Err(r) => {
            s.record("POST", path, r.status(), &body);
            return r;
        }
    };
    let comment_ok = body.as_object().is_some_and(|m| m.len() == 1 && m.get("Comment").is_some_and(Value::is_string));
    if !comment_ok {
        let r = bad("the cancel action takes {\"Comment\": string}");
        s.record("POST", path, r.status(), &body);
        return r;
    }
    let found = {
        let mut events = lock(&s.events);
        events.iter_mut().find(|e| e.id == id && e.organizer.eq_ignore_ascii_case(&user) && !e.cancelled).map(|e| {
            e.cancelled = true;
            e.cancel_comment = body["Comment"].as_str().map(str::to_owned);
            e.id.clone()
        })
    };
    match found {
        Some(id) => {
            lock(&s.journal).push(format!("cancel {id}"));
            s.record("POST", path, StatusCode::ACCEPTED, &body);
            tokio::time::sleep(late).await;
            StatusCode::ACCEPTED.into_response()
        }
        None => {
            s.record("POST", path, StatusCode::NOT_FOUND, &body);
            graph_error(StatusCode::NOT_FOUND, "ErrorItemNotFound", "The specified object was not found in the store.")
        }
    }
}
