//! Every key of the metadata bucket, in one enum. `StorageKey::parse` is the inverse of `Display`, so a
//! key read back from a listing or an S3 event is either one of these or refused.
//!
//! Layout (kept from the original system so an existing bucket stays readable):
//!
//! | key | what |
//! |---|---|
//! | `archive/{id}.json` | the source of truth for every submitted-or-later object |
//! | `customers/{code}/{id}.json` | transient trigger, one per affected customer (S3 → SQS) |
//! | `customers/{code}/reminders/{id}/v{n}/{kind}.json` | transient reminder trigger: a due reminder handed to the customer's processor queue ([`crate::reminders`]) |
//! | `customers/{code}/logo.{ext}` | customer logo |
//! | `drafts/{id}.json` | a draft, visible to its author only |
//! | `versions/{id}/v{n}.json` | the pre-image saved before version `n + 1` was written |
//! | `deleted/archive/{id}.json`, `deleted/drafts/{id}.json`, `deleted/customers/{code}/{id}.json` | soft deletes |
//! | `announcements/{id}/attachments/{file}` | attachment bytes |
//! | `announcements/{id}/uploads/{file}.json` | an upload in progress: the size and type declared when it started |
//! | `surveys/forms/{code}/{id}/{unix}-{survey}.json` | an external survey made for (object, customer) |
//! | `surveys/results/{code}/{year}/Q{q}/{unix}-{form}.json` | survey answers; ccm writes `{form}` as `{object}_{respondent}` and `{unix}` as the survey's opening ([`crate::survey`]) |
//! | `ledger/{id}/v{n}/{event}/{code}/{recipient-hash}` | delivery ledger records (exactly-once sends) |
//! | `results/{id}/v{n}/{code}/{event}.json` | what the processor did for one customer (create-only) |
//! | `results/{id}/meeting/{name}.json` | the meeting's records (create-only) |
//! | `feedback/{id}/v{n}/{code}/{event}/{kind}-{message-hash}.json` | one SES event (delivery, bounce, complaint, reject) of one send ([`crate::feedback`], create-only) |
//! | `users/{user-hash}/saved-searches.json` | per-user saved searches |
//! | `blackouts/{id}.json` | a blackout window (`versions/blackouts/{id}/v{n}.json` its pre-images, `deleted/blackouts/{id}.json` once deleted) |
//! | `calendar/feeds/users/{user-hash}.json`, `calendar/feeds/customers/{code}.json` | a calendar feed's token generation (bumped to revoke its URLs) |
//! | `index/snapshot.json.gz` | a compact snapshot of the shared index (cold starts read it) |
//! | `contacts/{code}/zones.json` | the customer's zone book: readers' time zones by recipient hash ([`crate::zone_book`]) |

use std::fmt;

use crate::blackout::BlackoutId;
use crate::calendar::FeedSubject;
use crate::ids::{CustomerCode, FileName, IdError, ObjectId};

