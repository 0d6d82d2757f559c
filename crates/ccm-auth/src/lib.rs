//! Sign-in for ccm: encrypted session cookies shared by every route that needs a user, the SAML 2.0
//! service provider for IAM Identity Center, and the development login used by `ccm serve`
//! (refused inside AWS Lambda).

pub mod dev_login;
pub mod log_value;
pub mod saml;
pub mod session;
pub mod session_routes;

pub use saml::{SamlSettings, SamlState, saml_routes};
pub use session::{Session, SessionError, SessionKeys, SessionPolicy, SessionUser};
