//! `Object`: a change or an announcement, read from and written to its stored JSON.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::announcement::Announcement;
use super::change::Change;
use super::lifecycle::Lifecycle;
use crate::ids::{CustomerCode, ObjectId, ObjectKind};

#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Change(Box<Change>),
    Announcement(Box<Announcement>),
}

/// Why stored or submitted JSON is not an object.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("cannot tell whether this is a change or an announcement (no changeId, announcement_id or object_type)")]
    UnknownKind,
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A field has the wrong type or value; `field` is its path (`customers[2]`, `meeting_duration`).
    #[error("{field}: {message}")]
    Field { field: String, message: String },
}

impl ObjectError {
    /// The field the problem is in, when one can be named.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Deserializes with the path of the offending field kept, so a caller can name it.
fn from_value_at_path<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ObjectError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        if field == "." {
            ObjectError::Json(serde::de::Error::custom(message))
        } else {
            ObjectError::Field { field, message }
        }
    })
}

impl Object {
    /// Reads stored (or submitted) JSON, accepting the original's legacy spellings and keeping unknown fields.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ObjectError> {
        match serde_json::from_slice::<Value>(bytes)? {
            Value::Object(map) => Self::from_map(map),
            _ => Err(ObjectError::NotAnObject),
        }
    }

    pub fn from_map(mut map: Map<String, Value>) -> Result<Self, ObjectError> {
        if is_change(&map) {
            Change::normalize(&mut map);
            Ok(Self::Change(Box::new(from_value_at_path(Value::Object(map))?)))
        } else if is_announcement(&map) {
            Announcement::normalize(&mut map);
            Ok(Self::Announcement(Box::new(from_value_at_path(Value::Object(map))?)))
        } else {
            Err(ObjectError::UnknownKind)
        }
    }

    /// The stored form (pretty JSON, keys in a stable order).
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing these types cannot fail: every map key is a string and no Serialize impl errors.
        match self {
            Self::Change(c) => serde_json::to_vec_pretty(c),
            Self::Announcement(a) => serde_json::to_vec_pretty(a),
        }
        .unwrap_or_default()
    }

    pub fn to_value(&self) -> Value {
        match self {
            Self::Change(c) => serde_json::to_value(c),
            Self::Announcement(a) => serde_json::to_value(a),
        }
        .unwrap_or(Value::Null)
    }

    pub fn id(&self) -> &ObjectId {
        match self {
            Self::Change(c) => &c.change_id,
            Self::Announcement(a) => &a.announcement_id,
        }
    }
    pub fn kind(&self) -> ObjectKind {
        match self {
            Self::Change(_) => ObjectKind::Change,
            Self::Announcement(a) => ObjectKind::Announcement(a.announcement_type),
        }
    }
    pub fn life(&self) -> &Lifecycle {
        match self {
            Self::Change(c) => &c.life,
            Self::Announcement(a) => &a.life,
        }
    }
    pub fn life_mut(&mut self) -> &mut Lifecycle {
        match self {
            Self::Change(c) => &mut c.life,
            Self::Announcement(a) => &mut a.life,
        }
    }
    pub fn extra_mut(&mut self) -> &mut Map<String, Value> {
        match self {
            Self::Change(c) => &mut c.extra,
            Self::Announcement(a) => &mut a.extra,
        }
    }
    pub fn title(&self) -> &str {
        match self {
            Self::Change(c) => &c.change_title,
            Self::Announcement(a) => &a.title,
        }
    }
    /// The short description shown under the title: a change's reason, an announcement's summary.
    pub fn summary(&self) -> &str {
        match self {
            Self::Change(c) => c.change_reason.as_deref().unwrap_or_default(),
            Self::Announcement(a) => a.summary.as_deref().unwrap_or_default(),
        }
    }
    pub fn customers(&self) -> &[CustomerCode] {
        match self {
            Self::Change(c) => &c.customers,
            Self::Announcement(a) => &a.customers,
        }
    }
    pub fn created_by(&self) -> Option<&str> {
        match self {
            Self::Change(c) => c.created_by.as_deref(),
            Self::Announcement(a) => a.created_by.as_deref(),
        }
    }
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Change(c) => c.created_at,
            Self::Announcement(a) => a.created_at,
        }
    }
    pub(crate) fn set_created(&mut self, by: &str, at: DateTime<Utc>) {
        match self {
            Self::Change(c) => {
                c.created_by = Some(by.to_owned());
                c.created_at = Some(at);
            }
            Self::Announcement(a) => {
                a.created_by = Some(by.to_owned());
                a.created_at = Some(at);
                a.posted_date = Some(at);
            }
        }
    }
    pub(crate) fn set_id(&mut self, id: ObjectId) {
        match self {
            Self::Change(c) => c.change_id = id,
            Self::Announcement(a) => a.announcement_id = id,
        }
    }
    /// The time zone the object's times were entered in.
    pub fn timezone(&self) -> Option<&str> {
        match self {
            Self::Change(c) => c.timezone.as_deref(),
            Self::Announcement(a) => a.meeting_timezone.as_deref(),
        }
    }
    pub fn include_meeting(&self) -> bool {
        match self {
            Self::Change(c) => c.include_meeting,
            Self::Announcement(a) => a.include_meeting,
        }
    }
    /// The implementation window of a change; an announcement's meeting slot, if any.
    pub fn window(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match self {
            Self::Change(c) => (c.implementation_start, c.implementation_end),
            Self::Announcement(a) => {
                let end = a.meeting_date.and_then(|d| crate::schedule::meeting_end(d, a.meeting_duration));
                (a.meeting_date, end)
            }
        }
    }
    /// The user who owns the object for edit/delete checks: its creator, else its submitter.
    pub fn owner(&self) -> Option<&str> {
        self.created_by().or(self.life().submitted_by.as_deref())
    }
    pub fn is_owned_by(&self, user: &str) -> bool {
        [self.created_by(), self.life().submitted_by.as_deref()]
            .into_iter()
            .flatten()
            .any(|o| o.eq_ignore_ascii_case(user))
    }
    /// Searchable text: title, description, plans, id and tickets, lower-cased.
    pub fn search_text(&self) -> String {
        let parts: Vec<&str> = match self {
            Self::Change(c) => vec![
                c.change_id.as_str(),
                &c.change_title,
                c.change_reason.as_deref().unwrap_or_default(),
                c.implementation_plan.as_deref().unwrap_or_default(),
                c.test_plan.as_deref().unwrap_or_default(),
                c.rollback_plan.as_deref().unwrap_or_default(),
                c.customer_impact.as_deref().unwrap_or_default(),
                c.snow_ticket.as_deref().unwrap_or_default(),
                c.jira_ticket.as_deref().unwrap_or_default(),
            ],
            Self::Announcement(a) => vec![
                a.announcement_id.as_str(),
                &a.title,
                a.summary.as_deref().unwrap_or_default(),
                a.content.as_deref().unwrap_or_default(),
            ],
        };
        parts.join("\n").to_lowercase()
    }
}

fn is_change(map: &Map<String, Value>) -> bool {
    match map.get("object_type").and_then(Value::as_str) {
        Some("change") => true,
        Some(t) if t.starts_with("announcement") => false,
        _ => map.contains_key("changeId") || map.contains_key("change_id"),
    }
}

fn is_announcement(map: &Map<String, Value>) -> bool {
    match map.get("object_type").and_then(Value::as_str) {
        Some(t) if t.starts_with("announcement") => true,
        _ => map.contains_key("announcement_id") || map.contains_key("announcementId"),
    }
}
