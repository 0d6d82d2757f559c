//! What a template sees: plain strings prepared from the object (times already formatted in the
//! reader's zone, then the object's zone when it is another one, and in UTC; links already built, user text cleaned of control and bidi characters
//! by [`crate::text::clean`]). Templates never compute; they lay out.
//!
//! One copy goes to one customer, and it names only that customer: the context carries no other
//! customer's code or name, so no template can list, count or hint at the others.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::ids::{AnnouncementType, CustomerCode, ObjectKind};
use crate::model::Object;
use crate::routing::Event;
use crate::schedule;
use crate::text::{self, TextKind};

/// Everything needed to render one notification for one customer.
#[derive(Clone, Copy)]
pub struct NotificationContext<'a> {
    pub object: &'a Object,
    pub event: Event,
    /// The customer whose subscribers receive this copy.
    pub customer: &'a CustomerCode,
    /// That customer's display name (`customer_mappings.{code}.customer_name`).
    pub customer_name: &'a str,
    /// `email_config.portal_base_url`, without a trailing slash.
    pub portal_base_url: &'a str,
    pub now: DateTime<Utc>,
    /// The zone the readers of this copy see times in first (their contact's, else the customer's);
    /// `None`: the object's zone.
    pub reader_zone: Option<Tz>,
    /// The object as it was last announced to this customer, when it was approved before: a
    /// reschedule notice and an approval request show how its window moved since.
    pub previous: Option<&'a Object>,
}

#[derive(Debug, Serialize)]
pub struct Window {
    /// The reader's zone (IANA name).
    pub zone: String,
    /// In the reader's zone.
    pub start_local: String,
    pub end_local: String,
    pub start_utc: String,
    pub end_utc: String,
    /// "start – end" in the reader's zone, then in the object's zone when that is another one (each
    /// then followed by its zone's name).
    pub lines: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Meeting {
    pub join_url: String,
    pub subject: String,
    /// In the reader's zone, then " / " and the object's zone when that is another one.
    pub start_local: String,
    pub start_utc: String,
}

/// How an object's times moved since it was last announced: "was" and "now", each as lines in the
/// reader's zone, the object's zone (when another) and UTC. Empty when that part did not move.
#[derive(Debug, Serialize)]
pub struct Moved {
    pub window_from: Vec<String>,
    pub window_to: Vec<String>,
    pub meeting_from: Vec<String>,
    pub meeting_to: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Who {
    pub by: String,
    pub at_local: String,
    pub at_utc: String,
}

/// A submission or approval that went through a blackout window of this customer, with its reason.
#[derive(Debug, Serialize)]
pub struct Override {
    pub action: String,
    pub by: String,
    pub at_local: String,
    pub at_utc: String,
    pub reason: String,
    /// The names of this customer's (and global) blackout windows it went through.
    pub blackouts: String,
}

#[derive(Debug, Serialize)]
pub struct TemplateData {
    pub event: &'static str,
    pub subject: String,
    pub emoji: &'static str,
    pub color: &'static str,
    pub status_word: &'static str,
    pub type_label: &'static str,
    pub is_change: bool,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub content: String,
    pub details: Vec<(String, String)>,
    pub tickets: Vec<(String, String)>,
    pub window: Option<Window>,
    pub meeting: Option<Meeting>,
    pub moved: Option<Moved>,
    pub customer_code: String,
    pub customer_name: String,
    pub approve_url: String,
    pub object_url: String,
    pub survey_url: Option<String>,
    pub approved: Option<Who>,
    pub completed: Option<Who>,
    pub cancelled: Option<Who>,
    pub overrides: Vec<Override>,
    pub attachments: Vec<String>,
    pub sent_at: String,
    pub unsubscribe_url: &'static str,
    /// A window reminder: "about 24 hours" until the window starts.
    pub starts_in: Option<String>,
    /// An approval reminder: "about 50 hours" since the object was submitted.
    pub waiting_for: Option<String>,
}

/// SES substitutes this placeholder with the recipient's unsubscribe link.
pub const SES_UNSUBSCRIBE_PLACEHOLDER: &str = "{{amazonSESUnsubscribeUrl}}";

fn type_label(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => "Change",
        ObjectKind::Announcement(AnnouncementType::Cic) => "CIC announcement",
        ObjectKind::Announcement(AnnouncementType::Finops) => "FinOps announcement",
        ObjectKind::Announcement(AnnouncementType::Innersource) => "InnerSource announcement",
        ObjectKind::Announcement(AnnouncementType::General) => "General announcement",
    }
}

fn color(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => "#6c757d",
        ObjectKind::Announcement(AnnouncementType::Cic) => "#0066cc",
        ObjectKind::Announcement(AnnouncementType::Finops) => "#28a745",
        ObjectKind::Announcement(AnnouncementType::Innersource) => "#6f42c1",
        ObjectKind::Announcement(AnnouncementType::General) => "#007bff",
    }
}

