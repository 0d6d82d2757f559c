//! `ccm ses backup` and `ccm ses restore`: the whole list (every page of contacts, with the
//! attributes that mark ccm-managed contacts) to the original's backup format and back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use ccm_admin::apply::{ContactChange, apply};
use ccm_admin::backup::BackupFile;
use ccm_admin::{ContactRecord, ListInfo, SesAdmin, TopicInfo};
use clap::Args;
use serde_json::json;

use super::{dry, open_list};
use crate::commands::changes::{self, Change};
use crate::commands::context::{Ctx, read_json};
use crate::commands::pace::PaceArgs;
use crate::commands::per_customer::{self, Counts, CustomerArgs, Report};

pub const BACKUP_EXAMPLES: &str = "Examples:\n  ccm ses backup --customer acme --dir backups/\n  ccm ses backup --all-customers --dir backups/ --output json";
pub const RESTORE_EXAMPLES: &str = "Examples:\n  ccm ses restore --customer acme --file backups/acme/ses-backup-….json --dry-run\n  ccm ses restore --customer acme --file backup.json --overwrite   reset existing contacts too";

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// Directory for the backup files ({dir}/{customer}/ses-backup-{list}-{YYYYMMDD-HHMMSS}.json).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub pace: PaceArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// A backup file written by `ccm ses backup` (or the original tool).
    #[arg(long)]
    pub file: PathBuf,
    /// Also set contacts that exist to their state in the backup (otherwise they are left alone).
    #[arg(long)]
    pub overwrite: bool,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run_backup(ctx: &Ctx, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    per_customer::run(ctx, &app, &args.customers, "ses backup", |c| {
        let (dir, pace) = (args.dir.clone(), args.pace.clone());
        async move {
            let (ses, list) = open_list(ctx, &c).await?;
            let (path, contacts) =
                write_backup(ctx, &ses, &list, &dir, &pace, c.customer_code.as_str(), "backup", false).await?;
            let text = format!("list {}: {} contact(s) written to {}", list.name, contacts.len(), path.display());
            Ok(Report::new(json!({"list": list.name, "file": path, "contacts": contacts.len()}), text).into())
        }
    })
    .await
}

/// Reads every contact with its attributes and writes the backup file (not with `dry_run`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_backup(
    ctx: &Ctx,
    ses: &SesAdmin,
    list: &ListInfo,
    dir: &Path,
    pace: &PaceArgs,
    label: &str,
    action: &str,
    dry_run: bool,
) -> anyhow::Result<(PathBuf, Vec<ContactRecord>)> {
    let contacts = super::read_in_detail(ctx, ses, &list.name, pace, label).await?;
    let now = chrono::Utc::now();
    let backup = BackupFile::new(list, &contacts, now, action);
    // One directory per customer: every customer's list may have the same name.
    let dir = dir.join(label);
    let path = dir.join(BackupFile::file_name(&list.name, now));
    if !dry_run {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let text = serde_json::to_string_pretty(&backup)?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(file = %path.display(), contacts = contacts.len(), "backup written");
    }
    Ok((path, contacts))
}

