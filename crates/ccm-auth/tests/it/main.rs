//! ccm-auth's integration tests, one binary: SAML settings and metadata, signature checks and every
//! wrapping attack we know of, the checks after the signature, access rules, and the sign-in flow
//! through the axum router. The fixtures (test IdP key, xmlsec1-signed responses) are in
//! `tests/fixtures/`.

mod access_rules;
mod common;
mod http_flow;
mod response_checks;
mod settings;
mod signature_wrapping;
