//! Demo data for `ccm serve --demo`: a few changes and announcements in every status, made through
//! the same service the API uses (so history, versions and triggers are real).

use ccm_api::AppState;
use ccm_app::{Caller, Family, Objects};
use ccm_core::UserId;
use ccm_core::ports::IndexQuery;
use ccm_core::workflow::Action;
use chrono::{Duration, Utc};
use serde_json::{Map, Value, json};

fn user(state: &AppState, email: &str) -> anyhow::Result<Caller> {
    let demo = state
        .app
        .config
        .portal
        .demo_users
        .iter()
        .find(|u| u.email.as_str() == email)
        .ok_or_else(|| anyhow::anyhow!("demo user {email} is not in config.json"))?;
    Ok(Caller {
        id: UserId::parse(demo.email.as_str())?,
        name: demo.name.clone(),
        roles: demo.roles.clone(),
        customers: (!demo.customers.is_empty()).then(|| demo.customers.clone()),
        groups: demo.groups.clone(),
    })
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn change(title: &str, customers: &[&str], days_ahead: i64, zone: &str, status: &str) -> Map<String, Value> {
    let day = (Utc::now() + Duration::days(days_ahead)).format("%Y-%m-%d").to_string();
    obj(json!({
        "changeTitle": title,
        "changeReason": format!("{title}: keeps the platform supported and secure."),
        "customers": customers,
        "implementationPlan": "1. Announce in the change channel\n2. Apply in the maintenance window\n3. Verify health checks",
        "testPlan": "Smoke tests and dashboards green for 30 minutes.",
        "rollbackPlan": "Revert to the previous version with the pipeline's rollback job.",
        "customerImpact": "No downtime expected; brief latency spikes possible.",
        "snowTicket": format!("CHG{:07}", days_ahead * 7919 % 10_000_000),
        "jiraTicket": format!("CCOE-{}", 100 + days_ahead),
        "implementationBeginDate": day, "implementationBeginTime": "10:00",
        "implementationEndDate": day, "implementationEndTime": "12:00",
        "timezone": zone,
        "include_meeting": true,
        "meetingDuration": "60",
        "status": status,
    }))
}

fn announcement(kind: &str, title: &str, customers: &[&str], status: &str) -> Map<String, Value> {
    obj(json!({
        "announcement_type": kind,
        "title": title,
        "summary": format!("{title} — what changes for you and when."),
        "content": "Hello,\n\nHere is what we are doing and why. Reply to this e-mail with questions.\n\nThe CCOE team",
        "customers": customers,
        "status": status,
    }))
}

/// Seeds when the store has no objects yet; returns how many objects were created.
pub async fn seed(state: &AppState) -> anyhow::Result<usize> {
    let any = IndexQuery { viewer: String::new(), limit: 1, ..IndexQuery::default() };
    if state.app.index.statistics(&any).await?.all.total > 0 || state.app.index.query(&any).await?.total > 0 {
        return Ok(0);
    }
    let alice = user(state, "alice@example.com")?;
    let bob = user(state, "bob@example.com")?;
    let carol = user(state, "carol@example.com")?;
    let a = Objects::new(&state.app, &alice);
    let b = Objects::new(&state.app, &bob);
    let c = Objects::new(&state.app, &carol);
    let mut n = 0;

    a.create(
        Family::Changes,
        change("Upgrade EKS clusters to 1.31", &["acme", "globex"], 9, "America/New_York", "draft"),
    )
    .await?;
    n += 1;
    a.create(
        Family::Changes,
        change(
            "Rotate TLS certificates on public load balancers",
            &["acme", "initech", "umbrella"],
            5,
            "Europe/London",
            "submitted",
        ),
    )
    .await?;
    n += 1;
    let approved = a
        .create(
            Family::Changes,
            change(
                "Patch RDS PostgreSQL to the latest minor version",
                &["globex", "stark"],
                3,
                "America/Chicago",
                "submitted",
            ),
        )
        .await?;
    b.act(approved.object.id(), Action::Approve, None).await?;
    n += 1;
    let done = a
        .create(
            Family::Changes,
            change("Enable GuardDuty in every region", &["acme", "wayne", "hts-nonprod"], 1, "UTC", "submitted"),
        )
        .await?;
    b.act(done.object.id(), Action::Approve, None).await?;
    a.act(done.object.id(), Action::Complete, None).await?;
    n += 1;
    let cancelled = a
        .create(
            Family::Changes,
            change("Replace NAT gateways with a shared egress VPC", &["wayne"], 12, "Asia/Tokyo", "submitted"),
        )
        .await?;
    a.act(cancelled.object.id(), Action::Cancel, None).await?;
    n += 1;

    let finops = c
        .create(
            Family::Announcements,
            announcement(
                "finops",
                "Savings Plans recommendations for next quarter",
                &["acme", "globex", "stark"],
                "submitted",
            ),
        )
        .await?;
    b.act(finops.object.id(), Action::Approve, None).await?;
    n += 1;
    a.create(Family::Announcements, announcement("cic", "New landing zone guardrails", &["acme", "initech"], "draft"))
        .await?;
    n += 1;
    a.create(
        Family::Announcements,
        announcement(
            "innersource",
            "Terraform module catalogue opens to all teams",
            &["umbrella", "wayne"],
            "submitted",
        ),
    )
    .await?;
    n += 1;
    Ok(n)
}