/// The event a delivery ledger record belongs to (one notification of one object version).
pub type LedgerEvent = String;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StorageKey {
    Archive(ObjectId),
    Trigger(CustomerCode, ObjectId),
    /// A due reminder of one object version for one customer (`kind`: `reminder`,
    /// `approval_reminder`), routed like a trigger to the customer's queue.
    ReminderTrigger {
        customer: CustomerCode,
        object: ObjectId,
        version: u32,
        kind: Token,
    },
    CustomerLogo(CustomerCode, LogoExt),
    Draft(ObjectId),
    Version(ObjectId, u32),
    DeletedArchive(ObjectId),
    DeletedDraft(ObjectId),
    DeletedTrigger(CustomerCode, ObjectId),
    Attachment(ObjectId, FileName),
    /// What the uploader declared when an attachment upload started; the confirmation must match it.
    PendingUpload(ObjectId, FileName),
    SurveyForm {
        customer: CustomerCode,
        object: ObjectId,
        unix: i64,
        survey: Token,
    },
    SurveyResult {
        customer: CustomerCode,
        year: i32,
        quarter: u8,
        unix: i64,
        form: Token,
    },
    Ledger {
        object: ObjectId,
        version: u32,
        event: Token,
        customer: CustomerCode,
        recipient: Token,
    },
    /// The processor's result for one (object version, customer, event): written once, never
    /// rewritten, so processors never contend with people for `archive/`.
    Result {
        object: ObjectId,
        version: u32,
        customer: CustomerCode,
        event: Token,
    },
    /// A record of the object's meeting (created, rescheduled, cancelled).
    MeetingResult(ObjectId, Token),
    /// One SES event of one send of (object version, customer, event); `name` is
    /// `{kind}-{message-hash}` ([`crate::feedback::FeedbackRecord::key_for`]).
    Feedback {
        object: ObjectId,
        version: u32,
        customer: CustomerCode,
        event: Token,
        name: Token,
    },
    SavedSearches(Token),
    Blackout(BlackoutId),
    /// The pre-image of a blackout saved before version `n + 1` was written.
    BlackoutVersion(BlackoutId, u32),
    DeletedBlackout(BlackoutId),
    /// The token generation of a calendar feed: bumping it revokes every URL issued before.
    CalendarFeed(FeedSubject),
    /// The snapshot of the shared index.
    IndexSnapshot,
    /// A customer's zone book: its readers' time zones, keyed by recipient hash (no addresses).
    ZoneBook(CustomerCode),
}

/// Image types a customer logo may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogoExt {
    Png,
    Jpg,
    Jpeg,
    Gif,
    Svg,
}

impl LogoExt {
    pub const ALL: [LogoExt; 5] = [Self::Png, Self::Jpg, Self::Jpeg, Self::Gif, Self::Svg];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpg => "jpg",
            Self::Jpeg => "jpeg",
            Self::Gif => "gif",
            Self::Svg => "svg",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpg | Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Svg => "image/svg+xml",
        }
    }
    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// A short opaque token inside a key (survey and form ids, hashes, event names): `[A-Za-z0-9_-]{1,128}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(String);

impl Token {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if raw.is_empty() {
            return Err(IdError::Empty { what: "key token" });
        }
        if raw.len() > 128 {
            return Err(IdError::TooLong { what: "key token", max: 128 });
        }
        if let Some(found) = raw.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return Err(IdError::BadChar { what: "key token", found });
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// For tokens built from hex digits and fixed ASCII words inside the core.
    pub(crate) fn from_trusted(raw: String) -> Self {
        debug_assert!(Self::parse(&raw).is_ok(), "{raw:?} is not a key token");
        Self(raw)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a key of the bucket layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a key of the bucket layout: {0:?}")]
    Unknown(String),
    #[error("bad key {key:?}: {source}")]
    BadPart { key: String, source: IdError },
}

impl StorageKey {
    pub const ARCHIVE_PREFIX: &'static str = "archive/";
    pub const DRAFTS_PREFIX: &'static str = "drafts/";
    pub const CUSTOMERS_PREFIX: &'static str = "customers/";
    pub const DELETED_PREFIX: &'static str = "deleted/";
    pub const BLACKOUTS_PREFIX: &'static str = "blackouts/";

    /// `customers/{code}/`: the prefix an S3 event notification (and the embedded queue) watches.
    pub fn trigger_prefix(customer: &CustomerCode) -> String {
        format!("customers/{customer}/")
    }
    /// `versions/{id}/`
    pub fn versions_prefix(id: &ObjectId) -> String {
        format!("versions/{id}/")
    }
    /// `ledger/{id}/v{n}/`
    pub fn ledger_prefix(id: &ObjectId, version: u32) -> String {
        format!("ledger/{id}/v{version}/")
    }

    /// `versions/blackouts/{id}/`
    pub fn blackout_versions_prefix(id: &BlackoutId) -> String {
        format!("versions/blackouts/{id}/")
    }

    /// `results/{id}/`: every processor result of an object.
    pub fn results_prefix(id: &ObjectId) -> String {
        format!("results/{id}/")
    }

