//! Running one operation for several customers: `--customer CODE` (repeatable) or
//! `--all-customers`, at most `--max-customer-concurrency` at once. One customer's failure never
//! stops the others; each customer's output is printed as one block, then one summary, and the exit
//! code is 1 when any customer failed.

use std::future::Future;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use ccm_core::config::{AppConfig, CustomerConfig};
use clap::Args;
use futures::StreamExt;
use serde::Serialize;
use serde_json::json;
use tracing::Instrument;

use super::context::Ctx;

#[derive(Debug, Clone, Args)]
pub struct CustomerArgs {
    #[command(flatten)]
    pub target: Target,
    /// How many customers are worked on at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_customer_concurrency: u16,
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// The customer code (repeat it, or separate codes with commas, for several).
    #[arg(long = "customer", value_name = "CODE", value_delimiter = ',')]
    pub customers: Vec<String>,
    /// Every customer in config.json.
    #[arg(long)]
    pub all_customers: bool,
}

impl CustomerArgs {
    /// The selected customers, each checked against config.json.
    pub fn select(&self, app: &AppConfig) -> anyhow::Result<Vec<CustomerConfig>> {
        if self.target.all_customers {
            return Ok(app.customer_mappings.values().cloned().collect());
        }
        let mut out: Vec<CustomerConfig> = Vec::new();
        for raw in &self.target.customers {
            let code = app.parse_customer(raw).map_err(|e| anyhow!("--customer: {}", e.message))?;
            if !out.iter().any(|c| c.customer_code == code) {
                out.extend(app.customer(&code).cloned());
            }
        }
        Ok(out)
    }
}

/// What an operation made of one customer.
#[derive(Debug)]
pub enum Step {
    Done(Report),
    /// Nothing to do for this customer (e.g. no Identity Center role configured).
    Skipped(String),
}

/// A customer's result: text for `--output table`, a value for `--output json`, how many items
/// failed inside it (any makes the customer count as failed), or why it was refused as a whole
/// (a plan shown but not applied); and the contact counts logged for the scheduled task.
#[derive(Debug)]
pub struct Report {
    pub text: String,
    pub json: serde_json::Value,
    pub failures: usize,
    pub refused: Option<String>,
    pub counts: Option<Counts>,
}

/// Contacts added, updated and removed (or, in a dry run, to be), logged as fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub failed: usize,
}

impl Report {
    pub fn new(value: impl Serialize, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            json: serde_json::to_value(value).unwrap_or_default(),
            failures: 0,
            refused: None,
            counts: None,
        }
    }

    pub fn with_failures(mut self, failures: usize) -> Self {
        self.failures = failures;
        self
    }

    /// The customer fails with `why` (its result still shows what was planned).
    pub fn refused(mut self, why: impl Into<String>) -> Self {
        self.refused = Some(why.into());
        self
    }

    pub fn with_counts(mut self, counts: Counts) -> Self {
        self.counts = Some(counts);
        self
    }
}

impl From<Report> for Step {
    fn from(r: Report) -> Self {
        Step::Done(r)
    }
}

#[derive(Debug, Serialize)]
struct Outcome {
    /// The item's name (renamed to the noun in JSON).
    customer: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<serde_json::Value>,
    duration_ms: u128,
    /// The table text (not in JSON).
    #[serde(skip)]
    text: String,
    /// For the log line (the counts are in `result` too).
    #[serde(skip)]
    counts: Option<Counts>,
}

/// Runs `op` for every selected customer and prints the blocks and the summary.
pub async fn run<F, Fut>(
    ctx: &Ctx,
    app: &AppConfig,
    args: &CustomerArgs,
    title: &str,
    op: F,
) -> anyhow::Result<ExitCode>
where
    F: Fn(CustomerConfig) -> Fut,
    Fut: Future<Output = anyhow::Result<Step>>,
{
    let items = args.select(app)?.into_iter().map(|c| (c.customer_code.to_string(), c)).collect();
    run_named(ctx, "customer", items, usize::from(args.max_customer_concurrency), title, op).await
}

