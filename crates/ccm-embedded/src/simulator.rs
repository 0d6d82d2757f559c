//! SES's mailbox simulator, locally: the outbox mailer answers a send of a delivery (one carrying
//! [`SendTags`]) with the events SES event publishing would send to the configuration set's SNS
//! topic, in the same JSON, so `ccm serve` records them through the same code as AWS.
//!
//! As on SES: `bounce@simulator.amazonses.com` bounces (Permanent/General),
//! `complaint@simulator.amazonses.com` is delivered and then complained about, every other
//! address is delivered.

use ccm_core::feedback::{FeedbackKind, SendTags};
use ccm_core::{CustomerCode, EmailAddress};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

pub const BOUNCE: &str = "bounce@simulator.amazonses.com";
pub const COMPLAINT: &str = "complaint@simulator.amazonses.com";

/// Each customer's (account id, configuration set), as its events name them.
pub type Senders = std::collections::BTreeMap<CustomerCode, (Option<String>, String)>;

/// Where the simulator's events go (an SNS notification body each); `ccm serve` hands them to the processor.
pub type FeedbackSink = tokio::sync::mpsc::UnboundedSender<String>;

/// The events SES would publish for a message to `to`, in order.
pub fn outcomes(to: &EmailAddress) -> Vec<FeedbackKind> {
    match to.normalized().as_str() {
        BOUNCE => vec![FeedbackKind::Bounce],
        COMPLAINT => vec![FeedbackKind::Delivery, FeedbackKind::Complaint],
        _ => vec![FeedbackKind::Delivery],
    }
}

/// One message's identity as SES's events carry it.
pub struct Sent<'a> {
    pub customer: &'a CustomerCode,
    /// The customer's AWS account id (`mail.sendingAccountId`), when known.
    pub account: Option<&'a str>,
    pub configuration_set: &'a str,
    pub message_id: &'a str,
    pub from: &'a EmailAddress,
    pub to: &'a EmailAddress,
    pub tags: &'a SendTags,
    pub at: DateTime<Utc>,
}

/// The SNS notification body of one SES event (AWS's "Contents of event data that Amazon SES
/// publishes to Amazon SNS").
pub fn sns_notification(sent: &Sent<'_>, kind: FeedbackKind) -> String {
    let at = sent.at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let to = sent.to.as_str();
    let mut tags = json!({
        "ses:configuration-set": [sent.configuration_set],
        "ses:from-domain": [sent.from.as_str().rsplit('@').next().unwrap_or_default()],
        "ses:caller-identity": ["ccm-serve"],
    });
    for (name, value) in sent.tags.to_pairs() {
        tags[name] = json!([value]);
    }
    let mail = json!({
        "timestamp": at, "source": sent.from.as_str(), "sendingAccountId": sent.account,
        "messageId": sent.message_id, "destination": [to], "headersTruncated": false, "tags": tags,
    });
    let event: Value = match kind {
        FeedbackKind::Delivery => json!({"eventType": "Delivery", "mail": mail, "delivery": {
            "timestamp": at, "processingTimeMillis": 0, "recipients": [to],
            "smtpResponse": "250 2.6.0 Message received (ccm serve's mailbox simulator)", "reportingMTA": "localhost"}}),
        FeedbackKind::Bounce => json!({"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General", "timestamp": at, "reportingMTA": "dsn; localhost",
            "feedbackId": format!("{}-bounce", sent.message_id),
            "bouncedRecipients": [{"emailAddress": to, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown (mailbox simulator)"}]}}),
        FeedbackKind::Complaint => json!({"eventType": "Complaint", "mail": mail, "complaint": {
            "timestamp": at, "feedbackId": format!("{}-complaint", sent.message_id), "complaintFeedbackType": "abuse",
            "complainedRecipients": [{"emailAddress": to}]}}),
        FeedbackKind::Reject => json!({"eventType": "Reject", "mail": mail, "reject": {"reason": "Bad content"}}),
    };
    json!({
        "Type": "Notification", "MessageId": format!("{}-{}", sent.message_id, kind.as_str()),
        "TopicArn": format!("arn:aws:sns:local:000000000000:ccm-ses-events-{}", sent.customer),
        "Message": event.to_string(), "Timestamp": at,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use ccm_core::storage_key::Token;

    use super::*;

    #[test]
    fn the_simulator_addresses_bounce_and_complain_and_the_rest_is_delivered() {
        let address = |a: &str| EmailAddress::parse(a).unwrap();
        assert_eq!(outcomes(&address("Bounce@Simulator.AmazonSES.com")), vec![FeedbackKind::Bounce]);
        assert_eq!(outcomes(&address(COMPLAINT)), vec![FeedbackKind::Delivery, FeedbackKind::Complaint]);
        assert_eq!(outcomes(&address("jane@example.com")), vec![FeedbackKind::Delivery]);
    }

    #[test]
    fn an_event_carries_the_sends_tags_message_id_and_recipient() {
        let (customer, from, to) = (
            CustomerCode::parse("acme").unwrap(),
            EmailAddress::parse("ccm@example.com").unwrap(),
            EmailAddress::parse(BOUNCE).unwrap(),
        );
        let tags = SendTags {
            object: ccm_core::ObjectId::parse("CHG-1").unwrap(),
            version: 2,
            event: Token::parse("approved").unwrap(),
            customer: customer.clone(),
        };
        let sent = Sent {
            customer: &customer,
            account: Some("111111111111"),
            configuration_set: "acme-ccoe-emails",
            message_id: "m-1",
            from: &from,
            to: &to,
            tags: &tags,
            at: Utc::now(),
        };
        let body: Value = serde_json::from_str(&sns_notification(&sent, FeedbackKind::Bounce)).unwrap();
        let event: Value = serde_json::from_str(body["Message"].as_str().unwrap()).unwrap();
        assert_eq!(event["eventType"], "Bounce");
        assert_eq!(event["mail"]["messageId"], "m-1");
        assert_eq!(event["mail"]["tags"]["ccm-object"], json!(["CHG-1"]));
        assert_eq!(event["bounce"]["bouncedRecipients"][0]["emailAddress"], BOUNCE);
    }
}
