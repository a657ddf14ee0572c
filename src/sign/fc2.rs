//! The FC 2.0 signature, `FC keyId:signature`, which the 2016-08-15 API (and so
//! `tempBucketToken`) still requires.
//!
//! [`sign`] is pure like the other signers: the time comes in as an argument and the headers
//! to add come back. [`StringToSign`] prints the exact bytes the secret signs.
//!
//! ```text
//! StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n CanonicalFcHeaders Path
//! CanonicalFcHeaders = "name:value\n" for every x-fc-* header, lowercase, sorted
//! Authorization      = "FC " keyId ":" BASE64(HMAC-SHA256(secret, StringToSign))
//! ```
//!
//! Of a [`Request`] it covers the method, the `x-fc-*` headers, `content-md5`, `content-type`
//! and `date`, and the path, percent-decoded as FC's Node SDK signs it. The body is covered
//! only through a `content-md5` header. The query is not covered: FC 2.0 would append its
//! sorted `name=value` pairs on lines of their own, but the one call this project makes has
//! none, so a verifier must refuse a request that carries one.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;

use super::primitives::{canonical_headers, format_rfc1123, hmac_sha256};
use super::{Request, SigningOutput, Token, canonical_text, write_header_lines};
use crate::credentials::Credentials;
use crate::encode;

const SCHEME: &str = "FC";
pub const DATE_HEADER: &str = "date";
const SECURITY_TOKEN_HEADER: &str = "x-fc-security-token";
const SIGNED_PREFIX: &str = "x-fc-";

/// What varies from one signing to the next, handed in so that signing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    pub time: OffsetDateTime,
}

/// Signs `request`: adds `date`, the security token for STS credentials, and the
/// `authorization` header over them. A `content-md5` or `content-type` is signed when the
/// request carries one; [`sign`] adds neither.
pub fn sign(request: &Request<'_>, params: &SigningParams<'_>) -> SigningOutput {
    let output = SigningOutput::stamped(
        vec![(DATE_HEADER.to_owned(), format_rfc1123(params.time))],
        params.credentials,
        SECURITY_TOKEN_HEADER,
    );
    let headers = output.carried_by(request);
    let string_to_sign = StringToSign::new(&request.with_headers(&headers));
    output.authorized(Authorization {
        access_key_id: params.credentials.access_key_id.clone(),
        signature: string_to_sign.signature(params.credentials.access_key_secret.expose()),
    })
}

/// The text the secret signs. Its `Display` is exactly those bytes, the security token
/// included, so it is for tests and never for a log; `Debug` and [`StringToSign::redacted`]
/// hide the token.
#[derive(Clone, PartialEq, Eq)]
pub struct StringToSign {
    method: String,
    content_md5: String,
    content_type: String,
    date: String,
    /// The `x-fc-*` headers: lowercase names, trimmed values, sorted, repeats joined with `,`.
    fc_headers: Vec<(String, String)>,
    /// Percent-decoded.
    path: String,
}

impl StringToSign {
    /// `request.headers` must hold every header the request carries, `date` and the security
    /// token included; `date` is signed exactly as sent.
    pub fn new(request: &Request<'_>) -> Self {
        let trimmed = |name: &str| request.header(name).unwrap_or_default().trim().to_owned();
        Self {
            method: request.method.to_owned(),
            content_md5: trimmed("content-md5"),
            content_type: trimmed("content-type"),
            date: request.header(DATE_HEADER).unwrap_or_default().to_owned(),
            fc_headers: canonical_headers(request.headers, |name| name.starts_with(SIGNED_PREFIX)),
            path: encode::decode(request.path),
        }
    }

    pub fn signature(&self, access_key_secret: &str) -> String {
        BASE64.encode(hmac_sha256(
            access_key_secret.as_bytes(),
            self.to_string().as_bytes(),
        ))
    }

    fn write(&self, out: &mut impl fmt::Write, token: Token) -> fmt::Result {
        writeln!(out, "{}", self.method)?;
        writeln!(out, "{}", self.content_md5)?;
        writeln!(out, "{}", self.content_type)?;
        writeln!(out, "{}", self.date)?;
        write_header_lines(out, &self.fc_headers, token)?;
        write!(out, "{}", self.path)
    }
}

canonical_text!(StringToSign);

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Authorization {
    access_key_id: String,
    /// Base64, as sent.
    signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} {}:{}", self.access_key_id, self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sign::test_support::{TIME, assert_token_only_in_display, credentials};

    #[test]
    fn string_to_sign_covers_content_headers_fc_headers_and_the_decoded_path() {
        let headers = [
            ("Host".to_owned(), "h".to_owned()),
            ("X-Fc-B".to_owned(), " 2".to_owned()),
            ("x-fc-a".to_owned(), "1".to_owned()),
            ("Content-MD5".to_owned(), "md5".to_owned()),
            ("content-type".to_owned(), "application/json ".to_owned()),
            (
                "date".to_owned(),
                "Mon, 20 May 2024 08:30:00 GMT".to_owned(),
            ),
        ];
        let text = StringToSign::new(&Request {
            method: "POST",
            path: "/2016-08-15/a%20b",
            headers: &headers,
            ..Request::default()
        });
        assert_eq!(
            text.to_string(),
            "POST\nmd5\napplication/json\nMon, 20 May 2024 08:30:00 GMT\nx-fc-a:1\nx-fc-b:2\n/2016-08-15/a b"
        );
    }

    #[test]
    fn security_token_is_signed_and_never_in_debug() {
        let request = Request {
            method: "GET",
            path: "/p",
            ..Request::default()
        };
        let credentials = credentials();
        let params = SigningParams {
            credentials: &credentials,
            time: TIME,
        };
        let output = sign(&request, &params);
        assert_eq!(output.header("date"), Some("Mon, 20 May 2024 08:30:00 GMT"));
        assert_eq!(output.header("x-fc-security-token"), Some("TOKEN-VALUE"));
        assert!(!format!("{output:?}").contains("TOKEN-VALUE"));
        assert!(!format!("{params:?}").contains("TOKEN-VALUE"));
        let text = StringToSign::new(&request.with_headers(&output.headers));
        assert!(text.to_string().contains("x-fc-security-token:TOKEN-VALUE"));
        assert_token_only_in_display(&format!("{text:?}"), &text.to_string());
    }
}
