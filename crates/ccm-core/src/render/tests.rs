use serde_json::json;

use super::*;
use crate::ids::CustomerCode;
use crate::model::Object;
use crate::text::{self, TextKind};

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-06-02T15:30:00Z".parse().unwrap()
}

fn change(payload: &str) -> Object {
    Object::from_json(
        json!({
            "changeId": "CHG-0f8fad5b-d9cb-469f-a165-70867728950e",
            "changeTitle": format!("Rotate certificates {payload}"),
            "changeReason": format!("Expiry in 30 days.\nSecond line {payload}"),
            "customerImpact": format!("None expected {payload}"),
            "implementationPlan": format!("1. Issue\n2. Deploy {payload}"),
            "testPlan": "Probe every endpoint",
            "rollbackPlan": "Redeploy the old certificate",
            "snowTicket": format!("CHG0012345{payload}"),
            "jiraTicket": "CCOE-42",
            "customers": ["acme", "globex"],
            "implementationStart": "2026-06-10T14:00:00Z",
            "implementationEnd": "2026-06-10T16:00:00Z",
            "timezone": "America/New_York",
            "status": "approved",
            "approvedBy": "bob@example.com",
            "approvedAt": "2026-06-02T15:00:00Z",
            "completedBy": "alice@example.com",
            "completedAt": "2026-06-10T16:05:00Z",
            "cancelledBy": "alice@example.com",
            "cancelledAt": "2026-06-09T09:00:00Z",
            "survey_url": "https://form.typeform.com/to/abc123",
            "blackout_overrides": [
                {"action": "submit", "user_id": "alice@example.com", "at": "2026-06-02T14:00:00Z",
                 "reason": format!("The fix cannot wait {payload}"),
                 "blackouts": [{"id": "BLK-1", "name": format!("Month-end close {payload}"), "customers": ["acme"]},
                               {"id": "BLK-2", "name": "Globex freeze", "customers": ["globex"]}]},
                {"action": "approve", "user_id": "bob@example.com", "at": "2026-06-02T15:00:00Z",
                 "reason": "Only globex", "blackouts": [{"id": "BLK-2", "name": "Globex freeze", "customers": ["globex"]}]}
            ],
            "meeting_metadata": {"meeting_id": "m1", "join_url": "https://teams.microsoft.com/l/meetup-join/x",
                "start_time": "2026-06-10T14:00:00Z", "end_time": "2026-06-10T15:00:00Z",
                "subject": format!("Change Implementation: Rotate certificates {payload}")}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn announcement(kind: &str, payload: &str) -> Object {
    let prefix = crate::ids::AnnouncementType::parse(kind).unwrap().id_prefix();
    Object::from_json(
        json!({
            "announcement_id": format!("{prefix}-7d1c1a4e-2b7f-4d4e-9d55-0a1b2c3d4e5f"),
            "announcement_type": kind,
            "title": format!("Quarterly update {payload}"),
            "summary": format!("What changes {payload}"),
            "content": format!("Hello,\nWe are improving things {payload}.\n\nThe team"),
            "customers": ["acme"],
            "status": "approved",
            "meeting_timezone": "Europe/London",
            "meeting_date": "2026-06-12T09:00:00Z",
            "meeting_duration": 45,
            "approvedBy": "bob@example.com",
            "approvedAt": "2026-06-02T15:00:00Z",
            "attachments": [{"name": format!("slides {payload}.pdf"), "s3_key": "announcements/x/attachments/slides.pdf", "size": 10}]
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

/// The survey link the processor would give acme's recipient (every event gets it; only the
/// completion notice shows it).
const SURVEY: &str = "https://ccm.example.com/survey.html?t=czEKQ0hHLTE.c2lnbmVk";

fn render_for(object: &Object, event: Event) -> Rendered {
    let acme = CustomerCode::parse("acme").unwrap();
    render_with_survey(
        &NotificationContext {
            object,
            event,
            customer: &acme,
            customer_name: "Acme Corp",
            portal_base_url: "https://ccm.example.com",
            now: now(),
            reader_zone: None,
            previous: None,
        },
        Some(SURVEY),
    )
    .unwrap()
}

const EVENTS: [Event; 6] = [
    Event::ApprovalRequest,
    Event::Approved,
    Event::Completed,
    Event::Cancelled,
    Event::Reminder,
    Event::ApprovalReminder,
];

#[test]
fn every_template_renders_for_every_object_type() {
    let mut objects = vec![("change", change(""))];
    for kind in ["cic", "finops", "innersource", "general"] {
        objects.push((kind, announcement(kind, "")));
    }
    for (kind, object) in &objects {
        for event in EVENTS {
            let r = render_for(object, event);
            let snapshot = format!("SUBJECT: {}\n\n--- TEXT ---\n{}\n--- HTML ---\n{}", r.subject, r.text, r.html);
            insta::assert_snapshot!(format!("{}_{}", event.as_str(), kind), snapshot);
        }
    }
}

#[test]
fn user_text_is_escaped_in_every_field_of_every_html_template() {
    let payload = r#"<script>alert("x")</script><img src=x onerror=alert(1)>'&"#;
    for object in [change(payload), announcement("finops", payload)] {
        for event in EVENTS {
            let r = render_for(&object, event);
            assert!(!r.html.contains("<script"), "{event:?}: a script tag got through");
            assert!(!r.html.contains("<img src=x"), "{event:?}: markup got through");
            assert!(r.html.contains("&lt;script&gt;"), "{event:?}: the payload is shown, escaped");
            assert!(!r.subject.contains('\n'));
            assert!(r.text.contains(payload), "{event:?}: the text part shows the text as written");
        }
    }
}

#[test]
fn newlines_in_user_text_become_line_breaks_after_escaping() {
    let r = render_for(&change("<b>"), Event::Approved);
    assert!(r.html.contains("Expiry in 30 days.<br>\nSecond line &lt;b&gt;"));
}

#[test]
fn subjects_carry_the_event_emoji_and_no_line_breaks() {
    let mut o = change("");
    if let Object::Change(c) = &mut o {
        c.change_title = "Line one\r\nBcc: victim@example.com".into();
    }
    assert_eq!(
        render_for(&o, Event::ApprovalRequest).subject,
        "⚠️ Approval requested: Line one Bcc: victim@example.com"
    );
    assert!(render_for(&announcement("finops", ""), Event::Approved).subject.starts_with("💰 "));
    assert!(render_for(&announcement("cic", ""), Event::Approved).subject.starts_with("☁️ "));
    assert!(render_for(&change(""), Event::Completed).subject.starts_with("✅ "));
    assert!(render_for(&change(""), Event::Cancelled).subject.starts_with("❌ "));
}

#[test]
fn the_approval_request_links_to_the_approvals_page_for_this_customer_and_object() {
    let r = render_for(&change(""), Event::ApprovalRequest);
    let link = "https://ccm.example.com/approvals.html?customerCode=acme&amp;objectId=CHG-0f8fad5b-d9cb-469f-a165-70867728950e";
    assert!(r.html.contains(link), "{}", r.html);
    assert!(r.text.contains("approvals.html?customerCode=acme&objectId=CHG-0f8fad5b"));
}

#[test]
fn the_schedule_is_shown_in_the_objects_zone_with_its_abbreviation_and_in_utc() {
    let r = render_for(&change(""), Event::Approved);
    assert!(r.html.contains("June 10, 2026 at 10:00 AM EDT"), "{}", r.text);
    assert!(r.html.contains("June 10, 2026 at 2:00 PM UTC"));
}

#[test]
fn the_footer_carries_the_ses_unsubscribe_placeholder_in_both_parts() {
    for event in EVENTS {
        let r = render_for(&change(""), event);
        assert!(r.html.contains("href=\"{{amazonSESUnsubscribeUrl}}\""));
        assert!(r.text.contains("{{amazonSESUnsubscribeUrl}}"));
    }
}

#[test]
fn the_completion_notice_leads_with_the_survey_link_it_is_given() {
    let r = render_for(&change(""), Event::Completed);
    assert!(r.text.contains(&format!("Take the survey: {SURVEY}")), "{}", r.text);
    assert!(r.html.contains(&format!("href=\"{SURVEY}\"")));
    let survey = r.html.find("Take the survey").unwrap();
    assert!(survey < r.html.find("Implementation window").unwrap(), "the survey comes first");
    assert!(!render_for(&change(""), Event::Approved).html.contains("Take the survey"));
}

#[test]
fn a_survey_url_stored_on_the_object_by_the_original_system_is_not_used() {
    let acme = CustomerCode::parse("acme").unwrap();
    let ctx = NotificationContext {
        object: &change(""),
        event: Event::Completed,
        customer: &acme,
        customer_name: "Acme Corp",
        portal_base_url: "https://ccm.example.com",
        now: now(),
        reader_zone: None,
        previous: None,
    };
    let r = render(&ctx).unwrap();
    assert!(!r.html.contains("Take the survey") && !r.text.contains("typeform"), "{}", r.text);
}

#[test]
fn a_link_slot_rendered_once_gives_each_recipient_their_own_link() {
    let acme = CustomerCode::parse("acme").unwrap();
    let slot = LinkSlot::random();
    let ctx = NotificationContext {
        object: &change("<b>"),
        event: Event::Completed,
        customer: &acme,
        customer_name: "Acme Corp",
        portal_base_url: "https://ccm.example.com",
        now: now(),
        reader_zone: None,
        previous: None,
    };
    let once = render_with_survey(&ctx, Some(slot.as_str())).unwrap();
    let ops = slot.fill(&once, "https://ccm.example.com/survey.html?t=ops&x=1");
    let dev = slot.fill(&once, "https://ccm.example.com/survey.html?t=dev&x=1");
    assert!(ops.html.contains("href=\"https://ccm.example.com/survey.html?t=ops&amp;x=1\""), "{}", ops.html);
    assert!(ops.text.contains("Take the survey: https://ccm.example.com/survey.html?t=ops&x=1"));
    assert!(dev.text.contains("t=dev") && !dev.text.contains("t=ops"));
    assert!(!ops.html.contains(slot.as_str()) && !ops.text.contains(slot.as_str()));
}

#[test]
fn links_other_than_http_are_neutralised() {
    let mut o = change("");
    o.life_mut().meeting_metadata.as_mut().unwrap().join_url = "javascript:alert(1)".into();
    let r = render_for(&o, Event::Approved);
    assert!(!r.html.contains("javascript:"));
}

#[test]
fn a_customers_copy_of_a_shared_object_names_no_other_customer() {
    // The change affects acme and globex; acme's copy must not name, count or hint at globex.
    let mut objects = vec![change("")];
    for kind in ["cic", "finops", "innersource", "general"] {
        let mut a = announcement(kind, "");
        if let Object::Announcement(x) = &mut a {
            x.customers.push(CustomerCode::parse("globex").unwrap());
        }
        objects.push(a);
    }
    for object in &objects {
        assert_eq!(object.customers().len(), 2);
        for event in EVENTS {
            let r = render_for(object, event);
            for (part, body) in [("subject", &r.subject), ("html", &r.html), ("text", &r.text)] {
                let lower = body.to_lowercase();
                assert!(!lower.contains("globex"), "{event:?} {part} names another customer:\n{body}");
                assert!(!lower.contains("customers:"), "{event:?} {part} lists customers:\n{body}");
            }
            assert!(r.html.contains("Acme Corp") && r.text.contains("Acme Corp"), "it names its own customer");
        }
    }
}

/// Control and bidi characters in every user field: what a stored object from an older version
/// may hold, though input validation now refuses them.
const HOSTILE: &str = "a\rb\0c\u{b}d\u{1b}e\u{7f}f\u{85}g\u{9b}h\u{202e}i\u{2066}j\u{2069}k\u{200e}l\u{200f}m\u{2028}n";

#[test]
fn control_and_bidi_characters_in_stored_text_never_reach_the_rendered_mail() {
    for object in [change(HOSTILE), announcement("general", HOSTILE)] {
        for event in EVENTS {
            let r = render_for(&object, event);
            assert!(text::check(&r.subject, TextKind::SingleLine).is_ok(), "{event:?} subject {:?}", r.subject);
            assert!(text::check(&r.text, TextKind::MultiLine).is_ok(), "{event:?} text part");
            assert!(text::check(&r.html, TextKind::MultiLine).is_ok(), "{event:?} html part");
            assert!(r.text.contains("hij"), "refused characters are dropped, the text around them stays");
        }
    }
}

#[test]
fn a_title_with_line_breaks_stays_on_the_heading_line_of_the_text_part() {
    let mut o = change("");
    if let Object::Change(c) = &mut o {
        c.change_title = "First\nSecond\r\nThird".into();
    }
    let r = render_for(&o, Event::Approved);
    assert!(r.text.starts_with("First Second Third\n"), "{}", r.text);
}

#[test]
fn a_long_title_gives_a_subject_cut_at_a_word_with_an_ellipsis() {
    let mut o = change("");
    if let Object::Change(c) = &mut o {
        c.change_title = "Rotate the TLS certificates of every public load balancer in all production regions before they expire next month".into();
    }
    let r = render_for(&o, Event::ApprovalRequest);
    assert!(r.subject.chars().count() <= MAX_SUBJECT_CHARS, "{}", r.subject);
    assert!(r.subject.starts_with("⚠️ Approval requested: Rotate the TLS"));
    assert!(r.subject.ends_with('…') && !r.subject.ends_with(" …"), "{}", r.subject);
    let before = r.subject.trim_end_matches('…');
    assert!(o.title().contains(before.trim_start_matches("⚠️ Approval requested: ")), "cut between words");
    assert!(o.title()[before.len() - "⚠️ Approval requested: ".len()..].starts_with(' '), "{}", r.subject);
    assert!(r.html.contains("before they expire next month"), "the body keeps the whole title");
}

#[test]
fn a_zone_without_an_abbreviation_is_shown_by_its_iana_name() {
    let mut o = change("");
    if let Object::Change(c) = &mut o {
        c.timezone = Some("Europe/Istanbul".into());
    }
    let r = render_for(&o, Event::Approved);
    assert!(r.text.contains("June 10, 2026 at 5:00 PM Europe/Istanbul"), "{}", r.text);
    assert!(!r.text.contains("+03") && !r.html.contains("+03"));
    let mut o = announcement("cic", "");
    if let Object::Announcement(a) = &mut o {
        a.meeting_timezone = Some("America/Sao_Paulo".into());
    }
    let r = render_for(&o, Event::Approved);
    assert!(r.text.contains("June 12, 2026 at 6:00 AM America/Sao_Paulo"), "{}", r.text);
    assert!(!r.text.contains("-03") && !r.html.contains("-03"));
}

#[test]
fn every_rendered_notification_reads_back_whole_through_mime_and_an_independent_parser() {
    use mail_parser::MessageParser;
    let mut objects = vec![change(""), change(HOSTILE)];
    for kind in ["cic", "finops", "innersource", "general"] {
        objects.push(announcement(kind, "<b>&'\""));
    }
    for object in &objects {
        for event in EVENTS {
            let r = render_for(object, event);
            let email = crate::ports::OutgoingEmail {
                from: crate::EmailAddress::parse("notifications@ccm.example.com").unwrap(),
                from_name: Some("CCOE Customer Contact Manager".into()),
                to: crate::EmailAddress::parse("ops@acme.example.com").unwrap(),
                subject: r.subject.clone(),
                html: r.html.clone(),
                text: r.text.clone(),
                list_management: None,
                ics: None,
                feedback: None,
            };
            let raw = crate::mime::build(&email, now(), "m@ccm", &[]);
            let head = String::from_utf8(raw.clone()).unwrap();
            for line in head.split("\r\n\r\n").next().unwrap().split("\r\n") {
                assert!(line.len() <= 76, "{event:?}: {line}");
            }
            let msg = MessageParser::default().parse(&raw).unwrap();
            assert_eq!(msg.subject(), Some(r.subject.as_str()), "{event:?}");
            assert_eq!(msg.body_text(0).unwrap().replace("\r\n", "\n").trim_end(), r.text.trim_end(), "{event:?}");
            assert_eq!(msg.body_html(0).unwrap().replace("\r\n", "\n").trim_end(), r.html.trim_end(), "{event:?}");
        }
    }
}

#[test]
fn a_reminder_says_plainly_how_long_until_the_window_with_the_window_and_the_portal_link() {
    let acme = CustomerCode::parse("acme").unwrap();
    let object = change("<b>");
    let ctx = |event, now: &str| NotificationContext {
        object: &object,
        event,
        customer: &acme,
        customer_name: "Acme Corp",
        portal_base_url: "https://ccm.example.com",
        now: now.parse().unwrap(),
        reader_zone: None,
        previous: None,
    };
    // The window starts 2026-06-10T14:00:00Z.
    let r = render(&ctx(Event::Reminder, "2026-06-09T14:10:00Z")).unwrap();
    assert_eq!(r.subject, "⏰ Starts in about 24 hours: Rotate certificates <b>");
    for part in [&r.text, &r.html] {
        assert!(part.contains("about 24 hours"), "{part}");
        assert!(part.contains("June 10, 2026 at 10:00 AM EDT"), "the window in the object's zone");
        assert!(part.contains("June 10, 2026 at 2:00 PM UTC"), "and in UTC");
        assert!(part.contains("https://ccm.example.com/edit-change.html?changeId=CHG-"), "the portal link");
    }
    assert!(r.text.contains("This approved change starts in about 24 hours: June 10"));
    assert!(r.html.contains("starts in <strong>about 24 hours</strong>"));
    assert!(r.html.contains("Rotate certificates &lt;b&gt;"));
    let soon = render(&ctx(Event::Reminder, "2026-06-10T13:40:00Z")).unwrap();
    assert!(soon.text.contains("starts in less than an hour"));
}

#[test]
fn an_approval_reminder_says_how_long_the_submission_has_waited() {
    let acme = CustomerCode::parse("acme").unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&change("").to_json()).unwrap();
    v["status"] = json!("submitted");
    v["submittedAt"] = json!("2026-06-01T12:00:00Z");
    let object = Object::from_json(v.to_string().as_bytes()).unwrap();
    let r = render(&NotificationContext {
        object: &object,
        event: Event::ApprovalReminder,
        customer: &acme,
        customer_name: "Acme Corp",
        portal_base_url: "https://ccm.example.com",
        now: "2026-06-03T14:00:00Z".parse().unwrap(),
        reader_zone: None,
        previous: None,
    })
    .unwrap();
    assert!(r.subject.starts_with("⏳ Still waiting for approval: "), "{}", r.subject);
    assert!(r.text.contains("has been waiting for approval for about 50 hours"), "{}", r.text);
    assert!(r.text.contains("https://ccm.example.com/approvals.html?customerCode=acme&objectId=CHG-"));
}
