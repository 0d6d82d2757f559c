//! Turning a request body into an object: strip what only the server may write, interpret schedules
//! entered as local date + time in the object's own time zone, and validate the content with errors
//! that name the field.

use ccm_core::config::{AppConfig, FieldError};
use ccm_core::model::Lifecycle;
use ccm_core::schedule::{self, ScheduleError};
use ccm_core::{Change, Object, ObjectKind};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Fields a client never writes: ids, lifecycle, history, audit, backend results, listing extras.
const SERVER_OWNED: &[&str] = &[
    "object_type",
    "changeId",
    "change_id",
    "announcement_id",
    "announcementId",
    "createdAt",
    "createdBy",
    "created_at",
    "created_by",
    "posted_date",
    "deletedAt",
    "deletedBy",
    "originalPath",
    "deletionReason",
    "lastModified",
    "size",
    "userId",
    "modificationType",
    // Attachments are listed by the upload flow only (start, upload, confirm), never by a client.
    "attachments",
];

/// Longest accepted text field, in characters.
const MAX_TEXT: usize = 20_000;
const MAX_TITLE: usize = 200;

fn from_schedule(e: ScheduleError) -> FieldError {
    FieldError::new(e.field, e.message)
}

/// Removes every server-owned key from a client body.
pub fn strip_server_owned(body: &mut Map<String, Value>) {
    for k in SERVER_OWNED.iter().chain(Lifecycle::KEYS) {
        body.remove(*k);
    }
}

fn str_field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// Interprets the schedule fields of a body in place. `existing_zone` is the stored zone of an object
/// being edited, used when the body does not name one.
pub fn resolve_schedule(
    kind: ObjectKind,
    body: &mut Map<String, Value>,
    existing_zone: Option<&str>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let zone_key = if kind.is_change() { "timezone" } else { "meeting_timezone" };
    let zone_raw = str_field(body, zone_key).or(existing_zone).unwrap_or(schedule::DEFAULT_ZONE).to_owned();
    let zone = match schedule::parse_zone(zone_key, &zone_raw) {
        Ok(z) => z,
        Err(e) => return Err(vec![from_schedule(e)]),
    };
    if kind.is_change() {
        for (date_key, time_key, target) in [
            ("implementationBeginDate", "implementationBeginTime", "implementationStart"),
            ("implementationEndDate", "implementationEndTime", "implementationEnd"),
        ] {
            match (str_field(body, date_key), str_field(body, time_key)) {
                (Some(date), Some(time)) => match schedule::local_to_utc(date_key, date, time, zone) {
                    Ok(t) => {
                        body.insert(target.into(), Value::String(schedule::to_rfc3339_utc(t)));
                    }
                    Err(e) => errors.push(from_schedule(e)),
                },
                (Some(_), None) => errors.push(FieldError::new(time_key, "a time is needed with the date")),
                (None, Some(_)) => errors.push(FieldError::new(date_key, "a date is needed with the time")),
                (None, None) => normalize_instant(body, target, &mut errors),
            }
        }
    }
    let meeting_key = if kind.is_change() { "meetingDate" } else { "meeting_date" };
    if let Some(raw) = str_field(body, meeting_key).map(str::to_owned) {
        // `<input type="datetime-local">` gives no offset: that is local time in the object's zone.
        let has_offset =
            raw.ends_with('Z') || raw.get(10..).is_some_and(|t| t.contains('+') || t.matches('-').count() > 0);
        let parsed = if has_offset {
            schedule::parse_instant(meeting_key, &raw)
        } else {
            schedule::parse_datetime_local(meeting_key, &raw, zone)
        };
        match parsed {
            Ok(t) => {
                body.insert(meeting_key.into(), Value::String(schedule::to_rfc3339_utc(t)));
            }
            Err(e) => errors.push(from_schedule(e)),
        }
    } else if body.get(meeting_key).is_some_and(|v| v.as_str().is_some_and(|s| s.trim().is_empty())) {
        body.remove(meeting_key);
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn normalize_instant(body: &mut Map<String, Value>, key: &str, errors: &mut Vec<FieldError>) {
    let Some(raw) = str_field(body, key).map(str::to_owned) else {
        if body.get(key).is_some_and(|v| !v.is_null() && v.as_str().is_none()) {
            errors.push(FieldError::new(key, "must be a date and time (RFC 3339)"));
        }
        return;
    };
    match schedule::parse_instant(key, &raw) {
        Ok(t) => {
            body.insert(key.into(), Value::String(schedule::to_rfc3339_utc(t)));
        }
        Err(e) => errors.push(from_schedule(e)),
    }
}

/// Checks the shape of fields serde would otherwise reject with a message that names no field.
pub fn check_shapes(body: &Map<String, Value>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    match body.get("customers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item.as_str().map(ccm_core::CustomerCode::parse) {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => errors.push(FieldError::new("customers", e.to_string())),
                    None => errors.push(FieldError::new("customers", "each customer is a customer code string")),
                }
            }
        }
        Some(_) => errors.push(FieldError::new("customers", "a list of customer codes")),
    }
    for key in ["include_meeting"] {
        if body.get(key).is_some_and(|v| !v.is_boolean() && !v.is_null()) {
            errors.push(FieldError::new(key, "true or false"));
        }
    }
    for key in [
        "changeTitle",
        "title",
        "changeReason",
        "summary",
        "content",
        "implementationPlan",
        "testPlan",
        "rollbackPlan",
        "customerImpact",
        "snowTicket",
        "jiraTicket",
        "timezone",
        "meeting_timezone",
    ] {
        if body.get(key).is_some_and(|v| !v.is_string() && !v.is_null()) {
            errors.push(FieldError::new(key, "must be text"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Turns serde's complaint about a body into a field error naming the top-level field (the one a
/// form shows); the message keeps the full path (`customers[2]: …`).
pub fn shape_error(e: &ccm_core::model::ObjectError) -> FieldError {
    match e.field() {
        Some(path) => {
            let top = path.split(['.', '[']).next().filter(|s| !s.is_empty()).unwrap_or(path);
            FieldError::new(top, e.to_string())
        }
        None => FieldError::new("body", e.to_string()),
    }
}

/// How strictly to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// A draft: anything present must be valid, nothing is required.
    Draft,
    /// Submitted or later: everything a reviewer needs must be there.
    Submission,
}

/// Content rules for an object, with config for customer codes. Every problem is reported.
pub fn validate(object: &Object, config: &AppConfig, strictness: Strictness, now: DateTime<Utc>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let strict = strictness == Strictness::Submission;
    let title_key = if object.kind().is_change() { "changeTitle" } else { "title" };
    let title = object.title().trim();
    if strict && title.is_empty() {
        errors.push(FieldError::new(title_key, "a title is required"));
    }
    if title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new(title_key, format!("at most {MAX_TITLE} characters")));
    }
    if strict && object.customers().is_empty() {
        errors.push(FieldError::new("customers", "select at least one customer"));
    }
    for c in object.customers() {
        if config.customer(c).is_none() {
            errors.push(FieldError::new("customers", format!("unknown customer code {c:?}")));
        }
    }
    let mut seen = std::collections::HashSet::new();
    if object.customers().iter().any(|c| !seen.insert(c)) {
        errors.push(FieldError::new("customers", "a customer is listed twice"));
    }
    check_text_lengths(&object.to_value(), &mut errors);
    // Control and bidi characters (ccm_core::text): refused here, stripped again when mail is rendered.
    for (field, why) in ccm_core::text::refused_in_fields(&object.to_value()) {
        errors.push(FieldError::new(field, why));
    }
    match object {
        Object::Change(c) => validate_change(c, strict, now, &mut errors),
        Object::Announcement(a) => {
            if let Some(minutes) = a.meeting_duration
                && let Err(e) = schedule::validate_meeting_minutes("meeting_duration", minutes)
            {
                errors.push(from_schedule(e));
            }
            if strict && a.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
                errors.push(FieldError::new("summary", "a summary is required"));
            }
            if a.include_meeting && strict {
                match a.meeting_date {
                    None => errors.push(FieldError::new("meeting_date", "a meeting needs a date and time")),
                    Some(start) => {
                        if let Err(e) = schedule::validate_meeting(
                            "meeting_date",
                            "meeting_duration",
                            start,
                            a.meeting_duration.unwrap_or(schedule::DEFAULT_MEETING_MINUTES),
                            now,
                        ) {
                            errors.push(from_schedule(e));
                        }
                    }
                }
            }
        }
    }
    errors
}

