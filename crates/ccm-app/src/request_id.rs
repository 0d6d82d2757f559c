//! The id of the request a use case serves, so that what it writes can carry it: the triggers it
//! writes hold it in their metadata, and the processor's log lines name it, tying a notification to
//! the click that caused it. The HTTP layer sets it for each request (`scope`); code run outside a
//! request (demo seeding, the CLI) has none.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `f` as part of request `id`.
pub async fn scope<F: Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Whether a client-sent id may be used as ours: short, and only characters safe in logs and headers.
pub fn acceptable(raw: &str) -> bool {
    (1..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
}
