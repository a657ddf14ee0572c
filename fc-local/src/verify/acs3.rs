//! The ACS3-HMAC-SHA256 verifier, for FC 3.0 and STS.

use fc_layer_action::credentials::Credentials;
use fc_layer_action::sign::Request;
use fc_layer_action::sign::acs3::{
    ALGORITHM, Authorization, CONTENT_SHA256_HEADER, CanonicalRequest, DATE_HEADER, NONCE_HEADER,
    SECURITY_TOKEN_HEADER,
};
use fc_layer_action::sign::primitives::sha256_hex;
use time::OffsetDateTime;

use super::{AuthError, check_security_token, invalid, required, signer, within_skew};
use crate::dates::parse_iso8601;

/// Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
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

/// Verifies `request` the way FC 3.0 and STS do: every `host`, `content-type` and `x-acs-*`
/// header signed, the body hash, the nonce sent, the date within the skew, the signature, and
/// the security token the credentials carry.
///
/// `request` is what arrived: the path as received, the query decoded, header names in lower
/// case.
pub fn verify(
    request: &Request<'_>,
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let denied = |code: &'static str, message: String| AuthError::new(403, code, message);

    let authorization =
        parse_authorization(required(request, "authorization")?).ok_or_else(|| {
            invalid(format!(
                "authorization is not `{ALGORITHM} Credential=…,SignedHeaders=…,Signature=…`"
            ))
        })?;
    let known = signer(lookup, &authorization.access_key_id, "InvalidAccessKeyID")?;

    let signed: Vec<&str> = authorization.signed_headers.split(';').collect();
    for (name, _) in request.headers {
        let must_be_signed = name == "host" || name == "content-type" || name.starts_with("x-acs-");
        if must_be_signed && !signed.contains(&name.as_str()) {
            return Err(denied(
                "SignatureNotMatch",
                format!("header {name} is sent but not signed"),
            ));
        }
    }

    let content_hash = required(request, CONTENT_SHA256_HEADER)?;
    let body_hash = sha256_hex(request.body);
    if content_hash != body_hash {
        return Err(invalid(format!(
            "{CONTENT_SHA256_HEADER} is {content_hash} but the body hashes to {body_hash}"
        )));
    }
    required(request, NONCE_HEADER)?;
    check_date(required(request, DATE_HEADER)?, now)?;

    let mut signed_values = Vec::with_capacity(signed.len());
    for name in &signed {
        let values: Vec<&(String, String)> = request
            .headers
            .iter()
            .filter(|(key, _)| key == name)
            .collect();
        if values.is_empty() {
            return Err(denied(
                "SignatureNotMatch",
                format!("signed header {name} is missing"),
            ));
        }
        signed_values.extend(values.into_iter().cloned());
    }
    let canonical = CanonicalRequest::new(&request.with_headers(&signed_values), content_hash);
    if canonical.signed_headers() != authorization.signed_headers {
        return Err(denied(
            "SignatureNotMatch",
            format!(
                "SignedHeaders must be lower case, sorted and without repeats: expected {}",
                canonical.signed_headers()
            ),
        ));
    }
    if canonical.signature(known.access_key_secret.expose()) != authorization.signature {
        // Like FC, the reply names only the string to sign: the canonical request can hold
        // the security token, and an error message is no place for it.
        return Err(denied(
            "SignatureNotMatch",
            format!(
                "the signature does not match; the server's string to sign is {:?}",
                canonical.string_to_sign()
            ),
        ));
    }

    check_security_token(request, &known, SECURITY_TOKEN_HEADER)
}

fn check_date(text: &str, now: OffsetDateTime) -> Result<(), AuthError> {
    let date = parse_iso8601(text).ok_or_else(|| {
        AuthError::new(
            400,
            "InvalidArgument",
            format!("{DATE_HEADER} {text:?} is not yyyy-MM-ddTHH:mm:ssZ"),
        )
    })?;
    within_skew(DATE_HEADER, text, date, now)
}

#[cfg(test)]
mod tests {
    use super::*;

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
