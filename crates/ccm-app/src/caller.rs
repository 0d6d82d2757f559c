//! Who is asking: the signed-in user as the use cases see them (identity, roles, customer scope),
//! whatever way they signed in. The HTTP layer builds one from the session; `ccm serve`'s demo
//! seeding and the CLI build their own.

use ccm_core::{CustomerCode, Role, UserId};

use crate::error::Forbidden;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: UserId,
    /// The display name (an announcement's author).
    pub name: String,
    pub roles: Vec<Role>,
    /// The customers the user may see and act for; `None` = all.
    pub customers: Option<Vec<CustomerCode>>,
    /// The user's mapped identity-provider groups (approval policies and teams name groups).
    pub groups: Vec<String>,
}

impl Caller {
    pub fn email(&self) -> &str {
        self.id.as_str()
    }
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
    /// Holds `role`, or is an admin (who may do everything).
    pub fn has(&self, role: Role) -> bool {
        self.is_admin() || self.roles.contains(&role)
    }
    pub fn require(&self, role: Role) -> Result<(), Forbidden> {
        if self.has(role) { Ok(()) } else { Err(Forbidden::role(role)) }
    }
    pub fn scope(&self) -> Option<&[CustomerCode]> {
        self.customers.as_deref()
    }
    /// May see an object of these customers: unscoped, or one of them is in scope.
    pub fn in_scope(&self, customers: &[CustomerCode]) -> bool {
        self.scope().is_none_or(|scope| customers.iter().any(|c| scope.contains(c)))
    }
    pub fn may_use_customer(&self, customer: &CustomerCode) -> bool {
        self.scope().is_none_or(|s| s.contains(customer))
    }
}
