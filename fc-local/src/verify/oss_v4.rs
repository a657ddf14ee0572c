//! The OSS V4 verifier, for the in-memory OSS: the `Authorization` header read, and a
//! received request checked against it with fc-local's own [`CanonicalRequest`].

use std::fmt;

use fc_layer_action::credentials::Credentials;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::dates::{format_basic_date, parse_basic_date, parse_iso8601_basic};

use super::oss_v4_canonical::{
    ALGORITHM, CONTENT_SHA256_HEADER, CanonicalRequest, DATE_HEADER, SECURITY_TOKEN_HEADER,
    SERVICE, Scope, TERMINATOR, UNSIGNED_PAYLOAD,
};
use super::request::Request;
use super::{AuthError, check_security_token, invalid, signer, within_skew};

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub(crate) access_key_id: String,
    /// The scope's day, which must be the day of `x-oss-date`.
    pub(crate) date: Date,
    pub(crate) region: String,
    /// Lower-case names; empty when the field is left out, as it usually is.
    pub(crate) additional_headers: Vec<String>,
    /// Hex, as sent.
    pub(crate) signature: String,
}

impl Authorization {
    pub(crate) fn scope(&self) -> Scope {
        Scope {
            day: self.date,
            region: self.region.clone(),
        }
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={}/{}",
            self.access_key_id,
            self.scope()
        )?;
        if !self.additional_headers.is_empty() {
            write!(
                f,
                ",AdditionalHeaders={}",
                self.additional_headers.join(";")
            )?;
        }
        write!(f, ",Signature={}", self.signature)
    }
}

/// Parses `OSS4-HMAC-SHA256 Credential=id/yyyymmdd/region/oss/aliyun_v4_request,
/// [AdditionalHeaders=a;b,]Signature=hex`; `None` for anything else, a field given twice
/// or a scope for another service included.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let fields = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut additional, mut signature) = (None, None, None);
    for field in fields.split(',') {
        let (key, value) = field.trim().split_once('=')?;
        let slot = match key {
            "Credential" => &mut credential,
            "AdditionalHeaders" => &mut additional,
            "Signature" => &mut signature,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    // From the right, so that only the id is left over; the scope has a fixed shape.
    let mut parts = credential?.rsplitn(5, '/');
    let (terminator, service, region, date, id) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let signature = signature?;
    if terminator != TERMINATOR
        || service != SERVICE
        || region.is_empty()
        || id.is_empty()
        || signature.is_empty()
    {
        return None;
    }
    let additional_headers = additional
        .map(|names| {
            names
                .split(';')
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(Authorization {
        access_key_id: id.to_owned(),
        date: parse_basic_date(date)?,
        region: region.to_owned(),
        additional_headers,
        signature: signature.to_owned(),
    })
}

/// Checks a received request the way OSS does (the checks every verifier makes are in the
/// module above). `request` is what arrived: its path the object's
/// [`resource`](super::oss_v4_canonical::resource), the query decoded, header names in
/// lower case. The region is the one the signature's scope names: a server that cares which
/// region it was signed for compares [`Authorization::region`] itself. The body is not
/// checked: this verifier takes only `UNSIGNED-PAYLOAD`.
pub fn verify(
    request: &Request<'_>,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let value = request.header("authorization").ok_or_else(|| {
        AuthError::new(
            403,
            "AccessDenied",
            "the request is not signed: it has no authorization header",
        )
    })?;
    let authorization = parse_authorization(value).ok_or_else(|| {
        invalid(format!(
            "authorization is not `{ALGORITHM} Credential=id/yyyymmdd/region/{SERVICE}/{TERMINATOR},[AdditionalHeaders=…,]Signature=…`"
        ))
    })?;
    let credentials = signer(lookup, &authorization.access_key_id, "InvalidAccessKeyId")?;
    let x_oss_date = check_date(request, &authorization, now)?;
    check_unsigned_payload(request)?;

    let named: Vec<&str> = authorization
        .additional_headers
        .iter()
        .map(String::as_str)
        .collect();
    let canonical = CanonicalRequest::new(request, &named);
    if canonical.additional_headers() != authorization.additional_headers {
        return Err(mismatch(format!(
            "AdditionalHeaders must name headers that are sent and not signed anyway, in lower \
             case, sorted, each once: expected {:?}",
            canonical.additional_headers().join(";")
        )));
    }
    let scope = authorization.scope();
    let secret = credentials.access_key_secret.expose();
    if canonical.signature(secret, x_oss_date, &scope) != authorization.signature {
        // The string to sign holds only a hash of the canonical request, which would show the
        // security token, so it is the one that goes back.
        return Err(mismatch(format!(
            "the signature does not match; the server's string to sign is {:?}",
            canonical.string_to_sign(x_oss_date, &scope)
        )));
    }

    check_security_token(request, &credentials, SECURITY_TOKEN_HEADER)
}

fn mismatch(message: String) -> AuthError {
    AuthError::new(403, "SignatureDoesNotMatch", message)
}

/// `x-oss-date` as sent, once it is a date on the scope's day within the skew of `now`.
fn check_date<'a>(
    request: &Request<'a>,
    authorization: &Authorization,
    now: OffsetDateTime,
) -> Result<&'a str, AuthError> {
    let text = request
        .header(DATE_HEADER)
        .ok_or_else(|| invalid(format!("{DATE_HEADER} is required with {ALGORITHM}")))?;
    let time = parse_iso8601_basic(text)
        .ok_or_else(|| invalid(format!("{DATE_HEADER} {text:?} is not yyyymmddTHHMMSSZ")))?;
    if authorization.date != time.to_offset(UtcOffset::UTC).date() {
        return Err(invalid(format!(
            "the signature's scope is dated {} but {DATE_HEADER} is {text}",
            format_basic_date(authorization.date)
        )));
    }
    within_skew(DATE_HEADER, text, time, now)?;
    Ok(text)
}

