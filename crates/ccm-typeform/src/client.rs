//! A small client of Typeform's Create API: bearer token, JSON, and the difference between an answer
//! worth retrying (429, 5xx, a timeout, a dropped connection) and a refusal (any other 4xx).

use std::time::Duration;

use bytes::Bytes;
use ccm_core::ports::Secret;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Settings;
use crate::retry::Retry;
use crate::wire::{Form, Image, NewForm, NewImage, NewTheme, Page, Theme};

/// Items per page when listing (Typeform's maximum is 200).
const PAGE_SIZE: u32 = 200;
/// Pages read at most when listing themes (40 000 themes).
const MAX_PAGES: u64 = 200;
/// Largest answer read from Typeform.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TypeformError {
    /// Throttled, failing or unreachable, still after the retries.
    #[error("Typeform is unavailable ({what}): {detail}")]
    Unavailable { what: &'static str, detail: String },
    /// A 4xx other than 429: the token, the workspace or the request is wrong; retrying cannot help.
    #[error("Typeform refused {what}: {status} {detail}")]
    Refused { what: &'static str, status: u16, detail: String },
    /// A 2xx whose body is not what the API documents.
    #[error("Typeform's answer to {what} is not readable: {detail}")]
    BadAnswer { what: &'static str, detail: String },
    #[error("the Typeform client could not be built: {0}")]
    Setup(String),
}

impl TypeformError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// One attempt's failure: retry it (after the server's `Retry-After`, if it gave one), or stop.
pub(crate) enum Failure {
    Retry { detail: String, after: Option<Duration> },
    Stop(TypeformError),
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

#[derive(Clone)]
pub struct Client {
    http: HttpClient<Connector, Full<Bytes>>,
    base: String,
    token: Secret,
    retry: Retry,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Client {
    /// HTTPS with the system's root certificates and the aws-lc-rs provider, given explicitly (no
    /// process-wide TLS state is set); plain HTTP is allowed for a local stand-in.
    pub fn new(settings: &Settings) -> Result<Self, TypeformError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| TypeformError::Setup(format!("the system's root certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            http: HttpClient::builder(TokioExecutor::new()).build(https),
            base: settings.api_base.trim_end_matches('/').to_owned(),
            token: settings.token.clone(),
            retry: settings.retry,
            timeout: settings.timeout,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn retry(&self) -> Retry {
        self.retry
    }

    /// One request, one attempt.
    pub(crate) async fn once<T: DeserializeOwned>(
        &self,
        what: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, Failure> {
        let stop = |detail: String| Failure::Stop(TypeformError::Setup(detail));
        let mut uri = format!("{}{path}", self.base);
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&serde_urlencoded::to_string(query).map_err(|e| stop(e.to_string()))?);
        }
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token.expose()))
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, concat!("ccm/", env!("CARGO_PKG_VERSION")));
        let payload = match body {
            Some(b) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(b).map_err(|e| stop(e.to_string()))?)
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(payload)).map_err(|e| stop(e.to_string()))?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                if e.is_connect() { "could not connect".to_owned() } else { format!("the connection failed: {e}") }
            })?;
            let (parts, body) = response.into_parts();
            let bytes = http_body_util::Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer failed: {e}"))?
                .to_bytes();
            Ok::<_, String>((parts, bytes))
        };
        let (parts, bytes) = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(done)) => done,
            Ok(Err(detail)) => return Err(Failure::Retry { detail, after: None }),
            Err(_) => return Err(Failure::Retry { detail: "timed out".into(), after: None }),
        };
        let status = parts.status;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| Failure::Stop(TypeformError::BadAnswer { what, detail: e.to_string() }));
        }
        let detail = error_detail(status, &bytes);
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let after = parts
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(Failure::Retry { detail, after });
        }
        Err(Failure::Stop(TypeformError::Refused { what, status: status.as_u16(), detail }))
    }

    /// A request retried with backoff while Typeform is throttling or failing. Only for requests
    /// that are safe to repeat (reads); creations check before repeating ([`crate::TypeformSurveys`]).
    pub(crate) async fn idempotent<T: DeserializeOwned>(
        &self,
        what: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, TypeformError> {
        let mut attempt = 1;
        loop {
            match self.once(what, Method::GET, path, query, None::<&()>).await {
                Ok(v) => return Ok(v),
                Err(Failure::Stop(e)) => return Err(e),
                Err(Failure::Retry { detail, after }) => {
                    if attempt >= self.retry.attempts.max(1) {
                        return Err(TypeformError::Unavailable { what, detail });
                    }
                    let wait = self.retry.delay(attempt, after);
                    tracing::warn!(what, attempt, wait_ms = wait.as_millis() as u64, %detail, "Typeform throttled or failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Forms whose title contains `search` (the first page: searches here are for unique markers).
    pub async fn find_forms(&self, search: &str, workspace: Option<&str>) -> Result<Vec<Form>, TypeformError> {
        let mut query = vec![("search", search.to_owned()), ("page_size", PAGE_SIZE.to_string())];
        if let Some(w) = workspace {
            query.push(("workspace_id", w.to_owned()));
        }
        let page: Page<Form> = self.idempotent("listing forms", "/forms", &query).await?;
        Ok(page.items)
    }

    /// Every theme of the account.
    pub async fn themes(&self) -> Result<Vec<Theme>, TypeformError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let query = [("page", page.to_string()), ("page_size", PAGE_SIZE.to_string())];
            let p: Page<Theme> = self.idempotent("listing themes", "/themes", &query).await?;
            let done = p.items.is_empty() || page >= p.page_count || page >= MAX_PAGES;
            out.extend(p.items);
            if done {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Every image of the account (`GET /images` answers a plain array).
    pub async fn images(&self) -> Result<Vec<Image>, TypeformError> {
        self.idempotent("listing images", "/images", &[]).await
    }

    pub(crate) async fn create_form_once(&self, form: &NewForm) -> Result<Form, Failure> {
        self.once("creating the form", Method::POST, "/forms", &[], Some(form)).await
    }

    pub(crate) async fn create_theme_once(&self, theme: &NewTheme) -> Result<Theme, Failure> {
        self.once("creating the theme", Method::POST, "/themes", &[], Some(theme)).await
    }

    pub(crate) async fn upload_image_once(&self, image: &NewImage) -> Result<Image, Failure> {
        self.once("uploading the logo", Method::POST, "/images", &[], Some(image)).await
    }
}

/// `429 Too Many Requests (RATE_LIMITED: …)`: Typeform's error code and description, bounded.
fn error_detail(status: StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct TypeformErrorBody {
        #[serde(default)]
        code: String,
        #[serde(default)]
        description: String,
    }
    let what = match serde_json::from_slice::<TypeformErrorBody>(body) {
        Ok(e) if !e.code.is_empty() || !e.description.is_empty() => format!(" ({}: {})", e.code, e.description),
        _ => String::new(),
    };
    let text: String = format!("{status}{what}").chars().take(300).collect();
    text
}
