//! `/api/changes` and `/api/announcements`: the same routes over the two families. The handlers are
//! shared; thin wrappers per family carry the OpenAPI description.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ccm_core::workflow::Action;
use serde_json::json;

use super::common::{JsonObject, ListParams, if_match, json_with_etag, with_etag};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::service::{self, Family, ObjectService, Saved, view};
use crate::state::AppState;

fn saved_response(status: StatusCode, saved: Saved) -> Response {
    let failed = saved.triggers.iter().filter(|t| !t.success).count();
    let body = json!({
        "object": saved.view,
        "etag": saved.etag.as_str(),
        "triggers": saved.triggers,
        "summary": {"total": saved.triggers.len(), "successful": saved.triggers.len() - failed, "failed": failed},
    });
    with_etag((status, Json(body)).into_response(), &saved.etag)
}

pub async fn list(family: Family, state: AppState, user: User, params: ListParams) -> ApiResult<Response> {
    let mut query = params.to_query(&user)?;
    match family {
        Family::Changes => {
            query.kinds.clear();
            query.changes_only = Some(true);
        }
        Family::Announcements => {
            if query.kinds.iter().any(|k| k.is_change()) {
                return Err(ApiError::field(
                    "type",
                    "change is not an announcement type (cic, finops, innersource, general)",
                ));
            }
            query.changes_only = Some(false);
        }
    }
    let page = state.index.query(&query).await?;
    Ok(Json(view::scoped_page(page, &user)).into_response())
}

pub async fn create(family: Family, state: AppState, user: User, body: JsonObject) -> ApiResult<Response> {
    let saved = ObjectService::new(&state, &user).create(family, body.0).await?;
    Ok(saved_response(StatusCode::CREATED, saved))
}

/// The object with its ETag (the stored object's; `If-Match` on writes compares exactly that). The
/// view also carries the processor's results, which change without the ETag changing, so GET
/// answers in full every time (no 304).
pub async fn get(family: Family, state: AppState, user: User, id: String) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let service = ObjectService::new(&state, &user);
    let loaded = service.load(&id).await?;
    Ok(json_with_etag(service.view(&loaded.object).await?, &loaded.etag))
}

pub async fn update(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    headers: HeaderMap,
    body: JsonObject,
) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let saved = ObjectService::new(&state, &user).update(&id, if_match(&headers), body.0).await?;
    Ok(saved_response(StatusCode::OK, saved))
}

pub async fn delete(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let path = ObjectService::new(&state, &user).delete(&id, if_match(&headers)).await?;
    Ok(Json(json!({"success": true, "deletedPath": path, "id": id.as_str()})).into_response())
}

pub async fn act(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    action: String,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let service = ObjectService::new(&state, &user);
    match Action::parse(&action) {
        Some(Action::Duplicate) => Ok(saved_response(StatusCode::CREATED, service.duplicate(&id).await?)),
        Some(a @ (Action::Submit | Action::Approve | Action::Complete | Action::Cancel)) => {
            Ok(saved_response(StatusCode::OK, service.act(&id, a, if_match(&headers)).await?))
        }
        _ => {
            Err(ApiError::NotFound(format!("no action {action:?}; use submit, approve, complete, cancel or duplicate")))
        }
    }
}

pub async fn versions(family: Family, state: AppState, user: User, id: String) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let loaded = ObjectService::new(&state, &user).load(&id).await?;
    let list = service::list_versions(&*state.store, &loaded.object).await?;
    Ok(Json(json!({"id": id.as_str(), "versions": list})).into_response())
}

pub async fn version(family: Family, state: AppState, user: User, id: String, n: String) -> ApiResult<Response> {
    let id = family.parse_id(&id)?;
    let n: u32 = n.trim_start_matches('v').parse().map_err(|_| ApiError::field("version", "a version number"))?;
    let loaded = ObjectService::new(&state, &user).load(&id).await?;
    if loaded.object.life().version == n {
        return Ok(json_with_etag(view::scoped_value(&loaded.object, &user), &loaded.etag));
    }
    match service::load_version(&*state.store, &id, n).await? {
        Some(o) => Ok(Json(view::scoped_value(&o, &user)).into_response()),
        None => Err(ApiError::NotFound(format!("version {n} of {id} not found"))),
    }
}

