//! Percent-encoding as Alibaba Cloud's signatures define it (RFC 3986): every byte of the
//! UTF-8 text but the unreserved `A-Z a-z 0-9 - _ . ~` becomes `%XX`, upper-case hex. So a
//! space is `%20` (never `+`), and `*`, `+`, `/` and `|` are all encoded.
//!
//! fc-local's own, over the `percent-encoding` crate, so that the verifiers' canonical forms
//! do not rest on the action's encoder; the routes decode paths and queries with it too.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What gets encoded: everything that is not alphanumeric, less the four unreserved marks.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `text` encoded whole: a query name or value, one path segment.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODED).to_string()
}

/// `text` encoded segment by segment with its `/`s kept, as OSS writes an object's path.
pub(crate) fn encode_keeping_slashes(text: &str) -> String {
    text.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// `text` with every `%XX` decoded. Bytes that are not UTF-8 become U+FFFD: such a request
/// cannot match any signature made over text, so nothing is lost by reading it leniently.
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_unreserved_characters_stay() {
        assert_eq!(encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(encode("a b*+/|=&ü"), "a%20b%2A%2B%2F%7C%3D%26%C3%BC");
    }

    #[test]
    fn object_paths_keep_their_slashes() {
        assert_eq!(
            encode_keeping_slashes("1234+-/123/1.txt"),
            "1234%2B-/123/1.txt"
        );
        assert_eq!(encode_keeping_slashes("a b//c"), "a%20b//c");
    }

    #[test]
    fn decoding_undoes_encoding_and_tolerates_bad_bytes() {
        let text = "a b*~+ü/%";
        assert_eq!(decode(&encode(text)), text);
        assert_eq!(decode("%2b%2B+"), "+++");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }
}
