//! `ccm meeting invite|cancel --object ID`: an operator's hand on an object's one meeting, through
//! the processor's own meeting step (the same claims and records as the triggers, so an operator and
//! a trigger never make two meetings) against Microsoft Graph (`CCM_GRAPH_TENANT_ID` set) or ICS
//! invitations by mail.
//!
//! `--dry-run` shows the attendees per customer (subscribers of the meeting topic, held back by
//! `restricted_recipients`, unreadable lists) and the payload: Graph's event JSON, or the ICS one
//! attendee receives. `--force-update` sends a meeting that is up to date again (Graph: a `PATCH`
//! with the attendees read now; ICS: a `REQUEST` with a higher `SEQUENCE`).
//!
//! Where the objects are: the embedded store of `ccm serve` (`--data`; it is a one-process store,
//! so stop `ccm serve` first; mail goes to its outbox) or S3 (`--backend aws`; mail through each
//! customer's SES).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use ccm_core::config::AppConfig;
use ccm_core::model::{MeetingPlan, MeetingRecord, Object};
use ccm_core::ports::{DocumentStore, Invitations, SystemClock};
use ccm_core::render::{IcsInvite, IcsMethod, render_ics};
use ccm_core::routing::MeetingStep;
use ccm_core::{ObjectId, StorageKey};
use ccm_processor::{Actor, Mode, Processor, Settings};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::context::Ctx;
use super::output::table;
use crate::serve::Backend;

pub const INVITE_EXAMPLES: &str = "Examples:\n  ccm meeting invite --object CHG-0f8fad5b-d9cb-469f-a165-70867728950e --dry-run\n  ccm meeting invite --object CHG-0f8fad5b-d9cb-469f-a165-70867728950e --force-update\n  ccm meeting invite --object CIC-1 --backend aws --bucket ccm-metadata --output json";
pub const CANCEL_EXAMPLES: &str = "Examples:\n  ccm meeting cancel --object CHG-0f8fad5b-d9cb-469f-a165-70867728950e --dry-run\n  ccm meeting cancel --object CHG-0f8fad5b-d9cb-469f-a165-70867728950e --backend aws";

#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Schedule the object's meeting now (or update it) and send the invitations.
    #[command(after_help = INVITE_EXAMPLES)]
    Invite(InviteArgs),
    /// Cancel the object's meeting (also after the object was deleted) and tell its attendees.
    #[command(after_help = CANCEL_EXAMPLES)]
    Cancel(Target),
}

#[derive(Debug, Args)]
pub struct Target {
    /// The change or announcement: CHG-…, CIC-…, FIN-…, INN-… or GEN-….
    #[arg(long = "object", value_name = "ID")]
    pub object: String,
    /// Where the objects are: the embedded store of `ccm serve` (stop it first) or S3.
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
    /// The data directory of the embedded store.
    #[arg(long, env = "CCM_DATA", default_value = ".data")]
    pub data: PathBuf,
    /// The metadata bucket (with --backend aws); defaults to config's s3_config.bucket_name.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Contacts per customer with topic preferences (JSON) for the embedded backend; defaults to the
    /// built-in demo contacts, as in `ccm serve`.
    #[arg(long, env = "CCM_CONTACTS")]
    pub contacts: Option<PathBuf>,
    /// Show the attendees per customer and the payload; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    #[command(flatten)]
    pub target: Target,
    /// Send the meeting again even when it is up to date (new attendees, a lost invitation).
    #[arg(long)]
    pub force_update: bool,
}

