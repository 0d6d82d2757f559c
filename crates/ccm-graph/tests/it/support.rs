//! Settings pointing at a fresh stub, with short timeouts and back-offs.

use std::time::Duration;

use ccm_core::ports::{MeetingRequest, Secret};
use ccm_core::{EmailAddress, ObjectId};
use ccm_graph::{GraphCalendar, GraphSettings};
use ccm_testkit::graph_stub::{CLIENT_ID, CLIENT_SECRET, GraphStub, TENANT};

pub fn settings(stub: &GraphStub) -> GraphSettings {
    let mut s = GraphSettings::new(TENANT, CLIENT_ID, Secret::new(CLIENT_SECRET));
    s.graph_url = stub.graph_url.clone();
    s.login_url = stub.login_url.clone();
    s.timeout = Duration::from_millis(400);
    s.backoff = Duration::from_millis(10);
    s.max_backoff = Duration::from_millis(1500);
    s
}

pub async fn calendar() -> (GraphStub, GraphCalendar) {
    let stub = GraphStub::start().await;
    let cal = GraphCalendar::new(settings(&stub)).unwrap();
    (stub, cal)
}

pub fn organizer() -> EmailAddress {
    EmailAddress::parse("change-meetings@ccm.example.com").unwrap()
}

pub fn request(version: u32) -> MeetingRequest {
    MeetingRequest {
        object: ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap(),
        version,
        transaction_id: format!("0f8fad5b-d9cb-469f-a165-7086772895{version:02}"),
        ical_uid: "CHG-0f8fad5b-d9cb-469f-a165-70867728950e@ccm.example.com".into(),
        sequence: 0,
        organizer: organizer(),
        subject: "Change Implementation: Rotate certificates".into(),
        html_body: "<p>Rotate &lt;certs&gt;</p>".into(),
        start: "2026-06-10T14:00:00Z".parse().unwrap(),
        end: "2026-06-10T15:00:00Z".parse().unwrap(),
        timezone: "America/New_York".into(),
        location: Some("Bridge 4".into()),
        attendees: vec![
            EmailAddress::parse("ops@acme.example.com").unwrap(),
            EmailAddress::parse("noc@globex.example.com").unwrap(),
        ],
        hide_attendees: true,
    }
}