    /// Where SES's delivery feedback of object `id` is recorded: apart from `results/`, which every
    /// view of the object reads, because there is one record per message and kind.
    pub fn feedback_prefix(id: &ObjectId) -> String {
        format!("feedback/{id}/")
    }

    /// Every object's delivery feedback.
    pub const FEEDBACK_PREFIX: &'static str = "feedback/";

    /// The object a key belongs to: its archive or draft copy, a soft-deleted copy, a version, a
    /// result, an attachment. `None` for keys of no one object (logos, ledger, users, the snapshot).
    pub fn object_id(&self) -> Option<&ObjectId> {
        match self {
            Self::Archive(id)
            | Self::Draft(id)
            | Self::Version(id, _)
            | Self::DeletedArchive(id)
            | Self::DeletedDraft(id)
            | Self::Trigger(_, id)
            | Self::DeletedTrigger(_, id)
            | Self::Attachment(id, _)
            | Self::PendingUpload(id, _)
            | Self::MeetingResult(id, _) => Some(id),
            Self::Result { object, .. } | Self::Feedback { object, .. } | Self::ReminderTrigger { object, .. } => {
                Some(object)
            }
            _ => None,
        }
    }

    /// True for the keys whose creation must notify the processor.
    pub fn is_trigger(&self) -> bool {
        matches!(self, Self::Trigger(..) | Self::ReminderTrigger { .. })
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Self::CustomerLogo(_, ext) => ext.content_type(),
            Self::Attachment(..) => "application/octet-stream",
            Self::Ledger { .. } => "application/json",
            Self::IndexSnapshot => "application/gzip",
            _ => "application/json",
        }
    }

