//! The SAML 2.0 service provider: AuthnRequest (HTTP-Redirect), assertion consumer (HTTP-POST)
//! with XML-DSig verification on roxmltree + RustCrypto (pure Rust, see ADR 0006), request state,
//! replay cache and the mapping of attributes to roles and customers.

pub mod access;
pub mod authn_request;
pub mod budget;
mod c14n;
pub mod limits;
pub mod metadata;
pub mod replay;
pub mod request_state;
pub mod response;
pub mod routes;
pub mod settings;
mod signature;
pub mod verify_pool;
mod xml;

#[cfg(feature = "test-idp")]
pub mod signer;
#[cfg(feature = "test-idp")]
pub mod stress;
#[cfg(feature = "test-idp")]
pub mod test_idp;

pub use access::{AccessError, AccessRules, AttributeNames};
pub use budget::{Deadline, OverBudget};
pub use limits::Limits;
pub use metadata::{IdpMetadata, MetadataError};
pub use replay::{InMemoryReplayCache, ReplayCache};
pub use request_state::RequestStateKeys;
pub use response::{Expectations, ResponseError, VerifiedAssertion, verify_response, verify_response_xml};
pub use routes::{MAX_ACS_BODY_BYTES, SamlState, saml_routes};
pub use settings::{SamlSettings, ServiceProvider, SettingsError};
pub use signature::{MAX_INCLUSIVE_PREFIXES, SignatureError};
pub use verify_pool::{VerifyError, VerifyPool};
pub use xml::XmlError;
