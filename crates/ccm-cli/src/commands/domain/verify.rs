//! `ccm domain verify`: one row per check; a row fails only on what its detail says (a failing row
//! never shows SUCCESS).

use ccm_admin::dns::Dns;
use ccm_admin::domain::EVENT_DESTINATION;
use ccm_core::config::{AppConfig, CustomerConfig};
use serde::Serialize;
use serde_json::json;

use super::{mail_from_domain, ses_domain, wanted_records};
use crate::commands::context::Ctx;
use crate::commands::output::{joined, table};
use crate::commands::per_customer::{self, Report};

#[derive(Debug, Serialize)]
struct Check {
    check: String,
    ok: bool,
    detail: String,
}

pub(super) async fn verify(
    ctx: &Ctx,
    app: &AppConfig,
    c: &CustomerConfig,
    domain: &str,
    zone: Option<&Dns>,
) -> anyhow::Result<per_customer::Step> {
    let ses = ses_domain(ctx, c).await;
    let mut checks = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| checks.push(Check { check: name.into(), ok, detail });
    let status = ses.status(domain).await?;
    match &status {
        None => check("identity", false, format!("{domain} does not exist in account {}", c.account_id())),
        Some(s) => {
            check("identity", true, format!("{domain} in account {}", c.account_id()));
            let verification = s.verification_status.clone().unwrap_or_else(|| "unknown".into());
            check("verification", verification == "SUCCESS", verification);
            check(
                "sending allowed",
                s.verified_for_sending,
                if s.verified_for_sending {
                    "SES sends from the domain".into()
                } else {
                    "not yet: SES allows sending once it finds the DKIM records".into()
                },
            );
            let dkim = s.dkim_status.clone().unwrap_or_else(|| "unknown".into());
            check("DKIM", dkim == "SUCCESS", format!("{dkim} ({} tokens)", s.dkim_tokens.len()));
            match (&s.mail_from_domain, mail_from_domain(app, domain)) {
                (Some(m), _) => {
                    let st = s.mail_from_status.clone().unwrap_or_else(|| "unknown".into());
                    check("MAIL FROM", st == "SUCCESS", format!("{m}: {st}"));
                }
                (None, Some(wanted)) => check("MAIL FROM", false, format!("{wanted} not set")),
                (None, None) => {}
            }
            let set = c.configuration_set();
            check(
                "configuration set",
                s.configuration_set.as_deref() == Some(set.as_str()),
                s.configuration_set.clone().unwrap_or_else(|| format!("none (expected {set})")),
            );
            if let Some(topic) = &c.deliverability_sns_topic_arn
                && ses.configuration_set_exists(&set).await?
            {
                let dests = ses.event_destinations(&set).await?;
                let ok = dests.iter().any(|d| d.is_wanted(topic));
                let detail = if ok {
                    format!("{EVENT_DESTINATION} → {topic}")
                } else {
                    format!("expected {EVENT_DESTINATION} → {topic}; found: {}", joined(dests.iter().map(|d| &d.name)))
                };
                check("event destination", ok, detail);
            }
        }
    }
    if let Some(zone) = zone
        && status.is_some()
    {
        let token = ses.verification_token(domain).await?;
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
