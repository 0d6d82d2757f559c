//! What a changing command writes, in one form for a dry run (what it would write) and a real run
//! (what it wrote): `result.changes` in `--output json`. The tests run a command with `--dry-run`,
//! then without, against the emulator, and compare the two lists.
//!
//! Each change names the AWS operation, its target and what it writes. A real run lists only the
//! writes that succeeded (failures are reported beside them).

use ccm_admin::ContactRecord;
use ccm_admin::apply::{Applied, ContactChange};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The operation, e.g. `SES UpdateContact`.
    pub op: String,
    /// What it writes to: an address, a list, a record name.
    pub target: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Change {
    pub fn new(op: impl Into<String>, target: impl Into<String>) -> Self {
        Self { op: op.into(), target: target.into(), detail: Value::Null }
    }

    pub fn with(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The contact's state a Create/UpdateContact writes.
pub fn contact_state(c: &ContactRecord) -> Value {
    json!({"topic_preferences": c.topic_preferences, "unsubscribe_all": c.unsubscribe_all,
           "attributes_data": c.attributes_data})
}

pub fn of_contact(change: &ContactChange) -> Change {
    match change {
        ContactChange::Create(c) => Change::new("SES CreateContact", &c.email).with(contact_state(c)),
        ContactChange::Update(c) => Change::new("SES UpdateContact", &c.email).with(contact_state(c)),
        ContactChange::Delete { email } => Change::new("SES DeleteContact", email),
    }
}

/// `planned` as changes, without those `applied` reports failed (`None`: a dry run, all of them).
pub fn of_contacts(planned: &[ContactChange], applied: Option<&Applied>) -> Vec<Change> {
    planned
        .iter()
        .filter(|c| applied.is_none_or(|a| !a.failed.iter().any(|f| f.email == c.email() && f.action == c.verb())))
        .map(of_contact)
        .collect()
}