    pub fn parse(key: &str) -> Result<Self, KeyError> {
        let unknown = || KeyError::Unknown(key.to_owned());
        let bad = |source: IdError| KeyError::BadPart { key: key.to_owned(), source };
        let parts: Vec<&str> = key.split('/').collect();
        let id_json = |s: &str| -> Result<ObjectId, KeyError> {
            let stem = s.strip_suffix(".json").ok_or_else(unknown)?;
            ObjectId::parse(stem).map_err(bad)
        };
        let code = |s: &str| CustomerCode::parse(s).map_err(bad);
        let token = |s: &str| Token::parse(s).map_err(bad);
        let blackout_json = |s: &str| -> Result<BlackoutId, KeyError> {
            let stem = s.strip_suffix(".json").ok_or_else(unknown)?;
            BlackoutId::parse(stem).map_err(bad)
        };
        let unix_and_token = |s: &str| -> Result<(i64, Token), KeyError> {
            let stem = s.strip_suffix(".json").ok_or_else(unknown)?;
            let (unix, rest) = stem.split_once('-').ok_or_else(unknown)?;
            let unix = parse_canonical_int::<i64>(unix).ok_or_else(unknown)?;
            Ok((unix, token(rest)?))
        };
        Ok(match parts.as_slice() {
            ["archive", file] => Self::Archive(id_json(file)?),
            ["drafts", file] => Self::Draft(id_json(file)?),
            ["customers", c, file] => match file.strip_prefix("logo.").and_then(LogoExt::parse) {
                Some(ext) => Self::CustomerLogo(code(c)?, ext),
                None => Self::Trigger(code(c)?, id_json(file)?),
            },
            ["versions", "blackouts", id, file] => {
                let n = file
                    .strip_prefix('v')
                    .and_then(|f| f.strip_suffix(".json"))
                    .and_then(parse_canonical_int::<u32>)
                    .ok_or_else(unknown)?;
                Self::BlackoutVersion(BlackoutId::parse(id).map_err(bad)?, n)
            }
            ["versions", id, file] => {
                let n = file
                    .strip_prefix('v')
                    .and_then(|f| f.strip_suffix(".json"))
                    .and_then(parse_canonical_int::<u32>)
                    .ok_or_else(unknown)?;
                Self::Version(ObjectId::parse(id).map_err(bad)?, n)
            }
            ["deleted", "archive", file] => Self::DeletedArchive(id_json(file)?),
            ["deleted", "blackouts", file] => Self::DeletedBlackout(blackout_json(file)?),
            ["blackouts", file] => Self::Blackout(blackout_json(file)?),
            ["calendar", "feeds", "users", file] => {
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::CalendarFeed(FeedSubject::User(token(stem)?))
            }
            ["calendar", "feeds", "customers", file] => {
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::CalendarFeed(FeedSubject::Customer(code(stem)?))
            }
            ["deleted", "drafts", file] => Self::DeletedDraft(id_json(file)?),
            ["deleted", "customers", c, file] => Self::DeletedTrigger(code(c)?, id_json(file)?),
            ["announcements", id, "attachments", file] => {
                Self::Attachment(ObjectId::parse(id).map_err(bad)?, FileName::parse(file).map_err(bad)?)
            }
            ["announcements", id, "uploads", file] => {
                let name = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::PendingUpload(ObjectId::parse(id).map_err(bad)?, FileName::parse(name).map_err(bad)?)
            }
            ["surveys", "forms", c, id, file] => {
                let (unix, survey) = unix_and_token(file)?;
                Self::SurveyForm { customer: code(c)?, object: ObjectId::parse(id).map_err(bad)?, unix, survey }
            }
            ["surveys", "results", c, year, q, file] => {
                let year = parse_canonical_int::<i32>(year).ok_or_else(unknown)?;
                let quarter = q
                    .strip_prefix('Q')
                    .and_then(parse_canonical_int::<u8>)
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(unknown)?;
                let (unix, form) = unix_and_token(file)?;
                Self::SurveyResult { customer: code(c)?, year, quarter, unix, form }
            }
            ["ledger", id, v, event, c, recipient] => {
                let version = v.strip_prefix('v').and_then(parse_canonical_int::<u32>).ok_or_else(unknown)?;
                Self::Ledger {
                    object: ObjectId::parse(id).map_err(bad)?,
                    version,
                    event: token(event)?,
                    customer: code(c)?,
                    recipient: token(recipient)?,
                }
            }
            ["results", id, "meeting", file] => {
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::MeetingResult(ObjectId::parse(id).map_err(bad)?, token(stem)?)
            }
            ["results", id, v, c, file] => {
                let version = v.strip_prefix('v').and_then(parse_canonical_int::<u32>).ok_or_else(unknown)?;
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::Result {
                    object: ObjectId::parse(id).map_err(bad)?,
                    version,
                    customer: code(c)?,
                    event: token(stem)?,
                }
            }
            ["feedback", id, v, c, event, file] => {
                let version = v.strip_prefix('v').and_then(parse_canonical_int::<u32>).ok_or_else(unknown)?;
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::Feedback {
                    object: ObjectId::parse(id).map_err(bad)?,
                    version,
                    customer: code(c)?,
                    event: token(event)?,
                    name: token(stem)?,
                }
            }
            ["customers", c, "reminders", id, v, file] => {
                let version = v.strip_prefix('v').and_then(parse_canonical_int::<u32>).ok_or_else(unknown)?;
                let stem = file.strip_suffix(".json").ok_or_else(unknown)?;
                Self::ReminderTrigger {
                    customer: code(c)?,
                    object: ObjectId::parse(id).map_err(bad)?,
                    version,
                    kind: token(stem)?,
                }
            }
            ["users", user, "saved-searches.json"] => Self::SavedSearches(token(user)?),
            ["index", "snapshot.json.gz"] => Self::IndexSnapshot,
            ["contacts", c, "zones.json"] => Self::ZoneBook(code(c)?),
            _ => return Err(unknown()),
        })
    }
}

