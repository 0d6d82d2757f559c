//! The quarter a survey belongs to. A survey opens when its object is completed; its answers are
//! counted in that quarter, whenever they arrive, so a quarter's figures describe the work done in it.

use std::fmt;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Object;

/// A calendar quarter (UTC): `2026-Q2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u8,
}

/// Years outside this range are refused when parsed (keys and queries stay sane).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2999;

impl Quarter {
    pub fn new(year: i32, quarter: u8) -> Option<Self> {
        ((1..=4).contains(&quarter) && YEARS.contains(&year)).then_some(Self { year, quarter })
    }

    /// The quarter `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Self {
        let quarter = match at.month0() {
            0..=2 => 1,
            3..=5 => 2,
            6..=8 => 3,
            _ => 4,
        };
        Self { year: at.year(), quarter }
    }

    /// `2026-Q2` (or `2026-q2`), or a date (`2026-05-17`, an RFC 3339 instant) meaning its quarter.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if let Some((year, q)) = raw.split_once(['Q', 'q']) {
            let year = year.strip_suffix('-').unwrap_or(year).parse().ok()?;
            return Self::new(year, q.parse().ok()?);
        }
        if let Ok(date) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            return Self::new(date.year(), Self::of(date.and_hms_opt(0, 0, 0)?.and_utc()).quarter);
        }
        let at = DateTime::parse_from_rfc3339(raw).ok()?.with_timezone(&Utc);
        Self::new(at.year(), Self::of(at).quarter)
    }

    /// The quarter after this one (`None` past the supported years).
    pub fn next(self) -> Option<Self> {
        if self.quarter < 4 {
            Self::new(self.year, self.quarter.checked_add(1)?)
        } else {
            Self::new(self.year.checked_add(1)?, 1)
        }
    }

    /// The quarter before this one.
    pub fn previous(self) -> Option<Self> {
        if self.quarter > 1 {
            Self::new(self.year, self.quarter.checked_sub(1)?)
        } else {
            Self::new(self.year.checked_sub(1)?, 4)
        }
    }

    /// Every quarter from `self` to `last`, both included, at most `max`; `None` when there would be more.
    pub fn through(self, last: Quarter, max: usize) -> Option<Vec<Quarter>> {
        let mut out = Vec::new();
        let mut q = self;
        while q <= last {
            if out.len() >= max {
                return None;
            }
            out.push(q);
            match q.next() {
                Some(n) => q = n,
                None => break,
            }
        }
        Some(out)
    }

    /// The first instant of the quarter.
    pub fn start(self) -> Option<DateTime<Utc>> {
        let month = u32::from(self.quarter).checked_sub(1)?.checked_mul(3)?.checked_add(1)?;
        Utc.with_ymd_and_hms(self.year, month, 1, 0, 0, 0).single()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

/// When a survey opened and the quarter it counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyPeriod {
    pub opened: DateTime<Utc>,
    pub quarter: Quarter,
}

impl SurveyPeriod {
    pub fn starting(opened: DateTime<Utc>) -> Self {
        let opened = opened.with_timezone(&Utc);
        Self {
            opened: Utc.timestamp_opt(opened.timestamp(), 0).single().unwrap_or(opened),
            quarter: Quarter::of(opened),
        }
    }

    /// The survey of a completed object opens at its completion (`completedAt`, else the last
    /// modification for objects written before completion was recorded); `None` for other objects.
    pub fn of_object(object: &Object) -> Option<Self> {
        let life = object.life();
        if life.status != crate::Status::Completed {
            return None;
        }
        life.completed_at.or(life.modified_at).map(Self::starting)
    }

    /// The opening instant as the key's `{unix}` (seconds; never negative for supported years).
    pub fn unix(&self) -> i64 {
        self.opened.timestamp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn instants_fall_in_their_calendar_quarter() {
        for (t, q) in [
            ("2026-01-01T00:00:00Z", "2026-Q1"),
            ("2026-03-31T23:59:59Z", "2026-Q1"),
            ("2026-04-01T00:00:00Z", "2026-Q2"),
            ("2026-09-30T12:00:00Z", "2026-Q3"),
            ("2026-12-31T23:59:59Z", "2026-Q4"),
        ] {
            assert_eq!(Quarter::of(at(t)).to_string(), q, "{t}");
        }
    }

    #[test]
    fn quarters_parse_from_their_name_or_a_date_and_refuse_nonsense() {
        assert_eq!(Quarter::parse("2026-Q2"), Quarter::new(2026, 2));
        assert_eq!(Quarter::parse("2026q4"), Quarter::new(2026, 4));
        assert_eq!(Quarter::parse("2026-08-15"), Quarter::new(2026, 3));
        assert_eq!(Quarter::parse("2026-11-15T10:00:00+01:00"), Quarter::new(2026, 4));
        for bad in ["", "2026-Q5", "2026-Q0", "Q1", "1999-Q1", "3000-Q1", "2026-13-01", "soon", "2026-Q-1"] {
            assert_eq!(Quarter::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn quarter_ranges_cross_years_and_are_bounded() {
        let from = Quarter::new(2025, 3).unwrap();
        let to = Quarter::new(2026, 2).unwrap();
        let names: Vec<String> = from.through(to, 20).unwrap().iter().map(Quarter::to_string).collect();
        assert_eq!(names, ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]);
        assert_eq!(to.through(from, 20), Some(vec![]), "an empty range");
        assert_eq!(from.through(to, 3), None, "more than the maximum");
        assert_eq!(Quarter::new(2026, 1).unwrap().previous(), Quarter::new(2025, 4));
        assert_eq!(Quarter::new(2999, 4).unwrap().next(), None);
        assert_eq!(Quarter::new(2026, 3).unwrap().start(), Some(at("2026-07-01T00:00:00Z")));
    }

    #[test]
    fn a_survey_opens_when_its_object_is_completed() {
        let o = |extra: serde_json::Value| {
            let mut v = serde_json::json!({"changeId": "CHG-1", "changeTitle": "t", "customers": ["acme"], "status": "completed"});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            Object::from_json(v.to_string().as_bytes()).unwrap()
        };
        let p = SurveyPeriod::of_object(&o(serde_json::json!({"completedAt": "2026-06-30T23:00:00.250Z"}))).unwrap();
        assert_eq!((p.quarter.to_string(), p.opened), ("2026-Q2".into(), at("2026-06-30T23:00:00Z")));
        assert_eq!(p.unix(), 1_782_860_400);
        let legacy = SurveyPeriod::of_object(&o(serde_json::json!({"modifiedAt": "2026-07-02T00:00:00Z"}))).unwrap();
        assert_eq!(legacy.quarter.to_string(), "2026-Q3");
        assert_eq!(SurveyPeriod::of_object(&o(serde_json::json!({"status": "approved"}))), None);
    }
}
