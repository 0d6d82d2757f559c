//! `ccm identity-center users|memberships|sync`: a customer's IAM Identity Center directory, read
//! through its `identity_center_role_arn` with the instance discovered by SSO Admin ListInstances,
//! and the sync of its users into the customer's SES contact list (see
//! `ccm_aws::admin::sync` for the rules: adds, topic updates that respect the contacts' own
//! choices, removals only of contacts ccm manages).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use ccm_aws::admin::apply::apply;
use ccm_aws::admin::groups;
use ccm_aws::admin::identity_center::{DirectoryUser, IdentityCenter};
use ccm_aws::admin::sync::{SyncPlan, plan, wanted_contacts};
use ccm_core::config::{CustomerConfig, ExpandedTopic};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::fanout::{self, CustomerArgs, Report, Step};
use super::output::{joined, table};
use super::pace::PaceArgs;
use super::ses::{dry, open_list};

#[derive(Debug, Subcommand)]
pub enum IdentityCenterCommand {
    /// The directory's users (all pages), or one by --username.
    #[command(
        after_help = "Examples:\n  ccm identity-center users --customer acme\n  ccm identity-center users --customer acme --username jane --output json\n  ccm identity-center users --all-customers --save exports/   writes identity-center-users-*.json"
    )]
    Users {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Only this user (their UserName).
        #[arg(long)]
        username: Option<String>,
        /// Write the original's export file into this directory.
        #[arg(long)]
        save: Option<PathBuf>,
        #[command(flatten)]
        directory: DirectoryArgs,
    },
    /// Each user's groups, and the roles those groups grant.
    #[command(
        after_help = "Examples:\n  ccm identity-center memberships --customer acme\n  ccm identity-center memberships --customer acme --username jane\n  ccm identity-center memberships --all-customers --save exports/"
    )]
    Memberships {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Only this user (their UserName).
        #[arg(long)]
        username: Option<String>,
        /// Write the original's user-centric export file into this directory.
        #[arg(long)]
        save: Option<PathBuf>,
        #[command(flatten)]
        directory: DirectoryArgs,
        #[command(flatten)]
        pace: PaceArgs,
    },
    /// Sync the directory into the customer's SES contact list: add new users, update the topics of
    /// contacts ccm manages (never a preference the contact chose), remove managed contacts whose
    /// user left or was disabled, keep contacts added by hand and the configured additional contacts.
    #[command(alias = "import", after_help = SYNC_EXAMPLES)]
    Sync(SyncOptions),
}

pub const SYNC_EXAMPLES: &str = "Examples:\n  ccm identity-center sync --customer acme --dry-run        print the adds, updates and removals\n  ccm identity-center sync --all-customers --requests-per-second 5 --max-concurrency 4\n  ccm identity-center sync --customer acme --identity-center-role-arn arn:aws:iam::1111…:role/r";

