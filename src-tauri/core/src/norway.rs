//! Norwegian time. Letter dates, deadlines, "this month" and the § 8 reminders are reckoned in
//! Europe/Oslo, whatever time zone the machine is set to; the instant itself always comes from
//! the injected [`crate::clock::Clock`].

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// Norway's time zone.
pub const OSLO: Tz = chrono_tz::Europe::Oslo;

/// `at` in Norwegian time.
pub fn local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&OSLO)
}

/// The date in Norway at `at` (a letter's date).
pub fn date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// Midnight at the start of the Norwegian month that holds `at`, as an instant.
pub fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let here = local(at);
    OSLO.with_ymd_and_hms(here.year(), here.month(), 1, 0, 0, 0)
        .earliest()
        .map_or(at, |t| t.to_utc())
}

/// `hour:minute` on `date` in Norway, as an instant (the earlier one in the autumn's repeated
/// hour; in the spring's missing hour, the same wall time in UTC+1).
pub fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let wall = date
        .and_hms_opt(hour.min(23), minute.min(59), 0)
        .unwrap_or_else(|| date.and_time(chrono::NaiveTime::MIN));
    OSLO.from_local_datetime(&wall).earliest().map_or_else(
        || wall.and_utc() - chrono::Duration::hours(1),
        |t| t.to_utc(),
    )
}

/// Midnight at the start of `date` in Norway, as an instant.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    OSLO.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || date.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.to_utc(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_date_is_norways_whatever_the_machines_zone() {
        // 23:30 UTC on 31 December is already New Year's Day in Oslo (UTC+1 in winter).
        assert_eq!(
            date(instant("2026-12-31T23:30:00Z")),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        // 22:30 UTC in June is 00:30 the next day (UTC+2 in summer).
        assert_eq!(
            date(instant("2026-06-30T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        assert_eq!(
            date(instant("2026-06-30T21:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
    }

    #[test]
    fn the_month_starts_at_midnight_in_oslo() {
        assert_eq!(
            month_start(instant("2026-12-06T12:00:00Z")),
            instant("2026-11-30T23:00:00Z")
        );
        assert_eq!(
            month_start(instant("2026-07-15T12:00:00Z")),
            instant("2026-06-30T22:00:00Z")
        );
        // The first hour of December in Oslo is still November in UTC.
        assert_eq!(
            month_start(instant("2026-11-30T23:30:00Z")),
            instant("2026-11-30T23:00:00Z")
        );
        assert_eq!(
            at(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(), 23, 59),
            instant("2026-12-24T22:59:00Z")
        );
        assert_eq!(
            start_of(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()),
            instant("2026-03-28T23:00:00Z")
        );
    }
}
