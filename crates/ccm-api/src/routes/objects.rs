//! `/api/changes` and `/api/announcements`: the same routes over the two families. The handlers are
//! shared; a thin module per family carries the OpenAPI description (with its own operation ids).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ccm_app::{Family, Saved, versions, view};
use ccm_core::ObjectId;
use ccm_core::ports::IndexPage;
use ccm_core::workflow::Action;

use super::common::{ApiQuery, JsonObject, ListParams, if_match, json_with_etag, with_etag};
use super::deliveries::deliveries;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::deliveries::DeliveriesBody;
use crate::wire::{ActRequest, DeletedBody, ObjectBody, SavedBody, VersionsBody};

/// The optional body of an action: empty, or an [`ActRequest`] (a bad one is 400 naming the field).
fn act_request(body: &[u8]) -> ApiResult<ActRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActRequest::default());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::field(field, e.into_inner().to_string())
    })
}

/// The id in a route of `family`; an id of the other family is not found there.
pub fn parse_id(family: Family, raw: &str) -> ApiResult<ObjectId> {
    let id = ObjectId::parse(raw).map_err(|e| ApiError::field("id", e.to_string()))?;
    if family.owns(&id) { Ok(id) } else { Err(ApiError::not_found(family.noun())) }
}

fn saved_response(status: StatusCode, saved: Saved) -> Response {
    let etag = saved.etag.clone();
    with_etag((status, Json(SavedBody::from(saved))).into_response(), &etag)
}

async fn list(family: Family, state: AppState, user: User, params: ListParams) -> ApiResult<Json<IndexPage>> {
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
    let page = state.app.index.query(&query).await?;
    Ok(Json(view::scoped_page(page, &user.caller)))
}

async fn create(family: Family, state: AppState, user: User, body: JsonObject) -> ApiResult<Response> {
    let saved = state.app.objects(&user.caller).create(family, body.0).await?;
    Ok(saved_response(StatusCode::CREATED, saved))
}

/// The object with its ETag (the stored object's; `If-Match` on writes compares exactly that). The
/// view also carries the processor's results, which change without the ETag changing, so GET
/// answers in full every time (no 304).
async fn get(family: Family, state: AppState, user: User, id: String) -> ApiResult<Response> {
    let id = parse_id(family, &id)?;
    let objects = state.app.objects(&user.caller);
    let loaded = objects.load(&id).await?;
    Ok(json_with_etag(&ObjectBody::from(objects.view(&loaded.object).await?), &loaded.etag))
}

async fn update(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    headers: HeaderMap,
    body: JsonObject,
) -> ApiResult<Response> {
    let id = parse_id(family, &id)?;
    let saved = state.app.objects(&user.caller).update(&id, if_match(&headers), body.0).await?;
    Ok(saved_response(StatusCode::OK, saved))
}

async fn delete(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    headers: HeaderMap,
) -> ApiResult<Json<DeletedBody>> {
    let id = parse_id(family, &id)?;
    let path = state.app.objects(&user.caller).delete(&id, if_match(&headers)).await?;
    Ok(Json(DeletedBody { success: true, deleted_path: path, id: id.to_string() }))
}

async fn act(
    family: Family,
    state: AppState,
    user: User,
    id: String,
    action: String,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id(family, &id)?;
    let objects = state.app.objects(&user.caller);
    let request = act_request(&body)?;
    let input = ccm_app::ActInput { override_reason: request.override_reason };
    match Action::parse(&action) {
        Some(Action::Duplicate) => Ok(saved_response(StatusCode::CREATED, objects.duplicate(&id).await?)),
        Some(a @ (Action::Submit | Action::Approve | Action::Complete | Action::Cancel)) => {
            Ok(saved_response(StatusCode::OK, objects.act_with(&id, a, if_match(&headers), input).await?))
        }
        _ => {
            Err(ApiError::NotFound(format!("no action {action:?}; use submit, approve, complete, cancel or duplicate")))
        }
    }
}

async fn versions(family: Family, state: AppState, user: User, id: String) -> ApiResult<Json<VersionsBody>> {
    let id = parse_id(family, &id)?;
    let loaded = state.app.objects(&user.caller).load(&id).await?;
    let list = versions::list_versions(&*state.app.store, &loaded.object).await?;
    Ok(Json(VersionsBody { id: id.to_string(), versions: list.into_iter().map(Into::into).collect() }))
}

