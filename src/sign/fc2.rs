//! The FC 2.0 signature, `FC keyId:signature`, which the 2016-08-15 API (and so
//! `tempBucketToken`) still requires, and its verifier.
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
//! one call this project makes has none, so [`Fc2Request`] has no place for one, and
//! [`verify`] leaves a query string, which it does not see, to its caller.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;

use super::primitives::{canonical_headers, format_rfc1123, hmac_sha256, parse_rfc1123};
use super::{AuthError, MAX_CLOCK_SKEW, SigningOutput};
use crate::credentials::Credentials;
use crate::encode;

const SCHEME: &str = "FC";
const DATE_HEADER: &str = "date";
const SECURITY_TOKEN_HEADER: &str = "x-fc-security-token";
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

impl Authorization {
    /// Parses `FC keyId:signature`; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let credential = value.strip_prefix(SCHEME)?.strip_prefix(' ')?;
        // Base64 has no `:`, so the last one ends the key id.
        let (id, signature) = credential.rsplit_once(':')?;
        if id.is_empty() || signature.is_empty() || id.contains(char::is_whitespace) {
            return None;
        }
        Some(Self {
            access_key_id: id.to_owned(),
            signature: signature.to_owned(),
        })
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} {}:{}", self.access_key_id, self.signature)
    }
}

/// Checks a received request the way FC 2.0 does before it looks at what the request asks
/// for: a signature recomputed from what arrived, by the secret `lookup` finds for the key id,
/// dated within 15 minutes of `now`, with the security token the credentials carry (and none
/// when they carry none).
///
/// `path` is the path as received, without the query string, and header names are lower
/// case. The query string is not signed, so a server that serves calls with one must refuse
/// it or treat it as unauthenticated.
pub fn verify(
    method: &str,
    path: &str,
    headers: &[(String, String)],
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let invalid = |message: String| AuthError::new(400, "InvalidArgument", message);
    let required = |name: &'static str| {
        header(name).ok_or_else(|| {
            AuthError::new(
                400,
                "MissingRequiredHeader",
                format!("header {name} is required"),
            )
        })
    };

    let authorization = Authorization::parse(required("authorization")?)
        .ok_or_else(|| invalid(format!("authorization is not `{SCHEME} keyId:signature`")))?;
    let credentials = lookup(&authorization.access_key_id).ok_or_else(|| {
        AuthError::new(
            403,
            "InvalidAccessKeyID",
            format!(
                "AccessKey id {:?} is not known",
                authorization.access_key_id
            ),
        )
    })?;

    let date = required(DATE_HEADER)?;
    let time = parse_rfc1123(date).ok_or_else(|| {
        invalid(format!(
            "date {date:?} is not RFC 1123 in GMT, like `Mon, 20 May 2024 08:30:00 GMT`"
        ))
    })?;
    if (time - now).abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::new(
            403,
            "RequestTimeTooSkewed",
            format!("date {date} is more than 15 minutes from the server's time"),
        ));
    }

    let string_to_sign = StringToSign::new(
        &Fc2Request {
            method,
            path,
            headers,
            content_md5: header("content-md5"),
            content_type: header("content-type"),
        },
        date,
    );
    if string_to_sign.signature(credentials.access_key_secret.expose()) != authorization.signature {
        return Err(AuthError::new(
            403,
            "SignatureNotMatch",
            format!(
                "the signature does not match; the server's string to sign is {:?}",
                string_to_sign.redacted()
            ),
        ));
    }

    super::check_security_token(
        header(SECURITY_TOKEN_HEADER),
        &credentials,
        SECURITY_TOKEN_HEADER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sign::test_support::{TIME, credentials, lookup};

    /// `GET /p`, nothing else: the request the verifier tests sign and then alter.
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
    fn authorization_round_trips() {
        let value = "FC STS.NExample:HyEmAvlm+/F4=";
        let parsed = Authorization::parse(value).expect("parses");
        assert_eq!(parsed.access_key_id, "STS.NExample");
        assert_eq!(parsed.signature, "HyEmAvlm+/F4=");
        assert_eq!(parsed.to_string(), value);
        for wrong in [
            "FC id",
            "FC :sig",
            "FC id:",
            "OSS id:sig",
            "FCid:sig",
            "FC a b:sig",
        ] {
            assert_eq!(Authorization::parse(wrong), None, "{wrong}");
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
    fn security_token_is_signed_and_never_in_debug_or_errors() {
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

        let error =
            verify("GET", "/other", &output.headers, lookup, TIME).expect_err("changed path");
        assert_eq!(error.code, "SignatureNotMatch");
        assert!(error.message.contains("**redacted**"), "{error}");
        for leaked in ["TOKEN-VALUE", "SECRET-VALUE"] {
            assert!(!error.message.contains(leaked), "{error}");
        }
    }

    #[test]
    fn verifier_checks_date_and_token() {
        let request = get_p();
        let headers = sign(&request, &credentials(), TIME).headers;
        verify("GET", "/p", &headers, lookup, TIME).expect("accepted");
        let code = |headers: &[(String, String)], now| {
            verify("GET", "/p", headers, lookup, now)
                .expect_err("refused")
                .code
        };
        assert_eq!(
            code(&headers, TIME + time::Duration::minutes(16)),
            "RequestTimeTooSkewed"
        );
        let without = |name: &str| -> Vec<(String, String)> {
            headers
                .iter()
                .filter(|(key, _)| key != name)
                .cloned()
                .collect()
        };
        assert_eq!(code(&without("date"), TIME), "MissingRequiredHeader");
        assert_eq!(
            code(&without("authorization"), TIME),
            "MissingRequiredHeader"
        );
        let mut iso_date = without("date");
        iso_date.push(("date".to_owned(), "2024-05-20T08:30:00Z".to_owned()));
        assert_eq!(code(&iso_date, TIME), "InvalidArgument");
        let mut malformed = without("authorization");
        malformed.push(("authorization".to_owned(), "FC key-id".to_owned()));
        assert_eq!(code(&malformed, TIME), "InvalidArgument");
        let long_term = |_: &str| Some(Credentials::new("key-id", "SECRET-VALUE"));
        assert_eq!(
            verify("GET", "/p", &headers, long_term, TIME)
                .expect_err("token")
                .code,
            "InvalidSecurityToken"
        );
        assert_eq!(
            verify("GET", "/p", &headers, |_: &str| None, TIME)
                .expect_err("unknown")
                .code,
            "InvalidAccessKeyID"
        );
    }
}
