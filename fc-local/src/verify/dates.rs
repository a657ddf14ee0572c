//! The signed date headers read back, with the very format descriptions the signers write
//! them with ([`fc_layer_action::sign::primitives`]).

use fc_layer_action::sign::primitives::{
    BASIC_DATE, ISO8601_BASIC, ISO8601_SECONDS, RFC1123, format_rfc1123,
};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// `2024-01-01T00:00:00Z` (ACS3's `x-acs-date`); `None` for anything else.
pub fn parse_iso8601(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, ISO8601_SECONDS)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// `20240101T000000Z` (OSS V4's `x-oss-date`); `None` for anything else.
pub fn parse_iso8601_basic(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, ISO8601_BASIC)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// `20240101`, an OSS V4 scope's day; `None` for anything else.
pub fn parse_basic_date(text: &str) -> Option<Date> {
    Date::parse(text, BASIC_DATE).ok()
}

/// `Mon, 01 Jan 2024 00:00:00 GMT` (FC 2.0's `date`); `None` for anything else, a weekday
/// that does not fall on the date included.
pub fn parse_rfc1123(text: &str) -> Option<OffsetDateTime> {
    // `time` reads the weekday but does not hold it against the date; writing the time back
    // out does.
    PrimitiveDateTime::parse(text, RFC1123)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
        .filter(|time| format_rfc1123(*time) == text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc_layer_action::sign::primitives::{format_iso8601, format_iso8601_basic};
    use time::macros::datetime;

    #[test]
    fn every_format_reads_back_what_the_signers_write() {
        let local = datetime!(2024-05-20 16:30:00 +08:00);
        assert_eq!(parse_iso8601(&format_iso8601(local)), Some(local));
        assert_eq!(
            parse_iso8601_basic(&format_iso8601_basic(local)),
            Some(local)
        );
        assert_eq!(parse_rfc1123(&format_rfc1123(local)), Some(local));
        assert_eq!(
            parse_basic_date("20240520"),
            Some(datetime!(2024-05-20 0:00 UTC).date())
        );
    }

    #[test]
    fn other_shapes_are_refused() {
        assert_eq!(parse_iso8601("2024-01-01 00:00:00"), None);
        for wrong in [
            "2024-05-20T08:30:00Z",
            "20240520T083000",
            "20240520t083000z",
            "",
        ] {
            assert_eq!(parse_iso8601_basic(wrong), None, "{wrong}");
        }
        for wrong in ["2024-05-20", "202405201", "20241320"] {
            assert_eq!(parse_basic_date(wrong), None, "{wrong}");
        }
        for wrong in [
            "Tue, 20 May 2024 08:30:00 GMT",
            "Mon, 20 May 2024 08:30:00 +0000",
            "Mon, 20 May 2024 08:30:00 UTC",
            "Mon, 20 May 2024 08:30:00",
            "Monday, 20-May-24 08:30:00 GMT",
        ] {
            assert_eq!(parse_rfc1123(wrong), None, "{wrong}");
        }
    }
}
