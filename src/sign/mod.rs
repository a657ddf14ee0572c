//! Request signatures, each a pure module of one shape: `sign(&Request, &SigningParams) ->
//! SigningOutput`. Time, nonce and credentials come in as arguments, and what to add to the
//! request comes back as values.
//!
//! - [`Request`]: what every scheme signs, described once; each reads the parts it covers.
//! - [`primitives`]: SHA-256, HMAC-SHA256, the date formats and the canonical query and
//!   header forms the schemes share (hex is [`crate::encode::hex`]).
//! - [`acs3`]: ACS3-HMAC-SHA256, the signature of FC 3.0 and the other V3 APIs.
//! - [`oss_v4`]: OSS4-HMAC-SHA256, the signature of the OSS calls that upload a large layer.
//! - [`fc2`]: the FC 2.0 `FC keyId:signature` scheme, needed only for `tempBucketToken`.
//!
//! Every scheme's canonical form (`acs3::CanonicalRequest`, `oss_v4::CanonicalRequest`,
//! `fc2::StringToSign`) prints the exact bytes it hashes or signs with `Display`, and hides the
//! security token's value in `Debug`.
//!
//! Nothing here verifies: the local service (the `fc-local` crate) checks what the action
//! sends by rebuilding these canonical forms from a [`Request`] made of what arrived.

pub mod acs3;
pub mod fc2;
pub mod oss_v4;
pub mod primitives;

use std::fmt;

use self::primitives::{EmptyValue, write_query};
use crate::credentials::Credentials;

/// What a `Debug` form shows in place of a security token's value.
const REDACTED: &str = "**redacted**";

/// A request as every signer reads it: what it carries at the moment it is signed. The
/// schemes cover different parts of it; each module says which.
#[derive(Clone, Copy, Default)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path of the resource, percent-encoded: the path sent, for FC 3.0 and FC 2.0; for
    /// OSS `/bucket/key` ([`oss_v4::resource`]), which signs the bucket although its requests
    /// name it in the host.
    pub path: &'a str,
    /// Query parameters, not encoded. An empty value is a bare name where a scheme writes one
    /// (`?uploads`).
    pub query: &'a [(String, String)],
    /// The headers the request carries when it is signed, the signer's own not yet among them.
    /// ACS3 signs every one it is given; OSS V4 and FC 2.0 pick theirs by name, so headers they
    /// do not sign (`host`, `content-length`) may be here too.
    pub headers: &'a [(String, String)],
    /// The body as sent. Only ACS3 hashes it: OSS V4 signs `UNSIGNED-PAYLOAD`, and FC 2.0 a
    /// `content-md5` header when the request has one.
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// The first value of header `name`, whatever the case of its name.
    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The same request carrying `headers` instead: what a signer hashes once it has added its
    /// own.
    fn with_headers<'b>(&self, headers: &'b [(String, String)]) -> Request<'b>
    where
        'a: 'b,
    {
        Request { headers, ..*self }
    }
}

/// A verifier's request holds the security token it received; `Debug` never shows it.
impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &redacted(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Headers a signer adds to a request, `authorization` last.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    pub headers: Vec<(String, String)>,
}

/// Prints every header but a security token's value.
impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(redacted(&self.headers)).finish()
    }
}

impl SigningOutput {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// What every signer adds before it signs: `stamps` (its date, and whatever else it
    /// stamps on), then the security token under `token_header` when the credentials are STS
    /// credentials. Schemes sign the token, so it must be there before the signature is made.
    fn stamped(
        stamps: Vec<(String, String)>,
        credentials: &Credentials,
        token_header: &str,
    ) -> Self {
        let mut headers = stamps;
        if let Some(token) = &credentials.security_token {
            headers.push((token_header.to_owned(), token.expose().to_owned()));
        }
        Self { headers }
    }

    /// `request`'s headers followed by the ones added so far: all the request will carry but
    /// its `authorization`.
    fn carried_by(&self, request: &Request<'_>) -> Vec<(String, String)> {
        request
            .headers
            .iter()
            .chain(&self.headers)
            .cloned()
            .collect()
    }

    /// Adds the `authorization` header, last.
    fn authorized(mut self, authorization: impl fmt::Display) -> Self {
        self.headers
            .push(("authorization".to_owned(), authorization.to_string()));
        self
    }
}