/// Where the directory is.
#[derive(Debug, Clone, Args)]
pub struct DirectoryArgs {
    /// Use this role instead of the customer's identity_center_role_arn.
    #[arg(long)]
    pub identity_center_role_arn: Option<String>,
    /// Use this identity store (d-xxxxxxxxxx) instead of discovering it with ListInstances.
    #[arg(long)]
    pub identity_store_id: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SyncOptions {
    #[command(flatten)]
    pub customers: CustomerArgs,
    #[command(flatten)]
    pub directory: DirectoryArgs,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Go on when the directory has no active user with an address (which would remove every
    /// managed contact); refused by default as a likely misconfiguration.
    #[arg(long)]
    pub allow_empty_directory: bool,
    /// Print the adds, updates and removals; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, cmd: IdentityCenterCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IdentityCenterCommand::Users { customers, username, save, directory } => {
            let app = ctx.app()?;
            fanout::run(ctx, &app, &customers, "identity-center users", |c| {
                let (username, save, directory) = (username.clone(), save.clone(), directory.clone());
                let explicit = !customers.target.all_customers;
                async move {
                    let Some((ic, store)) = open_directory(ctx, &c, &directory, explicit).await? else {
                        return Ok(skipped());
                    };
                    let users = ic.users(&store, username.as_deref()).await?;
                    if username.is_some() && users.is_empty() {
                        anyhow::bail!("no user named {:?}", username.unwrap_or_default());
                    }
                    let saved = match &save {
                        Some(dir) => Some(save_export(dir, &format!("identity-center-users-{store}"), &users)?),
                        None => None,
                    };
                    let rows: Vec<Vec<String>> = users
                        .iter()
                        .map(|u| {
                            vec![
                                u.user_name.clone(),
                                u.display_name.clone().unwrap_or_default(),
                                u.email.clone().unwrap_or_default(),
                                if u.active { "yes".into() } else { "no".into() },
                            ]
                        })
                        .collect();
                    let text = format!(
                        "identity store {store}: {} user(s){}\n{}",
                        users.len(),
                        saved.as_ref().map(|p| format!(", saved to {}", p.display())).unwrap_or_default(),
                        table(&["user name", "display name", "email", "active"], &rows)
                    );
                    Ok(Report::new(json!({"identity_store_id": store, "users": users, "saved": saved}), text).into())
                }
            })
            .await
        }
        IdentityCenterCommand::Memberships { customers, username, save, directory, pace } => {
            let app = ctx.app()?;
            fanout::run(ctx, &app, &customers, "identity-center memberships", |c| {
                let (username, save, directory, pace) =
                    (username.clone(), save.clone(), directory.clone(), pace.clone());
                let explicit = !customers.target.all_customers;
                async move {
                    let Some((ic, store)) = open_directory(ctx, &c, &directory, explicit).await? else {
                        return Ok(skipped());
                    };
                    let users = ic.users(&store, username.as_deref()).await?;
                    let groups = ic.groups(&store).await?;
                    let bar = ctx.progress.bar(groups.len() as u64, c.customer_code.as_str());
                    let by_user =
                        ic.memberships(&store, &groups, &pace.pacer(), pace.concurrency(), || bar.inc(1)).await?;
                    bar.finish_and_clear();
                    let entries: Vec<Membership> = users
                        .iter()
                        .map(|u| {
                            let groups: Vec<String> =
                                by_user.get(&u.user_id).map(|g| g.iter().cloned().collect()).unwrap_or_default();
                            let roles: BTreeSet<String> =
                                groups.iter().filter_map(|g| groups::parse(g)).map(|g| g.role).collect();
                            Membership {
                                user_id: u.user_id.clone(),
                                user_name: u.user_name.clone(),
                                display_name: u.display_name.clone(),
                                email: u.email.clone(),
                                groups,
                                roles: roles.into_iter().collect(),
                            }
                        })
                        .collect();
                    let saved = match &save {
                        Some(dir) => Some(save_export(
                            dir,
                            &format!("identity-center-group-memberships-user-centric-{store}"),
                            &entries,
                        )?),
                        None => None,
                    };
                    let rows: Vec<Vec<String>> = entries
                        .iter()
                        .map(|m| {
                            vec![
                                m.user_name.clone(),
                                m.email.clone().unwrap_or_default(),
                                joined(&m.roles),
                                m.groups.len().to_string(),
                            ]
                        })
                        .collect();
                    let text = format!(
                        "identity store {store}: {} user(s), {} group(s){}\n{}",
                        entries.len(),
                        groups.len(),
                        saved.as_ref().map(|p| format!(", saved to {}", p.display())).unwrap_or_default(),
                        table(&["user name", "email", "roles", "groups"], &rows)
                    );
                    Ok(Report::new(json!({"identity_store_id": store, "memberships": entries, "saved": saved}), text)
                        .into())
                }
            })
            .await
        }
        IdentityCenterCommand::Sync(options) => run_sync(ctx, options, "identity-center sync").await,
    }
}

/// The user-centric membership export (`identity-center-group-memberships-user-centric-*.json`),
/// plus the roles parsed from the groups.
#[derive(Debug, Serialize)]
struct Membership {
    user_id: String,
    user_name: String,
    display_name: Option<String>,
    email: Option<String>,
    groups: Vec<String>,
    roles: Vec<String>,
}

fn skipped() -> Step {
    Step::Skipped("no identity_center_role_arn configured".into())
}

/// The customer's directory client and identity store, `None` when the customer has no
/// Identity Center role (an error when the customer was named explicitly).
async fn open_directory(
    ctx: &Ctx,
    customer: &CustomerConfig,
    directory: &DirectoryArgs,
    explicit: bool,
) -> anyhow::Result<Option<(IdentityCenter, String)>> {
    let role = directory.identity_center_role_arn.as_deref().or(customer.identity_center_role_arn.as_deref());
    let Some(role) = role else {
        if explicit {
            anyhow::bail!(
                "customer {} has no identity_center_role_arn; configure it or pass --identity-center-role-arn",
                customer.customer_code
            );
        }
        return Ok(None);
    };
    let cfg = ctx.assume(role, &format!("ccm-cli-ic-{}", customer.customer_code), &customer.region).await;
    let ic = IdentityCenter::new(&cfg);
    let store = match &directory.identity_store_id {
        Some(id) => id.clone(),
        None => ic.discover().await?.identity_store_id,
    };
    Ok(Some((ic, store)))
}

fn save_export<T: Serialize>(dir: &Path, stem: &str, value: &T) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{stem}-{}.json", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
    std::fs::write(&path, serde_json::to_string_pretty(value)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The sync for every selected customer (shared by `ccm identity-center sync` and `ccm sync`).
pub async fn run_sync(ctx: &Ctx, options: SyncOptions, title: &str) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let topics = ctx.topics()?.expand();
    let explicit = !options.customers.target.all_customers;
    let (topics, options) = (&topics, &options);
    fanout::run(ctx, &app, &options.customers, title, |c| async move {
        sync_customer(ctx, &c, topics, options, explicit).await
    })
    .await
}

