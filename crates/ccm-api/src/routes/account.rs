//! `/api/me` (who am I, what may I do) and `/api/customers` (from config, within my scope).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::User;
use crate::error::ApiResult;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/me", tag = "account",
    responses((status = 200, description = "The signed-in user, roles, customers in scope, CSRF token and session expiry", body = serde_json::Value),
              (status = 401, description = "Not signed in")))]
pub async fn me(State(state): State<AppState>, user: User) -> ApiResult<Json<Value>> {
    let customers: Vec<&str> = match user.scope() {
        Some(scope) => scope.iter().map(|c| c.as_str()).collect(),
        None => state.config.customer_codes().map(|c| c.as_str()).collect(),
    };
    Ok(Json(json!({
        "email": user.email(),
        "name": user.info().name,
        "roles": user.info().roles,
        "customers": customers,
        "allCustomers": user.scope().is_none(),
        "csrfToken": user.0.csrf,
        "expiresAt": user.0.expires_at(&state.policy),
        "allowSelfApproval": state.config.portal.allow_self_approval,
        "portalBaseUrl": state.config.email_config.portal_base_url,
    })))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CustomerInfo {
    code: String,
    name: String,
    environment: String,
    region: String,
    #[serde(rename = "logoUrl", skip_serializing_if = "Option::is_none")]
    logo_url: Option<String>,
}

#[utoipa::path(get, path = "/api/customers", tag = "account",
    responses((status = 200, description = "Customers from config.json that the user may act for, by name", body = Vec<CustomerInfo>)))]
pub async fn customers(State(state): State<AppState>, user: User) -> ApiResult<Json<Vec<CustomerInfo>>> {
    let mut list: Vec<CustomerInfo> = state
        .config
        .customer_mappings
        .iter()
        .filter(|(code, _)| user.may_use_customer(code))
        .map(|(code, c)| CustomerInfo {
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
