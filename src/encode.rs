//! Bytes and text written as URLs and signatures want them: RFC 3986 percent-encoding as ACS3
//! wants it, and lower-case hex. A leaf, so that the random source and the signers share
//! one hex without one reaching into the other.
//!
//! Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` becomes `%XX` in upper case,
//! so `/` inside a path segment, space, `*` and `+` are all encoded. The same rule serves path
//! segments and query keys and values, which is why there is one function for both.

use std::fmt::Write;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment, query key or query value.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED_KEPT).to_string()
}

/// Decodes what [`encode`] (or any other percent-encoder) produced. Invalid UTF-8 is replaced,
/// since a request carrying it cannot match a signature computed over valid text anyway.
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Percent-encodes an object key for a URL path: every segment as [`encode`] does, the `/`
/// between segments kept, as OSS names objects.
pub(crate) fn path_keep_slash(key: &str) -> String {
    key.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// Builds a path from segments, encoding each one on its own so that a `/` inside a segment
/// cannot start a new one.
pub fn path<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    segments
        .into_iter()
        .map(|segment| format!("/{}", encode(segment)))
        .collect()
}

/// Lower-case hex, the form every signature, content hash and nonce is written in.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unreserved_and_encodes_the_rest_in_upper_case() {
        assert_eq!(encode("Az09-_.~"), "Az09-_.~");
        assert_eq!(encode("a b*+/ü"), "a%20b%2A%2B%2F%C3%BC");
    }

    #[test]
    fn path_matches_the_wire_capture() {
        let built = path(["2023-03-30", "layers", "a b*~+ü", "versions", "v/1"]);
        assert_eq!(
            built,
            "/2023-03-30/layers/a%20b%2A~%2B%C3%BC/versions/v%2F1"
        );
    }

    #[test]
    fn object_keys_keep_their_slashes() {
        assert_eq!(path_keep_slash("1234+-/123/1.txt"), "1234%2B-/123/1.txt");
        assert_eq!(path_keep_slash("a b//c"), "a%20b//c");
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn decode_reverses_encode() {
        let original = "a b*~+ü/%";
        assert_eq!(decode(&encode(original)), original);
    }
}
