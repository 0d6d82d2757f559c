//! Sign-in for ccm: encrypted session cookies shared by every route that needs a user, and the
//! development login used by `ccm serve` (refused inside AWS Lambda).

pub mod dev_login;
pub mod session;

pub use session::{Session, SessionError, SessionKeys, SessionPolicy, SessionUser};
