//! The FC 2.0 verifier, for `tempBucketToken`: the `Authorization` header read, and a
//! received request checked against it with fc-local's own [`StringToSign`].

use std::fmt;

use fc_layer_action::credentials::Credentials;
use time::OffsetDateTime;

use crate::dates::parse_rfc1123;

use super::fc2_canonical::{DATE_HEADER, SCHEME, SECURITY_TOKEN_HEADER, StringToSign};
use super::request::Request;
use super::{AuthError, check_security_token, invalid, required, signer, within_skew};

/// The `Authorization` header's value: `FC keyId:signature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub(crate) access_key_id: String,
    /// Base64, as sent.
    pub(crate) signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} {}:{}", self.access_key_id, self.signature)
    }
}

/// Parses `FC keyId:signature`; `None` for anything else.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let credential = value.strip_prefix(SCHEME)?.strip_prefix(' ')?;
    // Base64 has no `:`, so the last one ends the key id.
    let (id, signature) = credential.rsplit_once(':')?;
    if id.is_empty() || signature.is_empty() || id.contains(char::is_whitespace) {
        return None;
    }
    Some(Authorization {
        access_key_id: id.to_owned(),
        signature: signature.to_owned(),
    })
}

/// Checks a received request the way FC 2.0 does (the checks every verifier makes are in
/// the module above). `request` is what arrived: the path as received, header names in lower
/// case. The query string is not signed, so a server that serves calls with one must refuse
/// it or treat it as unauthenticated.
pub fn verify(
    request: &Request<'_>,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let authorization = parse_authorization(required(request, "authorization")?)
        .ok_or_else(|| invalid(format!("authorization is not `{SCHEME} keyId:signature`")))?;
    let credentials = signer(lookup, &authorization.access_key_id, "InvalidAccessKeyID")?;

    let date = required(request, DATE_HEADER)?;
    let time = parse_rfc1123(date).ok_or_else(|| {
        invalid(format!(
            "date {date:?} is not RFC 1123 in GMT, like `Mon, 20 May 2024 08:30:00 GMT`"
        ))
    })?;
    within_skew(DATE_HEADER, date, time, now)?;

    let string_to_sign = StringToSign::new(request);
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

    check_security_token(request, &credentials, SECURITY_TOKEN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::test_support::{
        TIME, assert_discreet, long_term, lookup, replaced, request, sign_fc2,
    };

    /// The headers of `GET /p` signed at [`TIME`]: the request the tests alter.
    fn signed_get_p() -> Vec<(String, String)> {
        sign_fc2(&request("GET", "/p", &[]))
    }

    #[test]
    fn authorization_round_trips() {
        let value = "FC STS.NExample:HyEmAvlm+/F4=";
        let parsed = parse_authorization(value).expect("parses");
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
            assert_eq!(parse_authorization(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_refusal_names_the_string_to_sign_without_the_token() {
        let headers = signed_get_p();
        let error =
            verify(&request("GET", "/other", &headers), lookup, TIME).expect_err("changed path");
        assert_eq!(error.code, "SignatureNotMatch");
        assert!(error.message.contains("**redacted**"), "{error}");
        assert_discreet(&error);
    }

    #[test]
    fn verifier_checks_date_and_token() {
        let headers = signed_get_p();
        fn get_p(headers: &[(String, String)]) -> Request<'_> {
            request("GET", "/p", headers)
        }
        verify(&get_p(&headers), lookup, TIME).expect("accepted");
        let code = |headers: &[(String, String)], now| {
            verify(&get_p(headers), lookup, now)
                .expect_err("refused")
                .code
        };
        assert_eq!(
            code(&headers, TIME + time::Duration::minutes(16)),
            "RequestTimeTooSkewed"
        );
        let replaced = |name: &str, value: Option<&str>| replaced(&headers, name, value);
        assert_eq!(code(&replaced("date", None), TIME), "MissingRequiredHeader");
        assert_eq!(
            code(&replaced("authorization", None), TIME),
            "MissingRequiredHeader"
        );
        let iso_date = replaced("date", Some("2024-05-20T08:30:00Z"));
        assert_eq!(code(&iso_date, TIME), "InvalidArgument");
        let malformed = replaced("authorization", Some("FC key-id"));
        assert_eq!(code(&malformed, TIME), "InvalidArgument");
        assert_eq!(
            verify(&get_p(&headers), long_term, TIME)
                .expect_err("token")
                .code,
            "InvalidSecurityToken"
        );
        assert_eq!(
            verify(&get_p(&headers), |_: &str| None, TIME)
                .expect_err("unknown")
                .code,
            "InvalidAccessKeyID"
        );
    }
}
