//! What arrives on the queue: SQS messages whose bodies are S3 event notifications (the normal
//! path), S3's `s3:TestEvent` (skipped), or the original system's legacy direct messages.

use ccm_core::reminders::DueReminder;
use ccm_core::{CustomerCode, ObjectId, StorageKey};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

/// One trigger to process: `customers/{customer}/{id}.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerRef {
    pub customer: CustomerCode,
    pub id: ObjectId,
    /// Who wrote the key, when the event says (S3 `userIdentity.principalId`).
    pub principal: Option<String>,
    /// A reminder trigger (`customers/{customer}/reminders/…`) rather than the object's own.
    pub reminder: Option<DueReminder>,
}

impl TriggerRef {
    pub fn key(&self) -> StorageKey {
        match &self.reminder {
            Some(due) => due.trigger_key(),
            None => StorageKey::Trigger(self.customer.clone(), self.id.clone()),
        }
    }
}

/// What a message body means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Triggers(Vec<TriggerRef>),
    /// Nothing to do (a test event, a delete, a key outside the trigger prefix); acknowledged.
    Ignore(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unusable message: {0}")]
pub struct Malformed(pub String);

#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records", default)]
    records: Vec<S3Record>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventName", default)]
    event_name: String,
    #[serde(rename = "userIdentity", default)]
    user_identity: Option<UserIdentity>,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct UserIdentity {
    #[serde(rename = "principalId", default)]
    principal_id: Option<String>,
}

#[derive(Deserialize)]
struct S3Entity {
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

/// S3 event keys are URL-encoded form style: `+` is a space, `%2F` a slash.
pub fn decode_key(raw: &str) -> String {
    let plus = raw.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

fn trigger_from_key(key: &str, principal: Option<String>) -> Result<Option<TriggerRef>, Malformed> {
    match StorageKey::parse(key) {
        Ok(StorageKey::Trigger(customer, id)) => Ok(Some(TriggerRef { customer, id, principal, reminder: None })),
        Ok(key @ StorageKey::ReminderTrigger { .. }) => match DueReminder::from_key(&key) {
            Some(due) => Ok(Some(TriggerRef {
                customer: due.customer.clone(),
                id: due.object.clone(),
                principal,
                reminder: Some(due),
            })),
            None => Err(Malformed(format!("key {key}: not a reminder kind"))),
        },
        Ok(_) => Ok(None),
        Err(e) => Err(Malformed(format!("key {key:?}: {e}"))),
    }
}

/// Reads one SQS message body.
pub fn parse_body(body: &str) -> Result<Parsed, Malformed> {
    let value: Value = serde_json::from_str(body).map_err(|e| Malformed(format!("body is not JSON: {e}")))?;
    if value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Parsed::Ignore("s3:TestEvent".into()));
    }
    if value.get("Records").is_some() {
        let n: S3Notification =
            serde_json::from_value(value).map_err(|e| Malformed(format!("not an S3 event notification: {e}")))?;
        let mut triggers = Vec::new();
        for r in n.records {
            if !r.event_name.starts_with("ObjectCreated") {
                continue;
            }
            let principal = r.user_identity.and_then(|u| u.principal_id);
            if let Some(t) = trigger_from_key(&decode_key(&r.s3.object.key), principal)? {
                triggers.push(t);
            }
        }
        return Ok(if triggers.is_empty() {
            Parsed::Ignore("no trigger keys in the event".into())
        } else {
            Parsed::Triggers(triggers)
        });
    }
    // The original system's legacy direct message: {message_id, customer_code, s3_bucket, s3_key, …},
    // and its Node variant {changeId, customer, s3Bucket, s3Key, …}.
    let key = value.get("s3_key").or_else(|| value.get("s3Key")).and_then(Value::as_str);
    if let Some(key) = key {
        return match trigger_from_key(key, None)? {
            Some(t) => Ok(Parsed::Triggers(vec![t])),
            None => {
                // Legacy messages pointed at archive/ keys: derive the trigger from the customer field.
                let customer = value.get("customer_code").or_else(|| value.get("customer")).and_then(Value::as_str);
                match (customer, StorageKey::parse(key)) {
                    (Some(c), Ok(StorageKey::Archive(id))) => {
                        let customer = CustomerCode::parse(c).map_err(|e| Malformed(format!("customer: {e}")))?;
                        Ok(Parsed::Triggers(vec![TriggerRef { customer, id, principal: None, reminder: None }]))
                    }
                    _ => Ok(Parsed::Ignore(format!("legacy message for a non-trigger key {key:?}"))),
                }
            }
        };
    }
    Err(Malformed("neither an S3 event notification nor a legacy message".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_notification_with_an_encoded_key_gives_its_trigger() {
        let body = include_str!("../tests/fixtures/s3_put_event.json");
        let Parsed::Triggers(t) = parse_body(body).unwrap() else { panic!() };
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].customer.as_str(), "acme");
        assert_eq!(t[0].id.as_str(), "CHG-0f8fad5b-d9cb-469f-a165-70867728950e");
        assert_eq!(t[0].principal.as_deref(), Some("AWS:AROAEXAMPLE:ccm-api"));
    }

    #[test]
    fn a_reminder_trigger_event_names_its_reminder() {
        let body = r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"customers/acme/reminders/CHG-1/v3/reminder.json"}}}]}"#;
        let Parsed::Triggers(t) = parse_body(body).unwrap() else { panic!() };
        let due = t[0].reminder.clone().unwrap();
        assert_eq!((due.customer.as_str(), due.object.as_str(), due.version), ("acme", "CHG-1", 3));
        assert_eq!(t[0].key().to_string(), "customers/acme/reminders/CHG-1/v3/reminder.json");
        let unknown_kind = body.replace("reminder.json", "nagging.json");
        assert!(parse_body(&unknown_kind).is_err());
    }

    #[test]
    fn the_s3_test_event_is_skipped() {
        let body = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-01T00:00:00Z","Bucket":"b","RequestId":"r","HostId":"h"}"#;
        assert!(matches!(parse_body(body).unwrap(), Parsed::Ignore(_)));
    }

    #[test]
    fn an_event_without_optional_fields_still_parses() {
        let body = r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"customers%2Fglobex%2FFIN-1.json"}}}]}"#;
        let Parsed::Triggers(t) = parse_body(body).unwrap() else { panic!() };
        assert_eq!((t[0].customer.as_str(), t[0].id.as_str(), t[0].principal.clone()), ("globex", "FIN-1", None));
    }

    #[test]
    fn legacy_messages_are_understood() {
        let go = r#"{"message_id":"m","customer_code":"acme","s3_bucket":"b","s3_key":"customers/acme/CHG-1.json","event_time":"t"}"#;
        assert!(matches!(parse_body(go).unwrap(), Parsed::Triggers(t) if t[0].id.as_str() == "CHG-1"));
        let node = r#"{"changeId":"CHG-2","customer":"globex","s3Bucket":"b","s3Key":"archive/CHG-2.json"}"#;
        assert!(matches!(parse_body(node).unwrap(), Parsed::Triggers(t) if t[0].customer.as_str() == "globex"));
    }

    #[test]
    fn garbage_and_path_tricks_are_malformed_not_retried() {
        for body in [
            "not json",
            "{}",
            r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"customers/acme/..%2F..%2Farchive%2FCHG-1.json"}}}]}"#,
        ] {
            assert!(parse_body(body).is_err(), "{body}");
        }
        let other_prefix =
            r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"archive/CHG-1.json"}}}]}"#;
        assert!(matches!(parse_body(other_prefix).unwrap(), Parsed::Ignore(_)));
    }
}
