//! The `Calendar` port over Graph: one online Teams meeting in the organizer's calendar
//! (`/users/{organizer}/events`).
//!
//! - **create** looks the event up first (by the key stamped on it as an extended property), then
//!   `POST`s it with `transactionId` = the same key, so retries, a crash between the call and the
//!   record, and triggers of several customers racing each other all end with one event. Creates in
//!   one process are also serialised.
//! - **update** `PATCH`es the same event (time, zone, subject, location, body, attendees); Exchange
//!   sends the update to attendees.
//! - **cancel** `POST`s `…/events/{id}/cancel` with a comment: the organizer's cancellation, which
//!   Exchange sends to every attendee. An event that is already gone counts as cancelled.
//!
//! A zone Graph does not support (it accepts Windows names and most IANA names) is answered with
//! HTTP 400; the event is then written in UTC, the same instants.

use async_trait::async_trait;
use ccm_core::EmailAddress;
use ccm_core::model::MeetingProvider;
use ccm_core::ports::{Calendar, CalendarError, CalendarEvent, Invitations, MeetingRequest};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{GraphClient, GraphError};
use crate::event::{EventPage, EventRead, EventWrite, KEY_PROPERTY};
use crate::settings::GraphSettings;

pub struct GraphCalendar {
    client: GraphClient,
    creating: tokio::sync::Mutex<()>,
}

const SELECT: &str = "id,iCalUId,onlineMeeting,isCancelled";

impl GraphCalendar {
    pub fn new(settings: GraphSettings) -> Result<Self, GraphError> {
        Ok(Self { client: GraphClient::new(settings)?, creating: tokio::sync::Mutex::new(()) })
    }

    /// The event ccm created under `key` in `organizer`'s calendar, if there is one (not cancelled).
    pub async fn find(&self, organizer: &EmailAddress, key: &str) -> Result<Option<EventRead>, GraphError> {
        let mut url = self.client.url(&["users", organizer.as_str(), "events"])?;
        let filter = format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{}' and ep/value eq '{}')",
            odata_quote(KEY_PROPERTY),
            odata_quote(key)
        );
        url.query_pairs_mut().append_pair("$filter", &filter).append_pair("$select", SELECT).append_pair("$top", "5");
        let answer = self.client.call("the meeting lookup", Method::GET, url, None).await?;
        let page: EventPage = serde_json::from_value(answer.body)
            .map_err(|e| GraphError::Unexpected { what: "the meeting lookup".into(), why: e.to_string() })?;
        Ok(page.value.into_iter().find(|e| !e.is_cancelled))
    }

    async fn read(&self, organizer: &EmailAddress, id: &str) -> Result<EventRead, GraphError> {
        let mut url = self.client.url(&["users", organizer.as_str(), "events", id])?;
        url.query_pairs_mut().append_pair("$select", SELECT);
        let answer = self.client.call("the meeting", Method::GET, url, None).await?;
        parse_event(answer.body, "the meeting")
    }

    /// Graph usually answers a create with the join URL; when it has not made it yet, read it back.
    async fn with_join_url(&self, organizer: &EmailAddress, event: EventRead) -> Result<CalendarEvent, GraphError> {
        if event.join_url().is_some() {
            return Ok(event.into_event());
        }
        let again = self.read(organizer, &event.id).await?;
        Ok(if again.join_url().is_some() { again.into_event() } else { event.into_event() })
    }

    /// Writes the event (`POST` to create, `PATCH` to update), in UTC if Graph refuses the zone.
    async fn write(
        &self,
        method: Method,
        segments: &[&str],
        r: &MeetingRequest,
        create: bool,
    ) -> Result<EventRead, GraphError> {
        let zone = r.timezone.parse::<Tz>().ok();
        let what = if create { "the new meeting" } else { "the meeting update" };
        let body = serde_json::to_value(EventWrite::from_request(r, zone, create)).unwrap_or(Value::Null);
        let url = self.client.url(segments)?;
        let answer = match self.client.call(what, method.clone(), url.clone(), Some(&body)).await {
            Err(GraphError::Refused { status: 400, code, message, .. })
                if zone.is_some() && about_time_zone(&code, &message) =>
            {
                tracing::warn!(zone = %r.timezone, "Graph does not know the meeting's zone; writing it in UTC");
                let utc = serde_json::to_value(EventWrite::from_request(r, None, create)).unwrap_or(Value::Null);
                self.client.call(what, method, url, Some(&utc)).await?
            }
            other => other?,
        };
        parse_event(answer.body, what)
    }
}

