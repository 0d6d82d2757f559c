//! `ccm domain onboard|show-dns|verify`: the sending domain in each customer account (SES domain
//! identity with Easy DKIM, custom MAIL FROM, configuration set with its SNS event destination) and
//! its records in the central Route 53 zone, written through the DNS account's role.
//!
//! Records shared by every customer (the `_amazonses` verification TXT, the MAIL FROM MX) are merged
//! with what the zone holds, one customer at a time (a lock around read-merge-write), so concurrent
//! customers never drop each other's values.

mod onboard;
mod verify;

use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use ccm_admin::dns::{self, Dns, Record, Route53Client};
use ccm_admin::domain::{DomainStatus, SesDomain};
use ccm_core::config::{AppConfig, CustomerConfig};
use clap::{Args, Subcommand};
use serde_json::json;
use tokio::sync::Mutex;

use super::context::Ctx;
use super::output::{joined, table};
use super::per_customer::{self, CustomerArgs, Report};

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Set the domain up in each customer account and write its DNS records: domain identity with
    /// Easy DKIM, verification token, custom MAIL FROM, configuration set (TLS required, bounces and
    /// complaints suppressed, events to deliverability_sns_topic_arn), DKIM CNAMEs, the shared
    /// _amazonses TXT, MAIL FROM MX and SPF, DMARC. Only what differs is written; --dry-run lists
    /// exactly those writes (tokens SES has not generated yet appear as <acme-dkim-token-1>…).
    // This text is the --help output (snapshot-tested), not Markdown: the placeholder is no HTML tag.
    #[allow(rustdoc::invalid_html_tags)]
    #[command(
        after_help = "Examples:\n  ccm domain onboard --customer acme --dry-run\n  ccm domain onboard --all-customers\n  ccm domain onboard --customer acme --no-dns       SES side only; print the records"
    )]
    Onboard(OnboardArgs),
    /// Print the DNS records each customer's domain identity needs.
    #[command(
        name = "show-dns",
        after_help = "Examples:\n  ccm domain show-dns --customer acme\n  ccm domain show-dns --all-customers --output json"
    )]
    ShowDns {
        #[command(flatten)]
        customers: CustomerArgs,
    },
    /// Report verification, DKIM and MAIL FROM status, the configuration set, and whether the zone
    /// has the records. Exit code 1 until everything is in place and verified.
    #[command(
        after_help = "Examples:\n  ccm domain verify --all-customers\n  ccm domain verify --customer acme --output json"
    )]
    Verify {
        #[command(flatten)]
        customers: CustomerArgs,
        #[command(flatten)]
        dns: DnsArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DnsArgs {
    /// Use this role in the DNS account instead of route53_config.role_arn.
    #[arg(long)]
    pub dns_role_arn: Option<String>,
}

#[derive(Debug, Args)]
pub struct OnboardArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    #[command(flatten)]
    pub dns: DnsArgs,
    /// Do not touch Route 53 (print the records instead).
    #[arg(long)]
    pub no_dns: bool,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, cmd: DomainCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let domain = sending_domain(&app);
    match cmd {
        DomainCommand::Onboard(args) => {
            let zone = if args.no_dns { None } else { Some(open_zone(ctx, &app, &domain, &args.dns).await?) };
            let dns_lock = Mutex::new(dns::Pending::new());
            let (app, domain, zone, dns_lock, args) = (&app, &domain, &zone, &dns_lock, &args);
            per_customer::run(ctx, app, &args.customers, "domain onboard", |c| async move {
                onboard::onboard(ctx, app, &c, domain, zone.as_ref(), dns_lock, args.dry_run).await
            })
            .await
        }
        DomainCommand::ShowDns { customers } => {
            let (app, domain) = (&app, &domain);
            per_customer::run(ctx, app, &customers, "domain show-dns", |c| async move {
                let ses = ses_domain(ctx, &c).await;
                let status = ses.status(domain).await?;
                let token = ses.verification_token(domain).await?;
                let records = wanted_records(app, &c, domain, status.as_ref(), token.as_deref());
                let mut text = records_table(&records);
                if status.is_none() {
                    text.push_str(&format!("\nthe identity {domain} does not exist yet: `ccm domain onboard` creates it; SES then generates the tokens shown as <…>"));
                }
                Ok(Report::new(json!({"domain": domain, "identity_exists": status.is_some(), "records": records}), text).into())
            })
            .await
        }
        DomainCommand::Verify { customers, dns } => {
            let zone = match &app.route53_config {
                Some(_) => Some(open_zone(ctx, &app, &domain, &dns).await?),
                None => None,
            };
            let (app, domain, zone) = (&app, &domain, &zone);
            per_customer::run(ctx, app, &customers, "domain verify", |c| async move {
                verify::verify(ctx, app, &c, domain, zone.as_ref()).await
            })
            .await
        }
    }
}

