//! The invitations the processor mails, read back by an independent parser: Python's `icalendar`
//! (pinned in `scripts/requirements-test.txt`, installed into `.venv`). Without it the test says so
//! and passes, unless `CCM_REQUIRE_MOTO=1` (CI), where a missing parser is a failure.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::ics::{ics_rig, invitations};
use super::*;

const READER: &str = r#"
import json, sys
from icalendar import Calendar
out = []
for path in sys.argv[1:]:
    cal = Calendar.from_ical(open(path, 'rb').read())
    event = cal.walk('VEVENT')[0]
    tz = cal.walk('VTIMEZONE')[0]
    start = event.decoded('DTSTART')
    end = event.decoded('DTEND')
    out.append({
        'method': str(cal['METHOD']),
        'uid': str(event['UID']),
        'sequence': int(event['SEQUENCE']),
        'status': str(event.get('STATUS')),
        'tzid': str(tz['TZID']),
        'start_zone': str(getattr(start.tzinfo, 'key', None) or start.tzinfo),
        'start_utc': start.astimezone(__import__('datetime').timezone.utc).isoformat(),
        'end_utc': end.astimezone(__import__('datetime').timezone.utc).isoformat(),
        'organizer': str(event['ORGANIZER']),
        'attendees': [str(a) for a in (event.get('ATTENDEE') if isinstance(event.get('ATTENDEE'), list) else [event.get('ATTENDEE')])],
        'rsvp': [a.params.get('RSVP') for a in (event.get('ATTENDEE') if isinstance(event.get('ATTENDEE'), list) else [event.get('ATTENDEE')])],
        'summary': str(event['SUMMARY']),
        'description': str(event.get('DESCRIPTION')),
    })
print(json.dumps(out))
"#;

fn python() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let ok = python.is_file()
        && std::process::Command::new(&python).args(["-c", "import icalendar"]).status().is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    let required = std::env::var("CCM_REQUIRE_MOTO").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    assert!(!required, "CCM_REQUIRE_MOTO=1 but .venv has no icalendar: pip install -r scripts/requirements-test.txt");
    eprintln!(
        "skipped: .venv/bin/python with icalendar is not installed (pip install -r scripts/requirements-test.txt)"
    );
    None
}

#[tokio::test]
async fn an_invitation_its_reschedule_and_its_cancellation_read_back_as_one_event_in_its_zone() {
    let Some(python) = python() else { return };
    let rig = ics_rig().await;
    rig.subscribers("acme", "aws-calendar", 1);
    let title = json!({"changeTitle": "Rotate certificates; phase 1, \"part\" A", "attendees": "",
                       "changeReason": "Line one\nLine two, with a comma"});
    let o = change_with_meeting("CHG-parse", "approved", &["acme"], 3, title.clone());
    rig.archive_and_trigger(&o).await;
    process_all(&rig, &o).await;
    let mut moved_fields = title.clone();
    // Berlin's clocks go back at 01:00Z on October 25 2026: the meeting starts at 02:30 CEST and
    // ends at the second 02:15 of that night (CET), which only UTC can name.
    moved_fields["meetingDate"] = json!("2026-10-25T00:30:00Z");
    moved_fields["timezone"] = json!("Europe/Berlin");
    let moved = change_with_meeting("CHG-parse", "approved", &["acme"], 5, moved_fields.clone());
    rig.archive_and_trigger(&moved).await;
    process_all(&rig, &moved).await;
    let cancelled = change_with_meeting("CHG-parse", "cancelled", &["acme"], 6, moved_fields);
    rig.archive_and_trigger(&cancelled).await;
    process_all(&rig, &cancelled).await;

    let sent = invitations(&rig);
    assert_eq!(sent.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = sent
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let path = dir.path().join(format!("{i}.ics"));
            std::fs::write(&path, m.email.ics.as_ref().unwrap()).unwrap();
            path
        })
        .collect();
    let out = std::process::Command::new(python).arg("-c").arg(READER).args(&files).output().unwrap();
    assert!(out.status.success(), "icalendar refused an invitation:\n{}", String::from_utf8_lossy(&out.stderr));
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let [request, reschedule, cancel] = parsed.as_slice() else { panic!("{parsed:?}") };

    assert_eq!(request["method"], "REQUEST");
    assert_eq!(request["uid"], format!("{}@ccm.example.com", o.id()));
    assert_eq!(request["sequence"], 0);
    assert_eq!(request["tzid"], "America/New_York");
    assert_eq!(request["start_zone"], "America/New_York");
    assert_eq!(request["start_utc"], "2026-06-10T13:00:00+00:00");
    assert_eq!(request["end_utc"], "2026-06-10T13:45:00+00:00");
    assert_eq!(request["organizer"], "mailto:change-meetings@ccm.example.com");
    assert_eq!(request["attendees"], json!(["mailto:user0@acme.example.com"]));
    assert_eq!(request["rsvp"], json!(["TRUE"]));
    assert_eq!(request["summary"], "Change Implementation: Rotate certificates; phase 1, \"part\" A");
    assert!(request["description"].as_str().unwrap().contains("Line two, with a comma"));

    assert_eq!(reschedule["method"], "REQUEST");
    assert_eq!(reschedule["uid"], request["uid"], "the same event");
    assert!(reschedule["sequence"].as_i64() > request["sequence"].as_i64());
    assert_eq!(reschedule["tzid"], "Europe/Berlin");
    assert_eq!(reschedule["start_zone"], "Europe/Berlin");
    assert_eq!(reschedule["start_utc"], "2026-10-25T00:30:00+00:00");
    assert_eq!(reschedule["end_utc"], "2026-10-25T01:15:00+00:00");

    assert_eq!(cancel["method"], "CANCEL");
    assert_eq!(cancel["uid"], request["uid"]);
    assert_eq!(cancel["status"], "CANCELLED");
    assert!(cancel["sequence"].as_i64() > reschedule["sequence"].as_i64());
}
