//! The calendar of a deployment without Microsoft Graph: nothing to call, the meeting is the
//! iCalendar event the processor mails to each attendee through their customer's SES. Its id is the
//! event's UID; its join link is the meeting location when that is a web link (a bridge or a video
//! call the author named), else the link this calendar was given.

use async_trait::async_trait;
use ccm_core::EmailAddress;
use ccm_core::model::MeetingProvider;
use ccm_core::ports::{Calendar, CalendarError, CalendarEvent, Invitations, MeetingRequest};

#[derive(Debug, Clone, Default)]
pub struct IcsCalendar {
    /// The join link of meetings whose location is not a web link (`None`: they have none).
    pub join_url: Option<String>,
}

impl IcsCalendar {
    pub fn new(join_url: Option<String>) -> Self {
        Self { join_url }
    }

    /// The event an ICS invitation describes.
    pub fn event(&self, request: &MeetingRequest) -> CalendarEvent {
        let location_link = request.location.as_deref().map(str::trim).filter(|l| {
            let lower = l.to_ascii_lowercase();
            (lower.starts_with("https://") || lower.starts_with("http://")) && !l.contains(char::is_whitespace)
        });
        CalendarEvent {
            event_id: request.ical_uid.clone(),
            ical_uid: Some(request.ical_uid.clone()),
            join_url: location_link.map(str::to_owned).or_else(|| self.join_url.clone()),
        }
    }
}

#[async_trait]
impl Calendar for IcsCalendar {
    fn provider(&self) -> MeetingProvider {
        MeetingProvider::Ics
    }
    fn invitations(&self) -> Invitations {
        Invitations::MailedAsIcs
    }
    async fn create(&self, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        Ok(self.event(request))
    }
    async fn update(&self, _event_id: &str, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        Ok(self.event(request))
    }
    async fn cancel(&self, _organizer: &EmailAddress, _event_id: &str, _comment: &str) -> Result<(), CalendarError> {
        Ok(())
    }
}
