//! Sizing a customer's send-rate limiter from its SES account's maximum send rate.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Rates are kept within these bounds: below, a limiter would wait for hours; above, SES has no
/// such quota.
const MIN_RATE: f64 = 0.01;
const MAX_RATE: f64 = 100_000.0;

/// A limiter that lets `rate` messages per second through on average, in bursts of at most the
/// whole-number part of `rate` (at least 1): what SES's "maximum send rate" allows.
pub(super) fn limiter_for(rate: f64) -> DefaultDirectRateLimiter {
    RateLimiter::direct(quota_for(rate))
}

pub(super) fn quota_for(rate: f64) -> Quota {
    let rate = if rate.is_finite() { rate.clamp(MIN_RATE, MAX_RATE) } else { MIN_RATE };
    let period = Duration::from_secs_f64(1.0 / rate);
    let burst = NonZeroU32::new(rate.floor() as u32).unwrap_or(NonZeroU32::MIN);
    // `period` is at least 10 µs (MAX_RATE), never zero, so a quota always exists.
    Quota::with_period(period).unwrap_or(Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_per_second_replenishes_every_seventy_one_milliseconds_in_bursts_of_fourteen() {
        let q = quota_for(14.0);
        assert_eq!(q.burst_size().get(), 14);
        assert_eq!(q.replenish_interval().as_micros(), 71_428);
    }

    #[test]
    fn a_fractional_rate_keeps_its_period_with_bursts_of_one() {
        let q = quota_for(0.5);
        assert_eq!(q.burst_size().get(), 1);
        assert_eq!(q.replenish_interval(), Duration::from_secs(2));
    }

    #[test]
    fn nonsense_rates_are_clamped() {
        assert_eq!(quota_for(0.0).replenish_interval(), Duration::from_secs(100));
        assert_eq!(quota_for(f64::NAN).burst_size().get(), 1);
        assert_eq!(quota_for(1e12).burst_size().get(), 100_000);
    }

    #[test]
    fn the_burst_passes_at_once_and_the_next_message_waits() {
        let limiter = limiter_for(3.0);
        assert!((0..3).all(|_| limiter.check().is_ok()));
        assert!(limiter.check().is_err());
    }
}
