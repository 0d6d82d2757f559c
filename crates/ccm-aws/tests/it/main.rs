//! The AWS adapters on the moto emulator (through the real SDK): one test binary. Emulator tests
//! skip (printing why) when moto is not installed, and fail instead with `CCM_REQUIRE_MOTO=1`.

mod index_on_moto;
mod index_snapshot;
mod ledger_contract;
mod s3_store_contract;
mod ses_on_moto;
mod ssm_on_moto;
