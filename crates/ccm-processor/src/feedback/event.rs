//! One SES event as it arrives on the feedback queue. The SNS notification's `Message` is the SES
//! event JSON (`eventType`, `mail`, and one of `delivery`, `bounce`, `complaint`, `reject`; AWS's
//! "Contents of event data that Amazon SES publishes to Amazon SNS"); identity notifications
//! (`notificationType`) read the same way. Every field is optional on the way in: what is missing
//! makes the event malformed or not ccm's, never a panic.

use std::collections::BTreeMap;

use ccm_core::EmailAddress;
use ccm_core::feedback::{FeedbackKind, SendTags, TagError};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::events::Malformed;

/// A delivery, bounce, complaint or reject of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesEvent {
    pub kind: FeedbackKind,
    pub message_id: String,
    /// The delivery the message belongs to, from its tags; an error when it carries none of ccm's.
    pub tags: Result<SendTags, TagError>,
    /// The message's recipients (`mail.destination`).
    pub destination: Vec<EmailAddress>,
    /// The recipients the event is about (bounced, complaining, delivered); the destination for a reject.
    pub recipients: Vec<EmailAddress>,
    pub detail: Option<String>,
    /// The sending account (`mail.sendingAccountId`).
    pub account: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

/// Whether a queue body is delivery feedback (and not an S3 trigger notification).
pub fn is_feedback(body: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(body) else { return false };
    let sns = value.get("Type").and_then(Value::as_str) == Some("Notification") && value.get("Message").is_some();
    sns || is_ses_event(&value)
}

