//! The ACS3-HMAC-SHA256 verifier, for FC 3.0 and STS: the `Authorization` header read, and
//! a received request checked against it with fc-local's own [`CanonicalRequest`].

use std::fmt;

use fc_layer_action::credentials::Credentials;
use time::OffsetDateTime;

use crate::dates::parse_iso8601;
use crate::digest::sha256_hex;

use super::acs3_canonical::{
    ALGORITHM, CONTENT_SHA256_HEADER, CanonicalRequest, DATE_HEADER, NONCE_HEADER,
    SECURITY_TOKEN_HEADER,
};
use super::request::Request;
use super::{AuthError, check_security_token, invalid, required, signer, within_skew};

/// The `Authorization` header's value: `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,
/// Signature=…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// As sent: `;`-separated names.
    pub signed_headers: String,
    /// Hex, as sent.
    pub signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={},SignedHeaders={},Signature={}",
            self.access_key_id, self.signed_headers, self.signature
        )
    }
}

/// Parses an `Authorization` value; `None` for another scheme, a missing field or an
/// unknown one.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let fields = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut id, mut signed, mut signature) = (None, None, None);
    for field in fields.split(',') {
        let (key, value) = field.trim().split_once('=')?;
        let slot = match key {
            "Credential" => &mut id,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return None,
        };
        *slot = Some(value.to_owned());
    }
    Some(Authorization {
        access_key_id: id?,
        signed_headers: signed?,
        signature: signature?,
    })
}

fn mismatch(message: String) -> AuthError {
    AuthError::new(403, "SignatureNotMatch", message)
}

/// Verifies `request` the way FC 3.0 and STS do: every `host`, `content-type` and `x-acs-*`
/// header signed, the body hash, the nonce sent, the date within the skew, the signature, and
/// the security token the credentials carry.
pub fn verify(
    request: &Request<'_>,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let authorization =
        parse_authorization(required(request, "authorization")?).ok_or_else(|| {
            invalid(format!(
                "authorization is not `{ALGORITHM} Credential=…,SignedHeaders=…,Signature=…`"
            ))
        })?;
    let known = signer(lookup, &authorization.access_key_id, "InvalidAccessKeyID")?;
    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    check_all_signed(request, &signed)?;

    let content_hash = required(request, CONTENT_SHA256_HEADER)?;
    let body_hash = sha256_hex(request.body);
    if content_hash != body_hash {
        return Err(invalid(format!(
            "{CONTENT_SHA256_HEADER} is {content_hash} but the body hashes to {body_hash}"
        )));
    }
    required(request, NONCE_HEADER)?;
    check_date(required(request, DATE_HEADER)?, now)?;

    if let Some(absent) = signed
        .iter()
        .find(|name| !request.headers.iter().any(|(key, _)| key == *name))
    {
        return Err(mismatch(format!("signed header {absent} is missing")));
    }
    let canonical = CanonicalRequest::new(request, &signed, &body_hash);
    if canonical.signed_headers() != authorization.signed_headers {
        return Err(mismatch(format!(
            "SignedHeaders must be lower case, sorted and without repeats: expected {}",
            canonical.signed_headers()
        )));
    }
    if canonical.signature(known.access_key_secret.expose()) != authorization.signature {
        // Like FC, the reply names only the string to sign: the canonical request can hold
        // the security token, and an error message is no place for it.
        return Err(mismatch(format!(
            "the signature does not match; the server's string to sign is {:?}",
            canonical.string_to_sign()
        )));
    }

    check_security_token(request, &known, SECURITY_TOKEN_HEADER)
}

/// FC signs whatever the caller lists, but wants at least every header that steers the call
/// (`host`, `content-type`, `x-acs-*`) among them.
fn check_all_signed(request: &Request<'_>, signed: &[&str]) -> Result<(), AuthError> {
    for (name, _) in request.headers {
        let must_be_signed = name == "host" || name == "content-type" || name.starts_with("x-acs-");
        if must_be_signed && !signed.contains(&name.as_str()) {
            return Err(mismatch(format!("header {name} is sent but not signed")));
        }
    }
    Ok(())
}

