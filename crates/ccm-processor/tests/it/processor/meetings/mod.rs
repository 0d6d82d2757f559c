//! The object's one meeting: through Microsoft Graph (against `ccm_testkit::graph_stub`) and as ICS
//! invitations by mail, across the triggers of every affected customer.

mod graph;
mod icalendar_parse;
mod ics;

use std::sync::Arc;

use async_trait::async_trait;
use ccm_core::config::AppConfig;
use ccm_core::model::{MeetingHistory, MeetingRecord, load_history};
use ccm_core::ports::{MailError, Mailer, OutgoingEmail, SendReceipt};
use ccm_core::{CustomerCode, Object};
use ccm_processor::{Outcome, ProcessError};
use ccm_testkit::fakes::FakeMailer;
use ccm_testkit::graph_stub::GraphStub;
use serde_json::{Value, json};

use crate::support::*;

/// config.json with `n` more customers `c01`…: each its own account, none restricted.
pub fn config_with_customers(n: usize) -> Arc<AppConfig> {
    let mut doc: Value = serde_json::from_str(include_str!("../../../../../../config.json")).unwrap();
    let template = doc["customer_mappings"]["acme"].clone();
    for i in 1..=n {
        let code = format!("c{i:02}");
        let mut c = template.clone();
        c["customer_code"] = json!(code);
        c["customer_name"] = json!(format!("Customer {i}"));
        c["ses_role_arn"] = json!(format!("arn:aws:iam::{:012}:role/ccm-ses-sender", 900_000_000_000u64 + i as u64));
        c["additional_contacts"] = json!([]);
        doc["customer_mappings"][&code] = c;
    }
    Arc::new(AppConfig::from_json(&doc.to_string()).unwrap())
}

pub fn codes(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("c{i:02}")).collect()
}

/// A change with a meeting the author timed: 9:00 in New York on June 10 2026 (13:00Z), 45 minutes.
pub fn change_with_meeting(id: &str, status: &str, customers: &[&str], version: u32, extra: Value) -> Object {
    let mut fields = json!({
        "include_meeting": true, "meetingDate": "2026-06-10T13:00:00Z", "meetingDuration": "45",
        "meetingLocation": "Bridge 4", "attendees": "guest@partner.example.com, not an address",
        "version": version, "approvedBy": "bob@example.com",
    });
    for (k, v) in extra.as_object().unwrap() {
        fields[k] = v.clone();
    }
    change(id, status, customers, fields)
}

/// Runs every customer's trigger of `object` at once.
pub async fn process_all(rig: &Rig, object: &Object) -> Vec<Result<Outcome, ProcessError>> {
    let customers: Vec<CustomerCode> = object.customers().to_vec();
    futures::future::join_all(customers.iter().map(|c| rig.processor.process(c, object.id()))).await
}

pub async fn history(rig: &Rig, object: &Object) -> MeetingHistory {
    load_history(&*rig.store, object.id(), None).await.unwrap()
}

pub async fn records(rig: &Rig, object: &Object) -> Vec<MeetingRecord> {
    history(rig, object).await.records().to_vec()
}

/// A mailer that notes each send in the Graph stand-in's journal, so the order of calendar calls
/// and mails can be checked.
pub struct Journaled {
    pub inner: Arc<FakeMailer>,
    pub stub: GraphStub,
}

#[async_trait]
impl Mailer for Journaled {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        self.stub.note(format!("send {customer} {}", email.subject));
        self.inner.send(customer, email).await
    }
}
