//! The Identity Center → SES contact sync for the selected customers: `ccm sync` (the scheduled
//! task: customers without an Identity Center role are skipped, even when named) and `ccm
//! identity-center sync` (naming such a customer is an error). The rules are in
//! `ccm_admin::sync`; this module reads the directory and the list, guards the plan, prints
//! it and applies it. Use `ccm sync` with `--log-format json` for the log pipeline: one line per
//! customer with its added/updated/removed counts; the exit code is 1 when any customer failed.
//!
//! Each managed directory user's `Timezone` also goes into the customer's zone book in the metadata
//! bucket (`--bucket`, `s3_config.bucket_name` or `--data`; ADR 0015), the copy the processor reads;
//! users without one leave their entry alone. Without a bucket the book is not written (a warning).

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::anyhow;
use ccm_admin::ContactRecord;
use ccm_admin::apply::apply;
use ccm_admin::groups;
use ccm_admin::identity_center::DirectoryUser;
use ccm_admin::sync::{ContactUpdate, PlanOptions, SyncPlan, UpdateKind, mass_removal, plan, wanted_contacts};
use ccm_core::EmailAddress;
use ccm_core::config::{CustomerConfig, ExpandedTopic, shared_ses_accounts};
use ccm_core::ports::DocumentStore;
use clap::Args;
use serde_json::json;

use super::changes;
use super::context::Ctx;
use super::identity_center::{DirectoryArgs, open_directory, skipped};
use super::metadata_store::StoreArgs;
use super::output::{joined, table};
use super::pace::PaceArgs;
use super::per_customer::{self, Counts, CustomerArgs, Report, Step};
use super::ses::{dry, open_list, read_in_detail};

pub const EXAMPLES: &str = "Examples:\n  ccm --log-format json sync --all-customers                        the scheduled task\n  ccm sync --all-customers --dry-run --output json\n  ccm sync --customer acme,globex --requests-per-second 5 --max-customer-concurrency 2\n  ccm sync --customer acme --allow-mass-removal                      after checking the plan";

pub type SyncArgs = SyncOptions;

#[derive(Debug, Clone, Args)]
pub struct SyncOptions {
    #[command(flatten)]
    pub customers: CustomerArgs,
    #[command(flatten)]
    pub directory: DirectoryArgs,
    #[command(flatten)]
    pub pace: PaceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Take over contacts added by hand whose address a directory user has (shown as `adopt` in the
    /// plan). Adopted contacts are never deleted: when their user leaves they are handed back.
    #[arg(long)]
    pub adopt: bool,
    /// Go on when the directory has no active user with an address (which would remove every
    /// managed contact); refused by default as a likely misconfiguration.
    #[arg(long)]
    pub allow_empty_directory: bool,
    /// Go on when the sync would remove more than --max-removal-percent of the managed contacts.
    #[arg(long)]
    pub allow_mass_removal: bool,
    /// The share of a customer's managed contacts (in %) one sync may remove without
    /// --allow-mass-removal (a single removal is always allowed).
    #[arg(long, env = "CCM_MAX_REMOVAL_PERCENT", hide_env_values = true, default_value_t = 20, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub max_removal_percent: u8,
    /// Print the adds, updates and removals; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, args: SyncArgs) -> anyhow::Result<ExitCode> {
    run_sync(ctx, args, "sync").await
}

/// The sync for every selected customer. `ccm sync` skips customers without an Identity Center
/// role; `ccm identity-center sync` refuses one named explicitly.
pub async fn run_sync(ctx: &Ctx, options: SyncOptions, title: &str) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let topics = ctx.topics()?.expand();
    let role_required = title != "sync" && !options.customers.target.all_customers;
    let shared = shared_ses_accounts(&app);
    let book = options.store.open(ctx).await?;
    let book = book.as_deref();
    let (topics, options, shared) = (&topics, &options, &shared);
    per_customer::run(ctx, &app, &options.customers, title, |c| async move {
        let sharing = shared.iter().find(|(_, codes)| codes.contains(&c.customer_code));
        if let (Some(((account, region), codes)), true) = (sharing, has_role(&c, options)) {
            let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
            return Err(anyhow!(
                "customers {} share SES account {account} in {region} (one contact list): syncing one would remove \
                 the other's contacts; give each its own account (`ccm config validate` names the fields)",
                codes.join(" and ")
            ));
        }
        sync_customer(ctx, &c, topics, options, role_required, book).await
    })
    .await
}

