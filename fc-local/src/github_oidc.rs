//! GitHub's OIDC token endpoint, for tests: `GET /_github/oidc/token?…&audience=…` with
//! `Authorization: Bearer {request token}` answers `{"value": "<JWT>"}`, a token for the
//! audience asked for, signed with a key only this service knows, which its STS
//! (`AssumeRoleWithOIDC`, [`crate::sts`]) checks the way Alibaba's checks GitHub's. Faults on
//! cue: a token already expired, or one for another audience.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fc_layer_action::fc::ServiceError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::digest::{hex, hmac_sha256};
use crate::request::ReceivedRequest;

/// The path the token is asked for at; tests set `ACTIONS_ID_TOKEN_REQUEST_URL` to
/// `{service}/_github/oidc/token?api-version=2.0`.
const TOKEN_PATH: &str = "/_github/oidc/token";
/// The issuer GitHub's tokens carry.
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The audience the wrong-audience fault puts in the token.
const WRONG_AUDIENCE: &str = "not-the-audience-asked-for";

/// What the token endpoint and the STS that checks its tokens share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcConfig {
    /// The bearer the endpoint wants (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    pub request_token: String,
    /// The token's `sub`.
    pub(crate) subject: String,
    /// The OIDC provider's client ids: the audiences STS accepts.
    pub(crate) client_ids: Vec<String>,
    /// The subject the role's trust policy allows; `None` allows any.
    pub trusted_subject: Option<String>,
    /// The ExternalId AssumeRole must carry; `None` wants none.
    pub external_id: Option<String>,
    pub fault: Option<TokenFault>,
    /// Signs the tokens; a fixed value is fine, since only this service reads them.
    pub(crate) signing_key: String,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            request_token: "fc-local-id-token-request".to_owned(),
            subject: "repo:octo-org/octo-repo:ref:refs/heads/main".to_owned(),
            client_ids: vec!["sts.aliyuncs.com".to_owned()],
            trusted_subject: None,
            external_id: None,
            fault: None,
            signing_key: "fc-local-oidc-signing-key".to_owned(),
        }
    }
}

/// How the endpoint misbehaves, for every token it issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFault {
    /// `exp` an hour ago.
    Expired,
    /// `aud` is [`WRONG_AUDIENCE`], whatever was asked for.
    WrongAudience,
}

/// The claims fc-local's tokens carry, as GitHub's do.
#[derive(Debug, Deserialize, Serialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

pub(crate) fn is_token_request(request: &ReceivedRequest<'_>) -> bool {
    request.path == TOKEN_PATH
}

/// Answers a token request: the token for the audience asked for, or 401 to a wrong bearer.
pub(crate) fn issue(
    config: &OidcConfig,
    request: &ReceivedRequest<'_>,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    if request.method != "GET" {
        return Err(ServiceError::new(405, "MethodNotAllowed", "GET only"));
    }
    let bearer = request
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "));
    if bearer != Some(config.request_token.as_str()) {
        return Err(ServiceError::new(
            401,
            "Unauthorized",
            "the bearer is not this job's request token",
        ));
    }
    let audience = request
        .query_pairs()
        .into_iter()
        .find(|(key, _)| key == "audience")
        .map(|(_, value)| value)
        .ok_or_else(|| ServiceError::new(400, "BadRequest", "audience is required"))?;
    let issued = now.unix_timestamp();
    let (aud, exp) = match config.fault {
        Some(TokenFault::WrongAudience) => (WRONG_AUDIENCE.to_owned(), issued + 300),
        Some(TokenFault::Expired) => (audience, issued - 3600),
        None => (audience, issued + 300),
    };
    let claims = Claims {
        iss: ISSUER.to_owned(),
        sub: config.subject.clone(),
        aud,
        iat: issued - 5,
        exp,
    };
    Ok(json!({ "value": token(config, &claims) }))
}

/// A JWT of `claims`: header, payload and an HMAC-SHA256 over both with the service's key.
pub fn token(config: &OidcConfig, claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signed = format!("{header}.{payload}");
    let signature = hex(&hmac_sha256(
        config.signing_key.as_bytes(),
        signed.as_bytes(),
    ));
    format!("{signed}.{signature}")
}

/// Why a token is refused, as STS's code (401) and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: &'static str,
    pub(crate) message: &'static str,
}

/// The claims of a token this service issued and that is still good for one of the
/// provider's client ids.
pub(crate) fn check(
    config: &OidcConfig,
    token: &str,
    now: OffsetDateTime,
) -> Result<Claims, Refusal> {
    let refuse = |code, message| Refusal { code, message };
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse(
            "AuthenticationFail.OIDCToken.Invalid",
            "the OIDC token is not a JWT",
        ));
    };
    let expected = hex(&hmac_sha256(
        config.signing_key.as_bytes(),
        format!("{header}.{payload}").as_bytes(),
    ));
    if signature != expected {
        return Err(refuse(
            "AuthenticationFail.OIDCToken.InvalidSignature",
            "the OIDC token's signature does not verify",
        ));
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            refuse(
                "AuthenticationFail.OIDCToken.Invalid",
                "the OIDC token's claims are not JSON",
            )
        })?;
    if claims.iss != ISSUER {
        return Err(refuse(
            "AuthenticationFail.OIDCToken.IssuerNotMatch",
            "the OIDC token's issuer is not the provider's",
        ));
    }
    if !config.client_ids.contains(&claims.aud) {
        return Err(refuse(
            "AuthenticationFail.OIDCToken.AudienceNotMatch",
            "the OIDC token's audience is not one of the provider's client ids",
        ));
    }
    if claims.exp <= now.unix_timestamp() {
        return Err(refuse(
            "AuthenticationFail.OIDCToken.Expired",
            "the OIDC token has expired",
        ));
    }
    Ok(claims)
}
