//! KRR's timestamps, which are not strict RFC 3339: `2023-06-10T21:00:01+02` (hours-only
//! offset), `2023-08-05T10:45:15.768Z`, `+0200`, `+02:00`, with or without fractions
//! (spec §1.4).

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer};

/// Parses a KRR timestamp; `None` for anything unreadable (treated as absent, which for the
/// 18-month rule means "not fresh").
pub fn parse_krr_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // A timestamp is short and plain ASCII; anything else is unreadable, never sliced.
    if text.is_empty() || text.len() > 64 || !text.is_ascii() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let normalised = normalise_offset(text)?;
    DateTime::parse_from_rfc3339(&normalised)
        .ok()
        .map(|t: DateTime<FixedOffset>| t.with_timezone(&Utc))
}

/// Rewrites `+02` and `+0200` as `+02:00`, and adds `:00` seconds when missing.
fn normalise_offset(text: &str) -> Option<String> {
    let (date_time, offset) = match text.rfind(['+', '-']) {
        Some(i) if i > 10 => (&text[..i], &text[i..]),
        _ => return None,
    };
    let offset = match offset.len() {
        3 => format!("{offset}:00"),
        5 => format!("{}:{}", &offset[..3], &offset[3..]),
        _ => offset.to_owned(),
    };
    let date_time = if date_time.len() == 16 {
        format!("{date_time}:00")
    } else {
        date_time.to_owned()
    };
    Some(format!("{date_time}{offset}"))
}

/// Formats a time the way KRR does: `2023-06-10T21:00:01+02`, in Norwegian time (+01 in
/// winter, +02 in summer).
pub fn format_krr_time(time: DateTime<Utc>) -> String {
    use chrono::Offset;
    let local = crate::norway::local(time);
    let hours = local.offset().fix().local_minus_utc() / 3600;
    format!("{}{hours:+03}", local.format("%Y-%m-%dT%H:%M:%S"))
}

/// Serde helper: an optional KRR timestamp; empty strings and unreadable values are absent.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|s| parse_krr_time(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_observed_form_parses_to_the_same_instant() {
        let expected = Utc.with_ymd_and_hms(2023, 6, 10, 19, 0, 1).unwrap();
        for text in [
            "2023-06-10T21:00:01+02",
            "2023-06-10T21:00:01+0200",
            "2023-06-10T21:00:01+02:00",
            "2023-06-10T19:00:01Z",
            "2023-06-10T21:00:01.000+02",
        ] {
            assert_eq!(parse_krr_time(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_krr_time("2023-08-05T10:45:15.768Z")
                .unwrap()
                .timestamp_subsec_millis(),
            768
        );
    }

    #[test]
    fn empty_and_unreadable_values_are_absent() {
        assert_eq!(parse_krr_time(""), None);
        assert_eq!(parse_krr_time("i går"), None);
        assert_eq!(parse_krr_time("2023-13-10T21:00:01+02"), None);
        // Odd offsets from a service are unreadable, never a panic (byte slicing inside a
        // multi-byte character used to abort the worker).
        for odd in [
            "2023-06-10T21:00:01+0é0",
            "2023-06-10T21:00:01+é",
            "2023-06-10T21:00:01+02ø0",
            "2023-06-10T21:00:01-",
            "2023-06-10T21:00:01+99",
            "2023-06-10T21:00:01+0200000000000000000000000000000000000000000000000000000",
            "ÆØÅ-06-10T21:00:01+02",
            "+02",
        ] {
            assert_eq!(parse_krr_time(odd), None, "{odd}");
        }
    }

    #[test]
    fn formatting_uses_the_short_offset_and_norwegian_summer_time() {
        let summer = Utc.with_ymd_and_hms(2023, 6, 10, 19, 0, 1).unwrap();
        assert_eq!(format_krr_time(summer), "2023-06-10T21:00:01+02");
        let winter = Utc.with_ymd_and_hms(2023, 11, 20, 10, 0, 0).unwrap();
        assert_eq!(format_krr_time(winter), "2023-11-20T11:00:00+01");
        assert_eq!(parse_krr_time(&format_krr_time(winter)), Some(winter));
    }
}
