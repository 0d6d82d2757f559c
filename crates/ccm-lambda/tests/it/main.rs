//! The Lambda wiring on the moto emulator: one test binary.

mod processor_on_moto;
