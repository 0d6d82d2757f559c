//! `GET /api/openapi.json`: the OpenAPI 3 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

use super::{account, attachments, objects, saved, search};

#[derive(OpenApi)]
#[openapi(
    info(title = "ccm API", description = "Changes and announcements for many customers: write once, approve, notify each customer through its own SES."),
    paths(
        account::me, account::customers,
        objects::changes::list, objects::changes::create, objects::changes::get, objects::changes::update,
        objects::changes::delete, objects::changes::act, objects::changes::versions, objects::changes::version,
        objects::announcements::list, objects::announcements::create, objects::announcements::get,
        objects::announcements::update, objects::announcements::delete, objects::announcements::act,
        objects::announcements::versions, objects::announcements::version,
        search::search, search::statistics, search::recent, saved::get, saved::put,
        attachments::start, attachments::confirm, attachments::remove, attachments::download,
    ),
    tags((name = "changes"), (name = "announcements"), (name = "search"), (name = "account")),
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