async fn sync_customer(
    ctx: &Ctx,
    customer: &CustomerConfig,
    topics: &[ExpandedTopic],
    options: &SyncOptions,
    explicit: bool,
) -> anyhow::Result<Step> {
    let label = customer.customer_code.as_str();
    let Some((ic, store)) = open_directory(ctx, customer, &options.directory, explicit).await? else {
        return Ok(skipped());
    };
    let pacer = options.pace.pacer();
    let concurrency = options.pace.concurrency();
    let users = ic.users(&store, None).await?;
    let groups: BTreeMap<String, String> =
        ic.groups(&store).await?.into_iter().filter(|(_, name)| groups::parse(name).is_some()).collect();
    let bar = ctx.progress.bar(groups.len() as u64, label);
    bar.set_message("groups");
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
    let bar = ctx.progress.spinner(label, "reading contacts");
    let current = ses.contacts_in_detail(&list.name, &pacer, concurrency, || bar.inc(1)).await?;
    bar.finish_and_clear();
    let active_with_email = active_users(&users);
    if active_with_email == 0 && current.iter().any(|c| c.is_managed()) && !options.allow_empty_directory {
        return Err(anyhow!(
            "identity store {store} has no active user with an e-mail address; refusing to remove every managed contact (pass --allow-empty-directory if that is intended)"
        ));
    }
    let sync_plan = plan(&current, &wanted);
    let mut summary = json!({
        "list": list.name, "identity_store_id": store, "users": users.len(), "active_users_with_email": active_with_email,
        "role_groups": groups.len(), "contacts_before": current.len(), "missing_topics": missing_topics,
        "dry_run": options.dry_run, "plan": plan_json(&sync_plan),
    });
    let mut text = describe(&list.name, &store, users.len(), &sync_plan, options.dry_run, &missing_topics);
    if options.dry_run || sync_plan.is_empty() {
        return Ok(Report::new(summary, text).into());
    }
    let bar = ctx.progress.bar(sync_plan.changes() as u64, label);
    bar.set_message("contacts");
    let applied = apply(&ses, &list.name, sync_plan.changes_to_apply(), &pacer, concurrency, || bar.inc(1)).await;
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
    summary["applied"] = serde_json::to_value(&applied)?;
    Ok(Report::new(summary, text).with_failures(failures).into())
}

fn active_users(users: &[DirectoryUser]) -> usize {
    users.iter().filter(|u| u.active && u.email.as_deref().is_some_and(|e| e.contains('@'))).count()
}

fn plan_json(p: &SyncPlan) -> serde_json::Value {
    let topics = |c: &ccm_aws::admin::ContactRecord| -> BTreeMap<String, &'static str> {
        c.topic_preferences.iter().map(|(t, s)| (t.clone(), s.as_str())).collect()
    };
    json!({
        "add": p.add.iter().map(|c| json!({"email": c.email, "topics": topics(c)})).collect::<Vec<_>>(),
        "update": p.update.iter().map(|u| json!({"email": u.after.email, "adopted": u.adopted,
            "before": topics(&u.before), "after": topics(&u.after)})).collect::<Vec<_>>(),
        "remove": p.remove.iter().map(|c| c.email.clone()).collect::<Vec<_>>(),
        "unchanged": p.unchanged,
        "kept_manual": p.kept_manual,
    })
}

fn describe(list: &str, store: &str, users: usize, p: &SyncPlan, dry_run: bool, missing: &BTreeSet<String>) -> String {
    let mut text = format!(
        "{}identity store {store} ({users} user(s)) → list {list}: {} to add, {} to update, {} to remove, {} unchanged, {} added by hand kept",
        dry(dry_run),
        p.add.len(),
        p.update.len(),
        p.remove.len(),
        p.unchanged,
        p.kept_manual
    );
    if !missing.is_empty() {
        text.push_str(&format!("\nwarning: topics not in the list (run `ccm ses topics apply`): {}", joined(missing)));
    }
    // Everything in a dry run; the first few otherwise.
    let limit = if dry_run { usize::MAX } else { 20 };
    let prefs = |c: &ccm_aws::admin::ContactRecord| {
        joined(c.topic_preferences.iter().map(|(t, s)| format!("{t}={}", s.as_str())))
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    rows.extend(p.add.iter().map(|c| vec!["add".into(), c.email.clone(), prefs(c)]));
    rows.extend(p.update.iter().map(|u| {
        let verb = if u.adopted { "adopt" } else { "update" };
        vec![verb.into(), u.after.email.clone(), format!("{} → {}", prefs(&u.before), prefs(&u.after))]
    }));
    rows.extend(
        p.remove.iter().map(|c| vec!["remove".into(), c.email.clone(), "left Identity Center or disabled".into()]),
    );
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