fn about_time_zone(code: &str, message: &str) -> bool {
    let text = format!("{code} {message}").to_ascii_lowercase();
    text.contains("timezone") || text.contains("time zone")
}

fn parse_event(body: Value, what: &str) -> Result<EventRead, GraphError> {
    serde_json::from_value(body).map_err(|e| GraphError::Unexpected { what: what.to_owned(), why: e.to_string() })
}

/// A string literal inside an OData `$filter` (a quote is doubled).
fn odata_quote(s: &str) -> String {
    s.replace('\'', "''")
}

fn to_calendar_error(e: GraphError) -> CalendarError {
    match e {
        GraphError::Unavailable { .. } => CalendarError::Unavailable(e.to_string()),
        GraphError::NotFound(what) => CalendarError::NotFound(what),
        GraphError::Refused { .. } | GraphError::SignIn(_) | GraphError::Unexpected { .. } => {
            CalendarError::Rejected(e.to_string())
        }
    }
}

#[async_trait]
impl Calendar for GraphCalendar {
    fn provider(&self) -> MeetingProvider {
        MeetingProvider::Graph
    }

    fn invitations(&self) -> Invitations {
        Invitations::SentByCalendar
    }

    #[tracing::instrument(skip_all, fields(object = %r.object, version = r.version, attendees = r.attendees.len()))]
    async fn create(&self, r: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        let _one_at_a_time = self.creating.lock().await;
        let organizer = &r.organizer;
        if let Some(found) = self.find(organizer, &r.transaction_id).await.map_err(to_calendar_error)? {
            tracing::info!("the meeting exists already; reusing it");
            return self.with_join_url(organizer, found).await.map_err(to_calendar_error);
        }
        let created = self
            .write(Method::POST, &["users", organizer.as_str(), "events"], r, true)
            .await
            .map_err(to_calendar_error)?;
        tracing::info!("Teams meeting created");
        self.with_join_url(organizer, created).await.map_err(to_calendar_error)
    }

    #[tracing::instrument(skip_all, fields(object = %r.object, version = r.version, attendees = r.attendees.len()))]
    async fn update(&self, event_id: &str, r: &MeetingRequest) -> Result<CalendarEvent, CalendarError> {
        let organizer = &r.organizer;
        let updated = self
            .write(Method::PATCH, &["users", organizer.as_str(), "events", event_id], r, false)
            .await
            .map_err(to_calendar_error)?;
        tracing::info!("Teams meeting updated");
        self.with_join_url(organizer, updated).await.map_err(to_calendar_error)
    }

    #[tracing::instrument(skip_all)]
    async fn cancel(&self, organizer: &EmailAddress, event_id: &str, comment: &str) -> Result<(), CalendarError> {
        let url =
            self.client.url(&["users", organizer.as_str(), "events", event_id, "cancel"]).map_err(to_calendar_error)?;
        match self.client.call("the meeting cancellation", Method::POST, url, Some(&json!({"Comment": comment}))).await
        {
            Ok(_) => {
                tracing::info!("Teams meeting cancelled");
                Ok(())
            }
            Err(GraphError::NotFound(_)) => {
                tracing::info!("the meeting was already gone");
                Ok(())
            }
            Err(e) => Err(to_calendar_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_in_a_filter_literal_are_doubled() {
        assert_eq!(odata_quote("it's"), "it''s");
    }

    #[test]
    fn a_refusal_about_the_zone_is_recognised() {
        assert!(about_time_zone("TimeZoneNotSupportedException", "A valid TimeZone value must be specified."));
        assert!(!about_time_zone("ErrorAccessDenied", "Access is denied."));
    }
}
