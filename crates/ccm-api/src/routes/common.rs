//! Request pieces shared by the routes: the body and query extractors (their refusals in our error
//! format, naming the field), ETag headers, and list-query parsing.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ccm_core::ports::{DateField, ETag, IndexQuery, SortField};
use ccm_core::{CustomerCode, ObjectKind, Status};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::User;
use crate::error::{ApiError, ApiResult};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1 << 20;

/// The body, read whole: too large → 413, unreadable → 400, a declared type other than JSON → 415.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    if let Some(ct) = declared
        && !(ct.starts_with("application/json") || ct.contains("+json"))
    {
        return Err(ApiError::UnsupportedMediaType(format!("the body must be JSON (application/json), not {ct:?}")));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadJson(format!("could not read the body: {e}"))
        }
    })?;
    if bytes.len() > BODY_LIMIT {
        return Err(ApiError::TooLarge);
    }
    Ok(bytes)
}

/// A JSON object body. Too large → 413; not JSON → 415; not parseable or not an object → 400.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(ApiError::BadJson("the body must be a JSON object".into())),
            Err(e) => Err(ApiError::BadJson(format!("the body is not valid JSON: {e}"))),
        }
    }
}

/// A typed JSON body: shape errors are 400 naming the field (`serde_path_to_error`), never 422.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => Ok(Self(value)),
            Err(e) if e.inner().is_syntax() || e.inner().is_eof() => {
                Err(ApiError::BadJson(format!("the body is not valid JSON: {}", e.inner())))
            }
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                Err(ApiError::field(field, e.into_inner().to_string()))
            }
        }
    }
}

/// Query parameters: a bad one is 400 naming it, in our error format.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "query".to_owned() } else { path };
            ApiError::field(field, e.into_inner().to_string())
        })
    }
}

pub fn if_match(headers: &HeaderMap) -> Option<ETag> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(ETag::from_header)
}

/// Adds `ETag` and `Cache-Control: no-cache` to a response.
pub fn with_etag(mut res: Response, etag: &ETag) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag.as_str()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

pub fn json_with_etag(body: &impl serde::Serialize, etag: &ETag) -> Response {
    with_etag(axum::Json(body).into_response(), etag)
}

/// Query parameters of list and search routes. Lists are comma-separated.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Text that every word of must appear (title, description, plans, id, tickets).
    pub q: Option<String>,
    /// Statuses, comma-separated: draft, submitted, approved, completed, cancelled.
    pub status: Option<String>,
    /// Types, comma-separated: change, cic, finops, innersource, general.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Customer codes, comma-separated (any of them).
    pub customer: Option<String>,
    /// Substring of the creator's e-mail.
    pub created_by: Option<String>,
    /// Only objects I created or submitted.
    pub mine: Option<bool>,
    /// Start of the date range (RFC 3339 or YYYY-MM-DD), inclusive.
    pub from: Option<String>,
    /// End of the date range (RFC 3339 or YYYY-MM-DD; a date means the end of that day), inclusive.
    pub to: Option<String>,
    /// Which date `from`/`to` apply to: modified (default), created, start.
    pub date_field: Option<String>,
    /// Sort by modified (default), created, start, title, status.
    pub sort: Option<String>,
    /// asc or desc (default desc).
    pub order: Option<String>,
    /// Page size (default 50; values outside 1–500 are clamped into it).
    pub limit: Option<usize>,
    /// The nextCursor of the previous page.
    pub cursor: Option<String>,
}

fn csv(raw: &Option<String>) -> impl Iterator<Item = &str> {
    raw.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_bound(field: &str, raw: &str, end_of_day: bool) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    if raw.len() == 10
        && let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
    {
        let t = if end_of_day { d.and_hms_opt(23, 59, 59) } else { d.and_hms_opt(0, 0, 0) };
        if let Some(t) = t {
            return Ok(t.and_utc());
        }
    }
    ccm_core::schedule::parse_instant(field, raw).map_err(|e| ApiError::field(e.field, e.message))
}

impl ListParams {
    pub fn to_query(&self, user: &User) -> ApiResult<IndexQuery> {
        let mut q = IndexQuery {
            viewer: user.email().to_owned(),
            scope: user.scope().map(<[CustomerCode]>::to_vec),
            q: self.q.clone().filter(|s| !s.trim().is_empty()),
            created_by: self.created_by.clone().filter(|s| !s.trim().is_empty()),
            mine: self.mine.unwrap_or(false),
            limit: self.limit.unwrap_or(50).clamp(1, 500),
            cursor: self.cursor.clone().filter(|s| !s.is_empty()),
            descending: true,
            ..IndexQuery::default()
        };
        for s in csv(&self.status) {
            q.statuses
                .push(Status::parse(s).ok_or_else(|| ApiError::field("status", format!("unknown status {s:?}")))?);
        }
        for t in csv(&self.type_) {
            q.kinds.push(
                ObjectKind::parse_type_name(t).ok_or_else(|| ApiError::field("type", format!("unknown type {t:?}")))?,
            );
        }
        for c in csv(&self.customer) {
            q.customers.push(CustomerCode::parse(c).map_err(|e| ApiError::field("customer", e.to_string()))?);
        }
        // Like every other filter, an empty value means "no filter".
        if let Some(f) = self.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            q.from = Some(parse_bound("from", f, false)?);
        }
        if let Some(t) = self.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q.to = Some(parse_bound("to", t, true)?);
        }
        q.date_field = match self.date_field.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("modified") => DateField::Modified,
            Some("created") => DateField::Created,
            Some("start") => DateField::Start,
            Some(other) => return Err(ApiError::field("dateField", format!("unknown date field {other:?}"))),
        };
        if let Some(s) = self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.sort = SortField::parse(s).ok_or_else(|| ApiError::field("sort", format!("cannot sort by {s:?}")))?;
        }
        q.descending = match self.order.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => return Err(ApiError::field("order", format!("asc or desc, not {other:?}"))),
        };
        Ok(q)
    }
}
