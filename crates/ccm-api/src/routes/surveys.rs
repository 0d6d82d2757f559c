//! Survey routes.
//!
//! - `GET /api/survey?t=` and `PUT /api/survey`: the built-in survey page. No session: the signed
//!   link is the authorisation (one object, one customer, one recipient, until it expires).
//! - `GET /api/surveys`: satisfaction and NPS per customer and quarter, with the answers.
//! - `GET /api/changes/{id}/surveys`, `GET /api/announcements/{id}/surveys`: one object's answers.
//!
//! Customer-scoped users see only their customers' answers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ccm_app::Family;
use ccm_app::surveys::{self, AnswerError, ObjectSurveysError, OpenSurveyError, SummaryError, SummaryFilter};
use ccm_core::survey::{AnswerInput, LinkError, Quarter, SurveyKeys};
use ccm_core::{CustomerCode, ObjectKind};

use super::common::{ApiJson, ApiQuery};
use super::objects::parse_id;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::ErrorBody;
use crate::wire::surveys::{
    ObjectSurveysBody, SurveyAnswerReply, SurveyAnswerRequest, SurveyFormBody, SurveySummaryBody, SurveySummaryParams,
    SurveyTokenParams,
};

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        let code = match e {
            LinkError::Invalid => "survey_link_invalid",
            LinkError::Expired(_) => "survey_link_expired",
        };
        Self::Forbidden { code, message: e.to_string(), field: Some("token".into()) }
    }
}

fn closed() -> ApiError {
    ApiError::NotFound("this survey is no longer open".into())
}

impl From<OpenSurveyError> for ApiError {
    fn from(e: OpenSurveyError) -> Self {
        match e {
            OpenSurveyError::Link(l) => l.into(),
            OpenSurveyError::Closed => closed(),
            OpenSurveyError::Corrupt(why) => Self::Internal(format!("survey: {why}")),
            OpenSurveyError::Store(e) => e.into(),
        }
    }
}

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        match e {
            AnswerError::Link(l) => l.into(),
            AnswerError::Closed => closed(),
            AnswerError::Invalid(errors) => errors.into(),
            AnswerError::Busy => Self::Conflict { message: e.to_string(), current: None },
            AnswerError::Corrupt(why) => Self::Internal(format!("survey answer: {why}")),
            AnswerError::Store(e) => e.into(),
        }
    }
}

impl From<ObjectSurveysError> for ApiError {
    fn from(e: ObjectSurveysError) -> Self {
        match e {
            ObjectSurveysError::Load(e) => e.into(),
            ObjectSurveysError::Store(e) => e.into(),
        }
    }
}

impl From<SummaryError> for ApiError {
    fn from(e: SummaryError) -> Self {
        match e {
            SummaryError::Invalid(errors) => errors.into(),
            SummaryError::Store(e) => e.into(),
        }
    }
}

fn keys(state: &AppState) -> ApiResult<&SurveyKeys> {
    state.surveys.links.as_ref().ok_or_else(|| ApiError::NotFound("surveys are not answered here".into()))
}

/// The page's answers carry a capability in their request: never cached, never referred.
fn private(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

#[utoipa::path(get, path = "/api/survey", tag = "surveys", operation_id = "openSurvey", params(SurveyTokenParams),
    security(()),
    responses((status = 200, description = "The survey of the link, with the recipient's answer so far", body = SurveyFormBody),
              (status = 400, description = "No token", body = ErrorBody),
              (status = 403, description = "The link is not valid or has expired (`survey_link_invalid`, `survey_link_expired`)", body = ErrorBody),
              (status = 404, description = "The survey is no longer open, or surveys are not answered here", body = ErrorBody)))]
pub async fn open(State(state): State<AppState>, ApiQuery(p): ApiQuery<SurveyTokenParams>) -> ApiResult<Response> {
    let form = surveys::open(&state.app, keys(&state)?, &p.t).await?;
    Ok(private(Json(SurveyFormBody::from(form)).into_response()))
}

