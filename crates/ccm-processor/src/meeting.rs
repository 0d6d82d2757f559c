//! The object's one meeting, for all its affected customers, kept in step with the object.
//!
//! Every trigger of every affected customer runs [`Processor::meeting_step`] before its mail: it
//! reads the meeting's records (`results/{id}/meeting/s{n}.json`), decides what the meeting needs
//! ([`routing::meeting_step`]), and if something is to be done, claims step `n` (create-only
//! `s{n}-claim.json`). The trigger that holds the claim calls the calendar (Graph: create, `PATCH`
//! or cancel; ICS: nothing to call) and records step `n` (create-only); the others wait briefly for
//! that record. So thirty customer triggers make one meeting, one update or one cancellation, and a
//! cancellation is recorded before any trigger sends its cancellation mail.
//!
//! A holder that crashed is replaced: its own trigger comes back (SQS redelivers it) and finds its
//! claim, and any trigger takes over a claim older than [`CLAIM_LEASE`]. The calendar calls are
//! idempotent (Graph: lookup + `transactionId`; cancel of a gone event is success), so a takeover
//! cannot make a second meeting.

use std::time::Duration;

use bytes::Bytes;
use ccm_core::model::{
    MeetingChange, MeetingClaim, MeetingHistory, MeetingKey, MeetingPlan, MeetingRecord, Object, PROCESSOR_USER,
    load_claim, load_history, meeting_transaction_id,
};
use ccm_core::ports::{CalendarError, CalendarEvent, Invitations, MeetingRequest, PutOptions, StoreError};
use ccm_core::render::{self, InvitationContext};
use ccm_core::routing::{self, MeetingStep};
use ccm_core::workflow::Status;
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use chrono::TimeDelta;

use crate::attendees::{self, Attendees};
use crate::error::ProcessError;
use crate::processor::{Processor, store_err};

/// How long a trigger that does not hold the claim waits for the holder's record.
pub const WAIT_FOR_STEP: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);
/// A claim this old without its record is taken over.
pub const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(2);
/// Steps one trigger may make in a row (normally one).
const MAX_ROUNDS: usize = 4;

/// Who acts on the meeting.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// The trigger of one affected customer.
    Trigger(&'a CustomerCode),
    /// An operator (`ccm meeting`).
    Operator(&'a str),
}

impl Actor<'_> {
    fn claim_name(&self) -> String {
        match self {
            Self::Trigger(c) => format!("customer:{c}"),
            Self::Operator(u) => format!("operator:{u}"),
        }
    }
    fn record_name(&self) -> String {
        match self {
            Self::Trigger(c) => format!("{PROCESSOR_USER} ({c})"),
            Self::Operator(u) => format!("ccm meeting ({u})"),
        }
    }
}

/// What is asked of the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// What the object's status calls for (a trigger).
    Follow,
    /// The object was deleted: its meeting goes.
    Deleted,
    /// `ccm meeting invite`: schedule, or with `force_update` send the meeting again as it is now.
    Invite { force_update: bool },
    /// `ccm meeting cancel`: cancel whatever stands.
    Cancel,
}

/// What the meeting step leaves for the rest of the trigger.
#[derive(Debug, Clone)]
pub struct MeetingState {
    pub history: MeetingHistory,
    /// The steps this call recorded.
    pub recorded: Vec<MeetingRecord>,
    /// A problem to report once the mail is out: the trigger comes back, its sends are skipped.
    pub deferred: Option<ProcessError>,
}

enum Claim {
    Mine,
    Theirs(MeetingClaim),
}

fn calendar_err(what: &str, e: CalendarError) -> ProcessError {
    if e.is_retryable() {
        ProcessError::retryable(format!("{what}: {e}"))
    } else {
        ProcessError::permanent(format!("{what}: {e}"))
    }
}

impl Processor {
    /// The meeting the archive itself names (written by the original system), as step 0.
    pub fn legacy_meeting(object: &Object) -> Option<MeetingRecord> {
        let zone = object.timezone().unwrap_or(ccm_core::schedule::DEFAULT_ZONE);
        object
            .life()
            .meeting_metadata
            .as_ref()
            .map(|m| MeetingRecord::from_legacy(object.id(), object.life().version, zone, m))
    }