fn status_word(event: Event) -> &'static str {
    match event {
        Event::ApprovalRequest => "Approval requested",
        Event::Approved => "Approved",
        Event::Completed => "Completed",
        Event::Cancelled => "Cancelled",
        Event::Rescheduled => "Rescheduled",
        Event::Reminder => "Reminder",
        Event::ApprovalReminder => "Still waiting for approval",
    }
}

/// A duration as people say it: "less than an hour", "about 1 hour", "about 23 hours" (rounded to
/// the nearest hour; a negative duration counts as none).
pub fn about_hours(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let hours = minutes.saturating_add(30) / 60;
    match hours {
        0 => "less than an hour".to_owned(),
        1 => "about 1 hour".to_owned(),
        n => format!("about {n} hours"),
    }
}

fn one_line(s: &str) -> String {
    text::clean(s, TextKind::SingleLine).into_owned()
}

fn multi_line(s: &str) -> String {
    text::clean(s, TextKind::MultiLine).into_owned()
}

/// A time in `zone` with the zone's abbreviation ("10:00 AM EDT"), or with its IANA name where the
/// zone has no abbreviation and the time-zone database only gives an offset ("+03").
pub fn format_local(t: DateTime<Utc>, zone: Tz) -> String {
    let local = t.with_timezone(&zone);
    let abbreviation = local.format("%Z").to_string();
    if abbreviation.starts_with(['+', '-']) {
        format!("{} {}", local.format("%B %-d, %Y at %-I:%M %p"), zone.name())
    } else {
        schedule::format_in_zone(t, zone)
    }
}

/// The zones a copy shows times in: the reader's first, then the object's when it is another one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Zones {
    pub(super) reader: Tz,
    pub(super) object: Tz,
}

impl Zones {
    fn differ(self) -> bool {
        self.reader != self.object
    }

    /// "start – end" per zone (reader's first), naming each zone when there are two.
    pub(super) fn span_lines(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
        let line = |zone: Tz| format!("{} – {}", format_local(start, zone), format_local(end, zone));
        if self.differ() {
            vec![
                format!("{} ({})", line(self.reader), self.reader.name()),
                format!("{} ({})", line(self.object), self.object.name()),
            ]
        } else {
            vec![line(self.reader)]
        }
    }

    /// One instant in the reader's zone, then " / " and the object's zone when that is another one.
    fn instant(self, t: DateTime<Utc>) -> String {
        if self.differ() {
            format!(
                "{} ({}) / {} ({})",
                format_local(t, self.reader),
                self.reader.name(),
                format_local(t, self.object),
                self.object.name()
            )
        } else {
            format_local(t, self.reader)
        }
    }

    /// [`span_lines`](Self::span_lines) followed by the UTC line.
    fn span_with_utc(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
        let mut lines = self.span_lines(start, end);
        lines.push(format!("{} – {}", schedule::format_utc(start), schedule::format_utc(end)));
        lines
    }
}

/// The object's zone (`America/New_York` when it names none or an invalid one).
pub fn object_zone(o: &Object) -> Tz {
    o.timezone().and_then(|z| schedule::parse_zone("timezone", z).ok()).unwrap_or(chrono_tz::America::New_York)
}

