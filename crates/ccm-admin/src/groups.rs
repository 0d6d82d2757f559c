//! Identity Center group names that carry a role:
//! `ccoe-cloud-{account-name}-{12-digit account id}-idp-{app-prefix}-{role}`.
//!
//! The role is the last hyphen-separated part and the application prefix everything between `idp-`
//! and it, so multi-word prefixes (`idp-data-lake-devops`) parse correctly; the original took only
//! the part right after `idp` as the prefix and the next part as the role (§9.3).

use serde::Serialize;

const PREFIX: &str = "ccoe-cloud-";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRole {
    pub account_name: String,
    pub account_id: String,
    pub app_prefix: String,
    /// Lower case, as compared with `OptInRoles`.
    pub role: String,
}

/// The role a group grants, or `None` for groups that do not follow the naming scheme.
pub fn parse(group: &str) -> Option<GroupRole> {
    let rest = group.trim().to_ascii_lowercase();
    let rest = rest.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split('-').collect();
    // The account id is the first all-digits part with 12 digits, followed by `idp`.
    let id_at = parts.iter().position(|p| p.len() == 12 && p.chars().all(|c| c.is_ascii_digit()))?;
    if id_at == 0 || parts.get(id_at + 1) != Some(&"idp") {
        return None;
    }
    let after = &parts[id_at + 2..];
    // At least one part of prefix and the role.
    if after.len() < 2 || after.iter().any(|p| p.is_empty()) || parts[..id_at].iter().any(|p| p.is_empty()) {
        return None;
    }
    let (role, prefix) = after.split_last()?;
    Some(GroupRole {
        account_name: parts[..id_at].join("-"),
        account_id: parts[id_at].to_owned(),
        app_prefix: prefix.join("-"),
        role: (*role).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simple_group_yields_account_prefix_and_role() {
        let g = parse("ccoe-cloud-acme-prod-123456789012-idp-app-devops").unwrap();
        assert_eq!(g.account_name, "acme-prod");
        assert_eq!(g.account_id, "123456789012");
        assert_eq!(g.app_prefix, "app");
        assert_eq!(g.role, "devops");
    }

    #[test]
    fn a_multi_word_prefix_keeps_the_role_as_the_last_part() {
        let g = parse("ccoe-cloud-acme-123456789012-idp-data-lake-platform-security").unwrap();
        assert_eq!(g.app_prefix, "data-lake-platform");
        assert_eq!(g.role, "security");
    }

    #[test]
    fn case_is_ignored_and_the_role_is_lower_case() {
        assert_eq!(parse("CCOE-Cloud-Acme-123456789012-IDP-App-DevOps").unwrap().role, "devops");
    }

    #[test]
    fn names_outside_the_scheme_carry_no_role() {
        for name in [
            "",
            "administrators",
            "ccoe-cloud-acme-idp-app-devops",
            "ccoe-cloud-123456789012-idp-app-devops",
            "ccoe-cloud-acme-123456789012-idp-devops",
            "ccoe-cloud-acme-123456789012-app-devops",
            "ccoe-cloud-acme-12345678901-idp-app-devops",
            "ccoe-cloud-acme-123456789012-idp-app-",
            "xccoe-cloud-acme-123456789012-idp-app-devops",
        ] {
            assert_eq!(parse(name), None, "{name:?}");
        }
    }
}
