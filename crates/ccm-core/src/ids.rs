//! Validated identifiers. A value of these types has been checked, so it is safe to put into a
//! storage key, an e-mail header or a log line. Everything arriving from outside goes through `parse`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a raw string was refused as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} contains a character that is not allowed: {found:?}")]
    BadChar { what: &'static str, found: char },
    #[error("{what} has an unknown prefix (expected one of {expected})")]
    UnknownPrefix { what: &'static str, expected: &'static str },
    #[error("{what} is not valid: {reason}")]
    Invalid { what: &'static str, reason: &'static str },
}

fn check_chars(what: &'static str, s: &str, max: usize, ok: impl Fn(char) -> bool) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { what });
    }
    if s.chars().count() > max {
        return Err(IdError::TooLong { what, max });
    }
    if let Some(found) = s.chars().find(|c| !ok(*c)) {
        return Err(IdError::BadChar { what, found });
    }
    Ok(())
}

macro_rules! string_newtype_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                <$t>::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl std::str::FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                <$t>::parse(s)
            }
        }
    };
}

/// A customer code: `^[a-z0-9-]{1,50}$`. Whether it exists in `config.json` is checked by the config.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerCode(String);

impl CustomerCode {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        check_chars("customer code", raw, 50, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_serde!(CustomerCode);

/// The type of an announcement; each has its own id prefix, SES topic, colour and emoji.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnnouncementType {
    Cic,
    Finops,
    Innersource,
    General,
}

impl AnnouncementType {
    pub const ALL: [AnnouncementType; 4] = [Self::Cic, Self::Finops, Self::Innersource, Self::General];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cic => "cic",
            Self::Finops => "finops",
            Self::Innersource => "innersource",
            Self::General => "general",
        }
    }
    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::Cic => "CIC",
            Self::Finops => "FIN",
            Self::Innersource => "INN",
            Self::General => "GEN",
        }
    }
    /// The stored `object_type` of an announcement of this type.
    pub fn object_type(self) -> &'static str {
        match self {
            Self::Cic => "announcement_cic",
            Self::Finops => "announcement_finops",
            Self::Innersource => "announcement_innersource",
            Self::General => "announcement_general",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    pub fn from_object_type(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.object_type() == raw)
    }
}

/// What an object id names: a change or an announcement of some type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Change,
    Announcement(AnnouncementType),
}

impl ObjectKind {
    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::Change => "CHG",
            Self::Announcement(t) => t.id_prefix(),
        }
    }
    pub fn is_change(self) -> bool {
        matches!(self, Self::Change)
    }
    /// `change`, `cic`, `finops`, `innersource` or `general`: the value of the API's `type` filter.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Change => "change",
            Self::Announcement(t) => t.as_str(),
        }
    }
    pub fn parse_type_name(raw: &str) -> Option<Self> {
        if raw.eq_ignore_ascii_case("change") {
            return Some(Self::Change);
        }
        AnnouncementType::parse(raw).map(Self::Announcement)
    }
}

/// An object id: `CHG-…` for changes, `CIC-|FIN-|INN-|GEN-…` for announcements.
///
/// New ids are `{PREFIX}-{uuid v4}`. Existing buckets also hold older ids (`CHG-2025-01-02T10-00-00-ab12cd`),
/// so the suffix may be any 1–64 ASCII letters, digits and hyphens: enough to read them, never enough to
/// escape a key prefix (`/`, `.`, `..` and control characters are refused).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    raw: String,
    kind: ObjectKind,
}

const ID_PREFIXES: &str = "CHG-, CIC-, FIN-, INN-, GEN-";

impl ObjectId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "object id";
        check_chars(what, raw, 68, |c| c.is_ascii_alphanumeric() || c == '-')?;
        let (prefix, rest) = raw.split_once('-').ok_or(IdError::UnknownPrefix { what, expected: ID_PREFIXES })?;
        let kind = match prefix {
            "CHG" => ObjectKind::Change,
            "CIC" => ObjectKind::Announcement(AnnouncementType::Cic),
            "FIN" => ObjectKind::Announcement(AnnouncementType::Finops),
            "INN" => ObjectKind::Announcement(AnnouncementType::Innersource),
            "GEN" => ObjectKind::Announcement(AnnouncementType::General),
            _ => return Err(IdError::UnknownPrefix { what, expected: ID_PREFIXES }),
        };
        if rest.is_empty() || rest.len() > 64 {
            return Err(IdError::Invalid { what, reason: "the part after the prefix must have 1 to 64 characters" });
        }
        Ok(Self { raw: raw.to_owned(), kind })
    }

    /// A fresh id of this kind from a v4 uuid.
    pub fn new(kind: ObjectKind, uuid: uuid::Uuid) -> Self {
        Self { raw: format!("{}-{}", kind.id_prefix(), uuid.hyphenated()), kind }
    }

    pub fn kind(&self) -> ObjectKind {
        self.kind
    }
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}
string_newtype_serde!(ObjectId);

/// An SES topic name (`aws-approval`, `cic-announce`, …): ASCII letters, digits, `-` and `_`, up to 64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(String);

