//! The text of a meeting invitation: the Graph event's HTML body, and the mail (subject, HTML, text)
//! an ICS invitation travels in, whose text is also the event's `DESCRIPTION`. One text serves every
//! attendee of every customer, so it names no customer; a mailed invitation is rendered once per
//! reader zone (the time in the reader's zone first, then the meeting's). User text is cleaned and escaped as in the
//! notifications (the original put unescaped fields into the Graph body).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::context::Zones;
use super::{RenderError, Rendered, clean_subject, environment};
use crate::model::{MeetingChange, MeetingPlan, Object};
use crate::schedule;
use crate::text::{self, TextKind};

/// What an invitation says.
#[derive(Debug, Clone)]
pub struct InvitationContext<'a> {
    pub object: &'a Object,
    pub change: MeetingChange,
    pub subject: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The meeting's zone.
    pub zone: Tz,
    /// The reader's zone, shown first when it is another one (`None`: the meeting's only).
    pub reader_zone: Option<Tz>,
    pub location: Option<&'a str>,
    pub join_url: Option<&'a str>,
    /// `email_config.portal_base_url`, without a trailing slash.
    pub portal_base_url: &'a str,
}

#[derive(Debug, Serialize)]
struct InvitationData {
    subject: String,
    meeting_subject: String,
    heading: &'static str,
    lead: String,
    cancelled: bool,
    type_label: &'static str,
    id: String,
    title: String,
    summary: String,
    /// "start – end" in the reader's zone, then in the meeting's when that is another one.
    when: Vec<String>,
    start_utc: String,
    end_utc: String,
    location: Option<String>,
    join_url: Option<String>,
    object_url: String,
}

fn one_line(s: &str) -> String {
    text::clean(s, TextKind::SingleLine).into_owned()
}

impl InvitationData {
    fn from_context(ctx: &InvitationContext<'_>) -> Self {
        let o = ctx.object;
        let meeting_subject = one_line(ctx.subject);
        let (heading, emoji, lead) = match ctx.change {
            MeetingChange::Scheduled => ("Invitation", "📅", "You are invited to this meeting."),
            MeetingChange::Rescheduled => {
                ("Updated invitation", "📅", "This meeting has changed; the new time and details are below.")
            }
            MeetingChange::Cancelled => ("Cancelled", "❌", "This meeting has been cancelled."),
        };
        let id = o.id().as_str().to_owned();
        let base = ctx.portal_base_url.trim_end_matches('/');
        let page =
            if o.kind().is_change() { "edit-change.html?changeId=" } else { "edit-announcement.html?announcementId=" };
        Self {
            subject: format!("{emoji} {heading}: {meeting_subject}"),
            meeting_subject,
            heading,
            lead: lead.to_owned(),
            cancelled: ctx.change == MeetingChange::Cancelled,
            type_label: MeetingPlan::kind_label(o.kind()),
            title: one_line(o.title()),
            summary: text::clean(o.summary(), TextKind::MultiLine).trim().to_owned(),
            when: Zones { reader: ctx.reader_zone.unwrap_or(ctx.zone), object: ctx.zone }
                .span_lines(ctx.start, ctx.end),
            start_utc: schedule::format_utc(ctx.start),
            end_utc: schedule::format_utc(ctx.end),
            location: ctx.location.map(one_line).filter(|l| !l.trim().is_empty()),
            join_url: ctx.join_url.map(one_line).filter(|u| !u.trim().is_empty()),
            object_url: format!("{base}/{page}{id}"),
            id,
        }
    }
}

/// The invitation's subject, HTML and text.
pub fn invitation(ctx: &InvitationContext<'_>) -> Result<Rendered, RenderError> {
    let data = InvitationData::from_context(ctx);
    let env = environment();
    let run = |name: &str| -> Result<String, RenderError> {
        env.get_template(name)
            .and_then(|t| t.render(&data))
            .map_err(|e| RenderError { template: name.to_owned(), message: format!("{e:#}") })
    };
    let clean = |s: String| text::clean(&s, TextKind::MultiLine).into_owned();
    Ok(Rendered {
        subject: clean_subject(&data.subject),
        html: clean(run("invitation.html")?),
        text: clean(run("invitation.txt")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change() -> Object {
        Object::from_json(
            json!({"changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e", "changeTitle": "Rotate <certs> & keys",
                   "changeReason": "Expiry\nnext week", "status": "approved", "customers": ["acme", "globex"]})
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    }

    fn ctx(o: &Object, change: MeetingChange) -> InvitationContext<'_> {
        InvitationContext {
            object: o,
            change,
            subject: "Change Implementation: Rotate <certs> & keys",
            start: "2026-06-10T14:00:00Z".parse().unwrap(),
            end: "2026-06-10T15:00:00Z".parse().unwrap(),
            zone: chrono_tz::America::New_York,
            reader_zone: None,
            location: Some("Room <4>"),
            join_url: Some("https://teams.microsoft.com/l/meetup-join/19%3ameeting?a=1&b=2"),
            portal_base_url: "https://ccm.example.com/",
        }
    }

    #[test]
    fn an_invitation_is_escaped_and_names_no_customer() {
        let o = change();
        let r = invitation(&ctx(&o, MeetingChange::Scheduled)).unwrap();
        insta::assert_snapshot!("invitation_scheduled_html", r.html);
        insta::assert_snapshot!("invitation_scheduled_text", r.text);
        assert_eq!(r.subject, "📅 Invitation: Change Implementation: Rotate <certs> & keys");
        assert!(r.html.contains("Rotate &lt;certs&gt; &amp; keys") && !r.html.contains("<certs>"));
        assert!(r.html.contains("a=1&amp;b=2"), "the join link is an escaped attribute");
        for customer in ["acme", "globex"] {
            assert!(!r.html.contains(customer) && !r.text.contains(customer), "{customer} must not be named");
        }
    }

    #[test]
    fn a_cancellation_says_so_and_offers_no_join_link() {
        let o = change();
        let r = invitation(&ctx(&o, MeetingChange::Cancelled)).unwrap();
        assert!(r.subject.starts_with("❌ Cancelled: "));
        assert!(!r.html.contains("Join meeting") && !r.text.contains("Join meeting"));
        let r = invitation(&ctx(&o, MeetingChange::Rescheduled)).unwrap();
        assert!(r.subject.starts_with("📅 Updated invitation: "));
        assert!(r.text.contains("June 10, 2026 at 10:00 AM EDT"), "{}", r.text);
    }

    #[test]
    fn a_reader_in_another_zone_reads_their_time_first_then_the_meetings() {
        let o = change();
        let berlin =
            InvitationContext { reader_zone: Some(chrono_tz::Europe::Berlin), ..ctx(&o, MeetingChange::Scheduled) };
        let r = invitation(&berlin).unwrap();
        let theirs = "June 10, 2026 at 4:00 PM CEST – June 10, 2026 at 5:00 PM CEST (Europe/Berlin)";
        let meetings = "June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 11:00 AM EDT (America/New_York)";
        // (HTML escapes the zone's '/'.)
        for body in [r.text.clone(), r.html.replace("&#x2f;", "/")] {
            let (first, then) = (body.find(theirs), body.find(meetings));
            assert!(first.is_some() && then.is_some() && first < then, "{body}");
        }
        let same = InvitationContext { reader_zone: Some(chrono_tz::America::New_York), ..berlin };
        let r = invitation(&same).unwrap();
        assert!(
            r.text.contains("When:  June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 11:00 AM EDT\n"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("(America/New_York)"), "one zone is not named twice: {}", r.text);
    }
}
