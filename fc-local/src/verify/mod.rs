//! Every verifier the local service runs, one per signature scheme, checking a received
//! request the way the real service does before it looks at what the request asks for.
//!
//! Each takes what arrived as the signers' own request description
//! ([`fc_layer_action::sign::Request`]) and rebuilds the scheme's canonical form from it with
//! the action crate's own types, so a signer and its verifier cannot drift apart. Every one
//! recomputes the signature from what arrived with the secret its `lookup` finds for the key
//! id ([`signer`]), takes the request's date only within 15 minutes of `now`
//! ([`within_skew`]), and wants exactly the security token the credentials carry, none when
//! they carry none ([`check_security_token`]); a missing header is [`required`], a malformed
//! one [`invalid`].
//!
//! - [`acs3`]: ACS3-HMAC-SHA256 (FC 3.0, STS).
//! - [`oss_v4`]: OSS4-HMAC-SHA256 (OSS uploads).
//! - [`fc2`]: `FC keyId:signature` (FC 2.0's `tempBucketToken`).

pub mod acs3;
pub mod fc2;
pub mod oss_v4;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::sign::Request;
use time::OffsetDateTime;

/// How far a signed request's date may be from the verifier's clock, as every Alibaba Cloud
/// service allows.
pub const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(15);

/// Why a verifier refused a request, in the terms the real service replies with. The message
/// goes back to the client, so it never holds a secret or a security token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AuthError {
    /// The HTTP status the service answers with.
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl AuthError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<AuthError> for ServiceError {
    fn from(error: AuthError) -> Self {
        ServiceError::new(error.status, error.code, error.message)
    }
}

/// Why a request is refused as malformed rather than as wrongly signed.
pub fn invalid(message: String) -> AuthError {
    AuthError::new(400, "InvalidArgument", message)
}

/// Header `name` of `request`, which the scheme requires.
pub fn required<'a>(request: &Request<'a>, name: &'static str) -> Result<&'a str, AuthError> {
    request.header(name).ok_or_else(|| {
        AuthError::new(
            400,
            "MissingRequiredHeader",
            format!("header {name} is required"),
        )
    })
}

/// The opening every verifier shares: the credentials `lookup` knows for the key id the
/// request names, or the scheme's own refusal (`unknown_code`, 403).
pub fn signer(
    lookup: impl Fn(&str) -> Option<Credentials>,
    access_key_id: &str,
    unknown_code: &'static str,
) -> Result<Credentials, AuthError> {
    lookup(access_key_id).ok_or_else(|| {
        AuthError::new(
            403,
            unknown_code,
            format!("AccessKey id {access_key_id:?} is not known"),
        )
    })
}

/// The second step of every verifier: the request's date (`text`, read from `header` as
/// `time`) is within [`MAX_CLOCK_SKEW`] of `now`.
pub fn within_skew(
    header: &str,
    text: &str,
    time: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    if (time - now).abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::new(
            403,
            "RequestTimeTooSkewed",
            format!("{header} {text} is more than 15 minutes from the server's time"),
        ));
    }
    Ok(())
}

/// The verifiers' last check: the security token `request` sends in `header` is the one the
/// signing credentials carry, and none is sent with long-term keys.
pub fn check_security_token(
    request: &Request<'_>,
    credentials: &Credentials,
    header: &str,
) -> Result<(), AuthError> {
    let sent = request.header(header);
    let expected = credentials
        .security_token
        .as_ref()
        .map(|token| token.expose());
    if sent == expected {
        return Ok(());
    }
    let message = match (sent, expected) {
        (None, _) => format!("these credentials need {header}"),
        (Some(_), None) => format!("{header} is sent with long-term AccessKey credentials"),
        (Some(_), Some(_)) => format!("{header} is not valid"),
    };
    Err(AuthError::new(403, "InvalidSecurityToken", message))
}

/// What the verifiers' tests share: one time, one STS identity, and its lookup.
#[cfg(test)]
pub(crate) mod test_support {
    use fc_layer_action::credentials::Credentials;
    use fc_layer_action::sign::Request;
    use time::OffsetDateTime;
    use time::macros::datetime;

    pub const TIME: OffsetDateTime = datetime!(2024-05-20 08:30:00 UTC);

    pub fn credentials() -> Credentials {
        Credentials::new("key-id", "SECRET-VALUE").with_security_token("TOKEN-VALUE")
    }

    pub fn lookup(id: &str) -> Option<Credentials> {
        (id == "key-id").then(credentials)
    }

    /// The same key id known as long-term keys, which carry no security token.
    pub fn long_term(_: &str) -> Option<Credentials> {
        Some(Credentials::new("key-id", "SECRET-VALUE"))
    }

    /// A refusal goes back to the client, so it names neither the secret nor the token.
    pub fn assert_discreet(error: &super::AuthError) {
        for leaked in ["TOKEN-VALUE", "SECRET-VALUE"] {
            assert!(!error.message.contains(leaked), "{error}");
        }
    }

    /// `headers` with header `name` left out, and sent with `value` instead when there is one.
    pub fn replaced(
        headers: &[(String, String)],
        name: &str,
        value: Option<&str>,
    ) -> Vec<(String, String)> {
        let mut changed: Vec<(String, String)> = headers
            .iter()
            .filter(|(key, _)| key != name)
            .cloned()
            .collect();
        if let Some(value) = value {
            changed.push((name.to_owned(), value.to_owned()));
        }
        changed
    }

    /// `method path` carrying `headers`, and nothing else.
    pub fn request<'a>(
        method: &'a str,
        path: &'a str,
        headers: &'a [(String, String)],
    ) -> Request<'a> {
        Request {
            method,
            path,
            headers,
            ..Request::default()
        }
    }
}
