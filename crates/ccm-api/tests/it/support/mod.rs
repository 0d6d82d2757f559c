//! `TestApp`: the API router over an embedded store in a temporary directory, the in-memory index,
//! the repository's config.json and a clock the test moves. `Client` sends requests through
//! `router(state).oneshot(..)` with a sealed session cookie and its CSRF token.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use ccm_api::AppState;
use ccm_auth::session::{COOKIE_NAME, Session, SessionUser};
use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_core::StorageKey;
use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DocumentStore, UuidIdGen, list_all};
use ccm_core::{EmailAddress, ObjectId};
use ccm_embedded::{EmbeddedStore, MemoryIndex};
use chrono::{DateTime, Duration, Utc};
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// What every request answers: status, headers and the body as JSON (`Null` when empty, a string
/// when not JSON).
pub type Reply = (StatusCode, HeaderMap, Value);

const CONFIG_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config.json"));

/// The instant every test starts at; schedules in the tests lie in the days after it.
pub const START: &str = "2026-06-01T12:00:00Z";

/// A clock that stands still until the test moves it.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub struct TestApp {
    pub state: AppState,
    pub store: Arc<dyn DocumentStore>,
    pub clock: Arc<TestClock>,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// An app whose config.json was edited as JSON first, e.g. to allow self-approval.
    pub async fn with_config(edit: impl FnOnce(&mut Value)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        Self::over(store, Some(dir), edit)
    }

    /// The same app over an S3 bucket of its own on the moto emulator; `None` (the test skips)
    /// when no emulator is available and CCM_REQUIRE_MOTO is not set.
    pub async fn on_moto() -> Option<Self> {
        let moto = ccm_testkit::moto::shared().await?;
        let bucket = moto.create_bucket("ccm-api").await;
        let store = Arc::new(ccm_aws::S3DocumentStore::new(moto.s3_client(), &bucket));
        let mut app = Self::over(store, None, |_| {});
        // As in AWS: attachment bytes go to S3 by presigned URLs.
        app.state.app.uploads = Arc::new(ccm_aws::S3Uploads::new(moto.s3_client(), bucket));
        Some(app)
    }

    fn over(store: Arc<dyn DocumentStore>, dir: Option<tempfile::TempDir>, edit: impl FnOnce(&mut Value)) -> Self {
        let mut raw: Value = serde_json::from_str(CONFIG_JSON).unwrap();
        edit(&mut raw);
        let config = AppConfig::from_json(&raw.to_string()).unwrap();
        let clock = Arc::new(TestClock(Mutex::new(START.parse().unwrap())));
        let state = AppState {
            app: ccm_app::App {
                store: store.clone(),
                index: Arc::new(MemoryIndex::new()),
                config: Arc::new(config),
                clock: clock.clone(),
                ids: Arc::new(UuidIdGen),
                uploads: Arc::new(ccm_api::uploads::LocalUploads),
            },
            keys: SessionKeys::ephemeral(),
            policy: SessionPolicy { secure_cookie: false, ..SessionPolicy::default() },
            surveys: ccm_api::SurveySettings::default(),
        };
        Self { state, store, clock, _dir: dir }
    }

    /// A session for a demo user of config.json, signed in now.
    pub fn session_for(&self, email: &str) -> Session {
        let email = EmailAddress::parse(email).unwrap();
        let demo =
            self.state.app.config.portal.demo_user(&email).unwrap_or_else(|| panic!("{email:?} is no demo user"));
        let user = SessionUser {
            email: demo.email.as_str().to_owned(),
            name: demo.name.clone(),
            roles: demo.roles.clone(),
            customers: if demo.customers.is_empty() { None } else { Some(demo.customers.clone()) },
            groups: demo.groups.clone(),
        };
        Session::new(user, self.clock.now())
    }

    pub fn login(&self, email: &str) -> Client {
        self.client_with(&self.session_for(email))
    }

    pub fn client_with(&self, session: &Session) -> Client {
        Client {
            state: self.state.clone(),
            cookie: Mutex::new(Some(self.state.keys.seal(session))),
            csrf: Some(session.csrf.clone()),
        }
    }

    pub fn anonymous(&self) -> Client {
        Client { state: self.state.clone(), cookie: Mutex::new(None), csrf: None }
    }

    /// The stored JSON under `key` (e.g. `archive/CHG-….json`), if any.
    pub async fn stored(&self, key: &str) -> Option<Value> {
        let key = StorageKey::parse(key).unwrap();
        let doc = self.store.get(&key).await.unwrap()?;
        Some(serde_json::from_slice(&doc.body).unwrap())
    }

    /// Every stored key under `prefix`.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        list_all(&*self.store, prefix).await.unwrap().into_iter().map(|l| l.key).collect()
    }

    pub async fn all_keys(&self) -> Vec<String> {
        self.keys("").await
    }
}

