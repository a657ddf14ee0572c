//! STS: `GetCallerIdentity`, which tells the action its account id, and `AssumeRole`
//! (both ACS3-signed, checked by the caller like every V3 call), and `AssumeRoleWithOIDC`,
//! anonymous, whose proof is a token from [`crate::github_oidc`]. The credentials the two
//! hand out are accepted by the FC 3.0 and STS routes from then on. Refusals carry STS's own
//! codes (`InvalidParameter.RoleArn`, `AuthenticationFail.OIDCToken.*`, …).

use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::credentials::role::{OidcProviderArn, RoleArn, SessionName, parse_duration};
use fc_layer_action::fc::{STS_API_VERSION, ServiceError};
use fc_layer_action::random;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::dates::format_iso8601;
use crate::github_oidc::{self, OidcConfig};
use crate::request::{ReceivedRequest, query_pairs};

/// Whether `request` is a signed STS call rather than an FC 3.0 one.
pub(crate) fn is_sts(request: &ReceivedRequest<'_>) -> bool {
    matches!(
        request.header("x-acs-action"),
        Some("GetCallerIdentity" | "AssumeRole")
    )
}

/// The caller's identity in `account_id`.
pub(crate) fn get_caller_identity(
    request: &ReceivedRequest<'_>,
    account_id: &str,
) -> Result<Value, ServiceError> {
    check_v3_shape(request, "GetCallerIdentity")?;
    Ok(json!({
        "AccountId": account_id,
        "Arn": format!("acs:ram::{account_id}:user/fc-local"),
        "IdentityType": "RAMUser",
        "PrincipalId": "fc-local",
    }))
}

fn check_v3_shape(request: &ReceivedRequest<'_>, action: &str) -> Result<(), ServiceError> {
    let expected = ("POST", "/", Some(STS_API_VERSION));
    if (
        request.method,
        request.path,
        request.header("x-acs-version"),
    ) != expected
    {
        return Err(ServiceError::invalid_argument(format!(
            "{action} is POST / with x-acs-version {STS_API_VERSION}"
        )));
    }
    Ok(())
}

/// What an STS call that hands out credentials needs of the service.
pub(crate) struct Issuer<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) oidc: &'a OidcConfig,
    /// How many credentials were handed out before; names the new key id.
    pub(crate) number: u64,
}

