//! Roles a signed-in user may hold. They are additive; `admin` may do everything.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads everything in the user's customer scope.
    Viewer,
    /// Creates, edits, submits, completes and cancels their own objects.
    Author,
    /// Approves and cancels submitted objects.
    Approver,
    /// Everything, including other users' objects.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Self::Viewer, Self::Author, Self::Approver, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Author => "author",
            Self::Approver => "approver",
            Self::Admin => "admin",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}
