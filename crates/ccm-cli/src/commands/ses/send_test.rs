//! `ccm ses send-test`: one notification rendered from the real templates (`ccm_core::render`) for a
//! sample object, sent to one address through the customer's SES (the same gateway the processor
//! uses). The original's `send-test-email` ignored its flags and mailed a whole topic (§12 item 20).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ccm_aws::{CustomerClients, SesGateway, SesOptions};
use ccm_core::ports::{Mailer, OutgoingEmail};
use ccm_core::render::{NotificationContext, render};
use ccm_core::routing::Event;
use ccm_core::{AnnouncementType, Object};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::{dry, parse_email};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::per_customer::{self, CustomerArgs, Report};

pub const EXAMPLES: &str = "Examples:\n  ccm ses send-test --customer acme --to jane@acme.example.com\n  ccm ses send-test --customer acme --to jane@acme.example.com --event cancelled --kind cic\n  ccm ses send-test --customer acme --to jane@acme.example.com --dry-run   render only";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventArg {
    ApprovalRequest,
    Approved,
    Completed,
    Cancelled,
}

impl From<EventArg> for Event {
    fn from(e: EventArg) -> Self {
        match e {
            EventArg::ApprovalRequest => Event::ApprovalRequest,
            EventArg::Approved => Event::Approved,
            EventArg::Completed => Event::Completed,
            EventArg::Cancelled => Event::Cancelled,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Change,
    General,
    Cic,
    Finops,
    Innersource,
}

#[derive(Debug, Args)]
pub struct SendTestArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// The one recipient (a non-production customer's restricted_recipients still apply).
    #[arg(long)]
    pub to: String,
    /// Which notification to render.
    #[arg(long, value_enum, default_value_t = EventArg::Approved)]
    pub event: EventArg,
    /// A change or an announcement of this type.
    #[arg(long, value_enum, default_value_t = KindArg::Change)]
    pub kind: KindArg,
    /// Render and print the subject; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, args: SendTestArgs) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let to = parse_email(&args.to)?;
    let object = sample(args.kind, &app.customer_mappings.keys().map(|c| c.to_string()).collect::<Vec<_>>())?;
    let (app, object) = (&app, &object);
    per_customer::run(ctx, app, &args.customers, "ses send-test", |c| {
        let to = to.clone();
        async move {
            if !c.is_recipient_allowed(to.as_str()) {
                anyhow::bail!("{to} is not in this customer's restricted_recipients; mail to it is never sent");
            }
            let rendered = render(&NotificationContext {
                object,
                event: args.event.into(),
                customer: &c.customer_code,
                customer_name: &c.customer_name,
                portal_base_url: &app.email_config.portal_base_url,
                now: chrono::Utc::now(),
                reader_zone: None,
                previous: None,
            })?;
            let email = OutgoingEmail {
                from: app.email_config.sender_address.clone(),
                from_name: app.email_config.sender_name.clone(),
                to: to.clone(),
                subject: format!("[TEST] {}", rendered.subject),
                html: rendered.html,
                text: rendered.text,
                list_management: None,
                ics: None,
                feedback: None,
            };
            let mut text = format!("{}send {:?} from {} to {to}", dry(args.dry_run), email.subject, email.from);
            let mut message_id = None;
            if !args.dry_run {
                let clients = Arc::new(CustomerClients::new(&ctx.sdk, [&c]).await);
                let gateway = SesGateway::new(clients, SesOptions::default());
                let receipt = gateway.send(&c.customer_code, &email).await.context("sending the test message")?;
                text.push_str(&format!("\nSES message id {}", receipt.message_id));
                message_id = Some(receipt.message_id);
            }
            let changes =
                [Change::new("SES SendEmail", to.as_str()).with(json!({"from": email.from, "subject": email.subject}))];
            Ok(Report::new(
                json!({"to": to, "from": email.from, "subject": email.subject, "message_id": message_id,
                                  "dry_run": args.dry_run, "changes": changes}),
                text,
            )
            .into())
        }
    })
    .await
}

/// A plausible object of `kind` for the templates, affecting `customers`.
fn sample(kind: KindArg, customers: &[String]) -> anyhow::Result<Object> {
    let start = chrono::Utc::now() + chrono::Duration::days(7);
    let end = start + chrono::Duration::hours(2);
    let value = match kind {
        KindArg::Change => json!({
            "changeId": format!("CHG-{}", uuid::Uuid::new_v4()),
            "changeTitle": "Test notification: certificate rotation",
            "changeReason": "This is a test message sent with `ccm ses send-test`.",
            "customerImpact": "None: this is a test.",
            "implementationPlan": "1. Nothing\n2. Nothing else",
            "testPlan": "Read this message",
            "rollbackPlan": "Not needed",
            "snowTicket": "CHG0000000",
            "jiraTicket": "TEST-1",
            "customers": customers,
            "implementationStart": start.to_rfc3339(),
            "implementationEnd": end.to_rfc3339(),
            "timezone": "America/New_York",
            "status": "approved",
            "approvedBy": "ccm-cli@example.com",
            "approvedAt": chrono::Utc::now().to_rfc3339(),
        }),
        other => {
            let name = match other {
                KindArg::General => "general",
                KindArg::Cic => "cic",
                KindArg::Finops => "finops",
                _ => "innersource",
            };
            let t = AnnouncementType::parse(name).context("announcement type")?;
            json!({
                "announcement_id": format!("{}-{}", t.id_prefix(), uuid::Uuid::new_v4()),
                "announcement_type": name,
                "title": "Test notification",
                "summary": "This is a test message sent with `ccm ses send-test`.",
                "content": "Hello,\nThis is only a test.\n\nThe CCOE team",
                "customers": customers,
                "status": "approved",
                "approvedBy": "ccm-cli@example.com",
                "approvedAt": chrono::Utc::now().to_rfc3339(),
            })
        }
    };
    Object::from_json(value.to_string().as_bytes()).map_err(|e| anyhow::anyhow!("building the sample object: {e}"))
}