/// A browser of one user: it sends the session cookie and CSRF token, and keeps a re-issued cookie.
pub struct Client {
    state: AppState,
    cookie: Mutex<Option<String>>,
    csrf: Option<String>,
}

impl Client {
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().unwrap().clone()
    }

    /// The same client presenting another cookie value.
    pub fn with_cookie(&self, value: &str) -> Client {
        Client { state: self.state.clone(), cookie: Mutex::new(Some(value.to_owned())), csrf: self.csrf.clone() }
    }

    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call { client: self, method, path: path.to_owned(), headers: Vec::new(), body: None, csrf: true }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path).send().await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path).json(body).send().await
    }
    /// A PUT with `If-Match: etag`.
    pub async fn put(&self, path: &str, etag: &str, body: Value) -> Reply {
        self.call(Method::PUT, path).if_match(etag).json(body).send().await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path).send().await
    }

    /// `POST {path}` with an empty JSON object: the actions (`/submit`, `/approve`, …).
    pub async fn act(&self, id: &str, action: &str) -> Reply {
        self.post(&format!("{}/{action}", object_path(id)), json!({})).await
    }

    /// Creates an object and returns it as stored, asserting 201.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let (status, _, reply) = self.post(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{reply}");
        reply["object"].clone()
    }

    /// The object and its ETag, asserting 200.
    pub async fn fetch(&self, id: &str) -> (Value, String) {
        let (status, headers, body) = self.get(&object_path(id)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (body, headers[header::ETAG].to_str().unwrap().to_owned())
    }
}

/// One request being built.
pub struct Call<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    csrf: bool,
}

impl Call<'_> {
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
    pub fn if_match(self, etag: &str) -> Self {
        self.header("if-match", etag)
    }
    pub fn if_none_match(self, etag: &str) -> Self {
        self.header("if-none-match", etag)
    }
    pub fn without_csrf(mut self) -> Self {
        self.csrf = false;
        self
    }

    pub async fn send(self) -> Reply {
        let mut req = Request::builder().method(self.method).uri(&self.path);
        if let Some(cookie) = self.client.cookie() {
            req = req.header(header::COOKIE, format!("{COOKIE_NAME}={cookie}"));
        }
        if self.csrf
            && let Some(token) = &self.client.csrf
        {
            req = req.header("x-csrf-token", token);
        }
        if self.body.is_some() && !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in &self.headers {
            req = req.header(*name, value);
        }
        let req = req.body(Body::from(self.body.unwrap_or_default())).unwrap();
        let res = ccm_api::router(self.client.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        if let Some(fresh) = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).and_then(cookie_value) {
            *self.client.cookie.lock().unwrap() = Some(fresh.to_owned());
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, headers, body)
    }
}

/// The session cookie's value in a `Set-Cookie` header.
fn cookie_value(set_cookie: &str) -> Option<&str> {
    set_cookie.split(';').next()?.strip_prefix(COOKIE_NAME)?.strip_prefix('=')
}

/// `/api/changes/{id}` or `/api/announcements/{id}`, from the id's prefix.
pub fn object_path(id: &str) -> String {
    let family = if ObjectId::parse(id).is_ok_and(|i| i.kind().is_change()) { "changes" } else { "announcements" };
    format!("/api/{family}/{id}")
}

/// A change with everything submission needs: a two-hour window on 2026-06-10 (UTC) for acme and globex.
pub fn complete_change(title: &str) -> Value {
    json!({
        "changeTitle": title,
        "changeReason": "Patch the fleet",
        "implementationPlan": "Roll the hosts one by one",
        "customers": ["acme", "globex"],
        "implementationStart": "2026-06-10T10:00:00Z",
        "implementationEnd": "2026-06-10T12:00:00Z",
    })
}

/// An announcement of `type_` with everything submission needs.
pub fn complete_announcement(type_: &str, title: &str) -> Value {
    json!({
        "announcement_type": type_,
        "title": title,
        "summary": "What changes for you",
        "content": "The details",
        "customers": ["acme"],
    })
}

/// The `modification_type`s of an object's history, oldest first.
pub fn history(object: &Value) -> Vec<&str> {
    object["modifications"].as_array().unwrap().iter().map(|m| m["modification_type"].as_str().unwrap()).collect()
}

/// The ids of a list or search reply.
pub fn ids(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect()
}

pub fn id_of(object: &Value) -> String {
    object.get("changeId").or_else(|| object.get("announcement_id")).and_then(Value::as_str).unwrap().to_owned()
}

/// Creates a complete change as `author` and submits it; returns its id.
pub async fn submitted_change(author: &Client, title: &str) -> String {
    let id = id_of(&author.create("/api/changes", complete_change(title)).await);
    let (status, _, body) = author.act(&id, "submit").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// A submitted change of alice's, approved by bob; returns its id.
pub async fn approved_change(alice: &Client, bob: &Client, title: &str) -> String {
    let id = submitted_change(alice, title).await;
    let (status, _, body) = bob.act(&id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}