async fn version(family: Family, state: AppState, user: User, id: String, n: String) -> ApiResult<Response> {
    let id = parse_id(family, &id)?;
    let n: u32 = n.trim_start_matches('v').parse().map_err(|_| ApiError::field("n", "a version number"))?;
    let loaded = state.app.objects(&user.caller).load(&id).await?;
    if loaded.object.life().version == n {
        return Ok(json_with_etag(&ObjectBody::from(view::scoped_view(&loaded.object, &user.caller)), &loaded.etag));
    }
    match versions::load_version(&*state.app.store, &id, n).await? {
        Some(o) => Ok(Json(ObjectBody::from(view::scoped_view(&o, &user.caller))).into_response()),
        None => Err(ApiError::NotFound(format!("version {n} of {id} not found"))),
    }
}

/// The routes of one family, each documented with the family's name in its operation id.
macro_rules! family_routes {
    ($module:ident, $family:expr, $base:literal, $tag:literal, $name:literal, $schema:ty, $id:literal) => {
        pub mod $module {
            use super::*;
            use crate::wire::ErrorBody;

            #[utoipa::path(get, path = $base, tag = $tag, operation_id = concat!("list", $name, "s"), params(ListParams),
                responses((status = 200, description = "One page of summaries", body = IndexPage),
                          (status = 400, description = "A bad filter, named", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody)))]
            pub async fn list(State(s): State<AppState>, u: User, ApiQuery(p): ApiQuery<ListParams>) -> ApiResult<Json<IndexPage>> {
                super::list($family, s, u, p).await
            }

            #[utoipa::path(post, path = $base, tag = $tag, operation_id = concat!("create", $name), request_body = $schema,
                responses((status = 201, description = "Created (draft, or submitted with per-customer trigger results)", body = SavedBody),
                          (status = 400, description = "Invalid fields, each named", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 403, description = "Role, customer scope or CSRF", body = ErrorBody),
                          (status = 413, description = "Body over 1 MiB", body = ErrorBody),
                          (status = 415, description = "Not JSON", body = ErrorBody),
                          (status = 422, description = "blackout_override_required: created as submitted through a blackout window without overrideReason", body = ErrorBody)))]
            pub async fn create(State(s): State<AppState>, u: User, b: JsonObject) -> ApiResult<Response> {
                super::create($family, s, u, b).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}"), tag = $tag, operation_id = concat!("get", $name), params(("id" = String, Path, pattern = $id)),
                responses((status = 200, description = "The object (with the processor's results in its history); ETag header", body = $schema),
                          (status = 400, description = "A malformed id", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 404, description = "Not found or not visible", body = ErrorBody)))]
            pub async fn get(State(s): State<AppState>, u: User, Path(id): Path<String>) -> ApiResult<Response> {
                super::get($family, s, u, id).await
            }

            #[utoipa::path(put, path = concat!($base, "/{id}"), tag = $tag, operation_id = concat!("update", $name),
                params(("id" = String, Path, pattern = $id), ("If-Match" = String, Header, description = "The ETag the edit is based on")),
                request_body = $schema,
                responses((status = 200, description = "Saved; editing an approved object returns it to submitted", body = SavedBody),
                          (status = 400, description = "Invalid fields, each named", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 403, description = "Role, ownership, customer scope or CSRF", body = ErrorBody),
                          (status = 404, description = "Not found or not visible", body = ErrorBody),
                          (status = 409, description = "Stale ETag; the body carries the current object", body = ErrorBody),
                          (status = 413, description = "Body over 1 MiB", body = ErrorBody),
                          (status = 415, description = "Not JSON", body = ErrorBody),
                          (status = 422, description = "Completed or cancelled objects are final", body = ErrorBody),
                          (status = 428, description = "If-Match missing", body = ErrorBody)))]
            pub async fn update(State(s): State<AppState>, u: User, Path(id): Path<String>, h: HeaderMap, b: JsonObject) -> ApiResult<Response> {
                super::update($family, s, u, id, h, b).await
            }

            #[utoipa::path(delete, path = concat!($base, "/{id}"), tag = $tag, operation_id = concat!("delete", $name),
                params(("id" = String, Path, pattern = $id), ("If-Match" = Option<String>, Header)),
                responses((status = 200, description = "Moved to deleted/ (draft or cancelled only)", body = DeletedBody),
                          (status = 400, description = "A malformed id", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 403, description = "Role, ownership or CSRF", body = ErrorBody),
                          (status = 404, description = "Not found or not visible", body = ErrorBody),
                          (status = 409, description = "Changed since it was read (If-Match), or during the delete", body = ErrorBody),
                          (status = 422, description = "Not deletable in this status", body = ErrorBody)))]
            pub async fn delete(State(s): State<AppState>, u: User, Path(id): Path<String>, h: HeaderMap) -> ApiResult<Json<DeletedBody>> {
                super::delete($family, s, u, id, h).await
            }

            #[utoipa::path(post, path = concat!($base, "/{id}/{action}"), tag = $tag, operation_id = concat!("act", $name),
                params(("id" = String, Path, pattern = $id), ("action" = String, Path, pattern = "^(submit|approve|complete|cancel|duplicate)$", description = "submit, approve, complete, cancel or duplicate"),
                       ("If-Match" = Option<String>, Header)),
                request_body(content = Option<ActRequest>, description = "Optional: an override reason for a submission or approval through a blackout window"),
                responses((status = 200, description = "Applied (an approval that leaves a customer's policy unmet is recorded and the object stays submitted), with per-customer trigger results and conflict warnings", body = SavedBody),
                          (status = 201, description = "Duplicated as a new draft", body = SavedBody),
                          (status = 400, description = "A malformed id, or the object is not complete enough to submit", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 403, description = "Role, ownership, self-approval, an approval the customer's policy does not count (approval_policy), customer scope or CSRF", body = ErrorBody),
                          (status = 404, description = "Not found, not visible, or no such action", body = ErrorBody),
                          (status = 409, description = "Stale If-Match", body = ErrorBody),
                          (status = 422, description = "Not allowed in the current status, or blackout_override_required (with the warnings)", body = ErrorBody)))]
            pub async fn act(State(s): State<AppState>, u: User, Path((id, action)): Path<(String, String)>, h: HeaderMap, b: Bytes) -> ApiResult<Response> {
                super::act($family, s, u, id, action, h, b).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}/versions"), tag = $tag, operation_id = concat!("list", $name, "Versions"), params(("id" = String, Path, pattern = $id)),
                responses((status = 200, description = "Every version, newest first", body = VersionsBody),
                          (status = 400, description = "A malformed id", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 404, description = "Not found or not visible", body = ErrorBody)))]
            pub async fn versions(State(s): State<AppState>, u: User, Path(id): Path<String>) -> ApiResult<Json<VersionsBody>> {
                super::versions($family, s, u, id).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}/versions/{n}"), tag = $tag, operation_id = concat!("get", $name, "Version"),
                params(("id" = String, Path, pattern = $id), ("n" = u32, Path, minimum = 0)),
                responses((status = 200, description = "The object as it was at version n", body = $schema),
                          (status = 400, description = "A malformed id or version", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 404, description = "Not found, not visible, or no such version", body = ErrorBody)))]
            pub async fn version(State(s): State<AppState>, u: User, Path((id, n)): Path<(String, String)>) -> ApiResult<Response> {
                super::version($family, s, u, id, n).await
            }

            #[utoipa::path(get, path = concat!($base, "/{id}/deliveries"), tag = $tag, operation_id = concat!("get", $name, "Deliveries"), params(("id" = String, Path, pattern = $id)),
                responses((status = 200, description = "Per customer: notifications sent, SES's delivered / bounced / complained / rejected counts, and the addresses that bounced or complained (masked for customer-scoped users)", body = DeliveriesBody),
                          (status = 400, description = "A malformed id", body = ErrorBody),
                          (status = 401, description = "Not signed in", body = ErrorBody),
                          (status = 404, description = "Not found or not visible", body = ErrorBody)))]
            pub async fn deliveries(State(s): State<AppState>, u: User, Path(id): Path<String>) -> ApiResult<Json<DeliveriesBody>> {
                super::deliveries($family, s, u, id).await
            }

            pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
                use utoipa_axum::routes;
                utoipa_axum::router::OpenApiRouter::new()
                    .routes(routes!(list, create))
                    .routes(routes!(get, update, delete))
                    .routes(routes!(versions))
                    .routes(routes!(version))
                    .routes(routes!(deliveries))
                    .routes(routes!(act))
            }
        }
    };
}

family_routes!(
    changes,
    Family::Changes,
    "/api/changes",
    "changes",
    "Change",
    ccm_core::Change,
    "^CHG-[A-Za-z0-9-]{1,64}$"
);
family_routes!(
    announcements,
    Family::Announcements,
    "/api/announcements",
    "announcements",
    "Announcement",
    ccm_core::Announcement,
    "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$"
);
