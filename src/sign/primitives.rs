//! The building blocks every Alibaba Cloud signature shares: SHA-256 (in [`encode::hex`]),
//! HMAC-SHA256, the date formats, and the canonical query and header lists, written once so
//! that every signer, and the local service's verifiers that read the dates back with the
//! same descriptions, agree.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::encode::{self, hex};

/// ISO 8601 in UTC to the second with a literal `Z`: ACS3's `x-acs-date`, FC's `createTime`.
const ISO8601_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// ISO 8601's basic (separator-free) form of the same: OSS V4's `x-oss-date`.
const ISO8601_BASIC: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The day alone in the basic form: the first part of an OSS V4 scope.
const BASIC_DATE: &[BorrowedFormatItem<'static>] = format_description!("[year][month][day]");

/// RFC 1123, HTTP's `Date`, which FC 2.0 signs. Always GMT: the zone is a literal, not a
/// field, so no other zone can be written or read.
const RFC1123: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Query parameters as ACS3 and OSS V4 list them: names and values percent-encoded
/// ([`encode::encode`]), then sorted.
pub(crate) fn canonical_query(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut query: Vec<(String, String)> = pairs
        .iter()
        .map(|(key, value)| (encode::encode(key), encode::encode(value)))
        .collect();
    query.sort();
    query
}

/// How a canonical query writes a parameter whose value is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmptyValue {
    /// `name=`, as ACS3 writes it.
    WithEquals,
    /// `name`, as OSS V4 writes it (`uploads`).
    Bare,
}

/// A [`canonical_query`] on one line, `&`-separated, without the line break.
pub(crate) fn write_query(
    out: &mut impl fmt::Write,
    query: &[(String, String)],
    empty: EmptyValue,
) -> fmt::Result {
    for (index, (key, value)) in query.iter().enumerate() {
        let separator = if index == 0 { "" } else { "&" };
        if value.is_empty() && empty == EmptyValue::Bare {
            write!(out, "{separator}{key}")?;
        } else {
            write!(out, "{separator}{key}={value}")?;
        }
    }
    Ok(())
}

/// Headers as every signature lists them: names in lower case, values trimmed, sorted by name,
/// a repeated header's values joined with `,` in the order sent (what an HTTP server makes of
/// repeats). `keep` picks the signed ones by lowercase name.
pub(crate) fn canonical_headers<'a>(
    headers: impl IntoIterator<Item = &'a (String, String)>,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let mut sorted: Vec<(String, String)> = headers
        .into_iter()
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .filter(|(name, _)| keep(name))
        .collect();
    // A stable sort, so repeats stay in the order sent.
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut joined: Vec<(String, String)> = Vec::with_capacity(sorted.len());
    for (name, value) in sorted {
        match joined.last_mut() {
            Some((last, values)) if *last == name => {
                values.push(',');
                values.push_str(&value);
            }
            _ => joined.push((name, value)),
        }
    }
    joined
}

/// `2024-01-01T00:00:00Z`: the time in UTC, to the second.
pub(crate) fn format_iso8601(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(ISO8601_SECONDS)
        .unwrap_or_else(|_| unreachable!("every field of the format is numeric"))
}

/// `20240101T000000Z`: the time in UTC, to the second.
pub fn format_iso8601_basic(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(ISO8601_BASIC)
        .unwrap_or_else(|_| unreachable!("every field of the format is numeric"))
}

/// `20240101`: a day, as OSS V4 scopes name it.
pub(crate) fn format_basic_date(date: Date) -> String {
    date.format(BASIC_DATE)
        .unwrap_or_else(|_| unreachable!("every field of the format is numeric"))
}

/// `Mon, 01 Jan 2024 00:00:00 GMT`: the time in UTC, to the second.
pub fn format_rfc1123(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(RFC1123)
        .unwrap_or_else(|_| {
            unreachable!("every field of the format has an English name or is numeric")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn empty_input_hashes_to_the_well_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dates_are_utc_to_the_second() {
        let local = datetime!(2024-01-01 08:00:00 +08:00);
        assert_eq!(format_iso8601(local), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn canonical_headers_lower_trim_sort_and_join_repeats() {
        let headers = [
            ("X-Fc-B".to_owned(), " 2 ".to_owned()),
            ("host".to_owned(), "h".to_owned()),
            ("x-fc-a".to_owned(), "1".to_owned()),
            ("x-fc-b".to_owned(), "3".to_owned()),
        ];
        let kept = canonical_headers(&headers, |name| name.starts_with("x-fc-"));
        assert_eq!(
            kept,
            [
                ("x-fc-a".to_owned(), "1".to_owned()),
                ("x-fc-b".to_owned(), "2,3".to_owned()),
            ]
        );
    }

    #[test]
    fn canonical_query_encodes_sorts_and_writes_empty_values_either_way() {
        let query = canonical_query(&[
            ("b".to_owned(), "x y".to_owned()),
            ("uploads".to_owned(), String::new()),
            ("a+".to_owned(), "1".to_owned()),
        ]);
        let written = |empty| {
            let mut line = String::new();
            write_query(&mut line, &query, empty).expect("writes to a string");
            line
        };
        assert_eq!(written(EmptyValue::WithEquals), "a%2B=1&b=x%20y&uploads=");
        assert_eq!(written(EmptyValue::Bare), "a%2B=1&b=x%20y&uploads");
    }

    #[test]
    fn basic_dates_are_utc_without_separators() {
        let local = datetime!(2024-05-20 16:30:00 +08:00);
        assert_eq!(format_iso8601_basic(local), "20240520T083000Z");
        assert_eq!(format_basic_date(local.date()), "20240520");
    }

    #[test]
    fn rfc1123_is_gmt_with_english_names() {
        let local = datetime!(2024-05-20 16:30:00 +08:00);
        assert_eq!(format_rfc1123(local), "Mon, 20 May 2024 08:30:00 GMT");
        assert_eq!(
            format_rfc1123(datetime!(2024-01-07 00:00:05 UTC)),
            "Sun, 07 Jan 2024 00:00:05 GMT"
        );
    }
}
