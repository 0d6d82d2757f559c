//! `ccm ses deliverability`: per customer, the notifications sent in the last `--days` days (the
//! processor's results) and the bounces and complaints SES reported for them (the recorded delivery
//! feedback, `feedback/…` in the bucket), as rates against SES's review and pause thresholds, with
//! the account's sending status (GetAccount). Exits 1 when a customer is at risk (a rate at or
//! above a review threshold) or its account cannot send, so a scheduled run can alert.
//!
//! Events are counted from the listing alone (a record's key names its customer and kind, its
//! LastModified is when it was recorded); only the delivery results are read (one per object,
//! version, customer and event): seconds for thousands of objects.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ccm_admin::deliverability::{Rate, Standing};
use ccm_core::feedback::{FeedbackKind, KeyCounts, count_key};
use ccm_core::model::DeliveryResult;
use ccm_core::ports::{DocumentStore, list_all};
use ccm_core::{CustomerCode, StorageKey};
use chrono::{DateTime, Duration, Utc};
use clap::Args;
use futures::StreamExt;
use serde_json::json;

use crate::commands::context::Ctx;
use crate::commands::domain::ses_domain;
use crate::commands::per_customer::{self, CustomerArgs, Report};

pub const EXAMPLES: &str = "Examples:
  ccm ses deliverability --customer acme
  ccm ses deliverability --all-customers --days 7 --output json";

#[derive(Debug, Args)]
pub struct DeliverabilityArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// How many days back to count sends and events.
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u16).range(1..=365))]
    pub days: u16,
    /// The metadata bucket (default: s3_config.bucket_name in config.json).
    #[arg(long)]
    pub bucket: Option<String>,
}

/// Sends and SES events per customer since a moment.
#[derive(Debug, Default)]
pub struct Tally {
    sends: BTreeMap<CustomerCode, usize>,
    /// Recorded events (one record per message and kind) per (customer, kind).
    events: KeyCounts,
}

impl Tally {
    fn count(&self, customer: &CustomerCode, kind: FeedbackKind) -> usize {
        self.events.get(&(customer.clone(), kind)).copied().unwrap_or(0)
    }
}

/// Counts the feedback records under `feedback/` and reads the delivery results under `results/`
/// written since `since`.
pub async fn tally(store: &dyn DocumentStore, since: DateTime<Utc>) -> anyhow::Result<Tally> {
    let mut out = Tally::default();
    for listed in list_all(store, StorageKey::FEEDBACK_PREFIX).await.context("listing feedback/")? {
        if listed.last_modified < since {
            continue;
        }
        if let Ok(key) = StorageKey::parse(&listed.key) {
            count_key(&mut out.events, &key);
        }
    }
    let listed = list_all(store, "results/").await.context("listing results/")?;
    let keys: Vec<StorageKey> = listed
        .into_iter()
        .filter(|l| l.last_modified >= since)
        .filter_map(|l| StorageKey::parse(&l.key).ok())
        .filter(|k| matches!(k, StorageKey::Result { .. }))
        .collect();
    let reads: Vec<_> = futures::stream::iter(keys)
        .map(|key| async move { (store.get(&key).await, key) })
        .buffer_unordered(16)
        .collect()
        .await;
    for (read, key) in reads {
        let Some(doc) = read.with_context(|| format!("reading {key}"))? else { continue };
        match serde_json::from_slice::<DeliveryResult>(&doc.body) {
            Ok(r) if r.at >= since => {
                let n = out.sends.entry(r.customer).or_default();
                *n = n.saturating_add(r.sent).saturating_add(r.already_sent);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(key = %key, error = %e, "skipping a delivery result that does not parse"),
        }
    }
    Ok(out)
}

pub async fn run(ctx: &Ctx, args: DeliverabilityArgs) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let bucket = match &args.bucket {
        Some(b) => b.clone(),
        None => app
            .s3_config
            .as_ref()
            .map(|s| s.bucket_name.clone())
            .context("--bucket (or s3_config.bucket_name) is needed")?,
    };
    let store =
        ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(&ctx.sdk, ctx.sdk.endpoint_url().is_some()), &bucket);
    let days = args.days;
    let since = Utc::now() - Duration::days(i64::from(days));
    let tally = Arc::new(tally(&store, since).await?);
    per_customer::run(ctx, &app, &args.customers, "ses deliverability", |c| {
        let tally = tally.clone();
        async move {
            let code = &c.customer_code;
            let sends = tally.sends.get(code).copied().unwrap_or_default();
            let bounces = Rate::bounces(tally.count(code, FeedbackKind::Bounce), sends);
            let complaints = Rate::complaints(tally.count(code, FeedbackKind::Complaint), sends);
            let delivered = tally.count(code, FeedbackKind::Delivery);
            let rejected = tally.count(code, FeedbackKind::Reject);
            let account = ses_domain(ctx, &c).await.account().await;
            let mut lines = vec![
                format!("last {days} days: {sends} sent, {delivered} delivered, {rejected} rejected"),
                rate_line("bounces", &bounces),
                rate_line("complaints", &complaints),
            ];
            let mut risks: Vec<String> = [("bounces", &bounces), ("complaints", &complaints)]
                .into_iter()
                .filter(|(_, r)| r.standing != Standing::Healthy)
                .map(|(what, r)| format!("{what} {}", r.standing.as_str()))
                .collect();
            let account_json = match &account {
                Ok(a) => {
                    if !a.sending_enabled {
                        risks.push("the account's sending is disabled".into());
                    }
                    lines.push(format!(
                        "account: sending {}, enforcement {}, {}, quota {}/s and {}/24 h ({} sent in the last 24 h)",
                        if a.sending_enabled { "enabled" } else { "DISABLED" },
                        a.enforcement_status.as_deref().unwrap_or("unknown"),
                        if a.production_access { "production access" } else { "sandbox" },
                        number(a.max_send_rate),
                        number(a.max_24_hour_send),
                        number(a.sent_last_24_hours),
                    ));
                    json!(a)
                }
                Err(e) => {
                    lines.push(format!("account: GetAccount failed: {e}"));
                    json!({"error": e.to_string()})
                }
            };
            let value = json!({
                "days": days, "sent": sends, "delivered": delivered, "rejected": rejected,
                "bounces": bounces, "complaints": complaints, "account": account_json, "at_risk": !risks.is_empty(),
            });
            let report = Report::new(value, lines.join("\n"));
            Ok(if risks.is_empty() { report } else { report.refused(format!("at risk: {}", risks.join("; "))) }.into())
        }
    })
    .await
}

fn rate_line(what: &str, r: &Rate) -> String {
    format!(
        "{what}: {} — {} (review at {}, pause at {})",
        r.describe(),
        r.standing.as_str(),
        percent(r.review_at),
        percent(r.pause_at)
    )
}

fn percent(share: f64) -> String {
    format!("{} %", share * 100.0)
}

fn number(n: Option<f64>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}