fn check_date(text: &str, now: OffsetDateTime) -> Result<(), AuthError> {
    let date = parse_iso8601(text).ok_or_else(|| {
        invalid(format!(
            "{DATE_HEADER} {text:?} is not yyyy-MM-ddTHH:mm:ssZ"
        ))
    })?;
    within_skew(DATE_HEADER, text, date, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::test_support::{
        TIME, assert_discreet, long_term, lookup, replaced, request, sign_acs3,
    };

    /// The headers of `POST /p` with a body, signed at [`TIME`]: the request the tests alter.
    fn signed_post_p() -> Vec<(String, String)> {
        let host = [("host".to_owned(), "fc.example".to_owned())];
        sign_acs3(
            &Request {
                body: b"{}",
                ..request("POST", "/p", &host)
            },
            "nonce-1",
        )
    }

    fn post_p(headers: &[(String, String)]) -> Request<'_> {
        Request {
            body: b"{}",
            ..request("POST", "/p", headers)
        }
    }

    fn refusal(headers: &[(String, String)]) -> AuthError {
        verify(&post_p(headers), lookup, TIME).expect_err("refused")
    }

    #[test]
    fn verifier_checks_what_must_be_signed_hash_nonce_and_date() {
        let headers = signed_post_p();
        verify(&post_p(&headers), lookup, TIME).expect("accepted");
        let replaced = |name: &str, value: Option<&str>| replaced(&headers, name, value);

        let unsigned = refusal(&replaced("x-acs-extra", Some("1")));
        assert_eq!(unsigned.code, "SignatureNotMatch");
        assert!(
            unsigned
                .message
                .contains("x-acs-extra is sent but not signed"),
            "{unsigned}"
        );
        let wrong_hash = replaced("x-acs-content-sha256", Some(&sha256_hex(b"")));
        assert_eq!(refusal(&wrong_hash).code, "InvalidArgument");
        for required in ["x-acs-signature-nonce", "x-acs-date", "authorization"] {
            assert_eq!(
                refusal(&replaced(required, None)).code,
                "MissingRequiredHeader",
                "{required}"
            );
        }
        let other_format = replaced("x-acs-date", Some("20240520T083000Z"));
        assert_eq!(refusal(&other_format).code, "InvalidArgument");
        let late = verify(
            &post_p(&headers),
            lookup,
            TIME + time::Duration::minutes(16),
        );
        assert_eq!(late.expect_err("skewed").code, "RequestTimeTooSkewed");
        let malformed = replaced("authorization", Some("ACS3-HMAC-SHA256 Credential=key-id"));
        assert_eq!(refusal(&malformed).code, "InvalidArgument");
    }

    #[test]
    fn signed_headers_must_be_sent_sorted_and_once() {
        let headers = signed_post_p();
        let authorization = headers
            .iter()
            .find_map(|(name, value)| (name == "authorization").then_some(value.as_str()))
            .and_then(parse_authorization)
            .expect("signed");
        let with_signed = |signed_headers: &str| {
            let changed = Authorization {
                signed_headers: signed_headers.to_owned(),
                ..authorization.clone()
            };
            replaced(&headers, "authorization", Some(&changed.to_string()))
        };
        let absent = refusal(&with_signed(&format!(
            "{};x-acs-zz",
            authorization.signed_headers
        )));
        assert!(
            absent.message.contains("signed header x-acs-zz is missing"),
            "{absent}"
        );
        let unsorted = refusal(&with_signed(&format!(
            "x-acs-date;{}",
            authorization.signed_headers
        )));
        assert_eq!(unsorted.code, "SignatureNotMatch");
        assert!(unsorted.message.contains("expected host;"), "{unsorted}");
    }

    #[test]
    fn a_refusal_shows_the_string_to_sign_but_never_the_token() {
        let headers = signed_post_p();
        let error = verify(&request("POST", "/p", &headers), lookup, TIME).expect_err("no body");
        assert_eq!(error.code, "InvalidArgument");
        let other_path = Request {
            path: "/q",
            ..post_p(&headers)
        };
        let error = verify(&other_path, lookup, TIME).expect_err("another path");
        assert_eq!(error.code, "SignatureNotMatch");
        assert!(error.message.contains("ACS3-HMAC-SHA256\\n"), "{error}");
        assert_discreet(&error);
        let token = verify(&post_p(&headers), long_term, TIME).expect_err("long-term keys");
        assert_eq!(token.code, "InvalidSecurityToken");
        let unknown = verify(&post_p(&headers), |_: &str| None, TIME).expect_err("unknown id");
        assert_eq!(unknown.code, "InvalidAccessKeyID");
    }

    #[test]
    fn authorization_round_trips() {
        let value = "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=ab12";
        let parsed = parse_authorization(value).expect("parses");
        assert_eq!(parsed.signed_headers, "host;x-acs-date");
        assert_eq!(parsed.to_string(), value);
        assert_eq!(parse_authorization("HMAC Credential=id"), None);
        assert_eq!(parse_authorization("ACS3-HMAC-SHA256 Credential=id"), None);
    }
}