fn has_role(c: &CustomerConfig, options: &SyncOptions) -> bool {
    options.directory.identity_center_role_arn.is_some() || c.identity_center_role_arn.is_some()
}

async fn sync_customer(
    ctx: &Ctx,
    customer: &CustomerConfig,
    topics: &[ExpandedTopic],
    options: &SyncOptions,
    role_required: bool,
    book: Option<&dyn DocumentStore>,
) -> anyhow::Result<Step> {
    let label = customer.customer_code.as_str();
    let Some((ic, store)) = open_directory(ctx, customer, &options.directory, role_required).await? else {
        return Ok(skipped());
    };
    let pacer = options.pace.pacer();
    let concurrency = options.pace.concurrency();
    let users = ic.users(&store, None).await?;
    let groups: BTreeMap<String, String> =
        ic.groups(&store).await?.into_iter().filter(|(_, name)| groups::parse(name).is_some()).collect();
    let bar = ctx.progress.bar(groups.len() as u64, label, "reading groups");
    let memberships = ic.memberships(&store, &groups, &pacer, concurrency, || bar.inc(1)).await?;
    bar.finish_and_clear();
    let roles: BTreeMap<String, BTreeSet<String>> = memberships
        .into_iter()
        .map(|(user, groups)| (user, groups.iter().filter_map(|g| groups::parse(g)).map(|g| g.role).collect()))
        .collect();

    let (ses, list) = open_list(ctx, customer).await?;
    let (wanted, missing_topics) =
        wanted_contacts(&users, &roles, topics, &list.topic_names(), &customer.additional_contacts);
    if !missing_topics.is_empty() {
        tracing::warn!(topics = %missing_topics.iter().cloned().collect::<Vec<_>>().join(","), list = %list.name, "topics missing from the list are not synced; run `ccm ses topics apply`");
    }
    let current = read_in_detail(ctx, &ses, &list.name, &options.pace, label).await?;
    let active_with_email = active_users(&users);
    if active_with_email == 0 && current.iter().any(|c| c.is_managed()) && !options.allow_empty_directory {
        return Err(anyhow!(
            "identity store {store} has no active user with an e-mail address; refusing to remove every managed contact (pass --allow-empty-directory if that is intended)"
        ));
    }
    let sync_plan = plan(&current, &wanted, PlanOptions { adopt: options.adopt });
    let managed = current.iter().filter(|c| c.is_managed()).count();
    let guard = mass_removal(&sync_plan, managed, options.max_removal_percent).filter(|_| !options.allow_mass_removal);
    let planned = sync_plan.changes_to_apply();
    let mut summary = json!({
        "list": list.name, "identity_store_id": store, "users": users.len(), "active_users_with_email": active_with_email,
        "role_groups": groups.len(), "contacts_before": current.len(), "managed_before": managed,
        "missing_topics": missing_topics, "dry_run": options.dry_run, "plan": plan_json(&sync_plan),
    });
    let mut text = describe(&list.name, &store, users.len(), &sync_plan, options.dry_run, &missing_topics);
    let planned_counts = Counts {
        added: sync_plan.add.len(),
        updated: sync_plan.update.len(),
        removed: sync_plan.remove.len(),
        failed: 0,
    };
    if let Some(why) = guard {
        text.push_str(&format!("\nrefused, nothing changed: {why}"));
        summary["changes"] = json!([]);
        summary["refused"] = json!(why);
        return Ok(Report::new(summary, text).with_counts(planned_counts).refused(why).into());
    }
    let entries = zone_entries(&wanted, &sync_plan);
    let book_change = match book {
        Some(store) if !entries.is_empty() => {
            super::ses::zone_entries::write(store, &customer.customer_code, &entries, options.dry_run).await?
        }
        Some(_) => None,
        None => {
            if !entries.is_empty() {
                tracing::warn!(users = entries.len(), "no metadata bucket: the zone book is not written");
                text.push_str(&format!(
                    "\nwarning: {} user zone(s) not written to the zone book: no metadata bucket (--bucket or s3_config.bucket_name)",
                    entries.len()
                ));
            }
            None
        }
    };
    summary["zone_book"] = json!({"users_with_zone": entries.len(), "changed": book_change.is_some()});
    if options.dry_run || sync_plan.is_empty() {
        let mut all = changes::of_contacts(&planned, None);
        all.extend(book_change);
        summary["changes"] = json!(all);
        let counts = if options.dry_run { planned_counts } else { Counts::default() };
        return Ok(Report::new(summary, text).with_counts(counts).into());
    }
    let bar = ctx.progress.bar(sync_plan.changes() as u64, label, "changing contacts");
    let applied = apply(&ses, &list.name, planned.clone(), &pacer, concurrency, || bar.inc(1)).await;
    bar.finish_and_clear();
    text.push_str(&format!(
        "\napplied: {} added, {} updated, {} removed, {} failed",
        applied.added,
        applied.updated,
        applied.removed,
        applied.failed.len()
    ));
    for f in &applied.failed {
        text.push_str(&format!("\n  ✘ {} {}: {}", f.action, f.email, f.error));
    }
    let failures = applied.failed.len();
    let counts = Counts { added: applied.added, updated: applied.updated, removed: applied.removed, failed: failures };
    let mut all = changes::of_contacts(&planned, Some(&applied));
    all.extend(book_change);
    summary["changes"] = json!(all);
    summary["applied"] = serde_json::to_value(&applied)?;
    Ok(Report::new(summary, text).with_failures(failures).with_counts(counts).into())
}

