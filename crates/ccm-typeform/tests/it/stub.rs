//! A stand-in for Typeform's Create API on 127.0.0.1: it keeps forms, themes and images, checks each
//! request as Typeform would (the bearer token, the paths, the JSON of forms, themes and images,
//! references to themes and images it knows), and answers with Typeform's shapes. Tests inject
//! 429 and 5xx answers, and answers lost after the work was done.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{Value, json};

pub const TOKEN: &str = "tfp_test_token_0123456789";

const FONTS: &[&str] = &["Arial", "Helvetica Neue", "Karla", "Lato", "Montserrat", "Open Sans", "Source Sans Pro"];
const FIELD_TYPES: &[&str] = &["yes_no", "opinion_scale", "long_text", "short_text", "rating", "multiple_choice"];

/// An injected answer for the next matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status (with `Retry-After: {seconds}` if given) without doing anything.
    Status { method: Method, path: &'static str, status: u16, retry_after: Option<u64> },
    /// Do the work, then answer 502 as if the answer were lost on the way.
    LoseAnswer { method: Method, path: &'static str },
}

#[derive(Default)]
pub struct Inner {
    pub forms: Vec<Value>,
    pub themes: Vec<Value>,
    pub images: Vec<Value>,
    /// `METHOD /path` of every request that reached the stub, in order.
    pub requests: Vec<String>,
    faults: VecDeque<Fault>,
    next_id: u64,
}

#[derive(Clone)]
pub struct Stub {
    pub base: String,
    pub inner: Arc<Mutex<Inner>>,
}

impl Stub {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stub = Self { base, inner };
        let app = Router::new()
            .route("/forms", get(list_forms).post(create_form))
            .route("/themes", get(list_themes).post(create_theme))
            .route("/images", get(list_images).post(create_image))
            .layer(axum::middleware::from_fn_with_state(stub.clone(), gate))
            .with_state(stub.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        stub
    }

    pub fn fail(&self, fault: Fault) {
        self.inner.lock().unwrap().faults.push_back(fault);
    }

    pub fn forms(&self) -> Vec<Value> {
        self.inner.lock().unwrap().forms.clone()
    }
    pub fn themes(&self) -> Vec<Value> {
        self.inner.lock().unwrap().themes.clone()
    }
    pub fn images(&self) -> Vec<Value> {
        self.inner.lock().unwrap().images.clone()
    }
    pub fn requests(&self) -> Vec<String> {
        self.inner.lock().unwrap().requests.clone()
    }
    /// How many requests were `what` (`"POST /forms"`).
    pub fn count(&self, what: &str) -> usize {
        self.requests().iter().filter(|r| *r == what).count()
    }

    fn id(&self, prefix: &str) -> String {
        let mut inner = self.inner.lock().unwrap();
        inner.next_id += 1;
        format!("{prefix}{:04}", inner.next_id)
    }
}

fn error(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    (status, Json(json!({"code": code, "description": description.into()}))).into_response()
}

fn invalid(description: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", description)
}

/// Every request: logged, the bearer token checked, an injected fault applied.
async fn gate(State(stub): State<Stub>, headers: HeaderMap, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    stub.inner.lock().unwrap().requests.push(format!("{method} {path}"));
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILED",
            "Authentication credentials not found on the Request Headers",
        );
    }
    if method == Method::POST
        && !headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"))
    {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "JSON only");
    }
    let fault = {
        let mut inner = stub.inner.lock().unwrap();
        let at = inner.faults.iter().position(|f| match f {
            Fault::Status { method: m, path: p, .. } | Fault::LoseAnswer { method: m, path: p } => {
                *m == method && *p == path
            }
        });
        at.and_then(|i| inner.faults.remove(i))
    };
    match fault {
        Some(Fault::Status { status, retry_after, .. }) => {
            let mut res = error(StatusCode::from_u16(status).unwrap(), "INJECTED", "injected by the test");
            if let Some(s) = retry_after {
                res.headers_mut().insert(header::RETRY_AFTER, s.to_string().parse().unwrap());
            }
            res
        }
        Some(Fault::LoseAnswer { .. }) => {
            let _ = next.run(req).await;
            error(StatusCode::BAD_GATEWAY, "BAD_GATEWAY", "the answer was lost")
        }
        None => next.run(req).await,
    }
}

#[derive(serde::Deserialize)]
struct ListQuery {
    search: Option<String>,
    page: Option<usize>,
    page_size: Option<usize>,
}

fn page_of(items: Vec<Value>, q: &ListQuery) -> Result<Value, Box<Response>> {
    let size = q.page_size.unwrap_or(10);
    if !(1..=200).contains(&size) {
        return Err(Box::new(invalid("page_size must be between 1 and 200")));
    }
    let page = q.page.unwrap_or(1).max(1);
    let count = items.len().div_ceil(size).max(1);
    let slice: Vec<Value> = items.iter().skip((page - 1) * size).take(size).cloned().collect();
    Ok(json!({"total_items": items.len(), "page_count": count, "items": slice}))
}

async fn list_forms(State(stub): State<Stub>, Query(q): Query<ListQuery>) -> Response {
    let forms = stub.forms();
    let found: Vec<Value> = forms
        .into_iter()
        .filter(|f| q.search.as_deref().is_none_or(|s| f["title"].as_str().unwrap_or_default().contains(s)))
        .collect();
    page_of(found, &q).map_or_else(|e| *e, |v| Json(v).into_response())
}

