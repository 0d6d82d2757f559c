//! Typeform as a survey provider of ccm (the [`Surveys`](ccm_core::ports::Surveys) port), for AWS
//! deployments that have a Typeform account. On a completed object, for each customer:
//!
//! 1. the customer's logo (`customers/{code}/logo.{png,jpg,jpeg,gif}`, else a built-in default) is
//!    uploaded once (`POST /images`, found again by its file name, which carries a hash of the bytes);
//! 2. the theme of (object type, customer, logo) is found or created (`GET`/`POST /themes`): the
//!    type's colour, the logo as background;
//! 3. the form is created (`POST /forms`) with the three questions and the hidden fields, and
//!    recorded create-only under `surveys/forms/{code}/{object}/{unix}-{form}.json`.
//!
//! Idempotent: a retried completion finds the record (or, if the process stopped between creating
//! the form and recording it, the form itself: its title carries `[{object}/{customer}]`) instead of
//! making a second form. 429 and 5xx answers are retried with exponential backoff (honouring
//! `Retry-After`); a POST whose answer was lost is checked for before it is sent again.
//!
//! A crate of its own (not a module of the processor) because it is one external system with its
//! own HTTP client. That client is hyper + hyper-rustls with the system's roots and the aws-lc-rs
//! provider passed explicitly: the stack the AWS SDK already links, pure Rust, nothing new to build.
//! Not reqwest: reqwest's rustls backends without a bundled provider make *every* reqwest client in
//! the same binary (the test suites' included) panic unless a process-wide provider is installed
//! first, and the bundled one would add ring beside aws-lc-rs and make rustls's implicit provider
//! ambiguous for everyone else.

mod adapter;
mod client;
mod form;
mod logo;
mod retry;
mod theme;
pub mod wire;

pub use adapter::TypeformSurveys;
pub use client::{Client, TypeformError};
pub use form::{form_definition, marker, survey_link};
pub use retry::Retry;

use ccm_core::ports::Secret;

/// Where Typeform's API is (`https://api.typeform.com`; `https://api.eu.typeform.com` for accounts
/// in the EU data centre).
pub const DEFAULT_API: &str = "https://api.typeform.com";

/// How to reach Typeform.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The API's base URL, without a trailing `/`.
    pub api_base: String,
    /// A personal access token (`TYPEFORM_API_TOKEN`, from SSM in AWS).
    pub token: Secret,
    /// The workspace forms go to (its id); Typeform's default workspace when `None`.
    pub workspace: Option<String>,
    pub retry: Retry,
    /// Per-request timeout.
    pub timeout: std::time::Duration,
}

impl Settings {
    pub fn new(token: Secret) -> Self {
        Self {
            api_base: DEFAULT_API.into(),
            token,
            workspace: None,
            retry: Retry::default(),
            timeout: std::time::Duration::from_secs(20),
        }
    }
}
