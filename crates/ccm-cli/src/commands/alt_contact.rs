//! `ccm alt-contact set|delete|show`: the security, billing and operations alternate contacts of
//! every account of one organization (`--org-prefix`) or of all of them (`--all-orgs`), listed in
//! OrgConfig.json. The management account is reached by assuming `--management-role-name` in it
//! (unless the operator's credentials already are that account's). Contacts come from
//! ContactConfig.json (else config.json's contact_config). An existing different contact is only
//! replaced with `--overwrite`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use ccm_admin::alt_contacts::{ContactKind, Decision, OrgEntry, Organization, decide_set};
use ccm_admin::session::{caller_identity, role_arn};
use ccm_core::config::{AlternateContact, ContactConfig};
use clap::{Args, Subcommand, ValueEnum};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::json;

use super::changes::Change;
use super::context::{Ctx, read_json};
use super::output::table;
use super::per_customer::{self, Report};
use super::ses::dry;

#[derive(Debug, Subcommand)]
pub enum AltContactCommand {
    /// Set the configured contacts on every account (existing different ones only with --overwrite).
    #[command(
        after_help = "Examples:\n  ccm alt-contact set --org-prefix prd --dry-run\n  ccm alt-contact set --all-orgs --contact-types security,operations\n  ccm alt-contact set --org-prefix prd --overwrite --contact-config ContactConfig.json"
    )]
    Set {
        #[command(flatten)]
        orgs: OrgArgs,
        /// Replace contacts that are set to something else.
        #[arg(long)]
        overwrite: bool,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete contacts of the given types from every account.
    #[command(
        after_help = "Examples:\n  ccm alt-contact delete --org-prefix prd --contact-types billing --dry-run\n  ccm alt-contact delete --org-prefix prd --contact-types billing"
    )]
    Delete {
        #[command(flatten)]
        orgs: OrgArgs,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the contacts every account has.
    #[command(
        after_help = "Examples:\n  ccm alt-contact show --org-prefix prd\n  ccm alt-contact show --all-orgs --output json"
    )]
    Show {
        #[command(flatten)]
        orgs: OrgArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Security,
    Billing,
    Operations,
}

impl From<KindArg> for ContactKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Security => ContactKind::Security,
            KindArg::Billing => ContactKind::Billing,
            KindArg::Operations => ContactKind::Operations,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct OrgArgs {
    #[command(flatten)]
    pub target: OrgTarget,
    /// [{mocb_org_friendly_name, mocb_org_prefix, environment, management_account_id}]
    #[arg(long, default_value = "OrgConfig.json")]
    pub org_config: PathBuf,
    /// The contacts (security_email, security_name, …); default: config.json's contact_config.
    #[arg(long)]
    pub contact_config: Option<PathBuf>,
    /// Which contact types (default: all three).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub contact_types: Vec<KindArg>,
    /// The role assumed in each management account.
    #[arg(long, default_value = "ccm-alt-contact-manager")]
    pub management_role_name: String,
    /// Accounts worked on at once per organization.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_concurrency: u16,
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct OrgTarget {
    /// The organization's mocb_org_prefix in OrgConfig.json.
    #[arg(long)]
    pub org_prefix: Option<String>,
    /// Every organization in OrgConfig.json.
    #[arg(long)]
    pub all_orgs: bool,
}

impl OrgArgs {
    fn kinds(&self) -> Vec<ContactKind> {
        if self.contact_types.is_empty() {
            ContactKind::ALL.to_vec()
        } else {
            let mut k: Vec<ContactKind> = self.contact_types.iter().map(|k| (*k).into()).collect();
            k.sort();
            k.dedup();
            k
        }
    }

    fn orgs(&self) -> anyhow::Result<Vec<OrgEntry>> {
        let all: Vec<OrgEntry> = read_json(&self.org_config)?;
        match &self.target.org_prefix {
            None => Ok(all),
            Some(prefix) => {
                let found: Vec<OrgEntry> = all.into_iter().filter(|o| &o.mocb_org_prefix == prefix).collect();
                if found.is_empty() {
                    Err(anyhow!("{} has no organization with mocb_org_prefix {prefix:?}", self.org_config.display()))
                } else {
                    Ok(found)
                }
            }
        }
    }

    fn contacts(&self, ctx: &Ctx) -> anyhow::Result<ContactConfig> {
        match &self.contact_config {
            Some(path) => read_json(path),
            None => ctx
                .app()?
                .contact_config
                .ok_or_else(|| anyhow!("config.json has no contact_config; pass --contact-config")),
        }
    }
}

#[derive(Debug, Serialize)]
struct Row {
    account: String,
    account_name: String,
    kind: &'static str,
    decision: Option<Decision>,
    current: Option<String>,
    error: Option<String>,
}

enum Action {
    Set { contacts: ContactConfig, overwrite: bool },
    Delete,
    Show,
}

pub async fn run(ctx: &Ctx, cmd: AltContactCommand) -> anyhow::Result<ExitCode> {
    let (orgs, action, dry_run, title) = match cmd {
        AltContactCommand::Set { orgs, overwrite, dry_run } => {
            let contacts = orgs.contacts(ctx)?;
            (orgs, Action::Set { contacts, overwrite }, dry_run, "alt-contact set")
        }
        AltContactCommand::Delete { orgs, dry_run } => (orgs, Action::Delete, dry_run, "alt-contact delete"),
        AltContactCommand::Show { orgs } => (orgs, Action::Show, true, "alt-contact show"),
    };
    let kinds = orgs.kinds();
    if let Action::Set { contacts, .. } = &action {
        let missing: Vec<&str> = kinds.iter().filter(|k| wanted(contacts, **k).is_none()).map(|k| k.as_str()).collect();
        if !missing.is_empty() {
            tracing::warn!(types = %missing.join(","), "no contact configured (or no e-mail) for these types; they are skipped");
        }
    }
    let items: Vec<(String, OrgEntry)> = orgs.orgs()?.into_iter().map(|o| (o.mocb_org_prefix.clone(), o)).collect();
    let (orgs, action, kinds) = (&orgs, &action, &kinds);
    per_customer::run_named(ctx, "org", items, 1, title, |org| async move {
        let (me, _) = caller_identity(&ctx.sdk).await?;
        let cfg = if me == org.management_account_id {
            ctx.sdk.clone()
        } else {
            let role = role_arn(&org.management_account_id, &orgs.management_role_name);
            ctx.assume(&role, &format!("{}-alt-contact-manager", org.mocb_org_prefix), "us-east-1").await
        };
        let organization = Organization::new(&cfg, &org.management_account_id);
        let accounts = organization.accounts().await?;
        let bar = ctx.progress.bar(accounts.len() as u64, &org.mocb_org_prefix, "accounts");
        let rows: Vec<Vec<Row>> = futures::stream::iter(accounts.iter())
            .map(|account| {
                let (organization, bar) = (&organization, &bar);
                async move {
                    let mut rows = Vec::new();
                    for kind in kinds {
                        rows.push(one(organization, &account.id, &account.name, *kind, action, dry_run).await);
                    }
                    bar.inc(1);
                    Ok::<_, anyhow::Error>(rows)
                }
            })
            .buffer_unordered(usize::from(orgs.max_concurrency))
            .try_collect()
            .await?;
        bar.finish_and_clear();
        let mut rows: Vec<Row> = rows.into_iter().flatten().collect();
        rows.sort_by(|a, b| (a.account.as_str(), a.kind).cmp(&(b.account.as_str(), b.kind)));
        let failures = rows.iter().filter(|r| r.error.is_some()).count();
        let changes: Vec<Change> = rows.iter().filter_map(|r| change(r, action)).collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.account.clone(),
                    r.account_name.clone(),
                    r.kind.into(),
                    r.current.clone().unwrap_or_else(|| "-".into()),
                    match (&r.error, r.decision) {
                        (Some(e), _) => format!("error: {e}"),
                        (None, Some(d)) => {
                            serde_json::to_value(d).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                        }
                        (None, None) => String::new(),
                    },
                ]
            })
            .collect();
        let head = if matches!(action, Action::Show) { String::new() } else { dry(dry_run).to_owned() };
        let text = format!(
            "{head}organization {} ({}), management account {}: {} account(s)\n{}",
            org.mocb_org_friendly_name,
            org.mocb_org_prefix,
            org.management_account_id,
            accounts.len(),
            table(&["account", "name", "type", "current", "action"], &lines)
        );
        Ok(Report::new(
            json!({"org": org, "dry_run": dry_run, "accounts": accounts.len(), "contacts": rows, "changes": changes}),
            text,
        )
        .with_failures(failures)
        .into())
    })
    .await
}

