//! `ccm sync`: the scheduled task (ECS). The Identity Center sync of `ccm identity-center sync` for
//! the selected customers; customers without an Identity Center role are skipped. Use it with
//! `--log-format json` for the log pipeline; the exit code is 1 when any customer failed.

use std::process::ExitCode;

use super::context::Ctx;
use super::identity_center::{SyncOptions, run_sync};

pub const EXAMPLES: &str = "Examples:\n  ccm --log-format json sync --all-customers                        the scheduled task\n  ccm sync --all-customers --dry-run --output json\n  ccm sync --customer acme,globex --requests-per-second 5 --max-customer-concurrency 2";

pub type SyncArgs = SyncOptions;

pub async fn run(ctx: &Ctx, args: SyncArgs) -> anyhow::Result<ExitCode> {
    run_sync(ctx, args, "sync").await
}