    pub async fn meeting_history(&self, object: &Object) -> Result<MeetingHistory, ProcessError> {
        load_history(&*self.store, object.id(), Self::legacy_meeting(object)).await.map_err(store_err)
    }

    /// The topic a meeting's attendees come from.
    pub fn meeting_topic(&self, object: &Object) -> Result<TopicName, ProcessError> {
        let topic = routing::meeting_topic(object.kind(), self.config.email_config.calendar_topic.as_str());
        TopicName::parse(topic).map_err(|e| ProcessError::permanent(e.to_string()))
    }

    /// The attendees of `object`'s meeting across all its customers (see [`attendees`]).
    pub async fn meeting_attendees(&self, object: &Object, plan: &MeetingPlan) -> Result<Attendees, ProcessError> {
        let topic = self.meeting_topic(object)?;
        Ok(attendees::gather(&*self.contacts, &self.config, object.customers(), &topic, &plan.attendees).await)
    }

    /// The request a calendar gets for `object`'s meeting as it is now.
    pub fn meeting_request(
        &self,
        object: &Object,
        plan: &MeetingPlan,
        history: &MeetingHistory,
        attendees: Vec<EmailAddress>,
    ) -> Result<MeetingRequest, ProcessError> {
        let organizer = self.config.email_config.meeting_organizer.clone();
        let ical_uid =
            history.ical_uid().map(str::to_owned).unwrap_or_else(|| format!("{}@{}", object.id(), organizer.domain()));
        let body = render::invitation(&InvitationContext {
            object,
            change: if history.current().is_some() { MeetingChange::Rescheduled } else { MeetingChange::Scheduled },
            subject: &plan.subject,
            start: plan.start,
            end: plan.end,
            zone: plan.zone,
            // One body for every attendee: the meeting's zone (calendar clients show their own).
            reader_zone: None,
            location: plan.location.as_deref(),
            // Graph adds the Teams link itself.
            join_url: None,
            portal_base_url: &self.config.email_config.portal_base_url,
        })
        .map_err(|e| ProcessError::permanent(e.to_string()))?;
        let version = object.life().version;
        Ok(MeetingRequest {
            object: object.id().clone(),
            version,
            transaction_id: meeting_transaction_id(object.id(), version),
            ical_uid,
            sequence: history.next_sequence(),
            organizer,
            subject: plan.subject.clone(),
            html_body: body.html,
            start: plan.start,
            end: plan.end,
            timezone: plan.zone.name().to_owned(),
            location: plan.location.clone(),
            attendees,
            // Attendees of different customers never see each other (ADR 0008).
            hide_attendees: true,
        })
    }

    /// What `mode` asks of `object`'s meeting given its history (the trigger's rule, or an operator's).
    pub fn decide_step(
        &self,
        object: &Object,
        history: &MeetingHistory,
        mode: Mode,
    ) -> Result<MeetingStep, ProcessError> {
        Ok(match mode {
            Mode::Follow => routing::meeting_step(object, history),
            Mode::Deleted => routing::meeting_step_for_deleted(history),
            Mode::Cancel => {
                if history.current().is_some() {
                    MeetingStep::Cancel
                } else {
                    MeetingStep::Nothing
                }
            }
            Mode::Invite { force_update } => {
                if object.life().status != Status::Approved || MeetingPlan::of(object).is_none() {
                    return Err(ProcessError::permanent(format!(
                        "{} is {} and {}: there is no meeting to invite to",
                        object.id(),
                        object.life().status,
                        if object.include_meeting() { "names no meeting time" } else { "asks for no meeting" }
                    )));
                }
                match (routing::meeting_step(object, history), history.current()) {
                    (MeetingStep::Nothing, Some(_)) if force_update => MeetingStep::Reschedule,
                    (step, _) => step,
                }
            }
        })
    }