/// The write a row stands for (none when it failed or nothing changes).
fn change(row: &Row, action: &Action) -> Option<Change> {
    if row.error.is_some() {
        return None;
    }
    let target = format!("{}/{}", row.account, row.kind);
    match (row.decision?, action) {
        (Decision::Set, Action::Set { contacts, .. }) => {
            let kind = ContactKind::ALL.into_iter().find(|k| k.as_str() == row.kind)?;
            let w = wanted(contacts, kind)?;
            Some(Change::new("Account PutAlternateContact", target).with(json!({"email": w.email, "name": w.name})))
        }
        (Decision::Delete, _) => Some(Change::new("Account DeleteAlternateContact", target)),
        _ => None,
    }
}

/// The configured contact of `kind`, when it has an e-mail address.
fn wanted(contacts: &ContactConfig, kind: ContactKind) -> Option<&AlternateContact> {
    let c = match kind {
        ContactKind::Security => contacts.security.as_ref(),
        ContactKind::Billing => contacts.billing.as_ref(),
        ContactKind::Operations => contacts.operations.as_ref(),
    }?;
    (!c.email.trim().is_empty()).then_some(c)
}

async fn one(org: &Organization, account: &str, name: &str, kind: ContactKind, action: &Action, dry_run: bool) -> Row {
    let mut row = Row {
        account: account.to_owned(),
        account_name: name.to_owned(),
        kind: kind.as_str(),
        decision: None,
        current: None,
        error: None,
    };
    let result: Result<(), ccm_admin::AdminError> = async {
        let existing = org.get(account, kind).await?;
        row.current = existing.as_ref().map(|c| c.email.clone());
        match action {
            Action::Show => {}
            Action::Delete => {
                row.decision = Some(if existing.is_some() { Decision::Delete } else { Decision::Absent });
                if existing.is_some() && !dry_run {
                    org.delete(account, kind).await?;
                }
            }
            Action::Set { contacts, overwrite } => {
                if let Some(w) = wanted(contacts, kind) {
                    let d = decide_set(existing.as_ref(), w, *overwrite);
                    row.decision = Some(d);
                    if d == Decision::Set && !dry_run {
                        org.put(account, kind, w).await?;
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        row.error = Some(e.to_string());
    }
    row
}