fn validate_change(c: &Change, strict: bool, now: DateTime<Utc>, errors: &mut Vec<FieldError>) {
    if strict {
        for (key, value) in [("changeReason", &c.change_reason), ("implementationPlan", &c.implementation_plan)] {
            if value.as_deref().is_none_or(|s| s.trim().is_empty()) {
                errors.push(FieldError::new(key, "required before submission"));
            }
        }
    }
    match (c.implementation_start, c.implementation_end) {
        (Some(start), Some(end)) => {
            if let Err(e) = schedule::validate_window("implementationStart", "implementationEnd", start, end, now) {
                errors.push(from_schedule(e));
            }
        }
        (Some(_), None) => errors.push(FieldError::new("implementationEnd", "the window needs an end")),
        (None, Some(_)) => errors.push(FieldError::new("implementationStart", "the window needs a start")),
        (None, None) if strict => {
            errors.push(FieldError::new("implementationStart", "the implementation window is required"))
        }
        (None, None) => {}
    }
    match (&c.meeting_duration, c.meeting_duration_minutes()) {
        (Some(_), None) => errors.push(FieldError::new("meetingDuration", "must be a whole number of minutes")),
        (_, Some(minutes)) => {
            if let Err(e) = schedule::validate_meeting_minutes("meetingDuration", minutes) {
                errors.push(from_schedule(e));
            }
        }
        (None, None) => {}
    }
    if c.include_meeting
        && strict
        && let Some(start) = c.meeting_date.or(c.implementation_start)
    {
        let minutes = c.meeting_duration_minutes().unwrap_or(schedule::DEFAULT_MEETING_MINUTES);
        if let Err(e) = schedule::validate_meeting("meetingDate", "meetingDuration", start, minutes, now) {
            errors.push(from_schedule(e));
        }
    }
}

fn check_text_lengths(value: &Value, errors: &mut Vec<FieldError>) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            if let Value::String(s) = v
                && s.chars().count() > MAX_TEXT
            {
                errors.push(FieldError::new(k.clone(), format!("at most {MAX_TEXT} characters")));
            }
        }
    }
}
