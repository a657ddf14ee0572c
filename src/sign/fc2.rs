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
//! The path is signed percent-decoded, as FC's Node SDK signs it. A query string is not
//! covered: FC 2.0 would append its sorted `name=value` pairs on lines of their own, but the
//! one call this project makes has none, so [`Fc2Request`] has no place for one.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;

use super::SigningOutput;
use super::primitives::{canonical_headers, format_rfc1123, hmac_sha256};
use crate::credentials::Credentials;
use crate::encode;

pub const SCHEME: &str = "FC";
pub const DATE_HEADER: &str = "date";
pub const SECURITY_TOKEN_HEADER: &str = "x-fc-security-token";
const SIGNED_PREFIX: &str = "x-fc-";

/// The parts of a request the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct Fc2Request<'a> {
    pub method: &'a str,
    /// The path as sent, without a query string.
    pub path: &'a str,
    /// The headers the request carries besides the ones [`sign`] adds; only the `x-fc-*` ones
    /// are signed, so `host` may be here too.
    pub headers: &'a [(String, String)],
    /// The `content-md5` header's value when the request has one. [`sign`] does not add the
    /// header: the caller sends it, with the same value.
    pub content_md5: Option<&'a str>,
    /// The `content-type` header's value when the request has one, sent by the caller too.
    pub content_type: Option<&'a str>,
}

/// Signs `request`: adds `date`, the security token for STS credentials, and the
/// `authorization` header over them.
pub fn sign(
    request: &Fc2Request<'_>,
    credentials: &Credentials,
    time: OffsetDateTime,
) -> SigningOutput {
    let date = format_rfc1123(time);
    let mut added = vec![(DATE_HEADER.to_owned(), date.clone())];
    if let Some(token) = &credentials.security_token {
        added.push((SECURITY_TOKEN_HEADER.to_owned(), token.expose().to_owned()));
    }
    let headers: Vec<(String, String)> = request.headers.iter().chain(&added).cloned().collect();
    let string_to_sign = StringToSign::new(
        &Fc2Request {
            headers: &headers,
            ..*request
        },
        &date,
    );
    let authorization = Authorization {
        access_key_id: credentials.access_key_id.clone(),
        signature: string_to_sign.signature(credentials.access_key_secret.expose()),
    };
    added.push(("authorization".to_owned(), authorization.to_string()));
    SigningOutput { headers: added }
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
    /// `request.headers` must hold every header the request carries, the security token
    /// included; `date` is the `date` header's value, exactly as sent.
    pub fn new(request: &Fc2Request<'_>, date: &str) -> Self {
        Self {
            method: request.method.to_owned(),
            content_md5: request.content_md5.unwrap_or_default().trim().to_owned(),
            content_type: request.content_type.unwrap_or_default().trim().to_owned(),
            date: date.to_owned(),
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

    /// The text with the security token's value blanked out, for an error message.
    pub fn redacted(&self) -> String {
        let mut text = String::new();
        let _ = self.write(&mut text, true);
        text
    }

    fn write(&self, out: &mut impl fmt::Write, redact: bool) -> fmt::Result {
        writeln!(out, "{}", self.method)?;
        writeln!(out, "{}", self.content_md5)?;
        writeln!(out, "{}", self.content_type)?;
        writeln!(out, "{}", self.date)?;
        for (name, value) in &self.fc_headers {
            let value = if redact && name == SECURITY_TOKEN_HEADER {
                "**redacted**"
            } else {
                value.as_str()
            };
            writeln!(out, "{name}:{value}")?;
        }
        write!(out, "{}", self.path)
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl fmt::Debug for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StringToSign")
            .field(&self.redacted())
            .finish()
    }
}

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// Base64, as sent.
    pub signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} {}:{}", self.access_key_id, self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sign::test_support::{TIME, credentials};

    /// `GET /p`, nothing else.
    fn get_p() -> Fc2Request<'static> {
        Fc2Request {
            method: "GET",
            path: "/p",
            headers: &[],
            content_md5: None,
            content_type: None,
        }
    }

    #[test]
    fn string_to_sign_covers_content_headers_fc_headers_and_the_decoded_path() {
        let headers = [
            ("Host".to_owned(), "h".to_owned()),
            ("X-Fc-B".to_owned(), " 2".to_owned()),
            ("x-fc-a".to_owned(), "1".to_owned()),
        ];
        let text = StringToSign::new(
            &Fc2Request {
                method: "POST",
                path: "/2016-08-15/a%20b",
                headers: &headers,
                content_md5: Some("md5"),
                content_type: Some("application/json"),
            },
            "Mon, 20 May 2024 08:30:00 GMT",
        );
        assert_eq!(
            text.to_string(),
            "POST\nmd5\napplication/json\nMon, 20 May 2024 08:30:00 GMT\nx-fc-a:1\nx-fc-b:2\n/2016-08-15/a b"
        );
    }

    #[test]
    fn security_token_is_signed_and_never_in_debug() {
        let request = get_p();
        let output = sign(&request, &credentials(), TIME);
        assert_eq!(output.header("date"), Some("Mon, 20 May 2024 08:30:00 GMT"));
        assert_eq!(output.header("x-fc-security-token"), Some("TOKEN-VALUE"));
        assert!(!format!("{output:?}").contains("TOKEN-VALUE"));
        let text = StringToSign::new(
            &Fc2Request {
                headers: &output.headers,
                ..request
            },
            "Mon, 20 May 2024 08:30:00 GMT",
        );
        assert!(text.to_string().contains("x-fc-security-token:TOKEN-VALUE"));
        assert!(!format!("{text:?}").contains("TOKEN-VALUE"));
    }
}
