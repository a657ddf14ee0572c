//! The FC 2.0 string to sign and signature, written from the FC 2.0 specification
//! (shared/docs/oss.md):
//!
//! ```text
//! StringToSign       = method \n Content-MD5 \n Content-Type \n Date \n CanonicalFcHeaders Path
//! CanonicalFcHeaders = "name:value\n" for every x-fc-* header: lower case, trimmed, sorted
//! Path               = the path, percent-decoded
//! Signature          = base64(hmac_sha256(secret, StringToSign))
//! ```
//!
//! The query is left out: FC 2.0 would sign its pairs on lines of their own, but the one
//! call fc-local serves with this scheme has none, and it refuses any call that carries one.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::digest::hmac_sha256;
use crate::percent;

use super::canonical::{Token, display_and_debug, header_lines, header_list};
use super::request::Request;

pub(crate) const SCHEME: &str = "FC";
pub(crate) const DATE_HEADER: &str = "date";
pub(crate) const SECURITY_TOKEN_HEADER: &str = "x-fc-security-token";

/// The text the secret signs. `Display` is exactly those bytes, the security token included,
/// so it is for tests; `Debug` and [`StringToSign::redacted`] hide the token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StringToSign {
    method: String,
    content_md5: String,
    content_type: String,
    /// As sent, untrimmed: the signer signs the text it sends.
    date: String,
    fc_headers: Vec<(String, String)>,
    /// Decoded.
    path: String,
}

impl StringToSign {
    pub(crate) fn new(request: &Request<'_>) -> Self {
        let trimmed = |name| request.header(name).unwrap_or_default().trim().to_owned();
        Self {
            method: request.method.to_owned(),
            content_md5: trimmed("content-md5"),
            content_type: trimmed("content-type"),
            date: request.header(DATE_HEADER).unwrap_or_default().to_owned(),
            fc_headers: header_list(request.headers, |name| name.starts_with("x-fc-")),
            path: percent::decode(request.path),
        }
    }

    fn text(&self, token: Token) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}{}",
            self.method,
            self.content_md5,
            self.content_type,
            self.date,
            header_lines(&self.fc_headers, token),
            self.path
        )
    }

    /// The text with the security token's value hidden, for a reply.
    pub(crate) fn redacted(&self) -> String {
        self.text(Token::Hidden)
    }

    pub(crate) fn signature(&self, access_key_secret: &str) -> String {
        BASE64.encode(hmac_sha256(
            access_key_secret.as_bytes(),
            self.text(Token::Shown).as_bytes(),
        ))
    }
}

display_and_debug!(StringToSign);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_headers_fc_headers_and_the_decoded_path_are_signed() {
        let headers: Vec<(String, String)> = [
            ("host", "h"),
            ("x-fc-b", " 2"),
            ("x-fc-a", "1"),
            ("content-md5", "md5"),
            ("content-type", "application/json "),
            ("date", "Mon, 20 May 2024 08:30:00 GMT"),
            ("x-fc-security-token", "TOKEN-VALUE"),
        ]
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        let text = StringToSign::new(&Request {
            method: "POST",
            path: "/2016-08-15/a%20b",
            headers: &headers,
            ..Request::default()
        });
        assert_eq!(
            text.to_string(),
            "POST\nmd5\napplication/json\nMon, 20 May 2024 08:30:00 GMT\nx-fc-a:1\nx-fc-b:2\n\
             x-fc-security-token:TOKEN-VALUE\n/2016-08-15/a b"
        );
        assert!(!text.redacted().contains("TOKEN-VALUE"));
        assert!(!format!("{text:?}").contains("TOKEN-VALUE"));
    }
}