/// The zone book entries the sync sets: each directory user's valid `Timezone`, for the contacts
/// ccm manages (not those left alone because adoption was not asked).
fn zone_entries(wanted: &[ccm_admin::sync::Wanted], plan: &SyncPlan) -> super::ses::zone_entries::Entries {
    let left_alone: BTreeSet<String> = plan.not_adopted.iter().map(|e| e.to_lowercase()).collect();
    wanted
        .iter()
        .filter(|w| !left_alone.contains(&w.email.to_lowercase()))
        .filter_map(|w| Some((EmailAddress::parse(&w.email).ok()?, Some(w.timezone?))))
        .collect()
}

fn active_users(users: &[DirectoryUser]) -> usize {
    users.iter().filter(|u| u.active && u.email.as_deref().is_some_and(|e| e.contains('@'))).count()
}

fn topics_of(c: &ContactRecord) -> BTreeMap<String, &'static str> {
    c.topic_preferences.iter().map(|(t, s)| (t.clone(), s.as_str())).collect()
}

fn plan_json(p: &SyncPlan) -> serde_json::Value {
    json!({
        "add": p.add.iter().map(|c| json!({"email": c.email, "topics": topics_of(c)})).collect::<Vec<_>>(),
        "update": p.update.iter().map(|u| json!({"email": u.after.email, "kind": verb(u),
            "before": topics_of(&u.before), "after": topics_of(&u.after),
            "unsubscribe_all": u.after.unsubscribe_all})).collect::<Vec<_>>(),
        "remove": p.remove.iter().map(|c| c.email.clone()).collect::<Vec<_>>(),
        "unchanged": p.unchanged,
        "kept_manual": p.kept_manual,
        "not_adopted": p.not_adopted,
    })
}

/// `update`, `adopt`, `release`, or `mark` when only ccm's marker changes (what the contact
/// receives and the zone it reads times in stay the same).
fn verb(u: &ContactUpdate) -> &'static str {
    match u.kind {
        UpdateKind::Adopt => "adopt",
        UpdateKind::Release => "release",
        UpdateKind::Update if u.changes_preferences() || u.before.timezone() != u.after.timezone() => "update",
        UpdateKind::Update => "mark",
    }
}

/// What changes in the contact's preferences, e.g. `+aws-calendar=OPT_IN, -aws-approval (was OPT_IN)`.
fn preference_diff(before: &ContactRecord, after: &ContactRecord) -> String {
    let topics: BTreeSet<&String> = before.topic_preferences.keys().chain(after.topic_preferences.keys()).collect();
    let mut parts = Vec::new();
    for t in topics {
        match (before.topic_preferences.get(t), after.topic_preferences.get(t)) {
            (None, Some(a)) => parts.push(format!("+{t}={}", a.as_str())),
            (Some(b), None) => parts.push(format!("-{t} (was {})", b.as_str())),
            (Some(b), Some(a)) if a != b => parts.push(format!("{t} {}→{}", b.as_str(), a.as_str())),
            _ => {}
        }
    }
    if before.unsubscribe_all != after.unsubscribe_all {
        parts.push(format!("unsubscribe-all {}→{}", before.unsubscribe_all, after.unsubscribe_all));
    }
    if parts.is_empty() { "preferences unchanged".into() } else { parts.join(", ") }
}

