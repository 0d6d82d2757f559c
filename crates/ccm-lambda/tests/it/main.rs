//! The Lambda wiring on the moto emulator: one test binary.

mod handoff_on_moto;
mod indexer_on_moto;
mod processor_on_moto;
mod reminders_on_moto;
