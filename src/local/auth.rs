//! Checks a received request the way FC does before it looks at what the request asks for.

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::encode;
use crate::fc::ServiceError;
use crate::sign::acs3::{Authorization, CanonicalRequest};
use crate::sign::primitives::{parse_iso8601, sha256_hex};
use crate::sign::{MAX_CLOCK_SKEW, check_security_token};

/// A request as it arrived: raw path and query, header names in lower case.
#[derive(Clone, Copy, Debug)]
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ReceivedRequest<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The query as decoded pairs; a key without `=` has an empty value.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (encode::decode(key), encode::decode(value))
            })
            .collect()
    }
}

/// Verifies `request` against the one set of credentials the service knows.
pub fn verify(
    request: &ReceivedRequest<'_>,
    known: &Credentials,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let denied = |code: &str, message: String| ServiceError::new(403, code, message);
    let required = |name: &'static str| {
        request.header(name).ok_or_else(|| {
            ServiceError::new(
                400,
                "MissingRequiredHeader",
                format!("header {name} is required"),
            )
        })
    };

    let authorization = Authorization::parse(required("authorization")?).ok_or_else(|| {
        ServiceError::invalid_argument(
            "authorization is not `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`",
        )
    })?;
    if authorization.access_key_id != known.access_key_id {
        return Err(denied(
            "InvalidAccessKeyID",
            format!(
                "AccessKey id {:?} is not known",
                authorization.access_key_id
            ),
        ));
    }

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

    let content_hash = required("x-acs-content-sha256")?;
    let body_hash = sha256_hex(request.body);
    if content_hash != body_hash {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-content-sha256 is {content_hash} but the body hashes to {body_hash}"
        )));
    }
    required("x-acs-signature-nonce")?;
    check_date(required("x-acs-date")?, now)?;

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
    let canonical = CanonicalRequest::new(
        request.method,
        request.path,
        request.query_pairs(),
        signed_values,
        content_hash.to_owned(),
    );
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

    let token = request.header("x-acs-security-token");
    check_security_token(token, known, "x-acs-security-token")
        .map_err(|error| ServiceError::new(error.status, error.code, error.message))
}

fn check_date(text: &str, now: OffsetDateTime) -> Result<(), ServiceError> {
    let date = parse_iso8601(text).ok_or_else(|| {
        ServiceError::invalid_argument(format!("x-acs-date {text:?} is not yyyy-MM-ddTHH:mm:ssZ"))
    })?;
    if (date - now).abs() > MAX_CLOCK_SKEW {
        return Err(ServiceError::new(
            403,
            "RequestTimeTooSkewed",
            format!("x-acs-date {text} is more than 15 minutes from the server's time"),
        ));
    }
    Ok(())
}