pub async fn run(ctx: &Ctx, cmd: MeetingCommand) -> anyhow::Result<ExitCode> {
    let (target, mode) = match cmd {
        MeetingCommand::Invite(a) => (a.target, Mode::Invite { force_update: a.force_update }),
        MeetingCommand::Cancel(t) => (t, Mode::Cancel),
    };
    let id = ObjectId::parse(target.object.trim()).with_context(|| format!("--object {:?}", target.object))?;
    let app = Arc::new(ctx.app()?);
    let processor = processor(ctx, &target, app.clone()).await?;
    let object = load(&*processor.store, &id, mode).await?;
    let operator = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "operator".into());
    let history = processor.meeting_history(&object).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let step = processor.decide_step(&object, &history, mode).map_err(|e| anyhow::anyhow!("{e}"))?;
    let calendar = processor.calendar.clone().context("no calendar")?;
    let provider = format!("{:?}", calendar.provider()).to_lowercase();

    if target.dry_run {
        return dry_run(ctx, &processor, &object, &history, step, &provider).await;
    }
    if step == MeetingStep::Nothing {
        let current = history.current();
        let text = match (mode, current) {
            (Mode::Cancel, _) => format!("{id} has no meeting to cancel"),
            (_, Some(m)) => format!(
                "{id}'s meeting is up to date (step {}, {}); --force-update sends it again",
                m.step,
                m.join_url.as_deref().unwrap_or("no join link")
            ),
            _ => format!("{id} needs no meeting"),
        };
        print(ctx, json!({"object": id, "step": "nothing", "meeting": current.map(MeetingRecord::to_metadata)}), &text);
        return Ok(ExitCode::SUCCESS);
    }
    let state = processor
        .meeting_step(&object, Actor::Operator(&operator), mode)
        .await
        .map_err(|e| anyhow::anyhow!("the meeting step failed: {e}"))?;
    if let Some(e) = &state.deferred {
        bail!("the meeting step failed: {e}");
    }
    let Some(record) = state.recorded.last().cloned() else {
        bail!("nothing was recorded: another process made this step first; run the command again to see it");
    };
    let mut rows = Vec::new();
    let mut failed = false;
    let mut sends = Vec::new();
    if calendar.invitations() == Invitations::MailedAsIcs {
        for customer in object.customers() {
            match processor.mail_invitations(customer, &object, &record).await {
                Ok(s) => {
                    rows.push(vec![
                        customer.to_string(),
                        s.sent.to_string(),
                        s.already_sent.to_string(),
                        s.restricted.to_string(),
                        String::new(),
                    ]);
                    sends.push(json!({"customer": customer, "sent": s.sent, "already_sent": s.already_sent, "restricted": s.restricted}));
                }
                Err(e) => {
                    failed = true;
                    rows.push(vec![customer.to_string(), "0".into(), "0".into(), "0".into(), e.to_string()]);
                    sends.push(json!({"customer": customer, "error": e.to_string()}));
                }
            }
        }
    }
    let mut text = format!(
        "{id}: meeting {:?} as step {} ({provider}), event {}\njoin: {}",
        record.change,
        record.step,
        record.event_id,
        record.join_url.as_deref().unwrap_or("-")
    )
    .to_lowercase();
    if !rows.is_empty() {
        text.push_str("\n\n");
        text.push_str(&table(&["customer", "sent", "already sent", "held back", "error"], &rows));
    }
    print(ctx, json!({"object": id, "record": record, "invitations": sends}), &text);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The archived object; for a cancellation also a deleted one.
async fn load(store: &dyn DocumentStore, id: &ObjectId, mode: Mode) -> anyhow::Result<Object> {
    let mut keys = vec![StorageKey::Archive(id.clone())];
    if mode == Mode::Cancel {
        keys.push(StorageKey::DeletedArchive(id.clone()));
    }
    for key in keys {
        if let Some(doc) = store.get(&key).await.with_context(|| format!("reading {key}"))? {
            return Object::from_json(&doc.body).map_err(|e| anyhow::anyhow!("{key} does not parse: {e}"));
        }
    }
    bail!("{id} is not archived (drafts have no meeting)")
}

