//! The calendar of `ccm serve`: meetings become iCalendar invitations that the processor mails to
//! each attendee (they land in the outbox as `.eml` files with a `text/calendar` part, like mail
//! to SES), and this calendar keeps the meeting itself under `{data}/calendar/{object}.json`, so the
//! join link has somewhere to go on one machine: `/dev/meetings/{object}` shows the meeting and
//! its `.ics`. A meeting location that is a web link is the join link instead.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use ccm_core::model::MeetingProvider;
use ccm_core::ports::{Calendar, CalendarError, CalendarEvent, Invitations, MeetingRequest};
use ccm_core::{EmailAddress, ObjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A meeting as the local calendar holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalMeeting {
    pub object: ObjectId,
    pub uid: String,
    pub sequence: u32,
    pub subject: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: String,
    #[serde(default)]
    pub location: Option<String>,
    pub organizer: EmailAddress,
    pub join_url: String,
    pub attendees: usize,
    pub cancelled: bool,
    pub updated_at: DateTime<Utc>,
}

pub struct LocalCalendar {
    root: PathBuf,
    /// The portal's URL, without a trailing `/`.
    base_url: String,
}

impl LocalCalendar {
    pub fn new(data_dir: &Path, base_url: impl Into<String>) -> Self {
        Self { root: data_dir.join("calendar"), base_url: base_url.into().trim_end_matches('/').to_owned() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The local page a meeting's join link points at.
    pub fn page_url(&self, object: &ObjectId) -> String {
        format!("{}/dev/meetings/{object}", self.base_url)
    }

    fn path(&self, object: &ObjectId) -> PathBuf {
        self.root.join(format!("{object}.json"))
    }

    async fn write(&self, meeting: &LocalMeeting) -> Result<(), CalendarError> {
        let body = serde_json::to_vec_pretty(meeting).map_err(|e| CalendarError::Rejected(e.to_string()))?;
        let path = self.path(&meeting.object);
        let tmp = self.root.join(format!(".{}.tmp", meeting.object));
        let write = async {
            tokio::fs::create_dir_all(&self.root).await?;
            tokio::fs::write(&tmp, &body).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write.await.map_err(|e| CalendarError::Unavailable(format!("writing the local calendar: {e}")))
    }

    async fn save(&self, r: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        let location_link = r.location.as_deref().map(str::trim).filter(|l| {
            let lower = l.to_ascii_lowercase();
            (lower.starts_with("https://") || lower.starts_with("http://")) && !l.contains(char::is_whitespace)
        });
        let join_url = location_link.map(str::to_owned).unwrap_or_else(|| self.page_url(&r.object));
        self.write(&LocalMeeting {
            object: r.object.clone(),
            uid: r.ical_uid.clone(),
            sequence: r.sequence,
            subject: r.subject.clone(),
            start: r.start,
            end: r.end,
            timezone: r.timezone.clone(),
            location: r.location.clone(),
            organizer: r.organizer.clone(),
            join_url: join_url.clone(),
            attendees: r.attendees.len(),
            cancelled: false,
            updated_at: Utc::now(),
        })
        .await?;
        Ok(CalendarEvent { event_id: r.ical_uid.clone(), ical_uid: Some(r.ical_uid.clone()), join_url: Some(join_url) })
    }
}

/// The meeting of `object` in the local calendar under `root`, if there is one.
pub fn read(root: &Path, object: &ObjectId) -> Option<LocalMeeting> {
    let bytes = std::fs::read(root.join(format!("{object}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[async_trait]
impl Calendar for LocalCalendar {
    fn provider(&self) -> MeetingProvider {
        MeetingProvider::Ics
    }
    fn invitations(&self) -> Invitations {
        Invitations::MailedAsIcs
    }
    async fn create(&self, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        self.save(request).await
    }
    async fn update(&self, _event_id: &str, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        self.save(request).await
    }
    async fn cancel(&self, _organizer: &EmailAddress, event_id: &str, _comment: &str) -> Result<(), CalendarError> {
        // The event id is the UID `{object}@{domain}`.
        let Some(object) = event_id.split('@').next().and_then(|id| ObjectId::parse(id).ok()) else { return Ok(()) };
        let Some(mut meeting) = read(&self.root, &object) else { return Ok(()) };
        meeting.cancelled = true;
        meeting.updated_at = Utc::now();
        self.write(&meeting).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(location: Option<&str>) -> MeetingRequest {
        MeetingRequest {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 3,
            transaction_id: "t".into(),
            ical_uid: "CHG-1@ccm.example.com".into(),
            sequence: 0,
            organizer: EmailAddress::parse("meetings@ccm.example.com").unwrap(),
            subject: "Change Implementation: Patch".into(),
            html_body: String::new(),
            start: "2026-06-10T14:00:00Z".parse().unwrap(),
            end: "2026-06-10T15:00:00Z".parse().unwrap(),
            timezone: "America/New_York".into(),
            location: location.map(str::to_owned),
            attendees: Vec::new(),
            hide_attendees: true,
        }
    }

    #[tokio::test]
    async fn a_meeting_is_kept_on_disk_with_a_local_join_page_until_it_is_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        let cal = LocalCalendar::new(dir.path(), "http://127.0.0.1:8080/");
        let event = cal.create(&request(Some("Room 1"))).await.unwrap();
        assert_eq!(event.join_url.as_deref(), Some("http://127.0.0.1:8080/dev/meetings/CHG-1"));
        let id = ObjectId::parse("CHG-1").unwrap();
        assert!(!read(cal.root(), &id).unwrap().cancelled);
        cal.cancel(&request(None).organizer, &event.event_id, "cancelled").await.unwrap();
        assert!(read(cal.root(), &id).unwrap().cancelled);
    }

    #[tokio::test]
    async fn a_location_that_is_a_link_is_the_join_link() {
        let dir = tempfile::tempdir().unwrap();
        let cal = LocalCalendar::new(dir.path(), "http://127.0.0.1:8080");
        let event = cal.create(&request(Some("https://meet.example.com/x"))).await.unwrap();
        assert_eq!(event.join_url.as_deref(), Some("https://meet.example.com/x"));
    }
}
