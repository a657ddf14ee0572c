//! ACS3-HMAC-SHA256's canonical request, string to sign and signature, written from Alibaba
//! Cloud's V3 signature specification (shared/docs/signature-vectors.md):
//!
//! ```text
//! CanonicalRequest = method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//!                    SignedHeaders \n hex(sha256(body))
//! CanonicalURI     = the path as sent (already percent-encoded), "/" when empty
//! CanonicalQuery   = encoded name=value pairs, sorted, joined by "&"; "name=" when empty
//! CanonicalHeaders = "name:value\n" per signed header: lower case, trimmed, sorted
//! SignedHeaders    = the signed names, ";"-joined
//! StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//! Signature        = hex(hmac_sha256(secret, StringToSign))
//! ```

use crate::digest::{hex, hmac_sha256, sha256_hex};

use super::canonical::{
    EmptyValue, Token, display_and_debug, header_lines, header_list, query_line,
};
use super::request::Request;

pub(crate) const ALGORITHM: &str = "ACS3-HMAC-SHA256";
pub(crate) const DATE_HEADER: &str = "x-acs-date";
pub(crate) const NONCE_HEADER: &str = "x-acs-signature-nonce";
pub(crate) const CONTENT_SHA256_HEADER: &str = "x-acs-content-sha256";
pub(crate) const SECURITY_TOKEN_HEADER: &str = "x-acs-security-token";

/// A request's canonical form. `Display` is exactly the text that is hashed, the security
/// token included, so it is for tests; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CanonicalRequest {
    method: String,
    uri: String,
    /// The whole line, encoded and sorted.
    query: String,
    /// The signed headers, as [`header_list`] lists them.
    headers: Vec<(String, String)>,
    payload_hash: String,
}

impl CanonicalRequest {
    /// The canonical form of `request` signing its headers named in `signed` (lower case),
    /// over a body whose SHA-256 is `payload_hash` (hex).
    pub(crate) fn new(request: &Request<'_>, signed: &[&str], payload_hash: &str) -> Self {
        let uri = match request.path {
            "" => "/",
            path => path,
        };
        Self {
            method: request.method.to_owned(),
            uri: uri.to_owned(),
            query: query_line(request.query, EmptyValue::Equals),
            headers: header_list(request.headers, |name| signed.contains(&name)),
            payload_hash: payload_hash.to_owned(),
        }
    }

    /// The `SignedHeaders` these headers make: their names, sorted, each once.
    pub(crate) fn signed_headers(&self) -> String {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        names.join(";")
    }

    fn text(&self, token: Token) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.uri,
            self.query,
            header_lines(&self.headers, token),
            self.signed_headers(),
            self.payload_hash
        )
    }

    /// The text the secret signs. It holds only a hash of the canonical request, so a reply
    /// may show it.
    pub(crate) fn string_to_sign(&self) -> String {
        format!(
            "{ALGORITHM}\n{}",
            sha256_hex(self.text(Token::Shown).as_bytes())
        )
    }

    pub(crate) fn signature(&self, access_key_secret: &str) -> String {
        let string_to_sign = self.string_to_sign();
        hex(&hmac_sha256(
            access_key_secret.as_bytes(),
            string_to_sign.as_bytes(),
        ))
    }
}

display_and_debug!(CanonicalRequest);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_headers_are_signed_and_repeats_are_joined() {
        let query = [("b".into(), "x y".into()), ("a".into(), String::new())];
        let headers = [
            ("x-acs-b".into(), " 2 ".into()),
            ("host".into(), "h".into()),
            ("x-acs-b".into(), "3".into()),
            ("user-agent".into(), "not signed".into()),
            ("x-acs-security-token".into(), "TOKEN-VALUE".into()),
        ];
        let request = Request {
            method: "GET",
            query: &query,
            headers: &headers,
            ..Request::default()
        };
        let canonical = CanonicalRequest::new(
            &request,
            &["x-acs-b", "host", "x-acs-security-token"],
            "hash",
        );
        assert_eq!(
            canonical.to_string(),
            "GET\n/\na=&b=x%20y\nhost:h\nx-acs-b:2,3\nx-acs-security-token:TOKEN-VALUE\n\n\
             host;x-acs-b;x-acs-security-token\nhash"
        );
        let debug = format!("{canonical:?}");
        assert!(!debug.contains("TOKEN-VALUE"), "{debug}");
        assert!(
            debug.contains("x-acs-security-token:**redacted**"),
            "{debug}"
        );
    }
}
