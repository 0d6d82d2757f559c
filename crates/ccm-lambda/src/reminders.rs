//! The `ccm-reminders` function's handler: one sweep per scheduled event (its payload is not read:
//! the sweep looks at the clock and the index), answered with what it did. A failed sweep fails the
//! invocation, which the function's error alarm counts; the next schedule retries everything.

use ccm_processor::Sweep;
use serde_json::{Value, json};

/// One sweep; its counts as the invocation's result.
pub async fn handle(sweep: &Sweep) -> Result<Value, lambda_runtime::Error> {
    let report = sweep.run(false).await?;
    Ok(json!({
        "due": report.due.len(),
        "handedOff": report.handed_off,
        "pending": report.pending,
        "alreadySent": report.already_sent,
    }))
}
