//! The building blocks every Alibaba Cloud signature shares: hex, SHA-256, HMAC-SHA256 and
//! the date formats, written once so that signers and verifiers cannot drift apart.

use std::fmt::Write;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// ISO 8601 in UTC to the second with a literal `Z`: ACS3's `x-acs-date`, FC's `createTime`.
const ISO8601_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Lower-case hex, the form every signature and content hash is written in.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `2024-01-01T00:00:00Z`: the time in UTC, to the second.
pub fn format_iso8601(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(ISO8601_SECONDS)
        .unwrap_or_else(|_| unreachable!("every field of the format is numeric"))
}

/// Reads what [`format_iso8601`] writes; `None` for anything else.
pub fn parse_iso8601(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, ISO8601_SECONDS)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
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
    fn dates_are_utc_to_the_second_and_read_back() {
        let local = datetime!(2024-01-01 08:00:00 +08:00);
        assert_eq!(format_iso8601(local), "2024-01-01T00:00:00Z");
        assert_eq!(parse_iso8601("2024-01-01T00:00:00Z"), Some(local));
        assert_eq!(parse_iso8601("2024-01-01 00:00:00"), None);
    }
}
