//! The customer's logo for the survey's theme: `customers/{code}/logo.{png|jpg|jpeg|gif}` (the image
//! types Typeform accepts; an SVG logo, which the portal can show, is skipped here), stored with an
//! `image/*` content type, else the built-in default.

use ccm_core::ports::{DocumentStore, StoreError};
use ccm_core::storage_key::LogoExt;
use ccm_core::{CustomerCode, StorageKey};
use sha2::{Digest, Sha256};

/// ccm's default logo (a white check mark on the portal's dark blue), PNG.
pub const DEFAULT_LOGO: &[u8] = include_bytes!("../assets/default-logo.png");

/// Larger logos are not uploaded (Typeform's image limit is far above what a logo needs).
const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub bytes: Vec<u8>,
    /// `png`, `jpg`, `jpeg` or `gif`.
    pub ext: &'static str,
    /// 16 hex digits of SHA-256 of the bytes: names the image and the theme.
    pub hash: String,
    pub is_default: bool,
}

impl Logo {
    fn new(bytes: Vec<u8>, ext: &'static str, is_default: bool) -> Self {
        let digest = hex::encode(Sha256::digest(&bytes));
        Self { hash: digest.get(..16).unwrap_or(&digest).to_owned(), bytes, ext, is_default }
    }

    pub fn default_logo() -> Self {
        Self::new(DEFAULT_LOGO.to_vec(), "png", true)
    }

    /// `ccm-logo-{customer}-{hash}.{ext}` (the default: `ccm-logo-default-{hash}.png`).
    pub fn file_name(&self, customer: &CustomerCode) -> String {
        let owner = if self.is_default { "default" } else { customer.as_str() };
        format!("ccm-logo-{owner}-{}.{}", self.hash, self.ext)
    }
}

/// The customer's logo, or the default.
pub async fn load(store: &dyn DocumentStore, customer: &CustomerCode) -> Result<Logo, StoreError> {
    for ext in [LogoExt::Png, LogoExt::Jpg, LogoExt::Jpeg, LogoExt::Gif] {
        let Some(doc) = store.get(&StorageKey::CustomerLogo(customer.clone(), ext)).await? else { continue };
        let image = doc.meta.content_type.as_deref().is_none_or(|t| t.starts_with("image/"));
        if !image || doc.body.is_empty() || doc.body.len() > MAX_LOGO_BYTES {
            tracing::warn!(customer = %customer, ext = ext.as_str(), "the customer's logo is not a usable image; using the default");
            continue;
        }
        return Ok(Logo::new(doc.body.to_vec(), ext.as_str(), false));
    }
    Ok(Logo::default_logo())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_logo_is_a_png() {
        assert!(DEFAULT_LOGO.starts_with(b"\x89PNG\r\n\x1a\n"));
        let acme = CustomerCode::parse("acme").unwrap();
        assert!(Logo::default_logo().file_name(&acme).starts_with("ccm-logo-default-"));
    }
}
