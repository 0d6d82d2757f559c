//! `ccm domain onboard|show-dns|verify`: the sending domain in each customer account (SES domain
//! identity with Easy DKIM, custom MAIL FROM, configuration set with its SNS event destination) and
//! its records in the central Route 53 zone, written through the DNS account's role.
//!
//! Records shared by every customer (the `_amazonses` verification TXT, the MAIL FROM MX) are merged
//! with what the zone holds, one customer at a time (a lock around read-merge-write), so concurrent
//! customers never drop each other's values.

use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use ccm_aws::admin::dns::{self, Dns, Record, Route53Client};
use ccm_aws::admin::domain::{DomainStatus, SesDomain, configuration_set_name};
use ccm_core::config::{AppConfig, CustomerConfig};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::context::Ctx;
use super::fanout::{self, CustomerArgs, Report};
use super::output::{joined, table};
use super::ses::dry;

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Set the domain up in each customer account and write its DNS records: domain identity with
    /// Easy DKIM, verification token, custom MAIL FROM, configuration set (TLS required, bounces and
    /// complaints suppressed, events to deliverability_sns_topic_arn), DKIM CNAMEs, the shared
    /// _amazonses TXT, MAIL FROM MX and SPF, DMARC.
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
            let dns_lock = Mutex::new(());
            let (app, domain, zone, dns_lock, args) = (&app, &domain, &zone, &dns_lock, &args);
            fanout::run(ctx, app, &args.customers, "domain onboard", |c| async move {
                onboard(ctx, app, &c, domain, zone.as_ref(), dns_lock, args.dry_run).await
            })
            .await
        }
        DomainCommand::ShowDns { customers } => {
            let (app, domain) = (&app, &domain);
            fanout::run(ctx, app, &customers, "domain show-dns", |c| async move {
                let ses = ses_domain(ctx, &c).await;
                let status = ses.status(domain).await?;
                let token = ses.verification_token(domain, false).await?;
                let records = wanted_records(app, &c, domain, status.as_ref(), token.as_deref());
                let mut text = records_table(&records);
                if status.is_none() {
                    text.push_str(&format!("\nthe identity {domain} does not exist yet: `ccm domain onboard` creates it and its DKIM tokens"));
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
            fanout::run(ctx, app, &customers, "domain verify", |c| async move {
                verify(ctx, app, &c, domain, zone.as_ref()).await
            })
            .await
        }
    }
}

/// `email_config.domain`, else the sender address's domain.
fn sending_domain(app: &AppConfig) -> String {
    app.email_config.domain.clone().unwrap_or_else(|| app.email_config.sender_address.domain().to_owned())
}

async fn ses_domain(ctx: &Ctx, c: &CustomerConfig) -> SesDomain {
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

/// Every record the customer's identity needs (DKIM only when its tokens are known).
fn wanted_records(
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    status: Option<&DomainStatus>,
    token: Option<&str>,
) -> Vec<Record> {
    let mut records = dns::dkim_records(domain, status.map(|s| s.dkim_tokens.as_slice()).unwrap_or_default());
    if let Some(token) = token {
        records.push(dns::verification_record(domain, token));
    }
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

#[derive(Debug, Serialize)]
struct Step {
    step: String,
    done: bool,
}

async fn onboard(
    ctx: &Ctx,
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    zone: Option<&Dns>,
    dns_lock: &Mutex<()>,
    dry_run: bool,
) -> anyhow::Result<fanout::Step> {
    let ses = ses_domain(ctx, c).await;
    let mut steps = Vec::new();
    let mut step = |s: String| steps.push(Step { step: s, done: !dry_run });
    let status = if dry_run {
        let status = ses.status(domain).await?;
        step(match &status {
            Some(_) => format!("domain identity {domain} exists"),
            None => format!("create domain identity {domain} with Easy DKIM"),
        });
        status
    } else {
        step(format!("domain identity {domain} with Easy DKIM"));
        Some(ses.create_identity(domain).await?)
    };
    let token = ses.verification_token(domain, !dry_run).await?;
    if token.is_none() {
        step("create the domain verification token".into());
    }
    if let Some(mail_from) = mail_from_domain(app, domain) {
        if !dry_run {
            ses.set_mail_from(domain, &mail_from).await?;
        }
        step(format!("MAIL FROM {mail_from} (on MX failure: SES's own domain)"));
    }
    let set = configuration_set_name(c.customer_code.as_str());
    if !dry_run {
        ses.ensure_configuration_set(&set).await?;
    }
    step(format!("configuration set {set} (TLS required, reputation metrics, bounces and complaints suppressed)"));
    if let Some(topic) = &c.deliverability_sns_topic_arn {
        if !dry_run {
            ses.ensure_sns_destination(&set, topic).await?;
        }
        step(format!("event destination {} → {topic}", ccm_aws::admin::domain::EVENT_DESTINATION));
    }
    if !dry_run {
        ses.assign_configuration_set(domain, &set).await?;
    }
    step(format!("{set} is the identity's default configuration set"));

    let records = wanted_records(app, c, domain, status.as_ref(), token.as_deref());
    let mut written = Vec::new();
    let mut text = String::new();
    match zone {
        Some(zone) => {
            // Read, merge and write under one lock: shared records hold every customer's values.
            let _guard = dns_lock.lock().await;
            let plan = zone.plan(&records).await?;
            written = plan.into_iter().map(|(_, next)| next).collect::<Vec<_>>();
            if !dry_run && !written.is_empty() {
                zone.upsert(&written).await?;
            }
        }
        None => text.push_str("DNS not changed (--no-dns); the records to create:\n"),
    }
    let step_lines: Vec<String> = steps.iter().map(|s| format!("  {}", s.step)).collect();
    let mut out = format!("{}{domain} in account {}:\n{}", dry(dry_run), c.account_id(), step_lines.join("\n"));
    if zone.is_some() {
        out.push_str(&format!("\nRoute 53: {} record set(s) to UPSERT", written.len()));
        if !written.is_empty() {
            out.push('\n');
            out.push_str(&records_table(&written));
        }
    } else {
        out.push('\n');
        out.push_str(&text);
        out.push_str(&records_table(&records));
    }
    Ok(Report::new(
        json!({"domain": domain, "dry_run": dry_run, "steps": steps, "identity": status, "records": records, "upserted": written}),
        out,
    )
    .into())
}

#[derive(Debug, Serialize)]
struct Check {
    check: String,
    ok: bool,
    detail: String,
}

async fn verify(
    ctx: &Ctx,
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    zone: Option<&Dns>,
) -> anyhow::Result<fanout::Step> {
    let ses = ses_domain(ctx, c).await;
    let mut checks = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| checks.push(Check { check: name.into(), ok, detail });
    let status = ses.status(domain).await?;
    match &status {
        None => check("identity", false, format!("{domain} does not exist in account {}", c.account_id())),
        Some(s) => {
            check("identity", true, format!("{domain} in account {}", c.account_id()));
            check("verified for sending", s.verified_for_sending, s.verification_status.clone().unwrap_or_default());
            let dkim = s.dkim_status.clone().unwrap_or_else(|| "unknown".into());
            check("DKIM", dkim == "SUCCESS", format!("{dkim} ({} tokens)", s.dkim_tokens.len()));
            match (&s.mail_from_domain, mail_from_domain(app, domain)) {
                (Some(m), _) => {
                    let st = s.mail_from_status.clone().unwrap_or_default();
                    check("MAIL FROM", st == "SUCCESS", format!("{m}: {st}"));
                }
                (None, Some(wanted)) => check("MAIL FROM", false, format!("{wanted} not set")),
                (None, None) => {}
            }
            let set = configuration_set_name(c.customer_code.as_str());
            check(
                "configuration set",
                s.configuration_set.as_deref() == Some(set.as_str()),
                s.configuration_set.clone().unwrap_or_else(|| format!("none (expected {set})")),
            );
            if c.deliverability_sns_topic_arn.is_some() && ses.configuration_set_exists(&set).await? {
                let dests = ses.event_destinations(&set).await?;
                let ok = dests.iter().any(|d| d == ccm_aws::admin::domain::EVENT_DESTINATION);
                check("event destination", ok, joined(&dests));
            }
        }
    }
    if let Some(zone) = zone {
        let token = ses.verification_token(domain, false).await?;
        let records = wanted_records(app, c, domain, status.as_ref(), token.as_deref());
        let missing = zone.plan(&records).await?;
        let names: Vec<String> = missing.iter().map(|(_, r)| format!("{} {}", r.kind.as_str(), r.name)).collect();
        check(
            "DNS records",
            missing.is_empty(),
            if missing.is_empty() {
                format!("all {} in the zone", records.len())
            } else {
                format!("missing or different: {}", names.join(", "))
            },
        );
    }
    let failures = checks.iter().filter(|c| !c.ok).count();
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| vec![if c.ok { "✔".into() } else { "✘".into() }, c.check.clone(), c.detail.clone()])
        .collect();
    Ok(Report::new(
        json!({"domain": domain, "status": status, "checks": checks}),
        table(&["", "check", "detail"], &rows),
    )
    .with_failures(failures)
    .into())
}