fn is_ses_event(value: &Value) -> bool {
    (value.get("eventType").is_some() || value.get("notificationType").is_some()) && value.get("mail").is_some()
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    event_type: Option<String>,
    notification_type: Option<String>,
    mail: Mail,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
    delivery: Option<Delivery>,
    reject: Option<Reject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    message_id: String,
    timestamp: Option<DateTime<Utc>>,
    sending_account_id: Option<String>,
    #[serde(default)]
    destination: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: Option<String>,
    bounce_sub_type: Option<String>,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
    timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    complaint_feedback_type: Option<String>,
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
    timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct Delivery {
    #[serde(default)]
    recipients: Vec<String>,
    timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct Reject {
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
}

/// Reads one queue body: `Ok(None)` for an SES event ccm does not record (Send, Open, Click, …).
pub fn parse_feedback(body: &str) -> Result<Option<SesEvent>, Malformed> {
    let value: Value = serde_json::from_str(body).map_err(|e| Malformed(format!("body is not JSON: {e}")))?;
    let event = if is_ses_event(&value) {
        value
    } else {
        let envelope: Envelope =
            serde_json::from_value(value).map_err(|e| Malformed(format!("not an SNS notification: {e}")))?;
        serde_json::from_str(&envelope.message).map_err(|e| Malformed(format!("the SNS message is not JSON: {e}")))?
    };
    let raw: Raw = serde_path_to_error::deserialize(event)
        .map_err(|e| Malformed(format!("not an SES event: {}: {}", e.path(), e.inner())))?;
    let kind_name = raw.event_type.as_deref().or(raw.notification_type.as_deref()).unwrap_or_default();
    let Some(kind) = FeedbackKind::from_ses(kind_name) else { return Ok(None) };
    if raw.mail.message_id.trim().is_empty() {
        return Err(Malformed("the SES event has no mail.messageId".into()));
    }
    let destination = addresses(raw.mail.destination.iter().map(String::as_str));
    let (recipients, detail, at) = match kind {
        FeedbackKind::Bounce => {
            let b = raw.bounce.ok_or_else(|| Malformed("a Bounce event without bounce".into()))?;
            let detail = match (b.bounce_type, b.bounce_sub_type) {
                (Some(t), Some(s)) => Some(format!("{t}/{s}")),
                (t, s) => t.or(s),
            };
            (addresses(b.bounced_recipients.iter().map(|r| r.email_address.as_str())), detail, b.timestamp)
        }
        FeedbackKind::Complaint => {
            let c = raw.complaint.ok_or_else(|| Malformed("a Complaint event without complaint".into()))?;
            let who = addresses(c.complained_recipients.iter().map(|r| r.email_address.as_str()));
            (who, c.complaint_feedback_type, c.timestamp)
        }
        FeedbackKind::Delivery => {
            let d = raw.delivery.ok_or_else(|| Malformed("a Delivery event without delivery".into()))?;
            (addresses(d.recipients.iter().map(String::as_str)), None, d.timestamp)
        }
        FeedbackKind::Reject => (destination.clone(), raw.reject.and_then(|r| r.reason), None),
    };
    let tags = SendTags::from_lookup(|name| raw.mail.tags.get(name).and_then(|v| v.first()).map(String::as_str));
    Ok(Some(SesEvent {
        kind,
        message_id: raw.mail.message_id,
        tags,
        destination,
        recipients,
        detail: detail.map(|d| short_line(&d)),
        account: raw.mail.sending_account_id,
        at: at.or(raw.mail.timestamp),
    }))
}

/// The parseable addresses of a list (an unparseable one is dropped: it cannot be shown or matched).
fn addresses<'a>(raw: impl Iterator<Item = &'a str>) -> Vec<EmailAddress> {
    raw.filter_map(|a| EmailAddress::parse(a).ok()).collect()
}

/// A detail as shown: one line of allowed characters, at most 200 of them.
fn short_line(raw: &str) -> String {
    ccm_core::text::clean(raw, ccm_core::text::TextKind::SingleLine).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNCE: &str = include_str!("../../tests/fixtures/ses_bounce_sns.json");
    const COMPLAINT: &str = include_str!("../../tests/fixtures/ses_complaint_sns.json");
    const DELIVERY: &str = include_str!("../../tests/fixtures/ses_delivery_sns.json");
    const REJECT: &str = include_str!("../../tests/fixtures/ses_reject_sns.json");

    #[test]
    fn each_ses_event_in_its_sns_envelope_gives_its_kind_tags_and_recipients() {
        for (body, kind, who) in [
            (BOUNCE, FeedbackKind::Bounce, "bounce@simulator.amazonses.com"),
            (COMPLAINT, FeedbackKind::Complaint, "complaint@simulator.amazonses.com"),
            (DELIVERY, FeedbackKind::Delivery, "success@simulator.amazonses.com"),
            (REJECT, FeedbackKind::Reject, "jane@example.com"),
        ] {
            assert!(is_feedback(body));
            let event = parse_feedback(body).unwrap().unwrap();
            assert_eq!(event.kind, kind);
            assert_eq!(event.recipients, vec![EmailAddress::parse(who).unwrap()], "{kind:?}");
            assert_eq!(event.destination, event.recipients, "{kind:?}");
            let tags = event.tags.unwrap();
            assert_eq!(
                (tags.object.as_str(), tags.version, tags.customer.as_str()),
                ("CHG-0f8fad5b-d9cb-469f-a165-70867728950e", 3, "acme")
            );
            assert_eq!(event.account.as_deref(), Some("111111111111"));
            assert!(event.at.is_some());
        }
        let bounce = parse_feedback(BOUNCE).unwrap().unwrap();
        assert_eq!(bounce.detail.as_deref(), Some("Permanent/General"));
        assert_eq!(parse_feedback(COMPLAINT).unwrap().unwrap().detail.as_deref(), Some("abuse"));
    }

    #[test]
    fn a_raw_ses_event_without_the_sns_envelope_reads_the_same() {
        let envelope: Value = serde_json::from_str(BOUNCE).unwrap();
        let raw = envelope["Message"].as_str().unwrap();
        assert!(is_feedback(raw));
        assert_eq!(parse_feedback(raw).unwrap(), parse_feedback(BOUNCE).unwrap());
    }

    #[test]
    fn events_ccm_does_not_record_are_none_and_s3_notifications_are_not_feedback() {
        let open = serde_json::json!({"eventType": "Open", "mail": {"messageId": "m"}, "open": {}}).to_string();
        assert_eq!(parse_feedback(&open).unwrap(), None);
        let s3 = include_str!("../../tests/fixtures/s3_put_event.json");
        assert!(!is_feedback(s3));
    }

    #[test]
    fn malformed_feedback_is_an_error_never_a_panic() {
        for body in [
            "not json",
            r#"{"Type":"Notification","Message":"not json"}"#,
            r#"{"Type":"Notification","Message":"{}"}"#,
            r#"{"eventType":"Bounce","mail":{"messageId":"m"}}"#,
            r#"{"eventType":"Bounce","mail":{"messageId":""},"bounce":{}}"#,
            r#"{"eventType":"Delivery","mail":{"messageId":"m","destination":"x"},"delivery":{}}"#,
            r#"{"eventType":"Delivery","mail":{"messageId":7},"delivery":{}}"#,
        ] {
            assert!(parse_feedback(body).is_err(), "{body}");
        }
    }

    /// Every value of a document, replaced one at a time by each of `with`.
    fn variants(doc: &Value, with: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        match doc {
            Value::Object(map) => {
                for (k, v) in map {
                    for w in with {
                        let mut copy = map.clone();
                        copy.insert(k.clone(), w.clone());
                        out.push(Value::Object(copy));
                    }
                    for inner in variants(v, with) {
                        let mut copy = map.clone();
                        copy.insert(k.clone(), inner);
                        out.push(Value::Object(copy));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    for inner in variants(v, with) {
                        let mut copy = items.clone();
                        copy[i] = inner;
                        out.push(Value::Array(copy));
                    }
                }
            }
            _ => {}
        }
        out
    }

    #[test]
    fn no_field_of_the_wrong_type_and_no_truncation_makes_the_parser_panic() {
        let with =
            [Value::Null, serde_json::json!(7), serde_json::json!([]), serde_json::json!({}), serde_json::json!("x")];
        for fixture in [BOUNCE, COMPLAINT, DELIVERY, REJECT] {
            let envelope: Value = serde_json::from_str(fixture).unwrap();
            let event: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
            for broken in variants(&event, &with) {
                let body = broken.to_string();
                let _ = parse_feedback(&body);
                let _ = is_feedback(&body);
            }
            for end in (0..fixture.len()).filter(|i| fixture.is_char_boundary(*i)) {
                let _ = parse_feedback(&fixture[..end]);
            }
        }
    }

    #[test]
    fn an_event_without_ccm_tags_is_read_but_names_no_delivery() {
        let mut envelope: Value = serde_json::from_str(DELIVERY).unwrap();
        let mut event: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
        event["mail"]["tags"] = serde_json::json!({"ses:configuration-set": ["x"]});
        envelope["Message"] = event.to_string().into();
        let parsed = parse_feedback(&envelope.to_string()).unwrap().unwrap();
        assert!(parsed.tags.is_err());
    }
}
