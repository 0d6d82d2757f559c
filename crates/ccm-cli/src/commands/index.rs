//! `ccm index rebuild|verify`: reconcile the shared index (the DynamoDB table every API instance
//! reads) with the bucket, which stays the source of truth. `verify` reports what differs and exits
//! 1 when anything does; `rebuild` writes every object's entry (ordered by version, so it never
//! rolls a newer entry back), removes what the bucket no longer has, and refreshes the snapshot.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ccm_aws::index::{Change, IndexTable, Reindexed, SyncedIndex, reindex_object};
use ccm_core::ports::{DocumentStore, list_all};
use ccm_core::{Object, ObjectId, StorageKey};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::output::table;

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Compare the shared index with the bucket (missing, stale and extra entries); exit 1 if they differ.
    #[command(after_help = "Example:\n  ccm index verify --bucket ccm-metadata --table ccm-index")]
    Verify(IndexArgs),
    /// Write every object of the bucket into the shared index, remove what the bucket no longer has,
    /// and refresh the snapshot cold starts read.
    #[command(
        after_help = "Examples:\n  ccm index rebuild --bucket ccm-metadata --table ccm-index --dry-run\n  ccm index rebuild --bucket ccm-metadata --table ccm-index"
    )]
    Rebuild {
        #[command(flatten)]
        target: IndexArgs,
        /// Show what would be written without writing it.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The metadata bucket (defaults to config.json's s3_config.bucket_name).
    #[arg(long, env = "CCM_BUCKET")]
    pub bucket: Option<String>,
    /// The DynamoDB table of the shared index.
    #[arg(long, env = "CCM_INDEX_TABLE")]
    pub table: String,
}

/// How one object stands between the bucket and the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Standing {
    /// In the bucket, not in the index.
    Missing,
    /// The index holds an older version than the bucket.
    Stale,
    /// In the index, gone from the bucket.
    Extra,
}

#[derive(Debug, Serialize)]
struct Difference {
    id: String,
    standing: Standing,
    bucket_version: Option<u32>,
    index_version: Option<u32>,
}

pub async fn run(ctx: &Ctx, cmd: IndexCommand) -> anyhow::Result<ExitCode> {
    let (args, rebuild, dry_run) = match &cmd {
        IndexCommand::Verify(args) => (args, false, false),
        IndexCommand::Rebuild { target, dry_run } => (target, true, *dry_run),
    };
    let bucket = match &args.bucket {
        Some(b) => b.clone(),
        None => ctx.app()?.s3_config.map(|s| s.bucket_name).context("--bucket (or s3_config.bucket_name) is needed")?,
    };
    let store: Arc<dyn DocumentStore> = Arc::new(ccm_aws::S3DocumentStore::new(
        ccm_aws::sdk::s3_client(&ctx.sdk, ctx.sdk.endpoint_url().is_some()),
        &bucket,
    ));
    let table = IndexTable::new(aws_sdk_dynamodb::Client::new(&ctx.sdk), &args.table);
    let differences = compare(&*store, &table).await?;

    if !rebuild || dry_run {
        report(ctx, &differences, if dry_run { "would write" } else { "differences" });
        let code = if differences.is_empty() || dry_run { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        return Ok(code);
    }
    let mut written = 0usize;
    for d in &differences {
        let id = ObjectId::parse(&d.id)?;
        match reindex_object(&*store, &table, &id).await? {
            Reindexed::Indexed { .. } | Reindexed::Removed => written = written.saturating_add(1),
            Reindexed::Superseded | Reindexed::Unreadable => {}
        }
    }
    let index = SyncedIndex::open(table, Some(&*store)).await?;
    let snapshot = index.write_snapshot(&*store).await?;
    let remaining = compare(&*store, index.table()).await?;
    if ctx.json() {
        ctx.printer
            .json(&json!({"written": written, "snapshot": snapshot, "objects": index.len(), "remaining": remaining}));
    } else {
        ctx.printer.print(&format!(
            "{written} entries written; the index holds {} objects; snapshot {}; {} differences remain\n",
            index.len(),
            if snapshot { "refreshed" } else { "already current" },
            remaining.len()
        ));
    }
    Ok(if remaining.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn report(ctx: &Ctx, differences: &[Difference], what: &str) {
    if ctx.json() {
        ctx.printer.json(&json!({ what.replace(' ', "_"): differences }));
        return;
    }
    if differences.is_empty() {
        ctx.printer.print("the index matches the bucket\n");
        return;
    }
    let version = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = differences
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                format!("{:?}", d.standing).to_lowercase(),
                version(d.bucket_version),
                version(d.index_version),
            ]
        })
        .collect();
    ctx.printer.print(&table(&["object", what, "bucket version", "index version"], &rows));
}

/// Every object whose index entry differs from the bucket.
async fn compare(store: &dyn DocumentStore, table: &IndexTable) -> anyhow::Result<Vec<Difference>> {
    let mut bucket: BTreeMap<ObjectId, u32> = BTreeMap::new();
    for prefix in [StorageKey::DRAFTS_PREFIX, StorageKey::ARCHIVE_PREFIX] {
        for listed in list_all(store, prefix).await? {
            let Ok(key @ (StorageKey::Archive(_) | StorageKey::Draft(_))) = StorageKey::parse(&listed.key) else {
                continue;
            };
            let Some(doc) = store.get(&key).await? else { continue };
            match Object::from_json(&doc.body) {
                // The archive is read last and wins over a draft of the same id.
                Ok(o) => {
                    bucket.insert(o.id().clone(), o.life().version);
                }
                Err(e) => tracing::warn!(key = %listed.key, error = %e, "not indexable: the object does not parse"),
            }
        }
    }
    let mut index: BTreeMap<ObjectId, Option<u32>> = BTreeMap::new();
    for change in table.scan_all().await? {
        match change {
            Change::Upsert { record, version, .. } => index.insert(record.entry.id, Some(version)),
            Change::Removed { id, .. } => index.insert(id, None),
        };
    }
    let mut out = Vec::new();
    for (id, version) in &bucket {
        let standing = match index.get(id) {
            None | Some(None) => Some(Standing::Missing),
            Some(Some(v)) if v < version => Some(Standing::Stale),
            Some(Some(_)) => None,
        };
        if let Some(standing) = standing {
            out.push(Difference {
                id: id.to_string(),
                standing,
                bucket_version: Some(*version),
                index_version: index.get(id).copied().flatten(),
            });
        }
    }
    for (id, version) in &index {
        if let (Some(v), false) = (version, bucket.contains_key(id)) {
            out.push(Difference {
                id: id.to_string(),
                standing: Standing::Extra,
                bucket_version: None,
                index_version: Some(*v),
            });
        }
    }
    Ok(out)
}
