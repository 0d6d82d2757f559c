//! Dates, times and time zones. Every stored time is RFC 3339 UTC with its IANA zone kept beside it;
//! local input is always read in the object's zone, never the server's (the original read the
//! browser's: reference §12, item 11). The validation limits are the original's (reference §10.6).

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of an object that names none, as in the original.
pub const DEFAULT_ZONE: &str = "America/New_York";

/// Meeting lengths the API accepts, in minutes (the original's limits, reference §10.6).
pub const MEETING_MINUTES: std::ops::RangeInclusive<i64> = 15..=480;
/// The length of a meeting that names none.
pub const DEFAULT_MEETING_MINUTES: i64 = 60;

/// The end of a meeting of `minutes` starting at `start`. A stored length outside
/// [`MEETING_MINUTES`] (written by an older version, which checked nothing) is clamped into it, so
/// no stored value can overflow the date arithmetic; `None` only at the very end of time.
pub fn meeting_end(start: DateTime<Utc>, minutes: Option<i64>) -> Option<DateTime<Utc>> {
    let minutes = minutes.unwrap_or(DEFAULT_MEETING_MINUTES).clamp(*MEETING_MINUTES.start(), *MEETING_MINUTES.end());
    start.checked_add_signed(TimeDelta::try_minutes(minutes)?)
}

/// A date, time or zone that was refused, naming the form or JSON field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScheduleError {
    pub field: String,
    pub message: String,
}

impl ScheduleError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

pub fn parse_zone(field: &str, raw: &str) -> Result<Tz, ScheduleError> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| ScheduleError::new(field, format!("{raw:?} is not an IANA time zone such as {DEFAULT_ZONE}")))
}

/// `date` (`YYYY-MM-DD`) and `time` (`HH:MM` or `HH:MM:SS`) read as a wall-clock time in `zone`.
/// A time skipped by a daylight-saving jump is refused; a repeated one takes the earlier instant.
pub fn local_to_utc(field: &str, date: &str, time: &str, zone: Tz) -> Result<DateTime<Utc>, ScheduleError> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| ScheduleError::new(field, format!("{date:?} is not a date in the form YYYY-MM-DD")))?;
    let time = parse_time(field, time)?;
    resolve(field, date.and_time(time), zone)
}

/// The value of an `<input type="datetime-local">` (`YYYY-MM-DDTHH:MM[:SS]`), read in `zone`.
pub fn parse_datetime_local(field: &str, raw: &str, zone: Tz) -> Result<DateTime<Utc>, ScheduleError> {
    let (date, time) = raw
        .trim()
        .split_once(['T', ' '])
        .ok_or_else(|| ScheduleError::new(field, format!("{raw:?} is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    local_to_utc(field, date, time, zone)
}

/// An instant as stored or sent by older clients: RFC 3339 with any offset, `YYYY-MM-DD` (midnight
/// UTC) or `MM/DD/YYYY h:mm AM/PM` (UTC).
pub fn parse_instant(field: &str, raw: &str) -> Result<DateTime<Utc>, ScheduleError> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN).and_utc());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%m/%d/%Y %I:%M %p") {
        return Ok(t.and_utc());
    }
    Err(ScheduleError::new(
        field,
        format!("{raw:?} is not a date and time (RFC 3339, YYYY-MM-DD or MM/DD/YYYY h:mm AM)"),
    ))
}

fn parse_time(field: &str, raw: &str) -> Result<NaiveTime, ScheduleError> {
    let s = raw.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| ScheduleError::new(field, format!("{raw:?} is not a time in the form HH:MM")))
}

fn resolve(field: &str, local: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, ScheduleError> {
    // `earliest` is the single instant, or the first of the two a clock set back produces.
    zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| {
        let shown = local.format("%Y-%m-%d %H:%M");
        ScheduleError::new(
            field,
            format!("{shown} does not exist in {zone}: the clocks skip it for daylight saving time"),
        )
    })
}

