//! Times as the tools and the state files write them.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};

/// An RFC 3339 timestamp, as every tool writes them.
pub fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let time = DateTime::parse_from_rfc3339(text?.trim()).ok()?;
    Some(time.to_utc())
}

/// The timestamp form the tools write: UTC with milliseconds, `2026-11-21T11:13:38.603Z`.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Now, as state files record times: RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Seconds since the Unix epoch.
pub fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_the_tools_form() {
        let time = parse_time(Some("2026-11-21T11:13:38.603Z")).unwrap();
        assert_eq!(format_time(time), "2026-11-21T11:13:38.603Z");
        assert_eq!(
            format_time(parse_time(Some("2026-11-21T12:13:38+01:00")).unwrap()),
            "2026-11-21T11:13:38.000Z"
        );
        assert!(parse_time(Some("yesterday")).is_none());
    }
}
