//! `ccm domain onboard`: a plan of the writes (read-only), printed by a dry run, executed as it
//! stands by a real run, so both list the same changes. SES steps first (creating the identity
//! gives its DKIM tokens, VerifyDomainIdentity its verification token), then the Route 53 records
//! merged with the zone under the DNS lock; a dry run merges each customer's records with the ones
//! planned for the customers before it, as the real run's zone would hold them.

use ccm_admin::dns::{Dns, Pending, Record};
use ccm_admin::domain::{EVENT_DESTINATION, SesDomain};
use ccm_core::config::{AppConfig, CustomerConfig};
use serde_json::json;
use tokio::sync::Mutex;

use super::{mail_from_domain, records_table, ses_domain, wanted_records};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::per_customer::{self, Report};
use crate::commands::ses::dry;

/// One write to the customer's SES account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SesStep {
    CreateIdentity,
    VerifyDomain,
    SetMailFrom(String),
    CreateConfigurationSet,
    PutEventDestination { topic: String, exists: bool },
    AssignConfigurationSet,
}

impl SesStep {
    fn change(&self, domain: &str, set: &str) -> Change {
        match self {
            Self::CreateIdentity => {
                Change::new("SES CreateEmailIdentity", domain).with(json!({"dkim": "Easy DKIM (SES generates 3 tokens)"}))
            }
            Self::VerifyDomain => Change::new("SES VerifyDomainIdentity", domain),
            Self::SetMailFrom(m) => Change::new("SES PutEmailIdentityMailFromAttributes", domain)
                .with(json!({"mail_from_domain": m, "behavior_on_mx_failure": "USE_DEFAULT_VALUE"})),
            Self::CreateConfigurationSet => Change::new("SES CreateConfigurationSet", set).with(
                json!({"tls": "REQUIRE", "reputation_metrics": true, "sending": true, "suppressed": ["BOUNCE", "COMPLAINT"]}),
            ),
            Self::PutEventDestination { topic, exists } => {
                let op = if *exists {
                    "SES UpdateConfigurationSetEventDestination"
                } else {
                    "SES CreateConfigurationSetEventDestination"
                };
                Change::new(op, format!("{set}/{EVENT_DESTINATION}")).with(json!({"sns_topic_arn": topic}))
            }
            Self::AssignConfigurationSet => {
                Change::new("SES PutEmailIdentityConfigurationSetAttributes", domain).with(json!({"configuration_set": set}))
            }
        }
    }
}

/// What the SES side needs, read without changing anything.
async fn plan_ses(
    ses: &SesDomain,
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    set: &str,
) -> anyhow::Result<(Option<ccm_admin::domain::DomainStatus>, Option<String>, Vec<SesStep>)> {
    let status = ses.status(domain).await?;
    let token = ses.verification_token(domain).await?;
    let mut steps = Vec::new();
    if status.is_none() {
        steps.push(SesStep::CreateIdentity);
    }
    if token.is_none() {
        steps.push(SesStep::VerifyDomain);
    }
    if let Some(mail_from) = mail_from_domain(app, domain)
        && status.as_ref().and_then(|s| s.mail_from_domain.as_deref()) != Some(mail_from.as_str())
    {
        steps.push(SesStep::SetMailFrom(mail_from));
    }
    let set_exists = ses.configuration_set_exists(set).await?;
    if !set_exists {
        steps.push(SesStep::CreateConfigurationSet);
    }
    if let Some(topic) = &c.deliverability_sns_topic_arn {
        let existing = if set_exists { ses.event_destinations(set).await? } else { Vec::new() };
        match existing.iter().find(|d| d.name == EVENT_DESTINATION) {
            Some(d) if d.is_wanted(topic) => {}
            found => steps.push(SesStep::PutEventDestination { topic: topic.clone(), exists: found.is_some() }),
        }
    }
    if status.as_ref().and_then(|s| s.configuration_set.as_deref()) != Some(set) {
        steps.push(SesStep::AssignConfigurationSet);
    }
    Ok((status, token, steps))
}

pub(super) async fn onboard(
    ctx: &Ctx,
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    zone: Option<&Dns>,
    dns_lock: &Mutex<Pending>,
    dry_run: bool,
) -> anyhow::Result<per_customer::Step> {
    let ses = ses_domain(ctx, c).await;
    let set = c.configuration_set();
    let (mut status, mut token, steps) = plan_ses(&ses, app, c, domain, &set).await?;
    if !dry_run {
        for step in &steps {
            match step {
                SesStep::CreateIdentity => status = Some(ses.create_identity(domain).await?),
                SesStep::VerifyDomain => token = Some(ses.verify_domain(domain).await?),
                SesStep::SetMailFrom(m) => ses.set_mail_from(domain, m).await?,
                SesStep::CreateConfigurationSet => ses.create_configuration_set(&set).await?,
                SesStep::PutEventDestination { topic, exists } => ses.put_sns_destination(&set, topic, *exists).await?,
                SesStep::AssignConfigurationSet => ses.assign_configuration_set(domain, &set).await?,
            }
        }
        if !steps.is_empty() {
            status = ses.status(domain).await?;
        }
    }
    let mut changes: Vec<Change> = steps.iter().map(|s| s.change(domain, &set)).collect();
    let records = wanted_records(app, c, domain, status.as_ref(), token.as_deref());
    let mut upserted: Vec<Record> = Vec::new();
    if let Some(zone) = zone {
        // Read, merge and write under one lock: shared records hold every customer's values. A dry
        // run keeps what it would have written, so the next customer merges with it.
        let mut pending = dns_lock.lock().await;
        upserted = zone.plan_over(&records, &pending).await?.into_iter().map(|(_, next)| next).collect();
        if dry_run {
            pending.extend(upserted.iter().map(|r| ((r.name.to_lowercase(), r.kind), r.clone())));
        } else if !upserted.is_empty() {
            zone.upsert(&upserted).await?;
        }
    }
    changes.extend(upserted.iter().map(|r| {
        Change::new("Route53 UPSERT", format!("{} {}", r.name, r.kind.as_str()))
            .with(json!({"values": r.values, "ttl": r.ttl}))
    }));
    let mut out = format!("{}{domain} in account {}:", dry(dry_run), c.account_id());
    if steps.is_empty() {
        out.push_str("\n  SES: everything in place");
    }
    for ch in changes.iter().filter(|ch| ch.op.starts_with("SES ")) {
        out.push_str(&format!("\n  {} {}", ch.op, ch.target));
    }
    match zone {
        Some(_) => {
            out.push_str(&format!("\nRoute 53: {} record set(s) to UPSERT", upserted.len()));
            if !upserted.is_empty() {
                out.push('\n');
                out.push_str(&records_table(&upserted));
            }
        }
        None => {
            out.push_str("\nDNS not changed (--no-dns); the records to create:\n");
            out.push_str(&records_table(&records));
        }
    }
    Ok(Report::new(
        json!({"domain": domain, "dry_run": dry_run, "identity": status, "records": records, "upserted": upserted,
               "changes": changes}),
        out,
    )
    .into())
}
