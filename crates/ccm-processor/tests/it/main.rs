//! The integration tests of the notification processor, in one test binary: the processor's
//! behaviour per trigger (with its completion surveys, streaming fan-out and meetings) and the
//! seeded fault injection against the delivery ledger, and delivery feedback (SES events).

mod support;

mod fault_injection;
mod feedback;
mod feedback_on_moto;
mod processor;
