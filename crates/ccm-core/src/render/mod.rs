//! Notification e-mails: subject, HTML and text for every (event, object type), from templates built
//! into the binary. All user text is cleaned of control and bidi characters ([`crate::text`]) and
//! escaped by the template engine (HTML templates auto-escape; newlines become `<br>` only after
//! escaping). Times are shown in the reader's zone (their contact's, else their customer's, else
//! the object's) and, when that is another zone, in the object's zone, each with its abbreviation
//! (its IANA name where it has none) and the zone's name, then in UTC. Each copy names only the customer it goes to. SES replaces
//! `{{amazonSESUnsubscribeUrl}}` with the recipient's one-click unsubscribe link.
//!
//! Meetings: the invitation text ([`meeting`]) and iCalendar invitations ([`ics`], with the zone's
//! `VTIMEZONE` from `vtimezone`).

mod context;
pub mod ics;
mod link_slot;
pub mod meeting;
mod subject;
mod vtimezone;

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, Value};

pub use context::{NotificationContext, SES_UNSUBSCRIBE_PLACEHOLDER, TemplateData, format_local, object_zone};
pub use ics::{IcsInvite, IcsMethod, render_ics};
pub use link_slot::LinkSlot;
pub use meeting::{InvitationContext, invitation};
pub use subject::{MAX_SUBJECT_CHARS, clean_subject};

use crate::routing::Event;

/// A rendered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
#[error("rendering the {template} template failed: {message}")]
pub struct RenderError {
    template: String,
    message: String,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("base.txt", include_str!("templates/base.txt")),
    ("approval_request.html", include_str!("templates/approval_request.html")),
    ("approval_request.txt", include_str!("templates/approval_request.txt")),
    ("approved.html", include_str!("templates/approved.html")),
    ("approved.txt", include_str!("templates/approved.txt")),
    ("completed.html", include_str!("templates/completed.html")),
    ("completed.txt", include_str!("templates/completed.txt")),
    ("cancelled.html", include_str!("templates/cancelled.html")),
    ("cancelled.txt", include_str!("templates/cancelled.txt")),
    ("rescheduled.html", include_str!("templates/rescheduled.html")),
    ("rescheduled.txt", include_str!("templates/rescheduled.txt")),
    ("details.html", include_str!("templates/details.html")),
    ("moved.html", include_str!("templates/moved.html")),
    ("moved.txt", include_str!("templates/moved.txt")),
    ("details.txt", include_str!("templates/details.txt")),
    ("invitation.html", include_str!("templates/invitation.html")),
    ("invitation.txt", include_str!("templates/invitation.txt")),
    ("reminder.html", include_str!("templates/reminder.html")),
    ("reminder.txt", include_str!("templates/reminder.txt")),
    ("approval_reminder.html", include_str!("templates/approval_reminder.html")),
    ("approval_reminder.txt", include_str!("templates/approval_reminder.txt")),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("nl2br", nl2br);
        env.add_filter("url", url_attr);
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and covered by tests; a syntax error is a build bug.
            if let Err(e) = env.add_template(name, source) {
                panic!("built-in template {name} does not parse: {e}");
            }
        }
        env
    })
}

/// Escapes text for HTML, then turns its newlines into `<br>`.
fn nl2br(text: &str) -> Value {
    Value::from_safe_string(escape_html(text).replace("\r\n", "\n").replace('\n', "<br>\n"))
}

/// A URL for an `href`: only http(s) links (and SES's placeholder) pass; quotes, `<`, `>` and `&` are
/// escaped; slashes stay readable.
fn url_attr(url: &str) -> Value {
    Value::from_safe_string(url_attr_text(url))
}

/// [`url_attr`] as text: the escaped URL, or `#` when it is not http(s) (nor SES's placeholder).
fn url_attr_text(url: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://") || url == context::SES_UNSUBSCRIBE_PLACEHOLDER) {
        return "#".to_owned();
    }
    url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&#x27;")
}

/// The one escaper of markup the project writes by hand (HTML pages, SAML XML): `&`, `<`, `>`, `"`
/// and `'`, so the text is safe in element content and in quoted attributes. Templates escape the
/// same way through minijinja's HTML auto-escaping.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(ctx: &NotificationContext<'_>) -> Result<Rendered, RenderError> {
    render_with_survey(ctx, None)
}

/// [`render`], with a "Take the survey" box leading the completion notice when `survey_url` is
/// given (other events ignore it). The processor passes a [`LinkSlot`] placeholder and fills in each
/// recipient's own link afterwards.
pub fn render_with_survey(ctx: &NotificationContext<'_>, survey_url: Option<&str>) -> Result<Rendered, RenderError> {
    let mut data = TemplateData::from_context(ctx);
    data.survey_url = survey_url
        .filter(|_| ctx.event == Event::Completed)
        .map(|u| crate::text::clean(u, crate::text::TextKind::SingleLine).into_owned());
    let name = ctx.event.as_str();
    let env = environment();
    let run = |template: String| -> Result<String, RenderError> {
        env.get_template(&template)
            .and_then(|t| t.render(&data))
            .map_err(|e| RenderError { template: template.clone(), message: format!("{e:#}") })
    };
    // Every field was cleaned when the data was prepared; cleaning the output again keeps the
    // rule for any field a template gains later.
    let clean = |s: String| crate::text::clean(&s, crate::text::TextKind::MultiLine).into_owned();
    Ok(Rendered {
        subject: clean_subject(&data.subject),
        html: clean(run(format!("{name}.html"))?),
        text: clean(run(format!("{name}.txt"))?),
    })
}

/// The emoji in front of a subject.
pub fn emoji(event: Event, kind: crate::ids::ObjectKind) -> &'static str {
    use crate::ids::{AnnouncementType as A, ObjectKind as K};
    match (event, kind) {
        (Event::ApprovalRequest, _) => "⚠️",
        (Event::Completed, _) => "✅",
        (Event::Cancelled, _) => "❌",
        (Event::Reminder, _) => "⏰",
        (Event::ApprovalReminder, _) => "⏳",
        (Event::Rescheduled, _) => "🕒",
        (Event::Approved, K::Change) => "🟢",
        (Event::Approved, K::Announcement(A::Cic)) => "☁️",
        (Event::Approved, K::Announcement(A::Finops)) => "💰",
        (Event::Approved, K::Announcement(A::Innersource)) => "🔧",
        (Event::Approved, K::Announcement(A::General)) => "📢",
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod zone_tests;
