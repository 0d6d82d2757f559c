//! `/api/me` (who am I, what may I do) and `/api/customers` (from config, within my scope).

use axum::Json;
use axum::extract::State;

use crate::auth::User;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{CustomerBody, ErrorBody, MeBody};

#[utoipa::path(get, path = "/api/me", tag = "account", operation_id = "getMe",
    responses((status = 200, description = "The signed-in user, roles, customers in scope, CSRF token and session expiry", body = MeBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: User) -> ApiResult<Json<MeBody>> {
    let config = &state.app.config;
    let customers: Vec<String> = match user.scope() {
        Some(scope) => scope.iter().map(ToString::to_string).collect(),
        None => config.customer_codes().map(ToString::to_string).collect(),
    };
    Ok(Json(MeBody {
        email: user.email().to_owned(),
        name: user.info().name.clone(),
        roles: user.info().roles.clone(),
        customers,
        all_customers: user.scope().is_none(),
        csrf_token: user.session.csrf.clone(),
        expires_at: user.session.expires_at(&state.policy),
        allow_self_approval: config.portal.allow_self_approval,
        portal_base_url: config.email_config.portal_base_url.clone(),
    }))
}

#[utoipa::path(get, path = "/api/customers", tag = "account", operation_id = "listCustomers",
    responses((status = 200, description = "Customers from config.json that the user may act for, by name", body = Vec<CustomerBody>),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn customers(State(state): State<AppState>, user: User) -> ApiResult<Json<Vec<CustomerBody>>> {
    let mut list: Vec<CustomerBody> = state
        .app
        .config
        .customer_mappings
        .iter()
        .filter(|(code, _)| user.may_use_customer(code))
        .map(|(code, c)| CustomerBody {
            code: code.to_string(),
            name: c.customer_name.clone(),
            environment: if c.is_prod() { "prod".into() } else { "nonprod".into() },
            region: c.region.clone(),
            logo_url: c.logo_url.clone(),
        })
        .collect();
    list.sort_by_key(|a| a.name.to_lowercase());
    Ok(Json(list))
}