    /// Brings `object`'s meeting in line with `mode` (see the module doc).
    #[tracing::instrument(skip_all, fields(object = %object.id(), version = object.life().version))]
    pub async fn meeting_step(
        &self,
        object: &Object,
        actor: Actor<'_>,
        mode: Mode,
    ) -> Result<MeetingState, ProcessError> {
        let mut state =
            MeetingState { history: self.meeting_history(object).await?, recorded: Vec::new(), deferred: None };
        let Some(calendar) = self.calendar.clone() else { return Ok(state) };
        for _ in 0..MAX_ROUNDS {
            let step = self.decide_step(object, &state.history, mode)?;
            if step == MeetingStep::Nothing {
                return Ok(state);
            }
            let n = state
                .history
                .next_step()
                .ok_or_else(|| ProcessError::permanent("the meeting has no step numbers left"))?;
            match self.claim(object, n, actor).await? {
                Claim::Mine => {}
                Claim::Theirs(claim) => {
                    if self.wait_for_record(object, n).await? {
                        state.history = self.meeting_history(object).await?;
                        continue;
                    }
                    let stale = self.clock.now().signed_duration_since(claim.at) > CLAIM_LEASE;
                    if stale || matches!(actor, Actor::Operator(_)) {
                        tracing::warn!(step = n, holder = %claim.by, "taking over a meeting step nobody finished");
                    } else {
                        let pending = ProcessError::retryable(format!(
                            "meeting step {n} ({step:?}) is being made by {}; this trigger waits for it",
                            claim.by
                        ));
                        return match step {
                            // No cancellation mail before the meeting is cancelled.
                            MeetingStep::Cancel => Err(pending),
                            // ICS invitations need the step's record; Exchange sends Graph's itself.
                            _ if calendar.invitations() == Invitations::MailedAsIcs => {
                                state.deferred = Some(pending);
                                Ok(state)
                            }
                            _ => Ok(state),
                        };
                    }
                }
            }
            let record = match self.perform(step, object, &state.history, n, actor).await {
                Ok(r) => r,
                Err(e) if step == MeetingStep::Cancel && e.retryable => return Err(e),
                Err(e) => {
                    tracing::error!(step = n, error = %e, "the meeting step failed");
                    if e.retryable || matches!(actor, Actor::Operator(_)) {
                        state.deferred = Some(e);
                    }
                    return Ok(state);
                }
            };
            match self.store.put(&record.key(), json_bytes(&record)?, created_by_processor()).await {
                Ok(_) => {
                    tracing::info!(step = n, change = ?record.change, provider = ?record.provider, attendees = record.attendees, "meeting step recorded");
                    state.recorded.push(record);
                }
                // Someone recorded step n first: decide again from what they did.
                Err(StoreError::PreconditionFailed { .. }) => {}
                Err(e) => return Err(store_err(e)),
            }
            state.history = self.meeting_history(object).await?;
            if mode != Mode::Follow && mode != Mode::Deleted {
                return Ok(state);
            }
        }
        Ok(state)
    }

    async fn claim(&self, object: &Object, n: u32, actor: Actor<'_>) -> Result<Claim, ProcessError> {
        let claim = MeetingClaim {
            object: object.id().clone(),
            step: n,
            version: object.life().version,
            by: actor.claim_name(),
            at: self.clock.now(),
        };
        let key = MeetingKey::Claim(n).storage_key(object.id());
        match self.store.put(&key, json_bytes(&claim)?, created_by_processor()).await {
            Ok(_) => Ok(Claim::Mine),
            Err(StoreError::PreconditionFailed { .. }) => {
                match load_claim(&*self.store, object.id(), n).await.map_err(store_err)? {
                    // My own earlier attempt (this trigger, delivered again).
                    Some(c) if c.by == claim.by => Ok(Claim::Mine),
                    Some(c) => Ok(Claim::Theirs(c)),
                    None => Ok(Claim::Mine),
                }
            }
            Err(e) => Err(store_err(e)),
        }
    }

