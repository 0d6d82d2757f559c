//! The stored objects: changes and announcements, their shared lifecycle, history and meeting data.

mod announcement;
mod approval;
mod change;
mod lifecycle;
mod meeting;
mod meeting_record;
mod modification;
mod normalize;
mod object;
mod result;

pub use announcement::{Announcement, Attachment};
pub use approval::{Approval, BlackoutOverride, OverriddenBlackout};
pub use change::Change;
pub use lifecycle::Lifecycle;
pub use meeting::{MeetingMetadata, MeetingPlan, parse_attendees};
pub use meeting_record::{
    CustomerAttendees, MeetingChange, MeetingClaim, MeetingHistory, MeetingKey, MeetingProvider, MeetingRecord,
    legacy_meeting, load_claim, load_history, meeting_prefix, meeting_transaction_id,
};
pub use modification::{Modification, ModificationType};
pub use object::{Object, ObjectError};
pub use result::{DeliveryResult, PROCESSOR_USER};

#[cfg(test)]
mod tests;
