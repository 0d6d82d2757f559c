//! The stored objects: changes and announcements, their shared lifecycle, history and meeting data.

mod announcement;
mod approval;
mod change;
mod lifecycle;
mod meeting;
mod modification;
mod normalize;
mod object;
mod result;

pub use announcement::{Announcement, Attachment};
pub use approval::{Approval, BlackoutOverride, OverriddenBlackout};
pub use change::Change;
pub use lifecycle::Lifecycle;
pub use meeting::MeetingMetadata;
pub use modification::{Modification, ModificationType};
pub use object::{Object, ObjectError};
pub use result::{DeliveryResult, PROCESSOR_USER, meeting_cancelled_key};

#[cfg(test)]
mod tests;
