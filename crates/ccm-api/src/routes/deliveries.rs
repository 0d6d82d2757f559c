//! `GET /api/{changes|announcements}/{id}/deliveries`: per customer, sent / delivered / bounced /
//! complained / rejected and the addresses that bounced or complained (masked for customer-scoped
//! users). Declared with each family's routes (`objects.rs`); the handler is shared.

use axum::Json;
use ccm_app::Family;

use super::objects::parse_id;
use crate::auth::User;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::deliveries::DeliveriesBody;

pub async fn deliveries(family: Family, state: AppState, user: User, id: String) -> ApiResult<Json<DeliveriesBody>> {
    let id = parse_id(family, &id)?;
    let customers = state.app.objects(&user.caller).deliveries(&id).await?;
    Ok(Json(DeliveriesBody { id: id.to_string(), customers: customers.into_iter().map(Into::into).collect() }))
}
