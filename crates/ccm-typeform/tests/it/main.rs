//! The Typeform adapter against a stub of Typeform's Create API on 127.0.0.1: one test binary, one
//! module per area.

mod stub;

mod adapter;
mod processor;

use std::sync::Arc;
use std::time::Duration;

use ccm_core::Object;
use ccm_core::ports::Secret;
use ccm_testkit::MemoryStore;
use ccm_typeform::{Retry, Settings, TypeformSurveys};

/// Settings pointing at the stub, with waits short enough for tests.
pub fn settings(stub: &stub::Stub, token: &str) -> Settings {
    Settings {
        api_base: stub.base.clone(),
        token: Secret::new(token),
        workspace: Some("ws1".into()),
        retry: Retry { attempts: 4, base: Duration::from_millis(1), max_delay: Duration::from_millis(5) },
        timeout: Duration::from_secs(5),
    }
}

pub fn adapter(stub: &stub::Stub, store: &Arc<MemoryStore>) -> TypeformSurveys {
    TypeformSurveys::new(&settings(stub, stub::TOKEN), store.clone()).unwrap()
}

pub fn completed(id: &str, customers: &[&str]) -> Object {
    let v = serde_json::json!({
        "changeId": id,
        "changeTitle": "Rotate the load balancer certificates",
        "changeReason": "Expiry",
        "implementationPlan": "Deploy",
        "customers": customers,
        "status": "completed",
        "version": 4,
        "completedBy": "alice@example.com",
        "completedAt": "2026-06-10T16:05:00Z",
    });
    Object::from_json(v.to_string().as_bytes()).unwrap()
}
