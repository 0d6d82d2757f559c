//! Turning a request body into an object: strip what only the server may write, interpret schedules
//! entered as local date + time in the object's own time zone, and name the field of a shape error.
//! The content rules themselves are `ccm_core::validation`.

use ccm_core::ObjectKind;
use ccm_core::config::FieldError;
use ccm_core::model::Lifecycle;
use ccm_core::schedule::{self, ScheduleError};
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