pub async fn run_restore(ctx: &Ctx, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let backup: BackupFile = read_json(&args.file)?;
    per_customer::run(ctx, &app, &args.customers, "ses restore", |c| {
        let (backup, pace) = (backup.clone(), args.pace.clone());
        let (overwrite, dry_run) = (args.overwrite, args.dry_run);
        async move {
            let ses = ctx.ses_admin(&c).await;
            let mut notes = Vec::new();
            let mut writes = Vec::new();
            // The list: created from the backup when missing; topics the backup has and the list
            // lacks are added (never removed).
            let list = match ses.resolve_list().await? {
                None => {
                    let name = c.contact_list_name.clone().unwrap_or_else(|| backup.contact_list.name.clone());
                    notes.push(format!(
                        "create list {name} with the backup's {} topics",
                        backup.contact_list.topics.len()
                    ));
                    let topics: Vec<&str> = backup.contact_list.topics.iter().map(|t| t.name.as_str()).collect();
                    writes.push(Change::new("SES CreateContactList", &name).with(json!({"topics": topics})));
                    if !dry_run {
                        ses.create_list(&name, backup.contact_list.description.as_deref(), &backup.contact_list.topics)
                            .await?;
                    }
                    ListInfo {
                        name,
                        description: backup.contact_list.description.clone(),
                        topics: backup.contact_list.topics.clone(),
                        created_at: None,
                        updated_at: None,
                    }
                }
                Some(name) => {
                    let mut list = ses.get_list(&name).await?.context("the list disappeared")?;
                    let missing: Vec<TopicInfo> = backup
                        .contact_list
                        .topics
                        .iter()
                        .filter(|t| !list.topic_names().contains(&t.name))
                        .cloned()
                        .collect();
                    if !missing.is_empty() {
                        let names: Vec<&str> = missing.iter().map(|t| t.name.as_str()).collect();
                        notes.push(format!("add topics {}", names.join(", ")));
                        writes.push(Change::new("SES UpdateContactList", &name).with(json!({"add_topics": names})));
                        list.topics.extend(missing);
                        if !dry_run {
                            ses.update_list(&list.name, list.description.as_deref(), &list.topics).await?;
                        }
                    }
                    list
                }
            };
            // With --overwrite the attributes count too, so contacts are read in detail.
            let label = c.customer_code.as_str();
            let current: BTreeMap<String, ContactRecord> = match ses.get_list(&list.name).await? {
                None => Vec::new(),
                Some(_) if overwrite => super::read_in_detail(ctx, &ses, &list.name, &pace, label).await?,
                Some(_) => ses.contacts(&list.name, None, |_| {}).await?,
            }
            .into_iter()
            .map(|c| (c.email.to_lowercase(), c))
            .collect();
            let known = list.topic_names();
            let mut changes = Vec::new();
            let mut kept = 0;
            for mut contact in backup.records() {
                contact.topic_preferences.retain(|t, _| known.contains(t));
                match current.get(&contact.email.to_lowercase()) {
                    None => changes.push(ContactChange::Create(contact)),
                    Some(existing) if overwrite => {
                        contact.email = existing.email.clone();
                        if contact == *existing {
                            kept += 1;
                        } else {
                            changes.push(ContactChange::Update(contact));
                        }
                    }
                    Some(_) => kept += 1,
                }
            }
            let creates = changes.iter().filter(|c| matches!(c, ContactChange::Create(_))).count();
            let updates = changes.len() - creates;
            notes.push(format!("add {creates} contact(s), reset {updates}, leave {kept} existing one(s) as they are"));
            let text = format!(
                "{}restore list {} from {}:\n  {}",
                dry(dry_run),
                list.name,
                backup.backup_metadata.timestamp,
                notes.join("\n  ")
            );
            if dry_run {
                writes.extend(changes::of_contacts(&changes, None));
                let counts = Counts { added: creates, updated: updates, ..Counts::default() };
                return Ok(Report::new(
                    json!({"list": list.name, "dry_run": true, "changes": writes, "kept": kept}),
                    text,
                )
                .with_counts(counts)
                .into());
            }
            let bar = ctx.progress.bar(changes.len() as u64, label, "restoring contacts");
            let applied =
                apply(&ses, &list.name, changes.clone(), &pace.pacer(), pace.concurrency(), || bar.inc(1)).await;
            bar.finish_and_clear();
            let failures = applied.failed.len();
            writes.extend(changes::of_contacts(&changes, Some(&applied)));
            let counts = Counts { added: applied.added, updated: applied.updated, removed: 0, failed: failures };
            Ok(Report::new(json!({"list": list.name, "applied": applied, "kept": kept, "changes": writes}), text)
                .with_failures(failures)
                .with_counts(counts)
                .into())
        }
    })
    .await
}