/// Whether header `name` holds a security token. Every scheme names its token header
/// `…-security-token` (`x-acs-`, `x-oss-`, `x-fc-`), so one suffix rule covers them all and
/// any scheme added later.
fn is_security_token_header(name: &str) -> bool {
    const SUFFIX: &str = "security-token";
    name.len() >= SUFFIX.len()
        && name.as_bytes()[name.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX.as_bytes())
}

/// `headers` with a security token's value replaced, for a `Debug` form.
fn redacted(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), redact(name, value, Token::Hidden)))
        .collect()
}

/// Whether a canonical form is written with the security token's value, as it is signed, or
/// without, as it may be shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    Shown,
    Hidden,
}

fn redact<'v>(name: &str, value: &'v str, token: Token) -> &'v str {
    if token == Token::Hidden && is_security_token_header(name) {
        REDACTED
    } else {
        value
    }
}

/// `name:value` lines, as every canonical form lists its headers.
fn write_header_lines(
    out: &mut impl fmt::Write,
    headers: &[(String, String)],
    token: Token,
) -> fmt::Result {
    for (name, value) in headers {
        writeln!(out, "{name}:{}", redact(name, value, token))?;
    }
    Ok(())
}

/// The lines ACS3's and OSS V4's canonical requests open with, both in the shape of AWS's
/// SigV4: the method, the path, the query, each header, and the blank line after them.
fn write_request_lines(
    out: &mut impl fmt::Write,
    method: &str,
    path: &str,
    query: &[(String, String)],
    empty: EmptyValue,
    headers: &[(String, String)],
    token: Token,
) -> fmt::Result {
    writeln!(out, "{method}")?;
    writeln!(out, "{path}")?;
    write_query(out, query, empty)?;
    writeln!(out)?;
    write_header_lines(out, headers, token)?;
    writeln!(out)
}

/// Gives a canonical form with a `write(&self, out, Token)` method its `Display` (the exact
/// text signed, security token included, so for tests and never for a log), its `Debug` and
/// `redacted` (the same text with the token's value hidden).
macro_rules! canonical_text {
    ($type:ident) => {
        impl $type {
            /// The text with the security token's value hidden, for an error message.
            fn redacted(&self) -> String {
                let mut text = String::new();
                // Writing to a String cannot fail.
                let _ = self.write(&mut text, $crate::sign::Token::Hidden);
                text
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.write(f, $crate::sign::Token::Shown)
            }
        }

        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($type))
                    .field(&self.redacted())
                    .finish()
            }
        }
    };
}
use canonical_text;

/// What the signers' tests share: one time and one STS identity.
#[cfg(test)]
mod test_support {
    use time::OffsetDateTime;
    use time::macros::datetime;

    use crate::credentials::Credentials;

    pub(crate) const TIME: OffsetDateTime = datetime!(2024-05-20 08:30:00 UTC);

    pub(crate) fn credentials() -> Credentials {
        Credentials::new("key-id", "SECRET-VALUE").with_security_token("TOKEN-VALUE")
    }

    /// `debug` shows no token while `display` is what gets signed, token included.
    pub(crate) fn assert_token_only_in_display(debug: &str, display: &str) {
        assert!(display.contains("TOKEN-VALUE"), "{display}");
        assert!(!debug.contains("TOKEN-VALUE"), "{debug}");
        assert!(debug.contains("**redacted**"), "{debug}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_scheme_s_security_token() {
        let output = SigningOutput {
            headers: vec![
                ("x-acs-security-token".into(), "ACS-TOKEN".into()),
                ("x-oss-security-token".into(), "OSS-TOKEN".into()),
                ("X-Fc-Security-Token".into(), "FC-TOKEN".into()),
                ("x-oss-date".into(), "20240520T083000Z".into()),
            ],
        };
        let request = Request {
            method: "GET",
            headers: &output.headers,
            ..Request::default()
        };
        for debug in [format!("{output:?}"), format!("{request:?}")] {
            for token in ["ACS-TOKEN", "OSS-TOKEN", "FC-TOKEN"] {
                assert!(!debug.contains(token), "{debug}");
            }
            assert!(debug.contains("20240520T083000Z"), "{debug}");
        }
        assert_eq!(output.header("x-oss-security-token"), Some("OSS-TOKEN"));
        assert_eq!(request.header("X-OSS-DATE"), Some("20240520T083000Z"));
    }
}
