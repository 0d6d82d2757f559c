//! Saved searches, per user, on the server: `users/{hash of the e-mail}/saved-searches.json`.

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{StorageKey, Token};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

pub const MAX_SAVED: usize = 50;

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedSearches {
    pub items: Vec<SavedSearch>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedSearch {
    pub name: String,
    /// The search's filters, as the portal stores them.
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
}

/// Users are keyed by a hash of their lower-cased e-mail, so addresses never appear in keys.
pub fn key_for(email: &str) -> StorageKey {
    let digest = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
    StorageKey::SavedSearches(Token::parse(&digest[..32]).expect("a hex digest is a valid key token"))
}

pub async fn load(store: &dyn DocumentStore, email: &str) -> ApiResult<SavedSearches> {
    match store.get(&key_for(email)).await? {
        Some(doc) => serde_json::from_slice(&doc.body).map_err(|e| ApiError::Internal(format!("saved searches: {e}"))),
        None => Ok(SavedSearches::default()),
    }
}

pub async fn save(store: &dyn DocumentStore, email: &str, list: SavedSearches) -> ApiResult<SavedSearches> {
    if list.items.len() > MAX_SAVED {
        return Err(ApiError::field("items", format!("at most {MAX_SAVED} saved searches")));
    }
    for (i, s) in list.items.iter().enumerate() {
        let n = s.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(ApiError::field(format!("items.{i}.name"), "a name of 1 to 100 characters"));
        }
        if !s.query.is_object() {
            return Err(ApiError::field(format!("items.{i}.query"), "an object of filters"));
        }
    }
    let body = serde_json::to_vec(&list).map_err(|e| ApiError::Internal(e.to_string()))?;
    if body.len() > 64 * 1024 {
        return Err(ApiError::field("items", "saved searches are limited to 64 KiB"));
    }
    store.put(&key_for(email), Bytes::from(body), PutOptions::default()).await?;
    Ok(list)
}
