//! Every verifier the local service runs, one per signature scheme, checking a received
//! request the way the real service does before it looks at what the request asks for.
//!
//! Each rebuilds its scheme's canonical form from the published specification with
//! fc-local's own code, from fc-local's own description of what arrived ([`Request`]). None
//! of it is shared with the action's signers: were both built from one canonical form, a
//! mistake in it would sign and verify alike and pass every local test; apart, a mistake on
//! either side is a refusal, and the published vectors (`vectors`, in the tests) pin both.
//! What they do share is the crates underneath (`sha2`, `hmac`, `percent-encoding`, `time`,
//! `base64`), which fc-local wraps itself ([`crate::digest`], [`crate::percent`],
//! [`crate::dates`]). Of the action it uses only [`Credentials`], to look up a secret, and
//! [`ServiceError`], to reply.
//!
//! Every verifier recomputes the signature from what arrived with the secret its `lookup`
//! finds for the key id ([`signer`]), takes the request's date only within 15 minutes of
//! `now` ([`within_skew`]), and wants exactly the security token the credentials carry, none
//! when they carry none ([`check_security_token`]); a missing header is [`required`], a
//! malformed one [`invalid`].
//!
//! - [`request`]: the request a verifier reads.
//! - [`canonical`]: the header and query lines the schemes write alike.
//! - [`acs3`] over [`acs3_canonical`]: ACS3-HMAC-SHA256 (FC 3.0, STS).
//! - [`oss_v4`] over [`oss_v4_canonical`]: OSS4-HMAC-SHA256 (OSS uploads).
//! - [`fc2`] over [`fc2_canonical`]: `FC keyId:signature` (FC 2.0's `tempBucketToken`).

pub mod acs3;
mod acs3_canonical;
mod canonical;
pub mod fc2;
mod fc2_canonical;
pub mod oss_v4;
pub(crate) mod oss_v4_canonical;
mod request;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod vectors;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use time::OffsetDateTime;

pub use self::request::Request;

/// How far a signed request's date may be from the verifier's clock, as every Alibaba Cloud
/// service allows.
const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(15);

/// Why a verifier refused a request, in the terms the real service replies with. The message
/// goes back to the client, so it never holds a secret or a security token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AuthError {
    /// The HTTP status the service answers with.
    pub(crate) status: u16,
    pub code: &'static str,
    pub message: String,
}

impl AuthError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
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
fn invalid(message: String) -> AuthError {
    AuthError::new(400, "InvalidArgument", message)
}

/// Header `name` of `request`, which the scheme requires.
fn required<'a>(request: &Request<'a>, name: &'static str) -> Result<&'a str, AuthError> {
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
fn signer(
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
fn within_skew(
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
fn check_security_token(
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
