//! STS AssumeRoleWithOIDC: an OIDC token (GitHub's, or a file's) exchanged for a role's
//! temporary credentials. The call is anonymous: no AccessKey, no signature; the token is the
//! proof. Its parameters go in an `application/x-www-form-urlencoded` body, as Alibaba's
//! Node.js credentials library sends them, since a GitHub token is long and a URL is logged
//! by proxies.

use super::assume_role::{Assumed, StsError, credentials_from_reply};
use crate::client::ClientError;
use crate::clock::Signing;
use crate::credentials::role::{OidcProviderArn, RoleArn, SessionName};
use crate::credentials::{Masker, Secret};
use crate::encode;
use crate::endpoint::Endpoint;
use crate::fc::{STS_API_VERSION, ServiceError};
use crate::http::{HttpRequest, Transport};
use crate::sign::primitives::format_iso8601;

const ACTION: &str = "AssumeRoleWithOIDC";

/// AssumeRoleWithOIDC's parameters.
#[derive(Clone, Debug)]
pub struct OidcParams<'a> {
    pub provider: &'a OidcProviderArn,
    pub role_arn: &'a RoleArn,
    pub session_name: &'a SessionName,
    pub duration_seconds: u32,
    /// Masked already.
    pub token: &'a Secret,
}

/// The form body: the common parameters (dated and with a nonce, as the SDKs send them) and
/// the call's own.
fn form_body(params: &OidcParams<'_>, timestamp: &str, nonce: &str) -> String {
    let duration = params.duration_seconds.to_string();
    [
        ("Action", ACTION),
        ("Version", STS_API_VERSION),
        ("Format", "JSON"),
        ("Timestamp", timestamp),
        ("SignatureNonce", nonce),
        ("OIDCProviderArn", params.provider.as_str()),
        ("RoleArn", params.role_arn.as_str()),
        ("OIDCToken", params.token.expose()),
        ("RoleSessionName", params.session_name.as_str()),
        ("DurationSeconds", &duration),
    ]
    .iter()
    .map(|(key, value)| format!("{key}={}", encode::encode(value)))
    .collect::<Vec<_>>()
    .join("&")
}

/// Exchanges the token at `sts`; the credentials come back masked, refused when they ended
/// before `signing`'s clock says the reply came.
pub async fn assume_role_with_oidc<T: Transport>(
    transport: &T,
    sts: &Endpoint,
    signing: &Signing,
    params: &OidcParams<'_>,
    masker: &mut dyn Masker,
) -> Result<Assumed, StsError> {
    let nonce = signing
        .nonces
        .nonce()
        .map_err(|error| StsError::Client(ClientError::Random(error)))?;
    let body = form_body(params, &format_iso8601(signing.clock.now()), &nonce);
    let reply = transport
        .send(HttpRequest {
            method: "POST",
            url: sts.url("/"),
            headers: vec![
                ("host".to_owned(), sts.host().to_owned()),
                (
                    "content-type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                ),
                ("accept".to_owned(), "application/json".to_owned()),
            ],
            body: body.into_bytes().into(),
            progress: None,
        })
        .await
        .map_err(|source| ClientError::Transport {
            action: ACTION,
            source,
        })?;
    if !reply.is_success() {
        let error =
            ServiceError::from_reply(reply.status, &reply.body, reply.header("x-acs-request-id"));
        return Err(ClientError::Service {
            action: ACTION,
            error,
        }
        .into());
    }
    credentials_from_reply(ACTION, &reply.body, signing.clock.now(), masker)
}
