//! `ccm reminders sweep [--dry-run]`: one reminder sweep by hand, the same as the scheduled
//! `ccm-reminders` Lambda and `ccm serve`'s timer ([`ccm_processor::sweep`]). Over the bucket with
//! the shared index (`--table`; without it the bucket is indexed in memory first), or over a `ccm
//! serve` data directory (`--data`: its queue sends what is handed off at the next start). With
//! `--dry-run` it lists what is due and writes nothing.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ccm_core::ports::{DocumentStore, ObjectIndex, SystemClock};
use ccm_embedded::{EmbeddedStore, MemoryIndex};
use ccm_processor::{Sweep, SweepReport};
use clap::{Args, Subcommand};

use super::context::Ctx;
use super::output::table;

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// Find the reminders due now (approved windows within their lead time, submissions waiting
    /// too long) and hand each one not yet sent to its customer's processor.
    #[command(
        after_help = "Examples:\n  ccm reminders sweep --table ccm-index --dry-run\n  ccm reminders sweep --bucket ccm-metadata --table ccm-index\n  ccm reminders sweep --data .data --dry-run"
    )]
    Sweep(SweepArgs),
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The metadata bucket (defaults to config.json's s3_config.bucket_name).
    #[arg(long, env = "CCM_BUCKET", conflicts_with = "data")]
    pub bucket: Option<String>,
    /// The DynamoDB table of the shared index; without it the bucket is indexed in memory.
    #[arg(long, env = "CCM_INDEX_TABLE", conflicts_with = "data")]
    pub table: Option<String>,
    /// A `ccm serve` data directory instead of the bucket.
    #[arg(long)]
    pub data: Option<std::path::PathBuf>,
    /// List what is due without handing anything off.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, cmd: RemindersCommand) -> anyhow::Result<ExitCode> {
    let RemindersCommand::Sweep(args) = cmd;
    let config = Arc::new(ctx.app()?);
    let (store, index): (Arc<dyn DocumentStore>, Arc<dyn ObjectIndex>) = match &args.data {
        Some(dir) => {
            let store = EmbeddedStore::open(dir)
                .await
                .with_context(|| format!("opening the data directory {}", dir.display()))?;
            let index = MemoryIndex::rebuild_from(&*store).await.context("indexing the data directory")?;
            (store, Arc::new(index))
        }
        None => {
            let bucket = match &args.bucket {
                Some(b) => b.clone(),
                None => config
                    .s3_config
                    .as_ref()
                    .map(|s| s.bucket_name.clone())
                    .context("--bucket (or s3_config.bucket_name) is needed")?,
            };
            let client = ccm_aws::sdk::s3_client(&ctx.sdk, ctx.sdk.endpoint_url().is_some());
            let store: Arc<dyn DocumentStore> = Arc::new(ccm_aws::S3DocumentStore::new(client, &bucket));
            let index: Arc<dyn ObjectIndex> = match &args.table {
                Some(table) => Arc::new(
                    ccm_aws::index::open(aws_sdk_dynamodb::Client::new(&ctx.sdk), table, store.clone())
                        .await
                        .context("opening the shared index")?,
                ),
                None => Arc::new(MemoryIndex::rebuild_from(&*store).await.context("indexing the bucket")?),
            };
            (store, index)
        }
    };
    let sweep = Sweep { store, index, config, clock: Arc::new(SystemClock) };
    let report = sweep.run(args.dry_run).await?;
    print(ctx, &report);
    Ok(ExitCode::SUCCESS)
}

fn print(ctx: &Ctx, report: &SweepReport) {
    if ctx.json() {
        ctx.printer.json(&serde_json::to_value(report).unwrap_or_default());
        return;
    }
    let rows: Vec<Vec<String>> = report
        .due
        .iter()
        .map(|d| {
            vec![d.customer.to_string(), d.object.to_string(), format!("v{}", d.version), d.kind.as_str().to_owned()]
        })
        .collect();
    if !rows.is_empty() {
        ctx.printer.print(&table(&["CUSTOMER", "OBJECT", "VERSION", "KIND"], &rows));
    }
    let verb = if report.dry_run { "would be handed off" } else { "handed off" };
    ctx.printer.print(&format!(
        "{} due ({} {verb}, {} already waiting), {} already sent\n",
        report.due.len(),
        if report.dry_run { report.due.len() } else { report.handed_off },
        report.pending,
        report.already_sent
    ));
}
