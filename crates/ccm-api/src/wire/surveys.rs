//! Wire types of the survey routes: the survey page (no sign-in), an object's answers, the figures
//! per customer and quarter, and Typeform's webhook acknowledgement.

use ccm_app::surveys::results::{CustomerTotal, QuarterRow};
use ccm_app::surveys::{Answered, CustomerSurveys, ObjectSurveys, Recorded, SurveyForm, SurveySummary};
use ccm_core::survey::{Questions, Score, SurveyAnswer, SurveySource};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `?t=`: the token of a survey link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyTokenParams {
    /// The `t` of `survey.html?t=…` (a signed, expiring link for one object, customer and recipient).
    pub t: String,
}

/// An answer as people read it (who answered is never shown).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyAnswerBody {
    pub object_id: String,
    /// `change`, `cic`, `finops`, `innersource` or `general`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub title: String,
    pub customer: String,
    pub year: i32,
    pub quarter: u8,
    pub source: SurveySource,
    pub excellent: Option<bool>,
    /// 0 to 10.
    pub recommend: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub submitted_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SurveyAnswer> for SurveyAnswerBody {
    fn from(a: SurveyAnswer) -> Self {
        Self {
            object_id: a.object.to_string(),
            type_name: a.type_name,
            title: a.title,
            customer: a.customer.to_string(),
            year: a.year,
            quarter: a.quarter,
            source: a.source,
            excellent: a.excellent,
            recommend: a.recommend,
            comment: a.comment,
            submitted_at: a.submitted_at,
            updated_at: a.updated_at,
        }
    }
}

/// What the survey page shows.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyFormBody {
    pub object_id: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub title: String,
    pub customer: String,
    pub customer_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    pub questions: Questions,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// The recipient's answer so far (submitting again replaces it).
    pub answer: Option<SurveyAnswerBody>,
}

impl From<SurveyForm> for SurveyFormBody {
    fn from(f: SurveyForm) -> Self {
        Self {
            object_id: f.object.to_string(),
            type_name: f.kind.type_name().to_owned(),
            title: f.title,
            customer: f.customer.to_string(),
            customer_name: f.customer_name,
            logo_url: f.logo_url,
            questions: f.questions,
            expires_at: f.expires_at,
            answer: f.answer.map(Into::into),
        }
    }
}

/// An answer through a survey link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SurveyAnswerRequest {
    /// The link's token.
    pub token: String,
    /// Was it excellent? (required)
    pub excellent: Option<bool>,
    /// How likely to recommend us, 0 to 10 (required).
    pub recommend: Option<i64>,
    /// What could we improve (optional, up to 4000 characters).
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyAnswerReply {
    /// `created`, or `updated` when the recipient had answered before.
    pub status: String,
    pub answer: SurveyAnswerBody,
}

impl From<Answered> for SurveyAnswerReply {
    fn from(a: Answered) -> Self {
        Self { status: if a.created { "created" } else { "updated" }.into(), answer: a.answer.into() }
    }
}

/// Counts and figures of a set of answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreBody {
    pub responses: u32,
    pub excellent_yes: u32,
    pub excellent_no: u32,
    pub promoters: u32,
    pub passives: u32,
    pub detractors: u32,
    /// Percent of "yes, it was excellent" (0–100); null without answers.
    pub satisfaction: Option<i64>,
    /// Net Promoter Score (−100 to 100): % promoters (9–10) − % detractors (0–6); null without answers.
    pub nps: Option<i64>,
}

impl From<Score> for ScoreBody {
    fn from(s: Score) -> Self {
        Self {
            responses: s.responses,
            excellent_yes: s.excellent_yes,
            excellent_no: s.excellent_no,
            promoters: s.promoters,
            passives: s.passives,
            detractors: s.detractors,
            satisfaction: s.satisfaction(),
            nps: s.nps(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSurveysBody {
    pub customer: String,
    pub customer_name: String,
    pub score: ScoreBody,
    /// Newest first.
    pub answers: Vec<SurveyAnswerBody>,
}

impl From<CustomerSurveys> for CustomerSurveysBody {
    fn from(c: CustomerSurveys) -> Self {
        Self {
            customer: c.customer.to_string(),
            customer_name: c.customer_name,
            score: c.score.into(),
            answers: c.answers.into_iter().map(Into::into).collect(),
        }
    }
}

/// An object's answers, per customer the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectSurveysBody {
    pub id: String,
    /// The quarter its answers count in (`2026-Q2`); null until the object is completed.
    pub quarter: Option<String>,
    pub customers: Vec<CustomerSurveysBody>,
}

impl From<ObjectSurveys> for ObjectSurveysBody {
    fn from(o: ObjectSurveys) -> Self {
        Self {
            id: o.object.to_string(),
            quarter: o.quarter.map(|q| q.to_string()),
            customers: o.customers.into_iter().map(Into::into).collect(),
        }
    }
}

/// Filters of the survey figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveySummaryParams {
    /// Customer codes, comma-separated (default: every customer you may see).
    pub customer: Option<String>,
    /// First quarter (`2026-Q1`, or a date meaning its quarter); default: three quarters before `to`.
    pub from: Option<String>,
    /// Last quarter (`2026-Q4`, or a date); default: the current quarter.
    pub to: Option<String>,
    /// Types, comma-separated: change, cic, finops, innersource, general.
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuarterRowBody {
    pub customer: String,
    pub customer_name: String,
    /// `2026-Q2`.
    pub quarter: String,
    pub score: ScoreBody,
}

impl From<QuarterRow> for QuarterRowBody {
    fn from(r: QuarterRow) -> Self {
        Self {
            customer: r.customer.to_string(),
            customer_name: r.customer_name,
            quarter: r.quarter.to_string(),
            score: r.score.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerTotalBody {
    pub customer: String,
    pub customer_name: String,
    pub score: ScoreBody,
}

impl From<CustomerTotal> for CustomerTotalBody {
    fn from(c: CustomerTotal) -> Self {
        Self { customer: c.customer.to_string(), customer_name: c.customer_name, score: c.score.into() }
    }
}

/// Satisfaction and NPS per customer and quarter, with the answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveySummaryBody {
    pub from: String,
    pub to: String,
    /// Per customer and quarter (only those with answers).
    pub rows: Vec<QuarterRowBody>,
    /// Per customer over the range (only those with answers).
    pub customers: Vec<CustomerTotalBody>,
    pub total: ScoreBody,
    /// Newest first, at most 5000.
    pub answers: Vec<SurveyAnswerBody>,
    /// More answers matched than are listed (the figures count them all).
    pub truncated: bool,
}

impl From<SurveySummary> for SurveySummaryBody {
    fn from(s: SurveySummary) -> Self {
        Self {
            from: s.from.to_string(),
            to: s.to.to_string(),
            rows: s.rows.into_iter().map(Into::into).collect(),
            customers: s.customers.into_iter().map(Into::into).collect(),
            total: s.total.into(),
            answers: s.answers.into_iter().map(Into::into).collect(),
            truncated: s.truncated,
        }
    }
}

/// What the webhook did with a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReply {
    /// `recorded`, `duplicate` (this response was recorded before) or `ignored` (not a ccm survey).
    pub status: String,
    pub message: String,
}

impl From<Recorded> for WebhookReply {
    fn from(r: Recorded) -> Self {
        let (status, message) = match r {
            Recorded::Stored(_) => ("recorded", "the answer was recorded".to_owned()),
            Recorded::Duplicate => ("duplicate", "this response was recorded before".to_owned()),
            Recorded::Ignored(why) => ("ignored", why),
        };
        Self { status: status.into(), message }
    }
}
