//! Conflict detection: a change's implementation window against the windows of other changes of the
//! same customers, and against the blackout windows of its customers (and global ones). Conflicts
//! are warnings: a write still happens, and only a submission or approval through a blackout needs
//! an override reason.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::blackout::Blackout;
use crate::blackout_schedule::occurrences;
use crate::ids::{CustomerCode, ObjectId};
use crate::ports::index::{IndexEntry, spans_meet};
use crate::workflow::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WarningKind {
    /// Another change of the same customer has an overlapping window.
    Overlap,
    /// The window meets a blackout window of the customer (or a global one).
    Blackout,
}

/// The other change of an overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictingObject {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ObjectId,
    pub title: String,
    pub status: Status,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// The blackout of a blackout warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlackoutRef {
    pub id: String,
    pub name: String,
    pub reason: String,
    /// Applies to every customer.
    pub global: bool,
}

/// One conflict, with what it conflicts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    pub kind: WarningKind,
    /// The customers concerned (of a global blackout: every customer of the change).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
    /// The conflicting period: the other window, or the blackout's occurrence.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ConflictingObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blackout: Option<BlackoutRef>,
}

impl Warning {
    pub fn is_blackout(&self) -> bool {
        self.kind == WarningKind::Blackout
    }
}

fn codes(customers: &[CustomerCode]) -> String {
    customers.iter().map(CustomerCode::as_str).collect::<Vec<_>>().join(", ")
}

/// Overlaps of `[start, end)` with the windows of `candidates` (other changes from the index) that
/// share a customer of `customers`. `subject` (the change itself) is skipped, and so are cancelled,
/// completed and draft changes, whose windows no longer (or not yet) hold.
pub fn overlap_warnings(
    subject: &ObjectId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    customers: &[CustomerCode],
    candidates: &[IndexEntry],
) -> Vec<Warning> {
    let mut out = Vec::new();
    for other in candidates {
        if other.id == *subject
            || !other.kind().is_change()
            || !matches!(other.status, Status::Submitted | Status::Approved)
        {
            continue;
        }
        let Some(other_start) = other.start else { continue };
        let other_end = other.end.unwrap_or(other_start).max(other_start);
        if !spans_meet(other_start, other_end, start, end) {
            continue;
        }
        let shared: Vec<CustomerCode> = customers.iter().filter(|c| other.customers.contains(c)).cloned().collect();
        if shared.is_empty() {
            continue;
        }
        out.push(Warning {
            kind: WarningKind::Overlap,
            message: format!("overlaps {} ({}, {}) for {}", other.title, other.id, other.status, codes(&shared)),
            customers: shared,
            start: other_start,
            end: other_end,
            object: Some(ConflictingObject {
                id: other.id.clone(),
                title: other.title.clone(),
                status: other.status,
                start: other.start,
                end: other.end,
            }),
            blackout: None,
        });
    }
    out
}

/// The blackout windows of `customers` (and global ones) that `[start, end)` meets, one warning per
/// occurrence.
pub fn blackout_warnings(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    customers: &[CustomerCode],
    blackouts: &[Blackout],
) -> Vec<Warning> {
    let mut out = Vec::new();
    for b in blackouts {
        let concerned: Vec<CustomerCode> = customers.iter().filter(|c| b.applies_to(c)).cloned().collect();
        if concerned.is_empty() {
            continue;
        }
        for o in occurrences(b, start, end.max(start)) {
            out.push(Warning {
                kind: WarningKind::Blackout,
                message: format!(
                    "falls in the blackout window {:?} for {}: {}",
                    b.input.name,
                    if b.is_global() { "every customer".to_owned() } else { codes(&concerned) },
                    b.input.reason
                ),
                customers: concerned.clone(),
                start: o.start,
                end: o.end,
                object: None,
                blackout: Some(BlackoutRef {
                    id: b.id.to_string(),
                    name: b.input.name.clone(),
                    reason: b.input.reason.clone(),
                    global: b.is_global(),
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blackout::{BlackoutId, BlackoutInput};
    use crate::model::Object;

    fn utc(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    fn code(c: &str) -> CustomerCode {
        CustomerCode::parse(c).unwrap()
    }

    fn entry(id: &str, status: &str, customers: &[&str], start: &str, end: &str) -> IndexEntry {
        let o = Object::from_json(
            serde_json::json!({"changeId": id, "changeTitle": id, "status": status, "customers": customers,
                                "implementationStart": start, "implementationEnd": end})
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        IndexEntry::from_object(&o)
    }

    #[test]
    fn overlapping_windows_of_a_shared_customer_are_warned_about_and_nothing_else() {
        let me = ObjectId::parse("CHG-me").unwrap();
        let candidates = vec![
            entry("CHG-me", "submitted", &["acme"], "2026-06-10T10:00:00Z", "2026-06-10T12:00:00Z"),
            entry("CHG-a", "approved", &["acme", "globex"], "2026-06-10T11:00:00Z", "2026-06-10T13:00:00Z"),
            entry("CHG-b", "submitted", &["initech"], "2026-06-10T11:00:00Z", "2026-06-10T13:00:00Z"),
            entry("CHG-c", "cancelled", &["acme"], "2026-06-10T11:00:00Z", "2026-06-10T13:00:00Z"),
            entry("CHG-d", "approved", &["acme"], "2026-06-10T12:00:00Z", "2026-06-10T13:00:00Z"),
            entry("CHG-e", "draft", &["acme"], "2026-06-10T11:00:00Z", "2026-06-10T13:00:00Z"),
        ];
        let w = overlap_warnings(
            &me,
            utc("2026-06-10T10:00:00Z"),
            utc("2026-06-10T12:00:00Z"),
            &[code("acme")],
            &candidates,
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].object.as_ref().unwrap().id.as_str(), "CHG-a");
        assert_eq!(w[0].customers, [code("acme")], "only the shared customer is named");
        assert!(w[0].message.contains("CHG-a"));
    }

    #[test]
    fn a_window_in_a_customer_or_global_blackout_is_warned_about_once_per_occurrence() {
        let at = utc("2026-01-01T00:00:00Z");
        let blackout = |id: &str, customers: &[&str]| Blackout {
            id: BlackoutId::parse(id).unwrap(),
            input: serde_json::from_value::<BlackoutInput>(serde_json::json!({
                "name": id, "reason": "month-end close", "customers": customers,
                "schedule": {"kind": "month_end", "days_before_end": 0, "start_time": "00:00", "duration_minutes": 1440}
            }))
            .unwrap(),
            version: 1,
            created_by: "carol@example.com".into(),
            created_at: at,
            modified_by: "carol@example.com".into(),
            modified_at: at,
            modifications: Vec::new(),
            extra: Default::default(),
        };
        let all = [blackout("BLK-acme", &["acme"]), blackout("BLK-globex", &["globex"]), blackout("BLK-all", &[])];
        let w = blackout_warnings(utc("2026-06-30T10:00:00Z"), utc("2026-06-30T12:00:00Z"), &[code("acme")], &all);
        let ids: Vec<&str> = w.iter().map(|w| w.blackout.as_ref().unwrap().id.as_str()).collect();
        assert_eq!(ids, ["BLK-acme", "BLK-all"]);
        assert!(w[1].blackout.as_ref().unwrap().global && w[1].message.contains("every customer"));
        assert!(
            blackout_warnings(utc("2026-06-29T10:00:00Z"), utc("2026-06-29T12:00:00Z"), &[code("acme")], &all)
                .is_empty()
        );
    }
}
