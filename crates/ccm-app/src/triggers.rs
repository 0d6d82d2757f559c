//! One trigger per affected customer: `customers/{code}/{id}.json`, a copy of the archived object.
//! Creating it is what notifies the customer's queue (S3 → SQS, or the embedded queue). A failure for
//! one customer is reported and never undoes the others.

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, PutOptions};
use ccm_core::{Object, StorageKey};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerResult {
    pub customer: String,
    pub success: bool,
    #[serde(rename = "s3Key")]
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn write_triggers(store: &dyn DocumentStore, object: &Object) -> Vec<TriggerResult> {
    let body = Bytes::from(object.to_json());
    let life = object.life();
    let id = object.id();
    // The processor logs it, tying each customer's notification to the request that caused it.
    let request = crate::request_id::current();
    let writes = object.customers().iter().map(|customer| {
        let key = StorageKey::Trigger(customer.clone(), id.clone());
        let id_key = if id.kind().is_change() { "change-id" } else { "announcement-id" };
        let mut options = PutOptions::default()
            .with_metadata("customer-code", customer.as_str())
            .with_metadata("status", life.status.as_str())
            .with_metadata("version", life.version.to_string())
            .with_metadata("object-type", object.kind().type_name())
            .with_metadata(id_key, id.as_str());
        if let Some(request) = &request {
            options = options.with_metadata("request-id", request.clone());
        }
        let body = body.clone();
        async move {
            let result = store.put(&key, body, options).await;
            if let Err(e) = &result {
                tracing::warn!(customer = %customer, object = %id, error = %e, "trigger write failed");
            }
            TriggerResult {
                customer: customer.to_string(),
                success: result.is_ok(),
                key: key.to_string(),
                error: result.err().map(|e| e.to_string()),
            }
        }
    });
    futures::future::join_all(writes).await
}
