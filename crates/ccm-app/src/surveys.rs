//! Surveys: answering one (through a signed link, no sign-in), recording Typeform's webhook
//! deliveries, and the figures people read (an object's answers per customer; NPS and satisfaction
//! per customer and quarter). Customer-scoped callers see only their customers' answers.
//!
//! - `answering`: [`open`] and [`answer`] for the built-in survey page;
//! - `webhook`: [`record_typeform`];
//! - `results`: [`object_surveys`] and [`summary`].
//!
//! Each use case has its own error enum ([`error`]).

pub mod answering;
pub mod error;
pub mod results;
pub mod webhook;

use ccm_core::StorageKey;
use ccm_core::ports::{DocumentStore, StoreError, list_all};
use ccm_core::survey::answer::quarter_prefix;
use ccm_core::survey::{AnswerRef, Quarter, SurveyAnswer};
use ccm_core::{CustomerCode, ObjectId};
use futures::StreamExt;

pub use answering::{Answered, SurveyForm, answer, open};
pub use error::{AnswerError, ObjectSurveysError, OpenSurveyError, SummaryError, WebhookError};
pub use results::{CustomerSurveys, ObjectSurveys, SummaryFilter, SurveySummary, object_surveys, summary};
pub use webhook::{Recorded, record_typeform};

/// Answer documents read at once.
const READS_IN_FLIGHT: usize = 16;

/// The answers of one customer's quarter, those of `object` only when given. A record that does
/// not parse is skipped and logged (it cannot hide the others).
pub(crate) async fn answers_of(
    store: &dyn DocumentStore,
    customer: &CustomerCode,
    quarter: Quarter,
    object: Option<&ObjectId>,
) -> Result<Vec<SurveyAnswer>, StoreError> {
    let listed = list_all(store, &quarter_prefix(customer, quarter)).await?;
    let keys: Vec<StorageKey> = listed
        .into_iter()
        .filter_map(|l| StorageKey::parse(&l.key).ok())
        .filter(|k| AnswerRef::parse(k).is_some_and(|r| object.is_none_or(|o| r.object == *o)))
        .collect();
    let reads = futures::stream::iter(keys)
        .map(|key| async move { (store.get(&key).await, key) })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::new();
    for (read, key) in reads {
        let Some(doc) = read? else { continue };
        match serde_json::from_slice::<SurveyAnswer>(&doc.body) {
            Ok(a) => out.push(a),
            Err(e) => tracing::warn!(key = %key, error = %e, "skipping a survey answer that does not parse"),
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.submitted_at));
    Ok(out)
}
