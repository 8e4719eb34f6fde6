//! Times as the user reads them, from the unix seconds the chain records.

use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-25 00:40:12 UTC`, or the raw number when it is out of range.
pub fn format_unix_utc(seconds: u64) -> String {
    let formatted = i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        });
    formatted.unwrap_or_else(|| format!("{seconds} (unix seconds)"))
}

#[cfg(test)]
mod tests {
    use super::format_unix_utc;

    #[test]
    fn formats_block_times() {
        assert_eq!(format_unix_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_unix_utc(1_800_000_000), "2027-01-15 08:00:00 UTC");
        assert_eq!(
            format_unix_utc(u64::MAX),
            "18446744073709551615 (unix seconds)"
        );
    }
}