/// What changed in `now`'s window and meeting time since `before`, or `None` when nothing moved.
fn moved(before: &Object, now: &Object, zones: Zones) -> Option<Moved> {
    let then = crate::reschedule::Slot::of(before);
    let current = crate::reschedule::Slot::of(now);
    if then == current {
        return None;
    }
    let span =
        |s: Option<(DateTime<Utc>, DateTime<Utc>)>| s.map(|(a, b)| zones.span_with_utc(a, b)).unwrap_or_default();
    let none_if_same = |a: Option<(DateTime<Utc>, DateTime<Utc>)>, b: Option<(DateTime<Utc>, DateTime<Utc>)>| {
        if a == b { (Vec::new(), Vec::new()) } else { (span(a), span(b)) }
    };
    let (window_from, window_to) = none_if_same(then.window, current.window);
    // An announcement's window is its meeting's slot: say it once.
    let (meeting_from, meeting_to) = if then.meeting == then.window && current.meeting == current.window {
        (Vec::new(), Vec::new())
    } else {
        none_if_same(then.meeting, current.meeting)
    };
    Some(Moved { window_from, window_to, meeting_from, meeting_to })
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn q(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TemplateData {
    pub fn from_context(ctx: &NotificationContext<'_>) -> Self {
        let o = ctx.object;
        let kind = o.kind();
        let life = o.life();
        let zone = object_zone(o);
        let zones = Zones { reader: ctx.reader_zone.unwrap_or(zone), object: zone };
        let local = |t: DateTime<Utc>| format_local(t, zones.reader);
        let who = |by: &Option<String>, at: &Option<DateTime<Utc>>| match (by, at) {
            (Some(by), Some(at)) => {
                Some(Who { by: one_line(by), at_local: local(*at), at_utc: schedule::format_utc(*at) })
            }
            _ => None,
        };
        let window = match o.window() {
            (Some(start), Some(end)) => Some(Window {
                zone: zones.reader.name().to_owned(),
                start_local: local(start),
                end_local: local(end),
                start_utc: schedule::format_utc(start),
                end_utc: schedule::format_utc(end),
                lines: zones.span_lines(start, end),
            }),
            _ => None,
        };
        let meeting = life.meeting_metadata.as_ref().map(|m| Meeting {
            join_url: one_line(&m.join_url),
            subject: one_line(&m.subject),
            start_local: zones.instant(m.start_time),
            start_utc: schedule::format_utc(m.start_time),
        });
        let moved = match ctx.event {
            Event::Rescheduled | Event::ApprovalRequest => ctx.previous.and_then(|before| moved(before, o, zones)),
            _ => None,
        };
        let (details, tickets, content) = match o {
            Object::Change(c) => {
                let d = [
                    ("Reason", &c.change_reason),
                    ("Customer impact", &c.customer_impact),
                    ("Implementation plan", &c.implementation_plan),
                    ("Test plan", &c.test_plan),
                    ("Rollback plan", &c.rollback_plan),
                ];
                let t = [("ServiceNow", &c.snow_ticket), ("Jira", &c.jira_ticket)];
                let keep = |pairs: &[(&str, &Option<String>)], kind: TextKind| {
                    pairs
                        .iter()
                        .filter_map(|(k, v)| {
                            let v = text::clean(v.as_deref()?, kind);
                            (!v.trim().is_empty()).then(|| ((*k).to_owned(), v.into_owned()))
                        })
                        .collect::<Vec<_>>()
                };
                (keep(&d, TextKind::MultiLine), keep(&t, TextKind::SingleLine), String::new())
            }
            Object::Announcement(a) => (Vec::new(), Vec::new(), multi_line(a.content.as_deref().unwrap_or_default())),
        };
        let base = ctx.portal_base_url.trim_end_matches('/');
        let id = o.id().as_str().to_owned();
        let edit_page =
            if kind.is_change() { "edit-change.html?changeId=" } else { "edit-announcement.html?announcementId=" };
        let status_word = status_word(ctx.event);
        let emoji = super::emoji(ctx.event, kind);
        let title = one_line(o.title());
        let starts_in = o
            .window()
            .0
            .filter(|_| ctx.event == Event::Reminder)
            .map(|start| about_hours(start.signed_duration_since(ctx.now)));
        let waiting_for = life
            .submitted_at
            .or(life.modified_at)
            .filter(|_| ctx.event == Event::ApprovalReminder)
            .map(|since| about_hours(ctx.now.signed_duration_since(since)));
        let subject = if ctx.event == Event::Approved {
            format!("{emoji} {title}")
        } else if let Some(left) = starts_in.as_deref() {
            format!("{emoji} Starts in {left}: {title}")
        } else {
            format!("{emoji} {status_word}: {title}")
        };
        let customer_name = match one_line(ctx.customer_name) {
            name if name.trim().is_empty() => ctx.customer.to_string(),
            name => name,
        };
        Self {
            event: ctx.event.as_str(),
            subject,
            emoji,
            color: color(kind),
            status_word,
            type_label: type_label(kind),
            is_change: kind.is_change(),
            title,
            // A change's summary is its reason, which the details already show.
            summary: if kind.is_change() { String::new() } else { multi_line(o.summary()) },
            content,
            details,
            tickets,
            window,
            meeting,
            moved,
            customer_code: ctx.customer.to_string(),
            customer_name,
            approve_url: format!("{base}/approvals.html?customerCode={}&objectId={}", q(ctx.customer.as_str()), q(&id)),
            object_url: format!("{base}/{edit_page}{}", q(&id)),
            id,
            // Set by `render_with_survey` for the completion notice: a per-recipient link.
            survey_url: None,
            approved: who(&life.approved_by, &life.approved_at),
            completed: who(&life.completed_by, &life.completed_at),
            cancelled: who(&life.cancelled_by, &life.cancelled_at),
            overrides: life
                .blackout_overrides
                .iter()
                .filter_map(|ov| {
                    let names: Vec<String> =
                        ov.blackouts.iter().filter(|b| b.applies_to(ctx.customer)).map(|b| one_line(&b.name)).collect();
                    (!names.is_empty()).then(|| Override {
                        action: if ov.action == "approve" { "Approved".into() } else { "Submitted".into() },
                        by: one_line(&ov.user_id),
                        at_local: local(ov.at),
                        at_utc: schedule::format_utc(ov.at),
                        reason: multi_line(&ov.reason),
                        blackouts: names.join(", "),
                    })
                })
                .collect(),
            attachments: match o {
                Object::Announcement(a) => a.attachments.iter().map(|a| one_line(&a.name)).collect(),
                Object::Change(_) => Vec::new(),
            },
            sent_at: schedule::format_utc(ctx.now),
            unsubscribe_url: SES_UNSUBSCRIBE_PLACEHOLDER,
            starts_in,
            waiting_for,
        }
    }
}