/// Parses an unsigned decimal without sign, leading zeros or spaces, so that `Display` gives the same text back.
fn parse_canonical_int<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Archive(id) => write!(f, "archive/{id}.json"),
            Self::Trigger(c, id) => write!(f, "customers/{c}/{id}.json"),
            Self::ReminderTrigger { customer, object, version, kind } => {
                write!(f, "customers/{customer}/reminders/{object}/v{version}/{kind}.json")
            }
            Self::CustomerLogo(c, ext) => write!(f, "customers/{c}/logo.{}", ext.as_str()),
            Self::Draft(id) => write!(f, "drafts/{id}.json"),
            Self::Version(id, n) => write!(f, "versions/{id}/v{n}.json"),
            Self::DeletedArchive(id) => write!(f, "deleted/archive/{id}.json"),
            Self::DeletedDraft(id) => write!(f, "deleted/drafts/{id}.json"),
            Self::DeletedTrigger(c, id) => write!(f, "deleted/customers/{c}/{id}.json"),
            Self::Attachment(id, file) => write!(f, "announcements/{id}/attachments/{file}"),
            Self::PendingUpload(id, file) => write!(f, "announcements/{id}/uploads/{file}.json"),
            Self::SurveyForm { customer, object, unix, survey } => {
                write!(f, "surveys/forms/{customer}/{object}/{unix}-{survey}.json")
            }
            Self::SurveyResult { customer, year, quarter, unix, form } => {
                write!(f, "surveys/results/{customer}/{year}/Q{quarter}/{unix}-{form}.json")
            }
            Self::Ledger { object, version, event, customer, recipient } => {
                write!(f, "ledger/{object}/v{version}/{event}/{customer}/{recipient}")
            }
            Self::Result { object, version, customer, event } => {
                write!(f, "results/{object}/v{version}/{customer}/{event}.json")
            }
            Self::MeetingResult(object, name) => write!(f, "results/{object}/meeting/{name}.json"),
            Self::Feedback { object, version, customer, event, name } => {
                write!(f, "feedback/{object}/v{version}/{customer}/{event}/{name}.json")
            }
            Self::SavedSearches(user) => write!(f, "users/{user}/saved-searches.json"),
            Self::Blackout(id) => write!(f, "blackouts/{id}.json"),
            Self::BlackoutVersion(id, n) => write!(f, "versions/blackouts/{id}/v{n}.json"),
            Self::DeletedBlackout(id) => write!(f, "deleted/blackouts/{id}.json"),
            Self::CalendarFeed(FeedSubject::User(user)) => write!(f, "calendar/feeds/users/{user}.json"),
            Self::CalendarFeed(FeedSubject::Customer(code)) => write!(f, "calendar/feeds/customers/{code}.json"),
            Self::IndexSnapshot => f.write_str("index/snapshot.json.gz"),
            Self::ZoneBook(code) => write!(f, "contacts/{code}/zones.json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id() -> ObjectId {
        ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap()
    }
    fn code() -> CustomerCode {
        CustomerCode::parse("acme").unwrap()
    }
    fn blackout() -> BlackoutId {
        BlackoutId::parse("BLK-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap()
    }

    #[test]
    fn every_key_kind_round_trips_through_display_and_parse() {
        let keys = vec![
            StorageKey::Archive(id()),
            StorageKey::Trigger(code(), id()),
            StorageKey::ReminderTrigger {
                customer: code(),
                object: id(),
                version: 4,
                kind: Token::parse("approval_reminder").unwrap(),
            },
            StorageKey::CustomerLogo(code(), LogoExt::Svg),
            StorageKey::Draft(id()),
            StorageKey::Version(id(), 7),
            StorageKey::DeletedArchive(id()),
            StorageKey::DeletedDraft(id()),
            StorageKey::DeletedTrigger(code(), id()),
            StorageKey::Attachment(ObjectId::parse("CIC-1").unwrap(), FileName::parse("plan (v2).pdf").unwrap()),
            StorageKey::PendingUpload(ObjectId::parse("CIC-1").unwrap(), FileName::parse("plan (v2).pdf").unwrap()),
            StorageKey::SurveyForm {
                customer: code(),
                object: id(),
                unix: 1_700_000_000,
                survey: Token::parse("abc").unwrap(),
            },
            StorageKey::SurveyResult {
                customer: code(),
                year: 2026,
                quarter: 4,
                unix: 1_700_000_000,
                form: Token::parse("f_1").unwrap(),
            },
            StorageKey::Ledger {
                object: id(),
                version: 3,
                event: Token::parse("approved").unwrap(),
                customer: code(),
                recipient: Token::parse("0a1b2c").unwrap(),
            },
            StorageKey::Result { object: id(), version: 4, customer: code(), event: Token::parse("approved").unwrap() },
            StorageKey::MeetingResult(id(), Token::parse("cancelled-v5").unwrap()),
            StorageKey::Feedback {
                object: id(),
                version: 4,
                customer: code(),
                event: Token::parse("approved").unwrap(),
                name: Token::parse("bounce-0a1b2c").unwrap(),
            },
            StorageKey::SavedSearches(Token::parse("u123").unwrap()),
            StorageKey::Blackout(blackout()),
            StorageKey::BlackoutVersion(blackout(), 3),
            StorageKey::DeletedBlackout(blackout()),
            StorageKey::CalendarFeed(FeedSubject::User(Token::parse("0a1b2c").unwrap())),
            StorageKey::CalendarFeed(FeedSubject::Customer(code())),
            StorageKey::IndexSnapshot,
            StorageKey::ZoneBook(code()),
        ];
        for key in keys {
            let text = key.to_string();
            assert_eq!(StorageKey::parse(&text).unwrap(), key, "{text}");
        }
    }

    #[test]
    fn keys_outside_the_layout_or_with_path_tricks_are_refused() {
        for bad in [
            "",
            "archive/",
            "archive/CHG-1",
            "archive/../drafts/CHG-1.json",
            "archive/CHG-1.json/x",
            "customers/ACME/CHG-1.json",
            "customers/acme/../../archive/CHG-1.json",
            "versions/CHG-1/v01.json",
            "versions/CHG-1/v-1.json",
            "drafts/XYZ-1.json",
            "surveys/results/acme/2026/Q5/1-a.json",
            "announcements/CIC-1/attachments/..",
            "random/key",
            "blackouts/CHG-1.json",
            "blackouts/BLK-1",
            "blackouts/../BLK-1.json",
            "versions/blackouts/BLK-1/v01.json",
            "calendar/feeds/users/a.b.json",
            "calendar/feeds/customers/ACME.json",
            "calendar/feeds/groups/x.json",
            "feedback/CHG-1/v1/acme/approved/../x.json",
            "feedback/CHG-1/v1/ACME/approved/bounce-1.json",
            "feedback/CHG-1/v01/acme/approved/bounce-1.json",
            "feedback/CHG-1/v1/acme/appr.oved/bounce-1.json",
            "feedback/CHG-1/v1/acme/approved/bounce-1",
            "contacts/ACME/zones.json",
            "contacts/../zones.json",
            "contacts/acme/../zones.json",
            "contacts/acme/zones",
            "contacts/acme/other.json",
            "contacts/zones.json",
        ] {
            assert!(StorageKey::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    proptest! {
        #[test]
        fn any_parseable_key_displays_back_to_itself(s in "[a-zA-Z0-9/._-]{0,60}") {
            if let Ok(key) = StorageKey::parse(&s) {
                prop_assert_eq!(key.to_string(), s);
            }
        }

        #[test]
        fn version_and_trigger_keys_round_trip(n in 0u32..1_000_000, c in "[a-z0-9-]{1,50}", suffix in "[A-Za-z0-9-]{1,64}") {
            let id = ObjectId::parse(&format!("CHG-{suffix}")).unwrap();
            let code = CustomerCode::parse(&c).unwrap();
            for key in [StorageKey::Version(id.clone(), n), StorageKey::Trigger(code.clone(), id.clone())] {
                prop_assert_eq!(StorageKey::parse(&key.to_string()).unwrap(), key);
            }
        }
    }
}
