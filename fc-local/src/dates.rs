//! The date formats fc-local reads in signed headers and writes in its replies, all UTC to
//! the second:
//!
//! - ISO 8601, `2024-01-01T00:00:00Z`: ACS3's `x-acs-date`, FC's and STS's times.
//! - ISO 8601 basic, `20240101T000000Z`, and its day, `20240101`: OSS V4's `x-oss-date` and
//!   the day of its scope.
//! - RFC 1123, `Mon, 01 Jan 2024 00:00:00 GMT`: HTTP's `date`, which FC 2.0 signs.
//!
//! Written here from the formats themselves rather than borrowed from the action's signers:
//! a verifier that read dates with the signer's own descriptions would take whatever the
//! signer wrote.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const ISO8601: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const ISO8601_BASIC: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");
const BASIC_DATE: &[BorrowedFormatItem<'static>] = format_description!("[year][month][day]");
/// The zone is a literal: RFC 1123 dates in HTTP are always GMT.
const RFC1123: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn utc(text: &str, format: &[BorrowedFormatItem<'_>]) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// `2024-01-01T00:00:00Z`; `None` for anything else.
pub(crate) fn parse_iso8601(text: &str) -> Option<OffsetDateTime> {
    utc(text, ISO8601)
}

/// `20240101T000000Z`; `None` for anything else.
pub fn parse_iso8601_basic(text: &str) -> Option<OffsetDateTime> {
    utc(text, ISO8601_BASIC)
}

/// `20240101`; `None` for anything else.
pub(crate) fn parse_basic_date(text: &str) -> Option<Date> {
    Date::parse(text, BASIC_DATE).ok()
}

/// `Mon, 01 Jan 2024 00:00:00 GMT`; `None` for anything else, a weekday that does not fall
/// on the date included.
pub fn parse_rfc1123(text: &str) -> Option<OffsetDateTime> {
    // `time` reads the weekday without holding it against the date; writing the date back
    // out does.
    utc(text, RFC1123).filter(|time| format_rfc1123(*time) == text)
}

/// `time` as `2024-01-01T00:00:00Z`.
pub(crate) fn format_iso8601(time: OffsetDateTime) -> String {
    let time = time.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// `time` as `20240101T000000Z`.
#[cfg(test)]
pub(crate) fn format_iso8601_basic(time: OffsetDateTime) -> String {
    let time = time.to_offset(UtcOffset::UTC);
    format!(
        "{}T{:02}{:02}{:02}Z",
        format_basic_date(time.date()),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// `date` as `20240101`.
pub(crate) fn format_basic_date(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `time` as `Mon, 01 Jan 2024 00:00:00 GMT`.
pub(crate) fn format_rfc1123(time: OffsetDateTime) -> String {
    let time = time.to_offset(UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[usize::from(time.weekday().number_days_from_monday())],
        time.day(),
        MONTHS[usize::from(u8::from(time.month()) - 1)],
        time.year(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_format_writes_utc_and_reads_back() {
        let local = datetime!(2024-05-20 16:30:00 +08:00);
        type Parse = fn(&str) -> Option<OffsetDateTime>;
        let cases: [(String, Parse, &str); 3] = [
            (format_iso8601(local), parse_iso8601, "2024-05-20T08:30:00Z"),
            (
                format_iso8601_basic(local),
                parse_iso8601_basic,
                "20240520T083000Z",
            ),
            (
                format_rfc1123(local),
                parse_rfc1123,
                "Mon, 20 May 2024 08:30:00 GMT",
            ),
        ];
        for (written, parse, expected) in cases {
            assert_eq!(written, expected);
            assert_eq!(parse(&written), Some(local), "{written}");
        }
        assert_eq!(format_basic_date(local.date()), "20240520");
        assert_eq!(parse_basic_date("20240520"), Some(local.date()));
        assert_eq!(
            format_rfc1123(datetime!(2024-01-07 00:00:05 UTC)),
            "Sun, 07 Jan 2024 00:00:05 GMT"
        );
        assert_eq!(
            format_iso8601(datetime!(2023-12-31 23:59:59 -01:00)),
            "2024-01-01T00:59:59Z"
        );
    }

    #[test]
    fn other_shapes_are_refused() {
        assert_eq!(parse_iso8601("2024-01-01 00:00:00"), None);
        assert_eq!(parse_iso8601("2024-01-01T00:00:00+00:00"), None);
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