#[utoipa::path(put, path = "/api/survey", tag = "surveys", operation_id = "answerSurvey", request_body = SurveyAnswerRequest,
    security(()),
    responses((status = 200, description = "Recorded (`created`), or the recipient's earlier answer replaced (`updated`)", body = SurveyAnswerReply),
              (status = 400, description = "A missing or out-of-range answer, named", body = ErrorBody),
              (status = 403, description = "The link is not valid or has expired", body = ErrorBody),
              (status = 404, description = "The survey is no longer open, or surveys are not answered here", body = ErrorBody),
              (status = 409, description = "Changed at the same moment; try again", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody)))]
pub async fn answer(State(state): State<AppState>, ApiJson(body): ApiJson<SurveyAnswerRequest>) -> ApiResult<Response> {
    let input = AnswerInput { excellent: body.excellent, recommend: body.recommend, comment: body.comment };
    let answered = surveys::answer(&state.app, keys(&state)?, &body.token, &input).await?;
    Ok(private(Json(SurveyAnswerReply::from(answered)).into_response()))
}

fn csv(raw: &Option<String>) -> impl Iterator<Item = &str> {
    raw.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn quarter(field: &str, raw: &Option<String>) -> ApiResult<Option<Quarter>> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Quarter::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::field(field, format!("a quarter such as 2026-Q2, or a date, not {s:?}"))),
    }
}

#[utoipa::path(get, path = "/api/surveys", tag = "surveys", operation_id = "surveySummary", params(SurveySummaryParams),
    responses((status = 200, description = "Satisfaction and NPS per customer and quarter, and the answers", body = SurveySummaryBody),
              (status = 400, description = "A bad filter, named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    user: User,
    ApiQuery(p): ApiQuery<SurveySummaryParams>,
) -> ApiResult<Json<SurveySummaryBody>> {
    let mut filter =
        SummaryFilter { from: quarter("from", &p.from)?, to: quarter("to", &p.to)?, ..SummaryFilter::default() };
    for c in csv(&p.customer) {
        let code = CustomerCode::parse(c).map_err(|e| ApiError::field("customer", e.to_string()))?;
        if state.app.config.customer(&code).is_none() {
            return Err(ApiError::field("customer", format!("unknown customer {c:?}")));
        }
        filter.customers.push(code);
    }
    for t in csv(&p.type_) {
        filter.kinds.push(
            ObjectKind::parse_type_name(t).ok_or_else(|| ApiError::field("type", format!("unknown type {t:?}")))?,
        );
    }
    Ok(Json(surveys::summary(&state.app, &user.caller, &filter).await?.into()))
}

async fn object_surveys(family: Family, state: AppState, user: User, id: String) -> ApiResult<Json<ObjectSurveysBody>> {
    let id = parse_id(family, &id)?;
    Ok(Json(surveys::object_surveys(&state.app, &user.caller, &id).await?.into()))
}

#[utoipa::path(get, path = "/api/changes/{id}/surveys", tag = "surveys", operation_id = "getChangeSurveys", params(("id" = String, Path)),
    responses((status = 200, description = "The change's answers per customer (none until it is completed)", body = ObjectSurveysBody),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not found or not visible", body = ErrorBody)))]
pub async fn change_surveys(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> ApiResult<Json<ObjectSurveysBody>> {
    object_surveys(Family::Changes, state, user, id).await
}

#[utoipa::path(get, path = "/api/announcements/{id}/surveys", tag = "surveys", operation_id = "getAnnouncementSurveys", params(("id" = String, Path)),
    responses((status = 200, description = "The announcement's answers per customer (none until it is completed)", body = ObjectSurveysBody),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not found or not visible", body = ErrorBody)))]
pub async fn announcement_surveys(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> ApiResult<Json<ObjectSurveysBody>> {
    object_surveys(Family::Announcements, state, user, id).await
}
