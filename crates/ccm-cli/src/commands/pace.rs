//! `--requests-per-second` and `--max-concurrency` for bulk work against one account.

use std::time::Duration;

use ccm_admin::limiter::Pacer;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct PaceArgs {
    /// Calls per second against each account (SES and Identity Store throttle above their quotas);
    /// a positive number.
    #[arg(long, default_value_t = 9.0, value_parser = positive_rate, allow_negative_numbers = true)]
    pub requests_per_second: f64,
    /// Calls in flight at once per account.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_concurrency: u16,
}

/// A finite rate above zero (the pacer would treat 0, a negative number or NaN as "no limit").
pub fn positive_rate(raw: &str) -> Result<f64, String> {
    let rate: f64 = raw.trim().parse().map_err(|_| format!("{raw:?} is not a number of requests per second"))?;
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!("{raw:?} is not allowed: give a positive, finite number of requests per second (e.g. 9 or 0.5)"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_must_be_positive_and_finite() {
        assert_eq!(positive_rate("9"), Ok(9.0));
        assert_eq!(positive_rate("0.5"), Ok(0.5));
        for bad in ["0", "-1", "NaN", "nan", "inf", "-inf", "infinity", "", "fast"] {
            assert!(positive_rate(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
