//! What people read of the answers: one object's, per customer; and satisfaction and NPS per
//! customer and quarter over a range. Both are cut to the caller's customers.

use std::collections::BTreeMap;

use ccm_core::config::FieldError;
use ccm_core::survey::{Quarter, Score, SurveyAnswer, SurveyPeriod};
use ccm_core::{CustomerCode, ObjectId, ObjectKind};
use futures::StreamExt;

use super::answers_of;
use super::error::{ObjectSurveysError, SummaryError};
use crate::{App, Caller};

/// Quarters one summary may span (five years).
pub const MAX_QUARTERS: usize = 20;
/// Answers a summary lists (newest first); the figures count them all.
pub const MAX_LISTED: usize = 5000;
/// Listings of (customer, quarter) at once.
const LISTINGS_IN_FLIGHT: usize = 8;

/// One customer's answers to one object.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSurveys {
    pub customer: CustomerCode,
    pub customer_name: String,
    pub score: Score,
    /// Newest first.
    pub answers: Vec<SurveyAnswer>,
}

/// An object's answers, per customer the caller may see.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSurveys {
    pub object: ObjectId,
    /// The quarter the answers count in; `None` until the object is completed.
    pub quarter: Option<Quarter>,
    pub customers: Vec<CustomerSurveys>,
}

fn customer_name(app: &App, c: &CustomerCode) -> String {
    app.config.customer(c).map_or_else(|| c.to_string(), |cfg| cfg.customer_name.clone())
}

pub async fn object_surveys(app: &App, caller: &Caller, id: &ObjectId) -> Result<ObjectSurveys, ObjectSurveysError> {
    let loaded = app.objects(caller).load(id).await?;
    let Some(period) = SurveyPeriod::of_object(&loaded.object) else {
        return Ok(ObjectSurveys { object: id.clone(), quarter: None, customers: Vec::new() });
    };
    let mut customers = Vec::new();
    for c in loaded.object.customers().iter().filter(|c| caller.may_use_customer(c)) {
        let answers = answers_of(&*app.store, c, period.quarter, Some(id)).await?;
        customers.push(CustomerSurveys {
            customer: c.clone(),
            customer_name: customer_name(app, c),
            score: Score::of(&answers),
            answers,
        });
    }
    Ok(ObjectSurveys { object: id.clone(), quarter: Some(period.quarter), customers })
}

/// Which answers a summary covers.
#[derive(Debug, Clone, Default)]
pub struct SummaryFilter {
    /// Empty: every customer the caller may see.
    pub customers: Vec<CustomerCode>,
    /// Default: three quarters before the current one.
    pub from: Option<Quarter>,
    /// Default: the current quarter.
    pub to: Option<Quarter>,
    /// Empty: every type.
    pub kinds: Vec<ObjectKind>,
}

/// The figures of one customer in one quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarterRow {
    pub customer: CustomerCode,
    pub customer_name: String,
    pub quarter: Quarter,
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerTotal {
    pub customer: CustomerCode,
    pub customer_name: String,
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveySummary {
    pub from: Quarter,
    pub to: Quarter,
    /// Per customer and quarter, customers in code order, quarters ascending; only those with answers.
    pub rows: Vec<QuarterRow>,
    /// Per customer over the range; only those with answers.
    pub customers: Vec<CustomerTotal>,
    pub total: Score,
    /// The answers, newest first, at most [`MAX_LISTED`].
    pub answers: Vec<SurveyAnswer>,
    /// More answers matched than are listed.
    pub truncated: bool,
}

pub async fn summary(app: &App, caller: &Caller, filter: &SummaryFilter) -> Result<SurveySummary, SummaryError> {
    let now = Quarter::of(app.clock.now());
    let to = filter.to.unwrap_or(now);
    let default_from = (0..3).try_fold(to, |q, _| q.previous()).unwrap_or(to);
    let from = filter.from.unwrap_or(default_from);
    if from > to {
        return Err(SummaryError::Invalid(vec![FieldError::new("from", format!("{from} is after {to}"))]));
    }
    let quarters = from.through(to, MAX_QUARTERS).ok_or_else(|| {
        SummaryError::Invalid(vec![FieldError::new("from", format!("at most {MAX_QUARTERS} quarters at once"))])
    })?;
    let visible: Vec<CustomerCode> =
        app.config.customer_codes().filter(|c| caller.may_use_customer(c)).cloned().collect();
    let customers: Vec<CustomerCode> = if filter.customers.is_empty() {
        visible
    } else {
        filter.customers.iter().filter(|c| visible.contains(c)).cloned().collect()
    };
    let pairs: Vec<(CustomerCode, Quarter)> =
        customers.iter().flat_map(|c| quarters.iter().map(move |q| (c.clone(), *q))).collect();
    let store = &*app.store;
    let listings = futures::stream::iter(pairs)
        .map(|(c, q)| async move { answers_of(store, &c, q, None).await })
        .buffer_unordered(LISTINGS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut answers = Vec::new();
    for listing in listings {
        answers.extend(listing?.into_iter().filter(|a| {
            filter.kinds.is_empty()
                || ObjectKind::parse_type_name(&a.type_name).is_some_and(|k| filter.kinds.contains(&k))
        }));
    }
    let mut rows: BTreeMap<(CustomerCode, Quarter), Score> = BTreeMap::new();
    let mut per_customer: BTreeMap<CustomerCode, Score> = BTreeMap::new();
    let mut total = Score::default();
    for a in &answers {
        let Some(q) = a.quarter() else { continue };
        rows.entry((a.customer.clone(), q)).or_default().add(a.excellent, a.recommend);
        per_customer.entry(a.customer.clone()).or_default().add(a.excellent, a.recommend);
        total.add(a.excellent, a.recommend);
    }
    answers.sort_by_key(|a| std::cmp::Reverse(a.submitted_at));
    let truncated = answers.len() > MAX_LISTED;
    answers.truncate(MAX_LISTED);
    Ok(SurveySummary {
        from,
        to,
        rows: rows
            .into_iter()
            .map(|((customer, quarter), score)| QuarterRow {
                customer_name: customer_name(app, &customer),
                customer,
                quarter,
                score,
            })
            .collect(),
        customers: per_customer
            .into_iter()
            .map(|(customer, score)| CustomerTotal { customer_name: customer_name(app, &customer), customer, score })
            .collect(),
        total,
        answers,
        truncated,
    })
}