async fn list_themes(State(stub): State<Stub>, Query(q): Query<ListQuery>) -> Response {
    page_of(stub.themes(), &q).map_or_else(|e| *e, |v| Json(v).into_response())
}

async fn list_images(State(stub): State<Stub>) -> Response {
    Json(Value::Array(stub.images())).into_response()
}

fn is_color(v: &Value) -> bool {
    v.as_str().is_some_and(|c| c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit()))
}

async fn create_image(State(stub): State<Stub>, Json(body): Json<Value>) -> Response {
    let Some(file_name) = body["file_name"].as_str().filter(|f| !f.is_empty()) else {
        return invalid("file_name is required");
    };
    let Some(bytes) = body["image"].as_str().and_then(|i| base64::engine::general_purpose::STANDARD.decode(i).ok())
    else {
        return invalid("image must be base64");
    };
    let media_type = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"\xff\xd8") {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else {
        return invalid("unsupported image type");
    };
    let id = stub.id("img");
    let image = json!({"id": id, "src": format!("https://images.typeform.com/images/{id}"), "file_name": file_name, "media_type": media_type, "bytes": bytes.len()});
    stub.inner.lock().unwrap().images.push(image.clone());
    (StatusCode::CREATED, Json(image)).into_response()
}

async fn create_theme(State(stub): State<Stub>, Json(body): Json<Value>) -> Response {
    if body["name"].as_str().is_none_or(str::is_empty) {
        return invalid("name is required");
    }
    if !body["font"].as_str().is_some_and(|f| FONTS.contains(&f)) {
        return invalid("font is not one of Typeform's fonts");
    }
    let colors = &body["colors"];
    if !["question", "answer", "button", "background"].iter().all(|k| is_color(&colors[*k])) {
        return invalid("colors needs question, answer, button and background as #RRGGBB");
    }
    if let Some(bg) = body.get("background") {
        let known = stub.images().iter().any(|i| i["src"] == bg["href"]);
        if !known || !bg["layout"].as_str().is_some_and(|l| ["fullscreen", "repeat", "no-repeat"].contains(&l)) {
            return invalid("background.href must be an image of the account, layout fullscreen|repeat|no-repeat");
        }
    }
    let id = stub.id("thm");
    let mut theme = body.clone();
    theme["id"] = json!(id);
    theme["visibility"] = json!("private");
    stub.inner.lock().unwrap().themes.push(theme.clone());
    (StatusCode::CREATED, Json(theme)).into_response()
}

fn check_form(stub: &Stub, body: &Value) -> Result<(), String> {
    if body["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
        return Err("title is required".into());
    }
    let theme = body["theme"]["href"].as_str().ok_or("theme.href is required")?;
    let theme_id =
        theme.strip_prefix(&format!("{}/themes/", stub.base)).ok_or("theme.href must be a theme URL of this API")?;
    if !stub.themes().iter().any(|t| t["id"] == theme_id) {
        return Err(format!("theme {theme_id} does not exist"));
    }
    if let Some(w) = body.get("workspace") {
        let href = w["href"].as_str().ok_or("workspace.href must be a string")?;
        if !href.starts_with(&format!("{}/workspaces/", stub.base)) {
            return Err("workspace.href must be a workspace URL of this API".into());
        }
    }
    for h in body["hidden"].as_array().ok_or("hidden must be an array")? {
        let h = h.as_str().ok_or("hidden fields are strings")?;
        if h.is_empty() || !h.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!("hidden field {h:?} must be lower-case letters, digits and _"));
        }
    }
    let fields = body["fields"].as_array().ok_or("fields must be an array")?;
    let mut refs = std::collections::HashSet::new();
    for f in fields {
        let kind = f["type"].as_str().ok_or("a field without type")?;
        if !FIELD_TYPES.contains(&kind) {
            return Err(format!("unknown field type {kind}"));
        }
        if f["title"].as_str().is_none_or(str::is_empty) {
            return Err("a field without title".into());
        }
        let r = f["ref"].as_str().unwrap_or_default();
        if !r.is_empty() && !refs.insert(r.to_owned()) {
            return Err(format!("duplicate ref {r}"));
        }
        if kind == "opinion_scale" {
            let p = &f["properties"];
            if !p["steps"].as_u64().is_some_and(|s| (5..=11).contains(&s)) || !p["start_at_one"].is_boolean() {
                return Err("opinion_scale needs steps 5..11 and start_at_one".into());
            }
        }
        if !f["validations"]["required"].is_boolean() {
            return Err("validations.required must be a boolean".into());
        }
    }
    Ok(())
}

async fn create_form(State(stub): State<Stub>, Json(body): Json<Value>) -> Response {
    if let Err(e) = check_form(&stub, &body) {
        return invalid(e);
    }
    let id = stub.id("frm");
    let mut form = body.clone();
    form["id"] = json!(id);
    form["type"] = json!("form");
    form["_links"] = json!({"display": format!("https://stub.typeform.com/to/{id}")});
    stub.inner.lock().unwrap().forms.push(form.clone());
    (StatusCode::CREATED, Json(form)).into_response()
}
