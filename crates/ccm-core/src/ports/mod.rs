//! Ports: the traits through which the domain reaches the outside world. Adapters live in other crates.

pub mod index;
pub mod messaging;
pub mod services;
pub mod store;
pub mod surveys;

pub use index::{
    DateField, IndexEntry, IndexError, IndexPage, IndexQuery, IndexRecord, ObjectIndex, SortField, Statistics,
    StatusCounts,
};
pub use messaging::{
    ContactDirectory, ContactError, DeliveryKey, DeliveryLedger, LedgerError, MailError, Mailer, OutgoingEmail,
    Recorded, Reservation, SendReceipt, Subscriber, SubscriberPages,
};
pub use services::{
    Calendar, CalendarError, CalendarEvent, Clock, IdGen, Invitations, MeetingRequest, Secret, Secrets, SecretsError,
    SystemClock, UploadSigner, UploadSpec, UploadTarget, UuidIdGen,
};
pub use store::{
    Document, DocumentStore, ETag, ListPage, Listed, MAX_LIST_PAGE, ObjectMeta, Precondition, PutOptions, StoreError,
    list_all,
};
pub use surveys::{PreparedSurvey, SurveyError, SurveyProvider, SurveyRequest, Surveys};