async fn dry_run(
    ctx: &Ctx,
    processor: &Processor,
    object: &Object,
    history: &ccm_core::model::MeetingHistory,
    step: MeetingStep,
    provider: &str,
) -> anyhow::Result<ExitCode> {
    let id = object.id();
    let verb = match step {
        MeetingStep::Nothing => "nothing (up to date)".to_owned(),
        MeetingStep::Schedule => "schedule a new meeting".to_owned(),
        MeetingStep::Reschedule => format!("update event {}", history.current().map_or("-", |c| c.event_id.as_str())),
        MeetingStep::Cancel => format!("cancel event {}", history.current().map_or("-", |c| c.event_id.as_str())),
    };
    let Some(plan) = MeetingPlan::of(object).filter(|_| step != MeetingStep::Cancel) else {
        let text = format!("dry run: {id} ({provider}): would {verb}");
        print(ctx, json!({"object": id, "dry_run": true, "provider": provider, "step": verb}), &text);
        return Ok(ExitCode::SUCCESS);
    };
    let attendees = processor.meeting_attendees(object, &plan).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let request =
        processor.meeting_request(object, &plan, history, attendees.all.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let payload: Value = if provider == "graph" {
        let zone = plan.zone;
        serde_json::to_value(ccm_graph::event::EventWrite::from_request(
            &request,
            Some(zone),
            step == MeetingStep::Schedule,
        ))?
    } else {
        let first = attendees.all.first().cloned().unwrap_or_else(|| request.organizer.clone());
        Value::String(render_ics(&IcsInvite {
            method: IcsMethod::Request,
            uid: &request.ical_uid,
            sequence: request.sequence,
            stamp: chrono::Utc::now(),
            start: request.start,
            end: request.end,
            zone: plan.zone,
            summary: &request.subject,
            description: "",
            location: request.location.as_deref(),
            url: None,
            organizer: &request.organizer,
            organizer_name: None,
            attendees: std::slice::from_ref(&first),
        }))
    };
    let rows: Vec<Vec<String>> = attendees
        .customers
        .iter()
        .map(|c| {
            vec![
                c.customer.to_string(),
                c.subscribers.to_string(),
                c.restricted.to_string(),
                c.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut text = format!(
        "dry run: {id} ({provider}): would {verb}\n{} at {} in {}\n\n{}\n\nextra attendees: {} invited, {} held back by restricted_recipients\nattendees in all (de-duplicated): {}\n",
        plan.subject,
        plan.start.to_rfc3339(),
        plan.zone.name(),
        table(&["customer", "subscribers", "held back", "error"], &rows),
        plan.attendees.len().saturating_sub(attendees.extra_restricted),
        attendees.extra_restricted,
        attendees.all.len(),
    );
    if provider == "graph" {
        text.push_str(&format!("\nGraph event:\n{}", serde_json::to_string_pretty(&payload)?));
    } else {
        text.push_str("\nEach attendee gets one message through their customer's SES; the first one's invitation:\n");
        text.push_str(payload.as_str().unwrap_or_default());
    }
    print(
        ctx,
        json!({"object": id, "dry_run": true, "provider": provider, "step": verb, "customers": attendees.customers,
               "attendees": attendees.all, "extra_restricted": attendees.extra_restricted, "payload": payload}),
        &text,
    );
    Ok(ExitCode::SUCCESS)
}

fn print(ctx: &Ctx, value: Value, text: &str) {
    if ctx.json() { ctx.printer.json(&value) } else { ctx.printer.print(text) }
}

/// The store, contacts, mailer and calendar a processor works with.
type Ports = (
    Arc<dyn DocumentStore>,
    Arc<dyn ccm_core::ports::ContactDirectory>,
    Arc<dyn ccm_core::ports::Mailer>,
    Arc<dyn ccm_core::ports::Calendar>,
);

/// The processor over the chosen store, with its mailer, contacts and calendar.
async fn processor(ctx: &Ctx, target: &Target, app: Arc<AppConfig>) -> anyhow::Result<Processor> {
    let base = app.email_config.portal_base_url.clone();
    let (store, contacts, mailer, calendar): Ports = match target.backend {
        Backend::Embedded => {
            let store = ccm_embedded::EmbeddedStore::open(&target.data)
                .await
                .with_context(|| format!("opening the data directory {}", target.data.display()))?;
            let text = match &target.contacts {
                Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
                None => crate::serve::DEMO_CONTACTS.to_owned(),
            };
            let contacts = ccm_embedded::JsonContacts::from_json(&text, &ctx.topics()?)?
                .with_preferences_file(ccm_embedded::contacts::preferences_path(&target.data))?;
            let secret = crate::serve::keys::session_secret(&target.data)?;
            let links = ccm_embedded::LinkKeys::from_secrets(&secret.primary, secret.previous.as_deref());
            let mailer = ccm_embedded::OutboxMailer::new(&target.data, &base, links);
            let calendar = crate::serve::meetings::calendar(&target.data, &base).await?;
            (store, Arc::new(contacts), Arc::new(mailer), calendar)
        }
        Backend::Aws => {
            let bucket = target
                .bucket
                .clone()
                .or_else(|| app.s3_config.as_ref().map(|s| s.bucket_name.clone()))
                .context("--backend aws needs --bucket or s3_config.bucket_name in config.json")?;
            let s3 = ccm_aws::sdk::s3_client(&ctx.sdk, ctx.sdk.endpoint_url().is_some());
            let store: Arc<dyn DocumentStore> = Arc::new(ccm_aws::S3DocumentStore::new(s3, bucket));
            let clients = Arc::new(ccm_aws::CustomerClients::from_app_config(&ctx.sdk, &app).await);
            let ses = Arc::new(ccm_aws::SesGateway::new(clients, ccm_aws::SesOptions::default()));
            let calendar = match crate::serve::meetings::graph_from_env(Some(&ctx.sdk)).await? {
                Some(graph) => graph,
                None => Arc::new(ccm_processor::IcsCalendar::default()),
            };
            (store, ses.clone(), ses, calendar)
        }
    };
    Ok(Processor {
        ledger: Arc::new(ccm_aws::StoreLedger::new(store.clone())),
        store,
        contacts,
        mailer,
        calendar: Some(calendar),
        surveys: None,
        config: app,
        clock: Arc::new(SystemClock),
        settings: Settings::default(),
    })
}
