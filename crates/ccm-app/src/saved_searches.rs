//! Saved searches, per user, on the server: `users/{hash of the e-mail}/saved-searches.json`.

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{StorageKey, Token, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{SavedSearchError, field};

pub const MAX_SAVED: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedSearches {
    pub items: Vec<SavedSearch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub name: String,
    /// The search's filters, as the portal stores them.
    pub query: serde_json::Value,
}

/// Users are keyed by a hash of their id (the lower-cased e-mail), so addresses never appear in keys.
pub fn key_for(user: &UserId) -> Result<StorageKey, SavedSearchError> {
    let digest = hex::encode(Sha256::digest(user.as_str().as_bytes()));
    let token =
        Token::parse(digest.get(..32).unwrap_or(&digest)).map_err(|e| SavedSearchError::Corrupt(e.to_string()))?;
    Ok(StorageKey::SavedSearches(token))
}

pub async fn load(store: &dyn DocumentStore, user: &UserId) -> Result<SavedSearches, SavedSearchError> {
    match store.get(&key_for(user)?).await? {
        Some(doc) => serde_json::from_slice(&doc.body).map_err(|e| SavedSearchError::Corrupt(e.to_string())),
        None => Ok(SavedSearches::default()),
    }
}

pub async fn save(
    store: &dyn DocumentStore,
    user: &UserId,
    list: SavedSearches,
) -> Result<SavedSearches, SavedSearchError> {
    if list.items.len() > MAX_SAVED {
        return Err(SavedSearchError::Invalid(field("items", format!("at most {MAX_SAVED} saved searches"))));
    }
    for (i, s) in list.items.iter().enumerate() {
        let n = s.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(SavedSearchError::Invalid(field(&format!("items.{i}.name"), "a name of 1 to 100 characters")));
        }
        if !s.query.is_object() {
            return Err(SavedSearchError::Invalid(field(&format!("items.{i}.query"), "an object of filters")));
        }
    }
    let body = serde_json::to_vec(&list).map_err(|e| SavedSearchError::Corrupt(e.to_string()))?;
    if body.len() > 64 * 1024 {
        return Err(SavedSearchError::Invalid(field("items", "saved searches are limited to 64 KiB")));
    }
    store.put(&key_for(user)?, Bytes::from(body), PutOptions::default()).await?;
    Ok(list)
}
