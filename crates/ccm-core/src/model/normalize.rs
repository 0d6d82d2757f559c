//! Legacy spellings. The original system stored the same field under several names; reading moves an
//! alias to its canonical key only when the canonical key is absent, so nothing is ever overwritten
//! or lost (an alias that duplicates a present canonical key stays as an unknown field).

use serde_json::{Map, Value};

pub(crate) fn move_alias(map: &mut Map<String, Value>, alias: &str, canonical: &str) {
    if map.get(canonical).is_none_or(Value::is_null)
        && let Some(v) = map.remove(alias)
    {
        map.insert(canonical.to_owned(), v);
    }
}

/// Turns a number into a string in place (`meetingDuration: 60` → `"60"`), for fields the original stored both ways.
pub(crate) fn number_to_string(map: &mut Map<String, Value>, key: &str) {
    if let Some(Value::Number(n)) = map.get(key) {
        let s = n.to_string();
        map.insert(key.to_owned(), Value::String(s));
    }
}

/// Turns a numeric string into a number in place (`meeting_duration: "60"` → `60`).
/// A whole number written as a float (`1e12`, `60.0`) becomes an integer too (saturating at the
/// i64 bounds), so range checks, not the parser, judge it.
pub(crate) fn string_to_number(map: &mut Map<String, Value>, key: &str) {
    match map.get(key) {
        Some(Value::String(s)) => {
            if let Ok(n) = s.trim().parse::<i64>() {
                map.insert(key.to_owned(), Value::from(n));
            } else if s.trim().is_empty() {
                map.remove(key);
            }
        }
        Some(Value::Number(n)) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.is_finite() && f.fract() == 0.0) {
                // `as` saturates at the bounds for floats out of range.
                #[allow(clippy::cast_possible_truncation)]
                map.insert(key.to_owned(), Value::from(f as i64));
            }
        }
        _ => {}
    }
}

/// An empty string where a timestamp is expected means "not set".
pub(crate) fn empty_string_to_absent(map: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if matches!(map.get(*k), Some(Value::String(s)) if s.trim().is_empty()) {
            map.remove(*k);
        }
    }
}

/// Normalizes every entry of `modifications`.
pub(crate) fn modifications(map: &mut Map<String, Value>) {
    if let Some(Value::Array(items)) = map.get_mut("modifications") {
        for item in items {
            super::modification::Modification::normalize_legacy(item);
        }
    }
}
