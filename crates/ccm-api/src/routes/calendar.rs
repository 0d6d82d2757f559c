//! `/api/calendar`: the change calendar of a range (from the index's range query), the caller's
//! subscribable feeds, their revocation, and the feeds themselves (`text/calendar`, no session:
//! the signed token in the URL is the authorisation).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ccm_app::calendar::CalendarQuery;
use ccm_app::calendar::feeds::{self, FeedLink, RevokeTarget};
use ccm_core::calendar::FeedToken;
use ccm_core::{CustomerCode, ObjectKind, Status};
use serde::Deserialize;

use super::common::{ApiJson, ApiQuery};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{BlackoutOccurrenceBody, CalendarBody, ErrorBody, FeedBody, FeedsBody, RevokeRequest};

/// What a feed URL's MAC is made for (never valid for another kind of link).
const FEED_PURPOSE: &str = "calendar-feed";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarParams {
    /// Start of the range (RFC 3339), inclusive.
    pub from: String,
    /// End of the range (RFC 3339), exclusive; at most 400 days after `from`.
    pub to: String,
    /// Customer codes, comma-separated (any of them).
    pub customer: Option<String>,
    /// Statuses, comma-separated (default: everything but cancelled).
    pub status: Option<String>,
    /// Types, comma-separated: change, cic, finops, innersource, general.
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

fn csv(raw: &Option<String>) -> impl Iterator<Item = &str> {
    raw.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn instant(field: &str, raw: &str) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    ccm_core::schedule::parse_instant(field, raw).map_err(|e| ApiError::field(e.field, e.message))
}

#[utoipa::path(get, path = "/api/calendar", tag = "calendar", operation_id = "calendar", params(CalendarParams),
    responses((status = 200, description = "Windows and meetings in the range (by start) and blackout occurrences", body = CalendarBody),
              (status = 400, description = "A bad range or filter, named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn calendar(
    State(state): State<AppState>,
    user: User,
    ApiQuery(p): ApiQuery<CalendarParams>,
) -> ApiResult<Json<CalendarBody>> {
    let mut q = CalendarQuery {
        from: instant("from", &p.from)?,
        to: instant("to", &p.to)?,
        customers: Vec::new(),
        statuses: Vec::new(),
        kinds: Vec::new(),
    };
    for c in csv(&p.customer) {
        q.customers.push(CustomerCode::parse(c).map_err(|e| ApiError::field("customer", e.to_string()))?);
    }
    for s in csv(&p.status) {
        q.statuses.push(Status::parse(s).ok_or_else(|| ApiError::field("status", format!("unknown status {s:?}")))?);
    }
    for t in csv(&p.type_) {
        q.kinds.push(
            ObjectKind::parse_type_name(t).ok_or_else(|| ApiError::field("type", format!("unknown type {t:?}")))?,
        );
    }
    let view = state.app.calendar(&user.caller, &q).await?;
    let entries: Vec<_> = view.entries.into_iter().map(Into::into).collect();
    let blackouts = view
        .blackouts
        .into_iter()
        .flat_map(|(b, list)| {
            list.into_iter().map(move |o| BlackoutOccurrenceBody {
                id: b.id.to_string(),
                name: b.input.name.clone(),
                reason: b.input.reason.clone(),
                customers: b.input.customers.iter().map(ToString::to_string).collect(),
                global: b.is_global(),
                start: o.start,
                end: o.end,
            })
        })
        .collect();
    Ok(Json(CalendarBody {
        from: q.from,
        to: q.to,
        truncated: view.total > entries.len(),
        total: view.total,
        entries,
        blackouts,
    }))
}

/// The URL of a feed: `{portal}/api/calendar/feed/{payload}.{mac}.ics`.
fn feed_body(state: &AppState, link: FeedLink) -> FeedBody {
    let payload = link.token.payload();
    let mac = state.keys.sign(FEED_PURPOSE, payload.as_bytes());
    let base = state.app.config.email_config.portal_base_url.trim_end_matches('/');
    let url = format!("{base}/api/calendar/feed/{payload}.{mac}.ics");
    let webcal = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    let (kind, name) = match &link.customer {
        None => ("user", "My calendar".to_owned()),
        Some(code) => {
            let name = state.app.config.customer(code).map_or_else(|| code.to_string(), |c| c.customer_name.clone());
            ("customer", name)
        }
    };
    FeedBody { kind: kind.into(), customer: link.customer.map(|c| c.to_string()), name, url, webcal }
}

#[utoipa::path(get, path = "/api/calendar/feeds", tag = "calendar", operation_id = "listCalendarFeeds",
    responses((status = 200, description = "My feed and one per customer I may see; each URL needs no session", body = FeedsBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn list_feeds(State(state): State<AppState>, user: User) -> ApiResult<Json<FeedsBody>> {
    let links = feeds::list(&state.app, &user.caller).await?;
    Ok(Json(FeedsBody { feeds: links.into_iter().map(|l| feed_body(&state, l)).collect() }))
}

#[utoipa::path(post, path = "/api/calendar/feeds/revoke", tag = "calendar", operation_id = "revokeCalendarFeed",
    request_body = RevokeRequest,
    responses((status = 200, description = "Revoked: the old URLs stop working; the new ones are listed", body = FeedsBody),
              (status = 400, description = "Unknown feed kind or customer", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "A customer feed needs an admin of that customer; CSRF", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody)))]
pub async fn revoke_feed(
    State(state): State<AppState>,
    user: User,
    ApiJson(body): ApiJson<RevokeRequest>,
) -> ApiResult<Json<FeedsBody>> {
    let target = match (body.feed.as_str(), body.customer.as_deref()) {
        ("user", None) => RevokeTarget::Mine,
        ("customer", Some(code)) => RevokeTarget::Customer(
            state.app.config.parse_customer(code).map_err(|e| ApiError::field("customer", e.message))?,
        ),
        ("customer", None) => return Err(ApiError::field("customer", "name the customer whose feed to revoke")),
        ("user", Some(_)) => return Err(ApiError::field("customer", "a user feed names no customer")),
        (other, _) => return Err(ApiError::field("feed", format!("\"user\" or \"customer\", not {other:?}"))),
    };
    let links = feeds::revoke(&state.app, &user.caller, &target).await?;
    Ok(Json(FeedsBody { feeds: links.into_iter().map(|l| feed_body(&state, l)).collect() }))
}

#[utoipa::path(get, path = "/api/calendar/feed/{file}", tag = "calendar", operation_id = "calendarFeed",
    params(("file" = String, Path, description = "The token from a feed URL, with .ics")),
    security(()),
    responses((status = 200, description = "RFC 5545 calendar (text/calendar); no session needed", content_type = "text/calendar", body = String),
              (status = 404, description = "Unknown, forged or revoked feed", body = ErrorBody)))]
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    const GONE: &str = "calendar feed not found (revoked, or not a feed URL)";
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let (payload, mac) = token.rsplit_once('.').ok_or_else(|| ApiError::NotFound(GONE.into()))?;
    if token.len() > 400 || !state.keys.verify(FEED_PURPOSE, payload.as_bytes(), mac) {
        return Err(ApiError::NotFound(GONE.into()));
    }
    let token = FeedToken::parse_payload(payload).ok_or_else(|| ApiError::NotFound(GONE.into()))?;
    let text = feeds::render(&state.app, &token).await?;
    let mut res = text.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"ccm.ics\""));
    Ok(res)
}
