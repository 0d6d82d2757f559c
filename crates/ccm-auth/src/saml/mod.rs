//! The SAML 2.0 service provider: AuthnRequest (HTTP-Redirect), assertion consumer (HTTP-POST)
//! with XML-DSig verification on roxmltree + RustCrypto (pure Rust, see ADR 0006), request state,
//! replay cache and the mapping of attributes to roles and customers.

pub mod access;
pub mod authn_request;
mod c14n;
pub mod metadata;
pub mod replay;
pub mod request_state;
pub mod response;
pub mod routes;
pub mod settings;
mod signature;
mod xml;

#[cfg(feature = "test-idp")]
pub mod signer;
#[cfg(feature = "test-idp")]
pub mod test_idp;

pub use access::{AccessError, AccessRules, AttributeNames};
pub use metadata::{IdpMetadata, MetadataError};
pub use replay::{InMemoryReplayCache, ReplayCache};
pub use request_state::RequestStateKeys;
pub use response::{Expectations, ResponseError, VerifiedAssertion, verify_response, verify_response_xml};
pub use routes::{SamlState, saml_routes};
pub use settings::{SamlSettings, ServiceProvider, SettingsError};
pub use signature::SignatureError;
pub use xml::XmlError;
