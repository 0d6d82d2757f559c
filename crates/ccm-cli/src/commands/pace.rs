//! `--requests-per-second` and `--max-concurrency` for bulk work against one account.

use std::time::Duration;

use ccm_aws::admin::limiter::Pacer;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct PaceArgs {
    /// Calls per second against each account (SES and Identity Store throttle above their quotas).
    #[arg(long, default_value_t = 9.0)]
    pub requests_per_second: f64,
    /// Calls in flight at once per account.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_concurrency: u16,
}

impl PaceArgs {
    /// A pacer at this rate that retries throttling and server errors five times (1 s, 2 s, … 30 s).
    pub fn pacer(&self) -> Pacer {
        Pacer::new(self.requests_per_second, 5, Duration::from_secs(1))
    }

    pub fn concurrency(&self) -> usize {
        usize::from(self.max_concurrency)
    }
}
