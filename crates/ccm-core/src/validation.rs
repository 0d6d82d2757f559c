//! Content rules for a change or an announcement, applied before anything is stored: every problem
//! is reported at once, each naming its field. Drafts are checked for what they contain; a
//! submission must also have everything a reviewer needs.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::{AppConfig, FieldError};
use crate::model::{Change, Object};
use crate::schedule::{self, ScheduleError};

/// Longest accepted text field, in characters (anywhere in the object, unknown fields included).
pub const MAX_TEXT: usize = 20_000;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Deepest nesting of arrays and objects in a stored object.
pub const MAX_DEPTH: usize = 16;
/// Most values (of any kind, at any depth) in one object.
pub const MAX_VALUES: usize = 10_000;

fn from_schedule(e: ScheduleError) -> FieldError {
    FieldError::new(e.field, e.message)
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
    let value = object.to_value();
    check_text_lengths(&value, &mut errors);
    // Control and bidi characters (crate::text): refused here, stripped again when mail is rendered.
    for (field, why) in crate::text::refused_in_fields(&value) {
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

/// Text length, nesting depth and size, everywhere in the object: unknown fields are kept and
/// stored, so they are bounded like known ones. Problems are named by their top-level field.
fn check_text_lengths(value: &Value, errors: &mut Vec<FieldError>) {
    let Value::Object(map) = value else { return };
    let mut values = 0usize;
    for (k, v) in map {
        let mut problem = None;
        walk(v, 1, &mut values, &mut problem);
        if let Some(p) = problem {
            errors.push(FieldError::new(k.clone(), p));
        }
        if values > MAX_VALUES {
            errors.push(FieldError::new(k.clone(), format!("the object holds more than {MAX_VALUES} values")));
            return;
        }
    }
}

fn walk(v: &Value, depth: usize, values: &mut usize, problem: &mut Option<String>) {
    *values = values.saturating_add(1);
    if problem.is_some() || *values > MAX_VALUES {
        return;
    }
    if depth > MAX_DEPTH {
        *problem = Some(format!("nested more than {MAX_DEPTH} levels deep"));
        return;
    }
    match v {
        Value::String(s) if s.chars().count() > MAX_TEXT => *problem = Some(format!("at most {MAX_TEXT} characters")),
        Value::Array(items) => items.iter().for_each(|i| walk(i, depth.saturating_add(1), values, problem)),
        Value::Object(map) => {
            for (k, i) in map {
                if k.chars().count() > MAX_TEXT {
                    *problem = Some(format!("a key of at most {MAX_TEXT} characters"));
                    return;
                }
                walk(i, depth.saturating_add(1), values, problem);
            }
        }
        _ => {}
    }
}
