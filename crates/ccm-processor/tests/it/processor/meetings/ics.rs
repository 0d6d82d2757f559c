//! ICS invitations by mail: one message per attendee through their customer's SES, one UID per
//! object, a SEQUENCE that grows, `METHOD:CANCEL` to cancel.

use std::sync::Arc;

use ccm_core::model::{MeetingChange, MeetingProvider};
use ccm_processor::IcsCalendar;
use ccm_testkit::fakes::Sent;
use serde_json::json;

use super::*;

pub async fn ics_rig() -> Rig {
    let mut rig = Rig::new().await;
    rig.processor.calendar = Some(Arc::new(IcsCalendar::default()));
    rig
}

/// The invitations (mails with a calendar part) sent so far.
pub fn invitations(rig: &Rig) -> Vec<Sent> {
    rig.mailer.sent().into_iter().filter(|m| m.email.ics.is_some()).collect()
}

pub fn ics_text(m: &Sent) -> String {
    String::from_utf8(m.email.ics.clone().unwrap().to_vec()).unwrap().replace("\r\n ", "")
}

fn line<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.split("\r\n").find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {ics}"))
}

#[tokio::test]
async fn each_customers_trigger_mails_its_own_attendees_one_invitation_each() {
    let rig = ics_rig().await;
    rig.subscribers("acme", "aws-calendar", 2);
    rig.subscribers("globex", "aws-calendar", 1);
    rig.subscribers("acme", "aws-announce", 1);
    let o = change_with_meeting("CHG-ics", "approved", &["acme", "globex"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    for outcome in process_all(&rig, &o).await {
        outcome.unwrap();
    }
    let sent = invitations(&rig);
    let mut to: Vec<(String, String)> = sent.iter().map(|m| (m.customer.to_string(), m.email.to.to_string())).collect();
    to.sort();
    assert_eq!(
        to,
        [
            ("acme".to_owned(), "guest@partner.example.com".to_owned()),
            ("acme".into(), "user0@acme.example.com".into()),
            ("acme".into(), "user1@acme.example.com".into()),
            ("globex".into(), "user0@globex.example.com".into()),
        ],
        "through each customer's own SES; the extra attendee through the first customer"
    );
    for m in &sent {
        let ics = ics_text(m);
        assert_eq!(line(&ics, "METHOD:"), "METHOD:REQUEST");
        assert_eq!(line(&ics, "UID:"), format!("UID:{}@ccm.example.com", o.id()));
        assert_eq!(line(&ics, "SEQUENCE:"), "SEQUENCE:0");
        assert_eq!(line(&ics, "DTSTART;"), "DTSTART;TZID=America/New_York:20260610T090000");
        assert_eq!(line(&ics, "ORGANIZER"), "ORGANIZER:mailto:change-meetings@ccm.example.com");
        assert_eq!(ics.matches("\r\nATTENDEE").count(), 1, "each message names only its recipient");
        assert!(line(&ics, "ATTENDEE").ends_with(&format!("RSVP=TRUE:mailto:{}", m.email.to)));
        assert!(m.email.subject.starts_with("📅 Invitation: "));
    }
    let subscriber = sent.iter().find(|m| m.email.to.as_str() == "user0@acme.example.com").unwrap();
    assert_eq!(subscriber.email.list_management.as_ref().unwrap().1.as_str(), "aws-calendar", "unsubscribe works");
    let guest = sent.iter().find(|m| m.email.to.as_str() == "guest@partner.example.com").unwrap();
    assert!(guest.email.list_management.is_none(), "the guest is on no list");
    let r = &records(&rig, &o).await[0];
    assert_eq!((r.provider, r.change, r.sequence), (MeetingProvider::Ics, MeetingChange::Scheduled, 0));
    // Redelivered: nothing is mailed twice.
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    assert_eq!(invitations(&rig).len(), 4);
    let results = rig.results(o.id()).await;
    assert!(
        results.iter().any(|r| r.event == "meeting-s1" && r.customer.as_str() == "acme" && r.sent == 3),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_reschedule_sends_the_same_uid_with_a_higher_sequence_and_a_cancellation_cancels_it() {
    let rig = ics_rig().await;
    rig.subscribers("acme", "aws-calendar", 1);
    let o = change_with_meeting("CHG-seq", "approved", &["acme"], 3, json!({"attendees": ""}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let moved = change_with_meeting(
        "CHG-seq",
        "approved",
        &["acme"],
        5,
        json!({"attendees": "", "meetingDate": "2026-06-12T07:30:00Z", "timezone": "Asia/Tokyo"}),
    );
    rig.archive_and_trigger(&moved).await;
    process_all(&rig, &moved).await;
    let cancelled = change_with_meeting("CHG-seq", "cancelled", &["acme"], 6, json!({"attendees": ""}));
    rig.archive_and_trigger(&cancelled).await;
    process_all(&rig, &cancelled).await;
    let sent = invitations(&rig);
    assert_eq!(sent.len(), 3);
    let (a, b, c) = (ics_text(&sent[0]), ics_text(&sent[1]), ics_text(&sent[2]));
    assert_eq!(line(&a, "UID:"), line(&b, "UID:"));
    assert_eq!(line(&a, "UID:"), line(&c, "UID:"));
    assert_eq!(
        [line(&a, "SEQUENCE:"), line(&b, "SEQUENCE:"), line(&c, "SEQUENCE:")],
        ["SEQUENCE:0", "SEQUENCE:1", "SEQUENCE:2"]
    );
    assert_eq!(line(&b, "DTSTART;"), "DTSTART;TZID=Asia/Tokyo:20260612T163000");
    assert!(b.contains("TZID:Asia/Tokyo"));
    assert_eq!((line(&c, "METHOD:"), line(&c, "STATUS:")), ("METHOD:CANCEL", "STATUS:CANCELLED"));
    assert!(sent[1].email.subject.starts_with("📅 Updated invitation: "));
    assert!(sent[2].email.subject.starts_with("❌ Cancelled: "));
    // The cancellation's MIME part says CANCEL too.
    let raw = ccm_core::mime::build(&sent[2].email, chrono::Utc::now(), "m@test", &[]);
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.contains("method=\"CANCEL\"") || raw.contains("method=CANCEL"), "{raw}");
}

#[tokio::test]
async fn each_invitation_shows_the_time_in_its_readers_zone_first_and_the_calendar_part_in_the_meetings() {
    let rig = ics_rig().await;
    rig.contacts.add_in_zone("acme", "berlin@acme.example.com", &["aws-calendar"], Some(chrono_tz::Europe::Berlin));
    rig.contacts.add("acme", "plain@acme.example.com", &["aws-calendar"]);
    let o = change_with_meeting("CHG-icz", "approved", &["acme"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let to = |addr: &str| invitations(&rig).into_iter().find(|m| m.email.to.as_str() == addr).unwrap();
    let berlin = to("berlin@acme.example.com");
    let theirs = "June 10, 2026 at 3:00 PM CEST – June 10, 2026 at 3:45 PM CEST (Europe/Berlin)";
    let meetings = "June 10, 2026 at 9:00 AM EDT – June 10, 2026 at 9:45 AM EDT (America/New_York)";
    // (HTML escapes the zone's '/'.)
    for body in [berlin.email.text.clone(), berlin.email.html.replace("&#x2f;", "/")] {
        let (first, then) = (body.find(theirs), body.find(meetings));
        assert!(first.is_some() && then.is_some() && first < then, "{body}");
    }
    let ics = ics_text(&berlin);
    assert_eq!(line(&ics, "DTSTART;"), "DTSTART;TZID=America/New_York:20260610T090000", "the calendar converts");
    assert!(ics.contains("(Europe/Berlin)"), "the description is the reader's text: {ics}");
    // Neither the plain subscriber (acme has no configured zone) nor the guest has a zone: the meeting's.
    for addr in ["plain@acme.example.com", "guest@partner.example.com"] {
        let text = to(addr).email.text;
        assert!(text.contains("When:  June 10, 2026 at 9:00 AM EDT – June 10, 2026 at 9:45 AM EDT\n"), "{text}");
        assert!(!text.contains("Europe/Berlin"), "{text}");
    }
}

#[tokio::test]
async fn a_meeting_location_that_is_a_link_is_the_join_link() {
    let rig = ics_rig().await;
    rig.subscribers("acme", "aws-calendar", 1);
    rig.subscribers("acme", "aws-announce", 1);
    let o = change_with_meeting(
        "CHG-link",
        "approved",
        &["acme"],
        3,
        json!({"meetingLocation": "https://meet.example.com/ccm-42"}),
    );
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let r = &records(&rig, &o).await[0];
    assert_eq!(r.join_url.as_deref(), Some("https://meet.example.com/ccm-42"));
    let approval = rig.mailer.sent().into_iter().find(|m| m.email.subject.starts_with("🟢")).unwrap();
    assert!(
        approval.email.html.contains("https://meet.example.com/ccm-42") && approval.email.html.contains("Join meeting")
    );
    assert!(ics_text(&invitations(&rig)[0]).contains("URL:https://meet.example.com/ccm-42"));
}

#[tokio::test]
async fn without_a_calendar_nothing_is_scheduled() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-calendar", 1);
    let o = change_with_meeting("CHG-none", "approved", &["acme"], 3, json!({}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    assert!(records(&rig, &o).await.is_empty());
}

#[tokio::test]
async fn the_notice_and_the_invitations_of_one_trigger_read_the_zone_book_once() {
    use ccm_core::ports::{DocumentStore, PutOptions};
    use ccm_testkit::hooked_store::{HookedStore, Op};
    use std::sync::atomic::{AtomicUsize, Ordering};

    let mut rig = ics_rig().await;
    rig.contacts.add("acme", "reader@acme.example.com", &["aws-announce", "aws-calendar"]);
    let mut book = ccm_core::zone_book::ZoneBook::default();
    book.set(&ccm_core::EmailAddress::parse("reader@acme.example.com").unwrap(), Some(chrono_tz::Europe::Berlin));
    let key = ccm_core::StorageKey::ZoneBook(code("acme"));
    rig.store.put(&key, bytes::Bytes::from(book.to_json()), PutOptions::default()).await.unwrap();
    let gets = Arc::new(AtomicUsize::new(0));
    let (counted, book_key) = (gets.clone(), key.to_string());
    rig.processor.store = Arc::new(HookedStore::new(rig.store.clone(), move |op, key| {
        if op == Op::Get && key == book_key {
            counted.fetch_add(1, Ordering::SeqCst);
        }
        Box::pin(async {})
    }));
    let o = change_with_meeting("CHG-icb", "approved", &["acme"], 3, json!({"attendees": ""}));
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let invitation = invitations(&rig).into_iter().find(|m| m.email.to.as_str() == "reader@acme.example.com").unwrap();
    assert!(invitation.email.text.contains("(Europe/Berlin)"), "the book's zone: {}", invitation.email.text);
    assert_eq!(rig.mailer.sent().len(), 2, "the notice and the invitation");
    assert_eq!(gets.load(Ordering::SeqCst), 1, "one GET of the book for both");
}