/// The parameters of an RPC-style call: the query, then a form body.
fn rpc_params(request: &ReceivedRequest<'_>) -> Vec<(String, String)> {
    let mut params = request.query_pairs();
    let form = request
        .header("content-type")
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if form {
        params.extend(query_pairs(&String::from_utf8_lossy(request.body)));
    }
    params
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Whether `request` is an unsigned AssumeRoleWithOIDC.
pub(crate) fn is_assume_role_with_oidc(request: &ReceivedRequest<'_>) -> bool {
    request.header("authorization").is_none()
        && request.method == "POST"
        && param(&rpc_params(request), "Action") == Some("AssumeRoleWithOIDC")
}

fn invalid_parameter(code: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::new(400, code, message)
}

/// The role, session and duration every role call takes, checked as STS checks them.
fn role_params(
    params: &[(String, String)],
    account_id: &str,
) -> Result<(RoleArn, SessionName, u32), ServiceError> {
    let role = param(params, "RoleArn")
        .and_then(|arn| RoleArn::parse(arn).ok())
        .ok_or_else(|| invalid_parameter("InvalidParameter.RoleArn", "RoleArn is not valid"))?;
    if !role
        .as_str()
        .starts_with(&format!("acs:ram::{account_id}:role/"))
    {
        return Err(ServiceError::new(
            404,
            "EntityNotExist.Role",
            "the role does not exist in this account",
        ));
    }
    let session = param(params, "RoleSessionName")
        .and_then(|name| SessionName::parse(name).ok())
        .ok_or_else(|| {
            invalid_parameter(
                "InvalidParameter.RoleSessionName",
                "RoleSessionName is not valid",
            )
        })?;
    let duration = match param(params, "DurationSeconds") {
        None => 3600,
        Some(text) => parse_duration(text).map_err(|_| {
            invalid_parameter(
                "InvalidParameter.DurationSeconds",
                "DurationSeconds is out of range",
            )
        })?,
    };
    Ok((role, session, duration))
}

/// Anonymous AssumeRoleWithOIDC: the token checked against the provider's issuer, client ids
/// and expiry, and the role's trust policy against its subject.
pub(crate) fn assume_role_with_oidc(
    issuer: &Issuer<'_>,
    request: &ReceivedRequest<'_>,
    now: OffsetDateTime,
) -> Result<(Value, Credentials), ServiceError> {
    let params = rpc_params(request);
    if param(&params, "Version") != Some(STS_API_VERSION) {
        return Err(invalid_parameter(
            "MissingVersion",
            format!("Version must be {STS_API_VERSION}"),
        ));
    }
    let provider = param(&params, "OIDCProviderArn")
        .and_then(|arn| OidcProviderArn::parse(arn).ok())
        .ok_or_else(|| {
            invalid_parameter(
                "InvalidParameter.OIDCProviderArn",
                "OIDCProviderArn is not valid",
            )
        })?;
    if !provider
        .as_str()
        .starts_with(&format!("acs:ram::{}:oidc-provider/", issuer.account_id))
    {
        return Err(ServiceError::new(
            404,
            "EntityNotExist.OIDCProvider",
            "the OIDC provider does not exist in this account",
        ));
    }
    let (role, session, duration) = role_params(&params, issuer.account_id)?;
    let token = param(&params, "OIDCToken")
        .ok_or_else(|| invalid_parameter("MissingOIDCToken", "OIDCToken is required"))?;
    let claims = github_oidc::check(issuer.oidc, token, now)
        .map_err(|refusal| ServiceError::new(401, refusal.code, refusal.message))?;
    if let Some(trusted) = &issuer.oidc.trusted_subject
        && *trusted != claims.sub
    {
        return Err(ServiceError::new(
            403,
            "AuthenticationFail.NoPermission",
            "the role's trust policy does not allow the token's subject",
        ));
    }
    let (mut reply, credentials) = issue(issuer, &role, &session, duration, now)?;
    reply["OIDCTokenInfo"] = json!({
        "Issuer": claims.iss,
        "Subject": claims.sub,
        "ClientIds": claims.aud,
        "IssuanceTime": claims.iat,
        "ExpirationTime": claims.exp,
    });
    Ok((reply, credentials))
}

/// AssumeRole, already verified as signed by credentials the service knows.
pub(crate) fn assume_role(
    issuer: &Issuer<'_>,
    request: &ReceivedRequest<'_>,
    now: OffsetDateTime,
) -> Result<(Value, Credentials), ServiceError> {
    check_v3_shape(request, "AssumeRole")?;
    let params = request.query_pairs();
    let (role, session, duration) = role_params(&params, issuer.account_id)?;
    if param(&params, "ExternalId") != issuer.oidc.external_id.as_deref() {
        return Err(ServiceError::new(
            403,
            "NoPermission",
            "the role's trust policy wants another ExternalId",
        ));
    }
    issue(issuer, &role, &session, duration, now)
}

/// New credentials for the role, and the reply that carries them.
fn issue(
    issuer: &Issuer<'_>,
    role: &RoleArn,
    session: &SessionName,
    duration: u32,
    now: OffsetDateTime,
) -> Result<(Value, Credentials), ServiceError> {
    let random = || {
        random::hex_token().map_err(|error| {
            ServiceError::new(500, "InternalError", format!("no randomness: {error}"))
        })
    };
    let credentials = Credentials::new(format!("STS.fc-local-role-{}", issuer.number), random()?)
        .with_security_token(format!("fc-local-sts-{}", random()?));
    let role_name = role.as_str().rsplit('/').next().unwrap_or_default();
    let reply = json!({
        "AssumedRoleUser": {
            "Arn": format!("acs:ram::{}:assumed-role/{role_name}/{session}", issuer.account_id),
            "AssumedRoleId": format!("3{:017}:{session}", issuer.number),
        },
        "Credentials": {
            "AccessKeyId": credentials.access_key_id,
            "AccessKeySecret": credentials.access_key_secret.expose(),
            "SecurityToken": credentials.security_token.as_ref().map(|token| token.expose()),
            "Expiration": format_iso8601(now + Duration::from_secs(u64::from(duration))),
        },
    });
    Ok((reply, credentials))
}
