//! Blackout windows: periods in which a customer (or every customer: a global blackout) takes no
//! changes, such as a month-end close or a quarter-end freeze. A change whose implementation window
//! meets one is warned about on create and edit; submitting or approving it needs an override
//! reason. Stored as `blackouts/{id}.json`, versioned like objects (`versions/blackouts/{id}/v{n}.json`).
//!
//! A blackout is one-off (`once`: a start and an end) or recurring, with a local start time and a
//! duration in the blackout's own time zone: `weekly` on a weekday, `month_end` and `quarter_end`
//! on the last day of the month or quarter (or `days_before_end` days earlier). Occurrences are
//! computed by [`crate::blackout_schedule`].

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::config::{AppConfig, FieldError};
use crate::ids::{CustomerCode, IdError};
use crate::model::Modification;
use crate::schedule;

/// `BLK-` and 1 to 64 ASCII letters, digits or hyphens (new ones are `BLK-{uuid}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlackoutId(String);

impl BlackoutId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "blackout id";
        let rest = raw.strip_prefix("BLK-").ok_or(IdError::UnknownPrefix { what, expected: "BLK-" })?;
        if rest.is_empty() || rest.len() > 64 {
            return Err(IdError::Invalid { what, reason: "the part after BLK- must have 1 to 64 characters" });
        }
        if let Some(found) = rest.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(IdError::BadChar { what, found });
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn new(uuid: uuid::Uuid) -> Self {
        Self(format!("BLK-{}", uuid.hyphenated()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlackoutId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for BlackoutId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BlackoutId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub fn to_chrono(self) -> chrono::Weekday {
        match self {
            Self::Monday => chrono::Weekday::Mon,
            Self::Tuesday => chrono::Weekday::Tue,
            Self::Wednesday => chrono::Weekday::Wed,
            Self::Thursday => chrono::Weekday::Thu,
            Self::Friday => chrono::Weekday::Fri,
            Self::Saturday => chrono::Weekday::Sat,
            Self::Sunday => chrono::Weekday::Sun,
        }
    }
}

/// When a blackout applies. Local times (`start_time`, `HH:MM`) are in the blackout's `timezone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BlackoutSchedule {
    /// One period.
    Once { start: DateTime<Utc>, end: DateTime<Utc> },
    /// Every week on `weekday`.
    Weekly { weekday: Weekday, start_time: String, duration_minutes: u32 },
    /// Every month, on the last day less `days_before_end` (0 = the last day).
    MonthEnd { days_before_end: u8, start_time: String, duration_minutes: u32 },
    /// Every quarter (March, June, September, December), on the last day less `days_before_end`.
    QuarterEnd { days_before_end: u8, start_time: String, duration_minutes: u32 },
}

/// Longest recurring occurrence: 31 days; a weekly one at most a week.
pub const MAX_RECURRING_MINUTES: u32 = 31 * 24 * 60;
const MAX_WEEKLY_MINUTES: u32 = 7 * 24 * 60;
/// Longest one-off blackout: 366 days.
pub const MAX_ONCE_DAYS: i64 = 366;
/// `days_before_end` goes up to 27, so the day exists in every month.
pub const MAX_DAYS_BEFORE_END: u8 = 27;

/// What a client writes: everything but the id, version and audit fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlackoutInput {
    /// A short title ("Quarter-end freeze").
    pub name: String,
    /// Why changes are held back; shown to authors and approvers.
    pub reason: String,
    /// The customers it applies to; empty = every customer (a global blackout).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
    pub schedule: BlackoutSchedule,
    /// IANA zone of the local times (default UTC).
    #[serde(default = "utc_zone")]
    pub timezone: String,
    /// Recurring only: no occurrence starts before this day (local).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    /// Recurring only: no occurrence starts after this day (local).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
}

fn utc_zone() -> String {
    "UTC".to_owned()
}

/// A stored blackout window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Blackout {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "BLK-0f8fad5b-d9cb-469f-a165-70867728950e"))]
    pub id: BlackoutId,
    #[serde(flatten)]
    pub input: BlackoutInput,
    pub version: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub modified_by: String,
    pub modified_at: DateTime<Utc>,
    /// Created and updated entries, oldest first.
    #[serde(default)]
    pub modifications: Vec<Modification>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

