//! FHIR `instant`/`dateTime` text from the unix seconds the rest of the system passes around.

use std::fmt;

use time::OffsetDateTime;
use time::macros::format_description;

/// A moment to the second in UTC, as FHIR writes it: `2026-03-01T09:30:00Z`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instant(String);

/// Unix seconds past the last moment FHIR can write (the end of the year 9999).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} unix seconds is past the year 9999")]
pub struct InstantError(pub u64);

impl Instant {
    /// The instant `seconds` after the unix epoch.
    pub fn from_unix_seconds(seconds: u64) -> Result<Self, InstantError> {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        i64::try_from(seconds)
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .and_then(|t| t.format(format).ok())
            .map(Self)
            .ok_or(InstantError(seconds))
    }

    /// The FHIR text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&Instant> for String {
    fn from(instant: &Instant) -> Self {
        instant.0.clone()
    }
}

impl From<Instant> for String {
    fn from(instant: Instant) -> Self {
        instant.0
    }
}

#[cfg(test)]
mod tests {
    use super::{Instant, InstantError};

    #[test]
    fn writes_utc_seconds() {
        let at = |s| Instant::from_unix_seconds(s).map(String::from);
        assert_eq!(at(0), Ok("1970-01-01T00:00:00Z".into()));
        assert_eq!(at(1_800_000_000), Ok("2027-01-15T08:00:00Z".into()));
        assert_eq!(at(253_402_300_799), Ok("9999-12-31T23:59:59Z".into()));
        assert_eq!(at(253_402_300_800), Err(InstantError(253_402_300_800)));
        assert_eq!(at(u64::MAX), Err(InstantError(u64::MAX)));
    }
}
