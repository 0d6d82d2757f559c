//! The API through its router (`tower::ServiceExt::oneshot`): one test binary, one module per area.

mod support;

mod announcements;
mod approval_policies;
mod attachments_and_saved_searches;
mod auth_and_roles;
mod bad_input;
mod calendar;
mod changes;
mod concurrency;
mod deliveries;
mod request_ids;
mod search;
mod surveys;
mod webhooks;
