//! Times as the user reads them, from the unix seconds the chain records.

use time::OffsetDateTime;

/// `2026-11-25 00:40:12 UTC`, or the raw number when it is out of range. The calendar is
/// `time`'s; the text is written here, without `time`'s format descriptions, which would weigh on
/// the web page's wasm.
pub fn format_unix_utc(seconds: u64) -> String {
    let Some(t) = i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .filter(|t| (0..=9999).contains(&t.year()))
    else {
        return format!("{seconds} (unix seconds)");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::format_unix_utc;

    #[test]
    fn formats_block_times() {
        assert_eq!(format_unix_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_unix_utc(1_800_000_000), "2027-01-15 08:00:00 UTC");
        assert_eq!(format_unix_utc(253_402_300_799), "9999-12-31 23:59:59 UTC");
        assert_eq!(format_unix_utc(1_764_547_205), "2025-12-01 00:00:05 UTC");
        assert_eq!(
            format_unix_utc(u64::MAX),
            "18446744073709551615 (unix seconds)"
        );
    }
}