impl Blackout {
    /// Global blackouts apply to every customer.
    pub fn is_global(&self) -> bool {
        self.input.customers.is_empty()
    }
    pub fn applies_to(&self, customer: &CustomerCode) -> bool {
        self.is_global() || self.input.customers.contains(customer)
    }
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// `HH:MM` (24-hour).
pub fn parse_local_time(raw: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").ok()
}

impl BlackoutInput {
    /// Every problem, each naming its field. `now` bounds one-off dates like object schedules.
    pub fn validate(&self, config: &AppConfig, now: DateTime<Utc>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| errors.push(FieldError::new(field, message));
        let name = self.name.trim().chars().count();
        if name == 0 || name > 200 {
            bad("name", "a name of 1 to 200 characters".into());
        }
        let reason = self.reason.trim().chars().count();
        if reason == 0 || reason > 2000 {
            bad("reason", "a reason of 1 to 2000 characters is required".into());
        }
        for c in self.customers.iter().filter(|c| config.customer(c).is_none()) {
            bad("customers", format!("customer {:?} is not configured", c.as_str()));
        }
        if let Err(e) = schedule::parse_zone("timezone", &self.timezone) {
            bad("timezone", e.message);
        }
        let minutes_ok = |m: u32, max: u32| (1..=max).contains(&m);
        let recurring = match &self.schedule {
            BlackoutSchedule::Once { start, end } => {
                if let Err(e) = schedule::validate_instant("schedule.start", *start, now) {
                    bad(&e.field, e.message);
                }
                if let Err(e) = schedule::validate_instant("schedule.end", *end, now) {
                    bad(&e.field, e.message);
                }
                if end <= start {
                    bad("schedule.end", "must be after the start".into());
                } else if end.signed_duration_since(*start) > chrono::TimeDelta::days(MAX_ONCE_DAYS) {
                    bad("schedule.end", format!("a blackout lasts at most {MAX_ONCE_DAYS} days"));
                }
                false
            }
            BlackoutSchedule::Weekly { start_time, duration_minutes, .. } => {
                if parse_local_time(start_time).is_none() {
                    bad("schedule.start_time", format!("{start_time:?} is not a time in the form HH:MM"));
                }
                if !minutes_ok(*duration_minutes, MAX_WEEKLY_MINUTES) {
                    bad("schedule.duration_minutes", format!("1 to {MAX_WEEKLY_MINUTES} minutes (a week)"));
                }
                true
            }
            BlackoutSchedule::MonthEnd { days_before_end, start_time, duration_minutes }
            | BlackoutSchedule::QuarterEnd { days_before_end, start_time, duration_minutes } => {
                if *days_before_end > MAX_DAYS_BEFORE_END {
                    bad("schedule.days_before_end", format!("0 to {MAX_DAYS_BEFORE_END}"));
                }
                if parse_local_time(start_time).is_none() {
                    bad("schedule.start_time", format!("{start_time:?} is not a time in the form HH:MM"));
                }
                if !minutes_ok(*duration_minutes, MAX_RECURRING_MINUTES) {
                    bad("schedule.duration_minutes", format!("1 to {MAX_RECURRING_MINUTES} minutes (31 days)"));
                }
                true
            }
        };
        if !recurring && (self.starts_on.is_some() || self.ends_on.is_some()) {
            bad("starts_on", "only recurring blackouts have starts_on and ends_on".into());
        }
        if let (Some(from), Some(until)) = (self.starts_on, self.ends_on)
            && until < from
        {
            bad("ends_on", "must not be before starts_on".into());
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AppConfig {
        AppConfig::from_json(include_str!("../../../config.json")).unwrap()
    }

    fn input(schedule: Value) -> BlackoutInput {
        serde_json::from_value(serde_json::json!({
            "name": "Quarter-end freeze", "reason": "Finance closes the books", "customers": ["acme"],
            "schedule": schedule, "timezone": "Europe/Berlin"
        }))
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn blackout_ids_take_the_blk_prefix_and_nothing_that_escapes_a_key() {
        assert!(BlackoutId::parse("BLK-0f8fad5b-d9cb").is_ok());
        for bad in ["", "BLK-", "CHG-1", "BLK-../x", "BLK-a/b", "blk-1", "BLK-a.b"] {
            assert!(BlackoutId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_schedule_kind_reads_and_writes_its_tagged_form() {
        for raw in [
            serde_json::json!({"kind": "once", "start": "2026-06-30T18:00:00Z", "end": "2026-07-01T06:00:00Z"}),
            serde_json::json!({"kind": "weekly", "weekday": "friday", "start_time": "18:00", "duration_minutes": 720}),
            serde_json::json!({"kind": "month_end", "days_before_end": 1, "start_time": "00:00", "duration_minutes": 2880}),
            serde_json::json!({"kind": "quarter_end", "days_before_end": 0, "start_time": "08:00", "duration_minutes": 60}),
        ] {
            let i = input(raw.clone());
            assert!(i.validate(&config(), now()).is_empty(), "{raw}");
            assert_eq!(serde_json::to_value(&i.schedule).unwrap(), raw);
        }
    }

    #[test]
    fn bad_blackouts_are_refused_with_every_field_named() {
        let mut i = input(
            serde_json::json!({"kind": "month_end", "days_before_end": 30, "start_time": "25:00", "duration_minutes": 0}),
        );
        i.name = " ".into();
        i.reason = String::new();
        i.customers.push(CustomerCode::parse("nobody").unwrap());
        i.timezone = "Mars/Olympus".into();
        let fields: Vec<String> = i.validate(&config(), now()).into_iter().map(|e| e.field).collect();
        for want in [
            "name",
            "reason",
            "customers",
            "timezone",
            "schedule.days_before_end",
            "schedule.start_time",
            "schedule.duration_minutes",
        ] {
            assert!(fields.iter().any(|f| f == want), "{want} missing from {fields:?}");
        }
        let backwards =
            input(serde_json::json!({"kind": "once", "start": "2026-07-01T00:00:00Z", "end": "2026-06-30T00:00:00Z"}));
        assert_eq!(backwards.validate(&config(), now())[0].field, "schedule.end");
    }
}