/// Runs `op` for every `(name, item)`, `concurrency` at a time; `noun` names the items in the JSON
/// document (`customer`, `org`).
pub async fn run_named<T, F, Fut>(
    ctx: &Ctx,
    noun: &'static str,
    items: Vec<(String, T)>,
    concurrency: usize,
    title: &str,
    op: F,
) -> anyhow::Result<ExitCode>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = anyhow::Result<Step>>,
{
    let started = Instant::now();
    let overall = if items.len() > 1 {
        ctx.progress.bar(items.len() as u64, &format!("{noun}s"), title)
    } else {
        ctx.progress.spinner("", title)
    };
    let mut outcomes: Vec<Outcome> = futures::stream::iter(items)
        .map(|(name, item)| {
            let span = tracing::info_span!("per_customer", item = %name, command = title);
            let fut = op(item);
            async move {
                let t = Instant::now();
                let result = fut.await;
                (name, result, t.elapsed())
            }
            .instrument(span)
        })
        .buffer_unordered(concurrency.max(1))
        .map(|(name, result, took)| {
            let outcome = outcome(&name, result, took);
            overall.inc(1);
            log(noun, &outcome);
            if !ctx.json() {
                ctx.printer.print(&block(&outcome));
            }
            outcome
        })
        .collect()
        .await;
    overall.finish_and_clear();
    outcomes.sort_by(|a, b| a.customer.cmp(&b.customer));
    let failed = outcomes.iter().filter(|o| o.status == "failed").count();
    let skipped = outcomes.iter().filter(|o| o.status == "skipped").count();
    let succeeded = outcomes.len() - failed - skipped;
    let elapsed = started.elapsed();
    if ctx.json() {
        let entries: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                let mut v = serde_json::to_value(o).unwrap_or_default();
                if let Some(map) = v.as_object_mut()
                    && let Some(name) = map.remove("customer")
                {
                    map.insert(noun.to_owned(), name);
                }
                v
            })
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("command".into(), json!(title));
        doc.insert(format!("{noun}s"), json!(entries));
        doc.insert(
            "summary".into(),
            json!({"total": outcomes.len(), "succeeded": succeeded, "failed": failed, "skipped": skipped,
                   "duration_ms": elapsed.as_millis()}),
        );
        ctx.printer.json(&serde_json::Value::Object(doc));
    } else {
        ctx.printer.print(&summary(noun, &outcomes, succeeded, failed, skipped, elapsed));
    }
    tracing::info!(command = title, succeeded, failed, skipped, duration_ms = elapsed.as_millis() as u64, "done");
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn outcome(name: &str, result: anyhow::Result<Step>, took: Duration) -> Outcome {
    let mut o = Outcome {
        customer: name.to_owned(),
        status: "ok",
        error: None,
        reason: None,
        result: None,
        duration_ms: took.as_millis(),
        text: String::new(),
        counts: None,
    };
    match result {
        Ok(Step::Done(report)) => {
            if let Some(why) = report.refused {
                o.status = "failed";
                o.error = Some(why);
            } else if report.failures > 0 {
                o.status = "failed";
                o.error = Some(format!("{} item(s) failed", report.failures));
            }
            o.counts = report.counts;
            o.text = report.text;
            o.result = Some(report.json);
        }
        Ok(Step::Skipped(why)) => {
            o.status = "skipped";
            o.text = why.clone();
            o.reason = Some(why);
        }
        Err(e) => {
            o.status = "failed";
            o.error = Some(format!("{e:#}"));
        }
    }
    o
}

/// One log line per item; a customer's line carries its contact counts as fields.
fn log(noun: &str, o: &Outcome) {
    let (item, ms) = (o.customer.as_str(), o.duration_ms as u64);
    let error = o.error.as_deref().unwrap_or_default();
    match (o.status, o.counts) {
        ("failed", Some(c)) => tracing::error!(
            item,
            kind = noun,
            error,
            added = c.added,
            updated = c.updated,
            removed = c.removed,
            failed = c.failed,
            duration_ms = ms,
            "failed"
        ),
        ("failed", None) => tracing::error!(item, kind = noun, error, duration_ms = ms, "failed"),
        ("skipped", _) => {
            tracing::warn!(item, kind = noun, reason = o.reason.as_deref().unwrap_or_default(), "skipped")
        }
        (_, Some(c)) => tracing::info!(
            item,
            kind = noun,
            added = c.added,
            updated = c.updated,
            removed = c.removed,
            failed = c.failed,
            duration_ms = ms,
            "done"
        ),
        _ => tracing::info!(item, kind = noun, duration_ms = ms, "done"),
    }
}

/// One customer's block for `--output table`.
fn block(o: &Outcome) -> String {
    let head = match o.status {
        "failed" => format!("== {} ✘ failed", o.customer),
        "skipped" => format!("== {} – skipped", o.customer),
        _ => format!("== {} ✔", o.customer),
    };
    let mut out = head;
    if !o.text.is_empty() {
        out.push('\n');
        out.push_str(o.text.trim_end());
    }
    if let Some(e) = &o.error {
        out.push_str("\nerror: ");
        out.push_str(e);
    }
    out.push('\n');
    out
}

fn summary(
    noun: &str,
    outcomes: &[Outcome],
    succeeded: usize,
    failed: usize,
    skipped: usize,
    elapsed: Duration,
) -> String {
    let mut out = format!(
        "Summary: {} {noun}(s): {succeeded} succeeded, {failed} failed, {skipped} skipped in {:.1}s",
        outcomes.len(),
        elapsed.as_secs_f64()
    );
    for o in outcomes.iter().filter(|o| o.status == "failed") {
        out.push_str(&format!("\n  ✘ {}: {}", o.customer, o.error.as_deref().unwrap_or_default()));
    }
    out
}