fn check_unsigned_payload(request: &Request<'_>) -> Result<(), AuthError> {
    match request.header(CONTENT_SHA256_HEADER) {
        Some(UNSIGNED_PAYLOAD) => Ok(()),
        Some(other) => Err(invalid(format!(
            "{CONTENT_SHA256_HEADER} is {other:?}; this service takes only {UNSIGNED_PAYLOAD}"
        ))),
        None => Err(invalid(format!(
            "{CONTENT_SHA256_HEADER} is required with {ALGORITHM}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha256_hex;
    use crate::verify::test_support::{
        TIME, assert_discreet, long_term, lookup, replaced, request, sign_oss_v4,
    };
    use time::macros::date;

    /// The headers of `PUT /b/k` signed at [`TIME`], as a server receives them: the request
    /// the tests alter.
    fn signed_put_b_k() -> Vec<(String, String)> {
        sign_oss_v4(&request("PUT", "/b/k", &[]))
    }

    #[test]
    fn authorization_round_trips_with_and_without_additional_headers() {
        let plain = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ab12";
        let parsed = parse_authorization(plain).expect("parses");
        assert_eq!(parsed.access_key_id, "ak");
        assert_eq!(parsed.date, date!(2023 - 12 - 16));
        assert_eq!(parsed.region, "cn-hangzhou");
        assert!(parsed.additional_headers.is_empty());
        assert_eq!(parsed.to_string(), plain);

        let extra = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=ab12";
        let parsed = parse_authorization(extra).expect("parses");
        assert_eq!(parsed.additional_headers, ["abc", "zabc"]);
        assert_eq!(parsed.to_string(), extra);

        let spaced = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, Signature=ab12";
        assert_eq!(
            parse_authorization(spaced).map(|a| a.signature),
            Some("ab12".into())
        );
    }

    #[test]
    fn authorization_refuses_other_shapes() {
        for wrong in [
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/s3/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aws4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/2023-12-16/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=a,Signature=b",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Other=x,Signature=ab",
            "OSS ak:signature",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature=ab",
        ] {
            assert_eq!(parse_authorization(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_refusal_never_shows_the_token_or_the_secret() {
        let headers = signed_put_b_k();
        let error =
            verify(&request("PUT", "/b/other", &headers), lookup, TIME).expect_err("changed key");
        assert_eq!(error.code, "SignatureDoesNotMatch");
        assert_discreet(&error);
    }

    #[test]
    fn verifier_checks_scope_date_payload_and_token() {
        let headers = signed_put_b_k();
        let check = |headers: &[(String, String)],
                     lookup: &dyn Fn(&str) -> Option<Credentials>,
                     now: OffsetDateTime| {
            verify(&request("PUT", "/b/k", headers), lookup, now)
        };
        check(&headers, &lookup, TIME).expect("accepted");
        let code =
            |headers: &[(String, String)]| check(headers, &lookup, TIME).expect_err("refused").code;
        let replaced = |name: &str, value: Option<&str>| replaced(&headers, name, value);
        assert_eq!(code(&replaced("authorization", None)), "AccessDenied");
        assert_eq!(
            code(&replaced("authorization", Some("OSS ak:sig"))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-date", Some("20240521T083000Z"))),
            "InvalidArgument",
            "a date on another day than the scope's"
        );
        assert_eq!(
            code(&replaced("x-oss-date", Some("2024-05-20T08:30:00Z"))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-content-sha256", Some(&sha256_hex(b"")))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-security-token", None)),
            "SignatureDoesNotMatch",
            "the token is signed, so dropping it breaks the signature first"
        );
        let mut other_region = headers.clone();
        if let Some((_, value)) = other_region
            .iter_mut()
            .find(|(name, _)| name == "authorization")
        {
            *value = value.replace("/cn-hangzhou/", "/cn-shanghai/");
        }
        assert_eq!(code(&other_region), "SignatureDoesNotMatch");

        let too_late =
            check(&headers, &lookup, TIME + time::Duration::minutes(16)).expect_err("skewed");
        assert_eq!(too_late.code, "RequestTimeTooSkewed");
        check(&headers, &lookup, TIME - time::Duration::minutes(15))
            .expect("15 minutes is within the allowance");

        let other_token =
            |_: &str| Some(Credentials::new("key-id", "SECRET-VALUE").with_security_token("OTHER"));
        let error = check(&headers, &other_token, TIME).expect_err("token");
        assert_eq!(error.code, "InvalidSecurityToken");
        assert!(!error.message.contains("TOKEN-VALUE"), "{error}");
        assert_eq!(
            check(&headers, &long_term, TIME)
                .expect_err("token with long-term keys")
                .code,
            "InvalidSecurityToken"
        );
        assert_eq!(
            check(&headers, &|_: &str| None, TIME)
                .expect_err("unknown id")
                .code,
            "InvalidAccessKeyId"
        );
    }
}