    /// Waits up to [`WAIT_FOR_STEP`] for the record of step `n`.
    async fn wait_for_record(&self, object: &Object, n: u32) -> Result<bool, ProcessError> {
        let key = MeetingKey::Record(n).storage_key(object.id());
        let deadline = tokio::time::Instant::now() + WAIT_FOR_STEP;
        loop {
            if self.store.head(&key).await.map_err(store_err)?.is_some() {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Calls the calendar for step `n` and says what was done.
    async fn perform(
        &self,
        step: MeetingStep,
        object: &Object,
        history: &MeetingHistory,
        n: u32,
        actor: Actor<'_>,
    ) -> Result<MeetingRecord, ProcessError> {
        let calendar = self.calendar.clone().ok_or_else(|| ProcessError::permanent("no calendar is configured"))?;
        let now = self.clock.now();
        let version = object.life().version;
        if step == MeetingStep::Cancel {
            let current = history.current().ok_or_else(|| ProcessError::permanent("no meeting stands"))?;
            let organizer =
                current.organizer.clone().unwrap_or_else(|| self.config.email_config.meeting_organizer.clone());
            let comment = cancel_comment(object);
            if current.provider == calendar.provider() {
                calendar
                    .cancel(&organizer, &current.event_id, &comment)
                    .await
                    .map_err(|e| calendar_err("cancelling the meeting", e))?;
            } else {
                tracing::warn!(provider = ?current.provider, "the meeting was made by another calendar than the one configured; only its record is cancelled");
            }
            return Ok(MeetingRecord {
                step: n,
                change: MeetingChange::Cancelled,
                version,
                sequence: history.next_sequence(),
                at: now,
                by: actor.record_name(),
                comment: Some(comment),
                attendees: 0,
                customers: Vec::new(),
                ..current.clone()
            });
        }
        let plan =
            MeetingPlan::of(object).ok_or_else(|| ProcessError::permanent("the object names no meeting time"))?;
        if plan.invalid_attendees > 0 {
            tracing::warn!(
                count = plan.invalid_attendees,
                "extra attendees that are not e-mail addresses were left out"
            );
        }
        // Exchange invites everyone Graph is given; ICS invitations are mailed per customer later.
        let attendees = match calendar.invitations() {
            Invitations::SentByCalendar => self.meeting_attendees(object, &plan).await?,
            Invitations::MailedAsIcs => Attendees::default(),
        };
        let request = self.meeting_request(object, &plan, history, attendees.all.clone())?;
        let current = history.current().filter(|c| c.provider == calendar.provider());
        let event: CalendarEvent = match (step, current) {
            (MeetingStep::Reschedule, Some(current)) => match calendar.update(&current.event_id, &request).await {
                // Deleted by hand in the organizer's calendar: make it again.
                Err(CalendarError::NotFound(_)) => calendar.create(&request).await,
                other => other,
            },
            _ => calendar.create(&request).await,
        }
        .map_err(|e| calendar_err("making the meeting", e))?;
        Ok(MeetingRecord {
            object: object.id().clone(),
            step: n,
            change: if history.current().is_some() { MeetingChange::Rescheduled } else { MeetingChange::Scheduled },
            version,
            provider: calendar.provider(),
            ical_uid: event.ical_uid.clone().unwrap_or_else(|| request.ical_uid.clone()),
            event_id: event.event_id,
            join_url: event.join_url,
            subject: plan.subject,
            start: plan.start,
            end: plan.end,
            timezone: plan.zone.name().to_owned(),
            location: plan.location,
            organizer: Some(request.organizer),
            sequence: request.sequence,
            attendees: attendees.all.len(),
            customers: attendees.customers,
            at: now,
            by: actor.record_name(),
            comment: None,
        })
    }
}

/// What attendees are told when the meeting is cancelled.
fn cancel_comment(object: &Object) -> String {
    let title = ccm_core::text::clean(object.title(), ccm_core::text::TextKind::SingleLine).into_owned();
    match object.life().status {
        Status::Cancelled => format!("{title} was cancelled."),
        Status::Submitted => {
            format!("{title} is being changed and needs approval again; this meeting is cancelled until then.")
        }
        Status::Approved => format!("{title} no longer needs this meeting."),
        Status::Draft | Status::Completed => format!("The meeting for {title} is cancelled."),
    }
}

fn json_bytes(value: &impl serde::Serialize) -> Result<Bytes, ProcessError> {
    serde_json::to_vec_pretty(value).map(Bytes::from).map_err(|e| ProcessError::permanent(e.to_string()))
}

fn created_by_processor() -> PutOptions {
    PutOptions::create_only().with_metadata("written-by", PROCESSOR_USER)
}

/// `object` as mail and views show it: `meeting_metadata` from the meeting as it stands now.
pub fn with_current_meeting(object: &Object, history: &MeetingHistory) -> Object {
    let mut shown = object.clone();
    shown.life_mut().meeting_metadata = history.current().map(MeetingRecord::to_metadata);
    shown
}
