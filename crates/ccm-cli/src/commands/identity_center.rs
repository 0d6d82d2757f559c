//! `ccm identity-center users|memberships|sync`: a customer's IAM Identity Center directory, read
//! through its `identity_center_role_arn` with the instance discovered by SSO Admin ListInstances,
//! and the sync of its users into the customer's SES contact list (in `super::sync`; the rules are
//! in `ccm_admin::sync`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use ccm_admin::groups;
use ccm_admin::identity_center::IdentityCenter;
use ccm_core::config::CustomerConfig;
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::output::{joined, table};
use super::pace::PaceArgs;
use super::per_customer::{self, CustomerArgs, Report, Step};

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
    Sync(super::sync::SyncOptions),
}

pub const SYNC_EXAMPLES: &str = "Examples:\n  ccm identity-center sync --customer acme --dry-run        print the adds, updates and removals\n  ccm identity-center sync --customer acme --adopt          also take over matching contacts added by hand\n  ccm identity-center sync --all-customers --requests-per-second 5 --max-concurrency 4\n  ccm identity-center sync --customer acme --identity-center-role-arn arn:aws:iam::1111…:role/r";

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

pub async fn run(ctx: &Ctx, cmd: IdentityCenterCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IdentityCenterCommand::Users { customers, username, save, directory } => {
            let app = ctx.app()?;
            per_customer::run(ctx, &app, &customers, "identity-center users", |c| {
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
            per_customer::run(ctx, &app, &customers, "identity-center memberships", |c| {
                let (username, save, directory, pace) =
                    (username.clone(), save.clone(), directory.clone(), pace.clone());
                let explicit = !customers.target.all_customers;
                async move {
                    let Some((ic, store)) = open_directory(ctx, &c, &directory, explicit).await? else {
                        return Ok(skipped());
                    };
                    let users = ic.users(&store, username.as_deref()).await?;
                    let groups = ic.groups(&store).await?;
                    let bar = ctx.progress.bar(groups.len() as u64, c.customer_code.as_str(), "reading groups");
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
        IdentityCenterCommand::Sync(options) => super::sync::run_sync(ctx, options, "identity-center sync").await,
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

pub(crate) fn skipped() -> Step {
    Step::Skipped("no identity_center_role_arn configured".into())
}

/// The customer's directory client and identity store, `None` when the customer has no
/// Identity Center role (an error when the customer was named explicitly).
pub(crate) async fn open_directory(
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
