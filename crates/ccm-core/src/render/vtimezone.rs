//! `VTIMEZONE` for an IANA zone (RFC 5545 §3.6.5), built from the time-zone database: one
//! observance per offset change around the meeting (from the year before its start to the year
//! after its end), each with its exact onset, so any reader computes the same local times without
//! knowing the zone's rules. A zone without changes in that span gets one observance.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The offset in effect at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offset {
    seconds: i32,
    daylight: bool,
    name: Option<String>,
}

fn offset_at(zone: Tz, t: DateTime<Utc>) -> Offset {
    let o = zone.offset_from_utc_datetime(&t.naive_utc());
    let seconds = i32::try_from(o.base_utc_offset().num_seconds().saturating_add(o.dst_offset().num_seconds()))
        .unwrap_or_default();
    Offset { seconds, daylight: !o.dst_offset().is_zero(), name: o.abbreviation().map(str::to_owned) }
}

/// `+0100`, `-0430`, `+053328` (seconds only when the zone has them).
fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if sec == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{sec:02}") }
}

fn jan_first(year: i32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// The first whole minute in `(from, to]` where the offset differs from the one at `from` (`from`
/// is midnight UTC, so onsets come out on the minute, as the database has them).
fn first_change(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let before = offset_at(zone, from);
    let at = |minutes: i64| from.checked_add_signed(TimeDelta::minutes(minutes)).unwrap_or(to);
    let (mut lo, mut hi) = (0i64, to.signed_duration_since(from).num_minutes().max(1));
    while hi.saturating_sub(lo) > 1 {
        let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
        if offset_at(zone, at(mid)) == before {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    at(hi)
}

fn observance(out: &mut Vec<String>, onset_utc: DateTime<Utc>, from: &Offset, to: &Offset) {
    let kind = if to.daylight { "DAYLIGHT" } else { "STANDARD" };
    // DTSTART is the onset in the local time in effect before it (RFC 5545 §3.6.5).
    let local = onset_utc.checked_add_signed(TimeDelta::seconds(i64::from(from.seconds))).unwrap_or(onset_utc);
    out.push(format!("BEGIN:{kind}"));
    out.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
    out.push(format!("TZOFFSETFROM:{}", format_offset(from.seconds)));
    out.push(format!("TZOFFSETTO:{}", format_offset(to.seconds)));
    if let Some(name) = &to.name {
        out.push(format!("TZNAME:{}", super::ics::escape_text(name)));
    }
    out.push(format!("END:{kind}"));
}

/// The `VTIMEZONE` lines (unfolded) covering `start`..`end` in `zone`.
pub fn lines(zone: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
    let mut out = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{}", zone.name())];
    let first_year = start.year().saturating_sub(1);
    let last_year = end.year().saturating_add(1);
    let (Some(from), Some(until)) = (jan_first(first_year), jan_first(last_year)) else {
        let o = offset_at(zone, start);
        observance(&mut out, start, &o, &o);
        out.push("END:VTIMEZONE".into());
        return out;
    };
    let mut current = offset_at(zone, from);
    // The observance in effect at the start of the span, then every change after it.
    observance(&mut out, from, &current, &current);
    let mut day = from;
    while day < until {
        let Some(next) = day.checked_add_signed(TimeDelta::days(1)) else { break };
        let after = offset_at(zone, next);
        if after != current {
            let onset = first_change(zone, day, next);
            let to = offset_at(zone, onset);
            observance(&mut out, onset, &current, &to);
            current = to;
            // The rare second change within one day is found from the onset on.
            day = onset;
            continue;
        }
        day = next;
    }
    out.push("END:VTIMEZONE".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    #[test]
    fn new_york_changes_at_two_in_the_morning_local_time_twice_a_year() {
        let l = lines(chrono_tz::America::New_York, utc("2026-06-10T14:00:00Z"), utc("2026-06-10T15:00:00Z"));
        let text = l.join("\n");
        // 2026: DST starts March 8 at 02:00 EST and ends November 1 at 02:00 EDT.
        assert!(
            text.contains("BEGIN:DAYLIGHT\nDTSTART:20260308T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN:STANDARD\nDTSTART:20261101T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST"),
            "{text}"
        );
        assert_eq!(
            l.iter().filter(|x| x.starts_with("BEGIN:DAYLIGHT")).count(),
            2,
            "the year before and the year of the meeting"
        );
    }

    #[test]
    fn a_zone_without_daylight_saving_has_one_observance() {
        let l = lines(chrono_tz::Asia::Tokyo, utc("2026-06-10T14:00:00Z"), utc("2026-06-10T15:00:00Z"));
        assert_eq!(l.iter().filter(|x| x.starts_with("BEGIN:STANDARD")).count(), 1);
        assert!(l.contains(&"TZOFFSETTO:+0900".to_owned()));
        assert!(!l.iter().any(|x| x.starts_with("BEGIN:DAYLIGHT")));
    }

    #[test]
    fn offsets_with_half_hours_and_seconds_are_written_in_full() {
        assert_eq!(format_offset(19800), "+0530");
        assert_eq!(format_offset(-12600), "-0330");
        assert_eq!(format_offset(-17762), "-045602");
    }
}
