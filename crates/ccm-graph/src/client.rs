//! A small Graph HTTP client: an app-only token from the client-credentials flow (cached until
//! shortly before it expires, fetched again after a 401), a 30-second timeout per request, and
//! retries with exponential back-off on 429, 5xx, timeouts and network errors, honouring
//! `Retry-After`. Requests carry `Prefer: IdType="ImmutableId"` so event ids stay the same when
//! Exchange moves an item.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use crate::settings::GraphSettings;

/// What a Graph call can end in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Throttled, 5xx, timed out or unreachable, on every attempt.
    #[error("Graph is unavailable after {attempts} attempt(s): {last}")]
    Unavailable { attempts: u32, last: String },
    /// A 4xx other than 404 (after a token refresh, for 401).
    #[error("Graph refused {what}: {status} {code}: {message}")]
    Refused { what: String, status: u16, code: String, message: String },
    #[error("Graph has no {0}")]
    NotFound(String),
    /// The token endpoint refused the application's credentials.
    #[error("signing in to Azure AD failed: {0}")]
    SignIn(String),
    #[error("Graph answered {what} with something unexpected: {why}")]
    Unexpected { what: String, why: String },
}

impl GraphError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

struct Token {
    value: String,
    valid_until: Instant,
}

/// Tokens are renewed this long before Azure AD says they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

pub struct GraphClient {
    http: reqwest::Client,
    settings: GraphSettings,
    token: tokio::sync::Mutex<Option<Token>>,
}

/// A Graph answer: its status and JSON body (`Null` when it had none).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .user_agent(concat!("ccm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GraphError::Unexpected { what: "the HTTP client".into(), why: e.to_string() })?;
        Ok(Self { http, settings, token: tokio::sync::Mutex::new(None) })
    }

    /// `{graph_url}/{segments…}`, each segment percent-encoded (event ids hold `/`, `+`, `=`).
    pub fn url(&self, segments: &[&str]) -> Result<Url, GraphError> {
        let mut url = Url::parse(&self.settings.graph_url)
            .map_err(|e| GraphError::Unexpected { what: "CCM_GRAPH_URL".into(), why: e.to_string() })?;
        url.path_segments_mut()
            .map_err(|()| GraphError::Unexpected { what: "CCM_GRAPH_URL".into(), why: "cannot be a base".into() })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn token(&self, renew: bool) -> Result<String, GraphError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| !renew && t.valid_until > Instant::now()) {
            return Ok(t.value.clone());
        }
        let url = format!("{}/{}/oauth2/v2.0/token", self.settings.login_url, self.settings.tenant_id);
        let form = [
            ("client_id", self.settings.client_id.as_str()),
            ("client_secret", self.settings.client_secret.expose()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ];
        let answer = self.with_retries("a token", || self.http.post(&url).form(&form)).await?;
        if !answer.status.is_success() {
            // Azure AD explains itself in `error_description`; the secret is never in it.
            let why = answer.body.get("error_description").or(answer.body.get("error")).and_then(Value::as_str);
            return Err(GraphError::SignIn(format!("{}: {}", answer.status, why.unwrap_or("no description"))));
        }
        let value = answer
            .body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::SignIn("the token endpoint answered without an access_token".into()))?;
        let lifetime = answer.body.get("expires_in").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
        let lifetime = Duration::from_secs(lifetime.unwrap_or(3600)).saturating_sub(TOKEN_MARGIN);
        *cached = Some(Token { value: value.to_owned(), valid_until: Instant::now() + lifetime });
        Ok(value.to_owned())
    }

    /// One Graph call with the app's token. 2xx and 4xx come back as answers (404 as
    /// [`GraphError::NotFound`], other 4xx as [`GraphError::Refused`]); a 401 renews the token once.
    pub async fn call(&self, what: &str, method: Method, url: Url, body: Option<&Value>) -> Result<Answer, GraphError> {
        let mut renewed = false;
        loop {
            let token = self.token(false).await?;
            let answer = self
                .with_retries(what, || {
                    let mut req = self
                        .http
                        .request(method.clone(), url.clone())
                        .bearer_auth(&token)
                        .header("Prefer", "IdType=\"ImmutableId\"");
                    if let Some(b) = body {
                        req = req.json(b);
                    }
                    req
                })
                .await?;
            match answer.status {
                s if s.is_success() => return Ok(answer),
                StatusCode::UNAUTHORIZED if !renewed => {
                    renewed = true;
                    self.token(true).await?;
                }
                StatusCode::NOT_FOUND => return Err(GraphError::NotFound(what.to_owned())),
                s => {
                    let error = answer.body.get("error");
                    let field =
                        |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned();
                    return Err(GraphError::Refused {
                        what: what.to_owned(),
                        status: s.as_u16(),
                        code: field("code"),
                        message: field("message"),
                    });
                }
            }
        }
    }

    /// Sends what `build` makes until it gets an answer that is not 429/5xx, at most `attempts` times.
    async fn with_retries(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, GraphError> {
        let attempts = self.settings.attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            let wait = match build().send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = retry_after(resp.headers());
                    if !(status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()) {
                        let bytes = resp.bytes().await.map_err(|e| GraphError::Unavailable {
                            attempts: attempt,
                            last: format!("reading the answer: {e}"),
                        })?;
                        let body = if bytes.is_empty() {
                            Value::Null
                        } else {
                            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                        };
                        return Ok(Answer { status, body });
                    }
                    last = format!("HTTP {status}");
                    retry_after
                }
                Err(e) => {
                    last = if e.is_timeout() { "timed out".to_owned() } else { format!("{e}") };
                    None
                }
            };
            if attempt == attempts {
                break;
            }
            let exponential = self.settings.backoff.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
            let wait = wait.unwrap_or(exponential).min(self.settings.max_backoff);
            tracing::warn!(call = what, attempt, wait_ms = wait.as_millis() as u64, error = %last, "Graph call failed; retrying");
            tokio::time::sleep(wait).await;
        }
        Err(GraphError::Unavailable { attempts, last })
    }
}

/// `Retry-After: 7` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    at.signed_duration_since(chrono::Utc::now()).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).to_rfc2822();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(25) && d <= Duration::from_secs(30), "{d:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