/// Any stored instant must lie within 50 years before and 10 years after `now`.
pub fn validate_instant(field: &str, t: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ScheduleError> {
    let earliest = now.checked_sub_months(Months::new(50 * 12)).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let latest = now.checked_add_months(Months::new(10 * 12)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if t < earliest {
        return Err(ScheduleError::new(field, "is more than 50 years in the past"));
    }
    if t > latest {
        return Err(ScheduleError::new(field, "is more than 10 years in the future"));
    }
    Ok(())
}

/// An implementation window: both ends valid, start before end, 15 minutes to 24 hours long.
/// Problems with the length are reported on the end, the value a user adjusts.
pub fn validate_window(
    start_field: &str,
    end_field: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ScheduleError> {
    validate_instant(start_field, start, now)?;
    validate_instant(end_field, end, now)?;
    if end <= start {
        return Err(ScheduleError::new(end_field, "must be after the start"));
    }
    let length = end.signed_duration_since(start);
    if length < TimeDelta::minutes(15) {
        return Err(ScheduleError::new(end_field, "the window must last at least 15 minutes"));
    }
    if length > TimeDelta::hours(24) {
        return Err(ScheduleError::new(end_field, "the window must not last more than 24 hours"));
    }
    Ok(())
}

/// A meeting: starting no more than 5 minutes ago (a form takes time to submit), at most 2 years
/// ahead, lasting 15 to 480 minutes.
pub fn validate_meeting(
    field: &str,
    duration_field: &str,
    start: DateTime<Utc>,
    duration_minutes: i64,
    now: DateTime<Utc>,
) -> Result<(), ScheduleError> {
    if now.checked_sub_signed(TimeDelta::minutes(5)).is_some_and(|earliest| start < earliest) {
        return Err(ScheduleError::new(field, "is in the past"));
    }
    let latest = now.checked_add_months(Months::new(24)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if start > latest {
        return Err(ScheduleError::new(field, "is more than 2 years in the future"));
    }
    validate_meeting_minutes(duration_field, duration_minutes)
}

/// A meeting length, checked wherever one is given (drafts too): the date arithmetic downstream
/// relies on it being in [`MEETING_MINUTES`].
pub fn validate_meeting_minutes(field: &str, minutes: i64) -> Result<(), ScheduleError> {
    if MEETING_MINUTES.contains(&minutes) {
        Ok(())
    } else {
        Err(ScheduleError::new(
            field,
            format!("must be between {} and {} minutes", MEETING_MINUTES.start(), MEETING_MINUTES.end()),
        ))
    }
}

/// "January 2, 2026 at 3:04 PM EST", for mail and pages showing the object's zone.
pub fn format_in_zone(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%B %-d, %Y at %-I:%M %p %Z").to_string()
}

/// "January 2, 2026 at 8:04 PM UTC".
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.format("%B %-d, %Y at %-I:%M %p UTC").to_string()
}

/// The stored form: `2026-01-02T20:04:05Z`.
pub fn to_rfc3339_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Microsoft Graph's `dateTimeTimeZone.dateTime`: wall-clock time in `zone`, sent with the zone's name.
pub fn graph_datetime(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S.0000000").to_string()
}

/// iCalendar UTC form: `20260102T200405Z`.
pub fn ics_utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Tokyo;
    use proptest::prelude::*;

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ten_oclock_in_new_york_is_14z_in_summer_and_15z_in_winter() {
        assert_eq!(local_to_utc("start", "2026-07-01", "10:00", New_York).unwrap(), utc("2026-07-01T14:00:00Z"));
        assert_eq!(local_to_utc("start", "2026-01-15", "10:00:00", New_York).unwrap(), utc("2026-01-15T15:00:00Z"));
    }

    #[test]
    fn the_same_wall_clock_time_in_tokyo_is_a_different_instant() {
        let tokyo = local_to_utc("start", "2026-07-01", "10:00", Tokyo).unwrap();
        assert_eq!(tokyo, utc("2026-07-01T01:00:00Z"));
        assert_ne!(tokyo, local_to_utc("start", "2026-07-01", "10:00", New_York).unwrap());
    }

    #[test]
    fn a_time_skipped_by_the_spring_forward_is_refused_naming_the_field() {
        let err = local_to_utc("implementationStart", "2026-03-08", "02:30", New_York).unwrap_err();
        assert_eq!(err.field, "implementationStart");
        assert!(err.message.contains("does not exist"), "{err}");
    }

    #[test]
    fn a_time_repeated_by_the_fall_back_takes_the_earlier_instant() {
        let t = local_to_utc("start", "2026-11-01", "01:30", New_York).unwrap();
        assert_eq!(t, utc("2026-11-01T05:30:00Z"), "01:30 EDT, not 01:30 EST");
    }

    #[test]
    fn datetime_local_values_are_read_in_the_given_zone() {
        assert_eq!(
            parse_datetime_local("meetingDate", "2026-07-01T10:00", New_York).unwrap(),
            utc("2026-07-01T14:00:00Z")
        );
        assert_eq!(parse_datetime_local("m", "2026-07-01T10:00:30", Tokyo).unwrap(), utc("2026-07-01T01:00:30Z"));
        assert_eq!(parse_datetime_local("meetingDate", "tomorrow", New_York).unwrap_err().field, "meetingDate");
    }

    #[test]
    fn malformed_dates_times_and_zones_name_their_field() {
        assert_eq!(local_to_utc("beginDate", "2026-13-01", "10:00", New_York).unwrap_err().field, "beginDate");
        assert_eq!(local_to_utc("beginTime", "2026-01-01", "25:00", New_York).unwrap_err().field, "beginTime");
        assert_eq!(parse_zone("timezone", "Mars/Olympus").unwrap_err().field, "timezone");
        assert_eq!(parse_zone("timezone", DEFAULT_ZONE).unwrap(), New_York);
    }

    #[test]
    fn instants_are_read_in_the_three_accepted_forms() {
        assert_eq!(parse_instant("t", "2026-01-02T15:04:05-05:00").unwrap(), utc("2026-01-02T20:04:05Z"));
        assert_eq!(parse_instant("t", "2026-01-02").unwrap(), utc("2026-01-02T00:00:00Z"));
        assert_eq!(parse_instant("t", "01/02/2026 3:04 PM").unwrap(), utc("2026-01-02T15:04:00Z"));
        assert_eq!(parse_instant("t", "01/02/2026 12:30 am").unwrap(), utc("2026-01-02T00:30:00Z"));
        assert_eq!(parse_instant("created", "yesterday").unwrap_err().field, "created");
    }

    #[test]
    fn instants_must_be_within_fifty_years_back_and_ten_ahead() {
        let now = utc("2026-01-01T00:00:00Z");
        assert!(validate_instant("t", utc("1976-01-01T00:00:00Z"), now).is_ok());
        assert!(validate_instant("t", utc("1975-12-31T23:59:59Z"), now).is_err());
        assert!(validate_instant("t", utc("2036-01-01T00:00:00Z"), now).is_ok());
        assert_eq!(validate_instant("t", utc("2036-01-01T00:00:01Z"), now).unwrap_err().field, "t");
    }

    #[test]
    fn a_window_lasts_between_fifteen_minutes_and_a_day() {
        let now = utc("2026-01-01T00:00:00Z");
        let start = utc("2026-02-01T10:00:00Z");
        let check = |minutes: i64| validate_window("start", "end", start, start + TimeDelta::minutes(minutes), now);
        assert!(check(15).is_ok());
        assert!(check(24 * 60).is_ok());
        assert_eq!(check(14).unwrap_err().field, "end");
        assert_eq!(check(24 * 60 + 1).unwrap_err().field, "end");
        assert!(check(0).unwrap_err().message.contains("after the start"));
        assert!(check(-60).unwrap_err().message.contains("after the start"));
    }

    #[test]
    fn a_window_end_too_far_ahead_names_the_end_field() {
        let now = utc("2026-01-01T00:00:00Z");
        let err = validate_window("start", "end", utc("2020-01-01T00:00:00Z"), utc("2040-01-01T00:00:00Z"), now);
        assert_eq!(err.unwrap_err().field, "end");
    }

    #[test]
    fn a_meeting_may_start_up_to_five_minutes_ago_and_up_to_two_years_ahead() {
        let now = utc("2026-01-01T12:00:00Z");
        let check = |start: DateTime<Utc>| validate_meeting("meetingDate", "meetingDuration", start, 60, now);
        assert!(check(now - TimeDelta::minutes(5)).is_ok());
        assert_eq!(check(now - TimeDelta::minutes(5) - TimeDelta::seconds(1)).unwrap_err().field, "meetingDate");
        assert!(check(utc("2028-01-01T12:00:00Z")).is_ok());
        assert_eq!(check(utc("2028-01-01T12:00:01Z")).unwrap_err().field, "meetingDate");
    }

    #[test]
    fn a_meeting_lasts_fifteen_to_four_hundred_eighty_minutes() {
        let now = utc("2026-01-01T12:00:00Z");
        let start = utc("2026-01-02T12:00:00Z");
        let check = |minutes: i64| validate_meeting("meetingDate", "meetingDuration", start, minutes, now);
        assert!(check(15).is_ok());
        assert!(check(480).is_ok());
        assert_eq!(check(14).unwrap_err().field, "meetingDuration");
        assert_eq!(check(481).unwrap_err().field, "meetingDuration");
    }

    #[test]
    fn formats_match_the_original_examples() {
        let t = utc("2026-01-02T20:04:05Z");
        assert_eq!(format_in_zone(t, New_York), "January 2, 2026 at 3:04 PM EST");
        assert_eq!(format_in_zone(utc("2026-07-04T13:00:00Z"), New_York), "July 4, 2026 at 9:00 AM EDT");
        assert_eq!(format_utc(t), "January 2, 2026 at 8:04 PM UTC");
        assert_eq!(to_rfc3339_utc(t), "2026-01-02T20:04:05Z");
        assert_eq!(graph_datetime(t, New_York), "2026-01-02T15:04:05.0000000");
        assert_eq!(ics_utc(t), "20260102T200405Z");
    }

    #[test]
    fn the_stored_form_drops_sub_second_precision() {
        let t = utc("2026-01-02T20:04:05.678+00:00");
        assert_eq!(to_rfc3339_utc(t), "2026-01-02T20:04:05Z");
    }

    const ZONES: [Tz; 6] = [
        chrono_tz::America::New_York,
        chrono_tz::America::Los_Angeles,
        chrono_tz::Europe::London,
        chrono_tz::Asia::Tokyo,
        chrono_tz::Australia::Sydney,
        chrono_tz::UTC,
    ];

    proptest! {
        #[test]
        fn local_strings_of_an_instant_convert_back_to_it(secs in 0i64..4_102_444_800, zone in 0usize..ZONES.len()) {
            let zone = ZONES[zone];
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            let local = t.with_timezone(&zone).naive_local();
            // In a fold the same wall-clock time names two instants; we deliberately take the earlier.
            prop_assume!(zone.from_local_datetime(&local).single().is_some());
            let date = local.format("%Y-%m-%d").to_string();
            let time = local.format("%H:%M:%S").to_string();
            prop_assert_eq!(local_to_utc("t", &date, &time, zone).unwrap(), t);
        }
    }
}
