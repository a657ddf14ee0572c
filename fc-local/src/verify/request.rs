//! What a verifier reads of a request: fc-local's own plain description of what arrived,
//! made at the service's edge ([`crate::request::ReceivedRequest::signable`]) and owing nothing
//! to the action's signers.

use std::fmt;

/// A request as received, in the terms a scheme signs it. `Debug` hides the value of any
/// `…security-token` header, since a verifier holds the token it was sent.
#[derive(Clone, Copy, Default)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path the scheme signs, percent-encoded: the path received for ACS3 and FC 2.0,
    /// `/bucket/key` for OSS V4 (which signs the bucket although the host names it).
    pub path: &'a str,
    /// The query's pairs, decoded, in the order received; a name without `=` has an empty
    /// value.
    pub query: &'a [(String, String)],
    /// Every header received, names in lower case, in the order received.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// The first value of header `name`; names compare without regard to case, so a caller
    /// that kept the sender's case is read the same.
    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Whether header `name` carries a security token: `x-acs-`, `x-oss-` and `x-fc-` all end
/// in `security-token`.
pub(crate) fn is_security_token(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("security-token")
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_security_token(name) {
                    "**redacted**"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_in_any_case_and_tokens_never_debugged() {
        let headers = [
            ("x-oss-date".to_owned(), "20240520T083000Z".to_owned()),
            ("X-Fc-Security-Token".to_owned(), "TOKEN-VALUE".to_owned()),
        ];
        let request = Request {
            method: "GET",
            headers: &headers,
            ..Request::default()
        };
        assert_eq!(request.header("X-OSS-DATE"), Some("20240520T083000Z"));
        assert_eq!(request.header("x-fc-security-token"), Some("TOKEN-VALUE"));
        let debug = format!("{request:?}");
        assert!(!debug.contains("TOKEN-VALUE"), "{debug}");
        assert!(debug.contains("20240520T083000Z"), "{debug}");
    }
}