/// `email_config.domain`, else the sender address's domain.
fn sending_domain(app: &AppConfig) -> String {
    app.email_config.domain.clone().unwrap_or_else(|| app.email_config.sender_address.domain().to_owned())
}

pub(crate) async fn ses_domain(ctx: &Ctx, c: &CustomerConfig) -> SesDomain {
    SesDomain::new(&ctx.assume(&c.ses_role_arn, &format!("ccm-cli-{}", c.customer_code), &c.region).await)
}

/// The central zone through the DNS role; the domain must be in it.
async fn open_zone(ctx: &Ctx, app: &AppConfig, domain: &str, args: &DnsArgs) -> anyhow::Result<Dns> {
    let r53 = app
        .route53_config
        .as_ref()
        .ok_or_else(|| anyhow!("config.json has no route53_config (zone_id, role_arn); pass --no-dns to skip DNS"))?;
    let role = args.dns_role_arn.as_deref().unwrap_or(&r53.role_arn);
    let cfg = ctx.assume(role, "ccm-cli-dns", "us-east-1").await;
    let zone = Dns::new(Route53Client::new(&cfg), &r53.zone_id);
    let name = zone.zone_name().await.context("reading the central hosted zone")?;
    if domain != name && !domain.ends_with(&format!(".{name}")) {
        anyhow::bail!("the sending domain {domain} is not in the hosted zone {name} ({})", r53.zone_id);
    }
    Ok(zone)
}

fn mail_from_domain(app: &AppConfig, domain: &str) -> Option<String> {
    app.email_config.mail_from_subdomain.as_ref().map(|s| format!("{s}.{domain}"))
}

/// Every record the customer's identity needs. Without an identity (`status` is `None`) its DKIM
/// tokens do not exist yet, and without `token` neither does the verification token: both appear
/// as stand-ins (`<acme-dkim-token-1>`, `<acme-verification-token>`), as the records onboarding will
/// write.
fn wanted_records(
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    status: Option<&DomainStatus>,
    token: Option<&str>,
) -> Vec<Record> {
    let tokens = match status {
        Some(s) => s.dkim_tokens.clone(),
        None => dns::pending_dkim_tokens(c.customer_code.as_str()),
    };
    let mut records = dns::dkim_records(domain, &tokens);
    let pending = dns::pending_verification_token(c.customer_code.as_str());
    records.push(dns::verification_record(domain, token.unwrap_or(&pending)));
    if let Some(mail_from) = mail_from_domain(app, domain) {
        records.extend(dns::mail_from_records(&mail_from, &c.region));
    }
    if let Some(policy) = app.email_config.dmarc_policy {
        records.push(dns::dmarc_record(domain, policy, app.email_config.dmarc_report_email.as_deref()));
    }
    records
}

fn records_table(records: &[Record]) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| vec![r.kind.as_str().into(), r.name.clone(), joined(&r.values), r.ttl.to_string(), r.purpose.into()])
        .collect();
    table(&["type", "name", "value", "ttl", "purpose"], &rows)
}