fn prefs(c: &ContactRecord) -> String {
    joined(c.topic_preferences.iter().map(|(t, s)| format!("{t}={}", s.as_str())))
}

fn unsubscribed_note(c: &ContactRecord) -> &'static str {
    if c.unsubscribe_all { "; unsubscribed from all: receives nothing" } else { "" }
}

fn describe(list: &str, store: &str, users: usize, p: &SyncPlan, dry_run: bool, missing: &BTreeSet<String>) -> String {
    let mut text = format!(
        "{}identity store {store} ({users} user(s)) → list {list}: {} to add, {} to update, {} to remove, {} unchanged, {} added by hand kept",
        dry(dry_run),
        p.add.len(),
        p.update.len(),
        p.remove.len(),
        p.unchanged,
        p.kept_manual + p.not_adopted.len()
    );
    if !missing.is_empty() {
        text.push_str(&format!("\nwarning: topics not in the list (run `ccm ses topics apply`): {}", joined(missing)));
    }
    // Everything in a dry run; the first few otherwise.
    let limit = if dry_run { usize::MAX } else { 20 };
    let mut rows: Vec<Vec<String>> = Vec::new();
    rows.extend(p.add.iter().map(|c| vec!["add".into(), c.email.clone(), prefs(c)]));
    rows.extend(p.update.iter().map(|u| {
        let what = match verb(u) {
            "adopt" => format!("added by hand, managed by ccm from now on: {}", preference_diff(&u.before, &u.after)),
            "release" => {
                format!("adopted, user left: handed back ({}), the contact stays", preference_diff(&u.before, &u.after))
            }
            "mark" => format!(
                "preferences unchanged; ccm now manages {}",
                joined(u.after.marker().map(|m| m.topics_set).unwrap_or_default())
            ),
            _ => preference_diff(&u.before, &u.after),
        };
        vec![verb(u).into(), u.after.email.clone(), format!("{what}{}", unsubscribed_note(&u.after))]
    }));
    rows.extend(p.remove.iter().map(|c| {
        vec!["remove".into(), c.email.clone(), format!("left Identity Center or disabled{}", unsubscribed_note(c))]
    }));
    rows.extend(p.not_adopted.iter().map(|e| {
        vec![
            "keep".into(),
            e.clone(),
            "added by hand; a directory user has this address (--adopt takes it over)".into(),
        ]
    }));
    let total = rows.len();
    if total > 0 {
        rows.truncate(limit);
        text.push('\n');
        text.push_str(&table(&["change", "email", "preferences"], &rows));
        if total > rows.len() {
            text.push_str(&format!("\n… and {} more (--output json lists them all)", total - rows.len()));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use ccm_core::config::SubscriptionStatus;

    use super::*;

    fn contact(prefs: &[(&str, SubscriptionStatus)], unsubscribe_all: bool) -> ContactRecord {
        let mut c = ContactRecord::new("a@x.com");
        c.topic_preferences = prefs.iter().map(|(t, s)| (t.to_string(), *s)).collect();
        c.unsubscribe_all = unsubscribe_all;
        c
    }

    #[test]
    fn a_preference_diff_shows_only_what_changes() {
        use SubscriptionStatus::{OptIn, OptOut};
        let before = contact(&[("a", OptIn), ("b", OptIn), ("c", OptOut)], false);
        let after = contact(&[("a", OptIn), ("c", OptIn), ("d", OptIn)], false);
        assert_eq!(preference_diff(&before, &after), "-b (was OPT_IN), c OPT_OUT→OPT_IN, +d=OPT_IN");
        assert_eq!(preference_diff(&before, &before), "preferences unchanged");
    }

    #[test]
    fn a_marker_only_update_is_shown_as_mark_not_as_an_update() {
        let before = contact(&[], false);
        let mut after = before.clone();
        after.set_marker(&ccm_admin::ManagedMarker::default());
        let u = ContactUpdate { before, after, kind: UpdateKind::Update };
        assert_eq!(verb(&u), "mark");
    }

    #[test]
    fn the_plan_shows_unsubscribe_all() {
        let mut c = contact(&[], true);
        c.set_marker(&ccm_admin::ManagedMarker::default());
        let p = SyncPlan { remove: vec![c], ..SyncPlan::default() };
        let text = describe("l", "d-1", 0, &p, true, &BTreeSet::new());
        assert!(text.contains("unsubscribed from all"), "{text}");
    }
}
