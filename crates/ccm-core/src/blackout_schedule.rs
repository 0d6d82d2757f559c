//! The occurrences of a blackout window within a time range, in UTC. Local start times are read in
//! the blackout's zone: a start skipped by a daylight-saving jump moves forward by the length of the
//! gap (RFC 5545 reads such a time with the offset from before the jump), a repeated one takes the
//! earlier instant; the duration is elapsed time.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::blackout::{Blackout, BlackoutSchedule, parse_local_time};

/// At most this many occurrences are computed for one range (a weekly blackout over ten years).
pub const MAX_OCCURRENCES: usize = 600;

/// One period of a blackout, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Occurrence {
    /// Meets `[from, to)`. A zero-length range meets a period that contains its instant.
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.start < to.max(from + TimeDelta::nanoseconds(1)) && from < self.end
    }
}

/// A wall-clock time in `zone`; a time in a daylight-saving gap moves forward by the gap.
fn local(zone: Tz, at: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(t) = zone.from_local_datetime(&at).earliest() {
        return Some(t.with_timezone(&Utc));
    }
    // Gaps are at most a few hours: step forward until the clock exists again.
    (1..=6)
        .find_map(|h| zone.from_local_datetime(&(at + TimeDelta::hours(h))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?.checked_add_months(Months::new(1))?.pred_opt()
}

/// Every occurrence of `blackout` that meets `[from, to)`, in order.
pub fn occurrences(blackout: &Blackout, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
    let input = &blackout.input;
    let (start_time, minutes) = match &input.schedule {
        BlackoutSchedule::Once { start, end } => {
            let o = Occurrence { start: *start, end: *end };
            return if o.overlaps(from, to) { vec![o] } else { Vec::new() };
        }
        BlackoutSchedule::Weekly { start_time, duration_minutes, .. }
        | BlackoutSchedule::MonthEnd { start_time, duration_minutes, .. }
        | BlackoutSchedule::QuarterEnd { start_time, duration_minutes, .. } => (start_time, *duration_minutes),
    };
    let (Some(time), Ok(zone)) = (parse_local_time(start_time), input.timezone.parse::<Tz>()) else {
        return Vec::new();
    };
    let length = TimeDelta::minutes(i64::from(minutes));
    // Any occurrence meeting the range starts on a local day from (from - length - 1 day) to (to + 1 day).
    let (Some(first), Some(last)) = (
        from.checked_sub_signed(length + TimeDelta::days(1)).map(|t| t.with_timezone(&zone).date_naive()),
        to.checked_add_signed(TimeDelta::days(1)).map(|t| t.with_timezone(&zone).date_naive()),
    ) else {
        return Vec::new();
    };
    let first = input.starts_on.map_or(first, |d| d.max(first));
    let last = input.ends_on.map_or(last, |d| d.min(last));
    let mut days: Vec<NaiveDate> = Vec::new();
    match &input.schedule {
        BlackoutSchedule::Weekly { weekday, .. } => {
            let want = weekday.to_chrono();
            let mut d = first;
            while d.weekday() != want {
                let Some(next) = d.succ_opt() else { break };
                d = next;
            }
            while d <= last && days.len() < MAX_OCCURRENCES {
                days.push(d);
                let Some(next) = d.checked_add_days(chrono::Days::new(7)) else { break };
                d = next;
            }
        }
        BlackoutSchedule::MonthEnd { days_before_end, .. } | BlackoutSchedule::QuarterEnd { days_before_end, .. } => {
            let quarterly = matches!(input.schedule, BlackoutSchedule::QuarterEnd { .. });
            let (mut year, mut month) = (first.year(), first.month());
            while days.len() < MAX_OCCURRENCES {
                let Some(end) = last_day_of_month(year, month) else { break };
                if end.checked_sub_days(chrono::Days::new(31)).is_some_and(|d| d > last) {
                    break;
                }
                if (!quarterly || month % 3 == 0)
                    && let Some(day) = end.checked_sub_days(chrono::Days::new(u64::from(*days_before_end)))
                    && day >= first
                    && day <= last
                {
                    days.push(day);
                }
                (year, month) = if month == 12 { (year.saturating_add(1), 1) } else { (year, month.saturating_add(1)) };
            }
        }
        BlackoutSchedule::Once { .. } => {}
    }
    days.into_iter()
        .filter_map(|d| {
            let start = local(zone, d.and_time(time))?;
            Some(Occurrence { start, end: start.checked_add_signed(length)? })
        })
        .filter(|o| o.overlaps(from, to))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blackout::{BlackoutId, BlackoutInput};

    fn blackout(schedule: serde_json::Value, zone: &str) -> Blackout {
        let input: BlackoutInput = serde_json::from_value(serde_json::json!({
            "name": "n", "reason": "r", "schedule": schedule, "timezone": zone
        }))
        .unwrap();
        let at: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        Blackout {
            id: BlackoutId::parse("BLK-1").unwrap(),
            input,
            version: 1,
            created_by: "carol@example.com".into(),
            created_at: at,
            modified_by: "carol@example.com".into(),
            modified_at: at,
            modifications: Vec::new(),
            extra: Default::default(),
        }
    }

    fn utc(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    fn starts(b: &Blackout, from: &str, to: &str) -> Vec<String> {
        occurrences(b, utc(from), utc(to)).iter().map(|o| o.start.format("%Y-%m-%dT%H:%MZ").to_string()).collect()
    }

    #[test]
    fn a_month_end_blackout_starts_on_the_last_day_of_every_month() {
        let b = blackout(
            serde_json::json!({"kind": "month_end", "days_before_end": 0, "start_time": "00:00", "duration_minutes": 1440}),
            "UTC",
        );
        assert_eq!(
            starts(&b, "2026-01-15T00:00:00Z", "2026-04-15T00:00:00Z"),
            ["2026-01-31T00:00Z", "2026-02-28T00:00Z", "2026-03-31T00:00Z"]
        );
        let two_before = blackout(
            serde_json::json!({"kind": "month_end", "days_before_end": 2, "start_time": "18:00", "duration_minutes": 60}),
            "UTC",
        );
        assert_eq!(starts(&two_before, "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"), ["2028-02-27T18:00Z"]);
    }

    #[test]
    fn a_quarter_end_freeze_covers_the_last_days_of_each_quarter_in_its_zone() {
        let b = blackout(
            serde_json::json!({"kind": "quarter_end", "days_before_end": 3, "start_time": "00:00", "duration_minutes": 5760}),
            "America/New_York",
        );
        // The December 2025 freeze lasts into 2026-01-01 05:00Z: a range from 06:00 starts after it.
        let all = occurrences(&b, utc("2026-01-01T06:00:00Z"), utc("2027-01-01T00:00:00Z"));
        let got: Vec<String> = all.iter().map(|o| o.start.format("%Y-%m-%dT%H:%MZ").to_string()).collect();
        assert_eq!(got, ["2026-03-28T04:00Z", "2026-06-27T04:00Z", "2026-09-27T04:00Z", "2026-12-28T05:00Z"]);
        assert_eq!(all[0].end, utc("2026-04-01T04:00:00Z"), "four days of elapsed time");
    }

    #[test]
    fn a_weekly_blackout_repeats_on_its_weekday_and_an_occurrence_that_started_earlier_still_counts() {
        let b = blackout(
            serde_json::json!({"kind": "weekly", "weekday": "friday", "start_time": "18:00", "duration_minutes": 3600}),
            "Europe/Berlin",
        );
        // Friday 2026-06-05 18:00 CEST lasts until Monday 06:00; a Sunday range meets it.
        assert_eq!(starts(&b, "2026-06-07T10:00:00Z", "2026-06-07T11:00:00Z"), ["2026-06-05T16:00Z"]);
        assert_eq!(
            starts(&b, "2026-06-01T05:00:00Z", "2026-06-15T00:00:00Z"),
            ["2026-06-05T16:00Z", "2026-06-12T16:00Z"]
        );
        assert_eq!(starts(&b, "2026-06-01T03:00:00Z", "2026-06-01T04:00:00Z"), ["2026-05-29T16:00Z"]);
    }

    #[test]
    fn a_start_in_a_daylight_saving_gap_moves_past_the_gap() {
        let b = blackout(
            serde_json::json!({"kind": "weekly", "weekday": "sunday", "start_time": "02:30", "duration_minutes": 60}),
            "Europe/Berlin",
        );
        // 2026-03-29 02:30 does not exist in Berlin (02:00 CET jumps to 03:00 CEST): 03:30 CEST.
        assert_eq!(starts(&b, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z"), ["2026-03-29T01:30Z"]);
    }

    #[test]
    fn starts_on_and_ends_on_bound_a_recurring_blackout_and_once_is_one_period() {
        let mut b = blackout(
            serde_json::json!({"kind": "month_end", "days_before_end": 0, "start_time": "00:00", "duration_minutes": 60}),
            "UTC",
        );
        b.input.starts_on = NaiveDate::from_ymd_opt(2026, 3, 1);
        b.input.ends_on = NaiveDate::from_ymd_opt(2026, 4, 30);
        assert_eq!(
            starts(&b, "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            ["2026-03-31T00:00Z", "2026-04-30T00:00Z"]
        );
        let once = blackout(
            serde_json::json!({"kind": "once", "start": "2026-06-30T18:00:00Z", "end": "2026-07-01T06:00:00Z"}),
            "UTC",
        );
        assert_eq!(starts(&once, "2026-07-01T05:00:00Z", "2026-07-01T07:00:00Z"), ["2026-06-30T18:00Z"]);
        assert!(
            occurrences(&once, utc("2026-07-01T06:00:00Z"), utc("2026-07-01T07:00:00Z")).is_empty(),
            "the end is exclusive"
        );
    }
}