impl TopicName {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        check_chars("topic name", raw, 64, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_serde!(TopicName);

/// An e-mail address, checked for shape (one `@`, a dotted domain, no spaces or control characters).
/// Comparisons in the domain are case-insensitive; the original spelling is kept for sending.
#[derive(Debug, Clone)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "e-mail address";
        let s = raw.trim();
        check_chars(what, s, 254, |c| !c.is_control() && !c.is_whitespace() && !"<>()[]\\,;:\"".contains(c))?;
        let (local, domain) = s.split_once('@').ok_or(IdError::Invalid { what, reason: "it has no @" })?;
        if local.is_empty() || local.len() > 64 {
            return Err(IdError::Invalid { what, reason: "the part before @ must have 1 to 64 characters" });
        }
        if domain.contains('@') {
            return Err(IdError::Invalid { what, reason: "it has more than one @" });
        }
        let labels_ok = domain.split('.').count() >= 2
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(IdError::Invalid { what, reason: "the domain is not a dotted host name" });
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The lower-cased address: the key for comparisons, sets and hashes.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
    /// The address as logs may show it: `j***@example.com`.
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}
string_newtype_serde!(EmailAddress);

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}
impl Eq for EmailAddress {}
impl std::hash::Hash for EmailAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

/// Who a signed-in user is: their e-mail address, lower-cased, so that two spellings of one address
/// are one user everywhere (ownership, self-approval, drafts, saved searches).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let email = EmailAddress::parse(raw)?;
        Ok(Self(email.normalized()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether a stored user field (written by any version, in any case) names this user.
    pub fn is(&self, stored: &str) -> bool {
        stored.trim().to_lowercase() == self.0
    }
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}
string_newtype_serde!(UserId);

/// Masks any string that looks like an e-mail address for logs: `jane@x.com` → `j***@x.com`.
pub fn mask_email(raw: &str) -> String {
    match raw.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// A file name for an attachment: letters, digits, space, `.`, `_`, `-`, `(`, `)`, up to 128; no leading dot, no `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "file name";
        check_chars(what, raw, 128, |c| c.is_ascii_alphanumeric() || " ._-()".contains(c))?;
        if raw.starts_with('.') || raw.contains("..") || raw.trim() != raw {
            return Err(IdError::Invalid {
                what,
                reason: "it must not start with a dot, contain '..', or start or end with a space",
            });
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_serde!(FileName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_the_lower_cased_address_and_matches_stored_spellings_in_any_case() {
        let id = UserId::parse(" Alice@Example.COM ").unwrap();
        assert_eq!(id.as_str(), "alice@example.com");
        assert_eq!(id, UserId::parse("ALICE@example.com").unwrap());
        assert!(id.is("ALICE@EXAMPLE.com") && id.is(" alice@example.com") && !id.is("bob@example.com"));
        assert!(UserId::parse("not an address").is_err());
    }

    #[test]
    fn customer_codes_accept_lowercase_digits_and_hyphens_only() {
        assert!(CustomerCode::parse("hts-prod-1").is_ok());
        for bad in ["", "HTS", "a/b", "..", "a b", "a\u{0}", &"a".repeat(51), "café"] {
            assert!(CustomerCode::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn object_ids_know_their_kind_and_refuse_path_tricks() {
        let id = ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap();
        assert_eq!(id.kind(), ObjectKind::Change);
        assert_eq!(ObjectId::parse("FIN-1").unwrap().kind(), ObjectKind::Announcement(AnnouncementType::Finops));
        assert!(ObjectId::parse("CHG-2025-01-02T10-00-00-ab12cd").is_ok(), "legacy ids stay readable");
        for bad in [
            "",
            "CHG-",
            "CHG",
            "XYZ-1",
            "chg-1",
            "CHG-../x",
            "CHG-a/b",
            "CHG-a.json",
            "CHG-a\nb",
            "FINOPS-1",
            "ANN-1",
            "../archive/CHG-1",
            "CHG-%2e%2e",
        ] {
            assert!(ObjectId::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn new_ids_carry_the_kind_prefix_and_parse_back() {
        let id = ObjectId::new(ObjectKind::Announcement(AnnouncementType::Innersource), uuid::Uuid::new_v4());
        assert!(id.as_str().starts_with("INN-"));
        assert_eq!(ObjectId::parse(id.as_str()).unwrap(), id);
    }

    #[test]
    fn email_addresses_compare_case_insensitively_and_mask_for_logs() {
        let a = EmailAddress::parse("Jane.Doe@Example.com").unwrap();
        let b = EmailAddress::parse("jane.doe@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.masked(), "J***@Example.com");
        for bad in ["", "jane", "jane@", "@x.com", "jane@x", "ja ne@x.com", "a@b@c.com", "a@x..com", "<a@x.com>"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn file_names_refuse_traversal() {
        assert!(FileName::parse("runbook v2 (final).pdf").is_ok());
        for bad in ["", ".env", "a/../b", "..", "a\\b", "a/b", " a.pdf"] {
            assert!(FileName::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