macro_rules! family_routes {
    ($module:ident, $family:expr, $base:literal, $tag:literal, $schema:ty) => {
        pub mod $module {
            use super::*;

            #[utoipa::path(get, path = $base, tag = $tag, params(ListParams),
                responses((status = 200, description = "One page of summaries", body = serde_json::Value),
                          (status = 400, description = "A bad filter"), (status = 401, description = "Not signed in")))]
            pub async fn list(State(s): State<AppState>, u: User, Query(p): Query<ListParams>) -> ApiResult<Response> {
                super::list($family, s, u, p).await
            }

            #[utoipa::path(post, path = $base, tag = $tag, request_body = $schema,
                responses((status = 201, description = "Created (draft, or submitted with per-customer trigger results)", body = serde_json::Value),
                          (status = 400, description = "Invalid fields, each named"), (status = 403, description = "Role or customer scope"),
                          (status = 413, description = "Body over 1 MiB")))]
            pub async fn create(State(s): State<AppState>, u: User, b: JsonObject) -> ApiResult<Response> {
                super::create($family, s, u, b).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}"), tag = $tag, params(("id" = String, Path)),
                responses((status = 200, description = "The object (with the processor's results in its history), with an ETag header", body = $schema),
                          (status = 404, description = "Not found or not visible")))]
            pub async fn get(State(s): State<AppState>, u: User, Path(id): Path<String>) -> ApiResult<Response> {
                super::get($family, s, u, id).await
            }

            #[utoipa::path(put, path = concat!($base, "/{id}"), tag = $tag, params(("id" = String, Path), ("If-Match" = String, Header)),
                request_body = $schema,
                responses((status = 200, description = "Saved; editing an approved object returns it to submitted", body = serde_json::Value),
                          (status = 409, description = "Stale ETag; the body carries the current version"),
                          (status = 422, description = "Completed or cancelled objects are final"),
                          (status = 428, description = "If-Match missing")))]
            pub async fn update(State(s): State<AppState>, u: User, Path(id): Path<String>, h: HeaderMap, b: JsonObject) -> ApiResult<Response> {
                super::update($family, s, u, id, h, b).await
            }

            #[utoipa::path(delete, path = concat!($base, "/{id}"), tag = $tag, params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
                responses((status = 200, description = "Moved to deleted/ (draft or cancelled only)", body = serde_json::Value),
                          (status = 409, description = "Changed since it was read (If-Match), or during the delete"),
                          (status = 422, description = "Not deletable in this status")))]
            pub async fn delete(State(s): State<AppState>, u: User, Path(id): Path<String>, h: HeaderMap) -> ApiResult<Response> {
                super::delete($family, s, u, id, h).await
            }

            #[utoipa::path(post, path = concat!($base, "/{id}/{action}"), tag = $tag,
                params(("id" = String, Path), ("action" = String, Path, description = "submit, approve, complete, cancel or duplicate"),
                       ("If-Match" = Option<String>, Header)),
                responses((status = 200, description = "Applied, with per-customer trigger results", body = serde_json::Value),
                          (status = 201, description = "Duplicated as a new draft", body = serde_json::Value),
                          (status = 403, description = "Role, ownership or self-approval"),
                          (status = 409, description = "Stale If-Match"),
                          (status = 422, description = "Not allowed in the current status")))]
            pub async fn act(State(s): State<AppState>, u: User, Path((id, action)): Path<(String, String)>, h: HeaderMap) -> ApiResult<Response> {
                super::act($family, s, u, id, action, h).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}/versions"), tag = $tag, params(("id" = String, Path)),
                responses((status = 200, description = "Every version, newest first", body = serde_json::Value)))]
            pub async fn versions(State(s): State<AppState>, u: User, Path(id): Path<String>) -> ApiResult<Response> {
                super::versions($family, s, u, id).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}/versions/{n}"), tag = $tag, params(("id" = String, Path), ("n" = u32, Path)),
                responses((status = 200, description = "The object as it was at version n", body = $schema)))]
            pub async fn version(State(s): State<AppState>, u: User, Path((id, n)): Path<(String, String)>) -> ApiResult<Response> {
                super::version($family, s, u, id, n).await
            }

            pub fn router() -> axum::Router<AppState> {
                use axum::routing::{get as g, post as p};
                axum::Router::new()
                    .route($base, g(list).post(create))
                    .route(concat!($base, "/{id}"), g(get).put(update).delete(delete))
                    .route(concat!($base, "/{id}/versions"), g(versions))
                    .route(concat!($base, "/{id}/versions/{n}"), g(version))
                    .route(concat!($base, "/{id}/{action}"), p(act))
            }
        }
    };
}

family_routes!(changes, Family::Changes, "/api/changes", "changes", ccm_core::Change);
family_routes!(announcements, Family::Announcements, "/api/announcements", "announcements", ccm_core::Announcement);
