//! The notification processor: trigger events in, per-customer notifications out. The same library
//! serves the `ccm-processor` Lambda (SQS batches with partial batch responses) and `ccm serve`'s
//! in-process queue. Each trigger also keeps the object's one meeting (Microsoft Graph or ICS) in step.
//! The same queue handler records SES's delivery feedback ([`feedback`]).
//! Reminders: a periodic [`sweep`] over the shared index hands due reminders to the same processor.

mod announced;
pub mod attendees;
pub mod batch;
mod budget;
mod copies;
pub mod error;
pub mod events;
pub mod feedback;
pub mod ics_calendar;
pub mod invitations;
pub mod meeting;
pub mod processor;
pub mod recipients;
mod reminder_step;
mod stream;
mod survey_step;
pub mod sweep;
mod zone_book;

pub use batch::{Requeue, SqsBatchResponse, SqsEvent, SqsMessage, Verdict, handle_batch, handle_batch_within};
pub use budget::Budget;
pub use error::ProcessError;
pub use events::{Parsed, TriggerRef, parse_body};
pub use ics_calendar::IcsCalendar;
pub use meeting::{Actor, MeetingState, Mode};
pub use processor::{Outcome, Processor, Settings, Summary};
pub use sweep::{Sweep, SweepError, SweepReport};
