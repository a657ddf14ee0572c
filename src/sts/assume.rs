//! A [`RoleAssumption`] carried out in two calls, each retried on its own: the OIDC token
//! got (from GitHub or a file; [`oidc_token`]), then STS asked for the role's credentials
//! ([`assume`]), with the token or signed with the caller's credentials. Everything secret
//! that arrives is masked on arrival.

use std::path::{Path, PathBuf};

use super::assume_role::{AssumeRoleParams, Assumed, StsError, assume_role};
use super::github_token::{GitHubTokenError, fetch_token};
use super::oidc::{OidcParams, assume_role_with_oidc};
use crate::client::{ClientError, FcClient};
use crate::clock::Signing;
use crate::credentials::role::{OidcToken, RoleAssumption, Via};
use crate::credentials::{Masker, Secret};
use crate::http::Transport;

/// Why the role could not be assumed.
#[derive(Debug, thiserror::Error)]
pub enum AssumeError {
    #[error(transparent)]
    GitHub(#[from] GitHubTokenError),
    #[error("cannot read the OIDC token file {}: {error}", .path.display())]
    TokenFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the OIDC token file {} is empty", .0.display())]
    EmptyTokenFile(PathBuf),
    #[error(transparent)]
    Sts(#[from] StsError),
    #[error("AssumeRoleWithOIDC needs the OIDC token, and none was got")]
    NoToken,
}

impl crate::backoff::Transient for AssumeError {
    fn is_retryable(&self) -> bool {
        AssumeError::is_retryable(self)
    }
}

impl AssumeError {
    /// Whether asking again could succeed: the network, 5xx, throttling, from GitHub or STS.
    fn is_retryable(&self) -> bool {
        match self {
            Self::GitHub(GitHubTokenError::Transport(source)) => source.is_transient(),
            Self::GitHub(GitHubTokenError::Refused { status }) => *status == 429 || *status >= 500,
            Self::Sts(StsError::Client(error)) => crate::backoff::Transient::is_retryable(error),
            Self::GitHub(GitHubTokenError::InvalidReply)
            | Self::GitHub(GitHubTokenError::Redirected { .. })
            | Self::Sts(StsError::InvalidReply { .. })
            | Self::Sts(StsError::Expired { .. })
            | Self::TokenFile { .. }
            | Self::EmptyTokenFile(_)
            | Self::NoToken => false,
        }
    }

    /// What to change when STS's code points at a setting rather than at the service.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        let Self::Sts(StsError::Client(ClientError::Service { error, .. })) = self else {
            return None;
        };
        Some(match error.code.as_str() {
            "AuthenticationFail.OIDCToken.AudienceNotMatch" => {
                "`audience` must be one of the OIDC provider's client ids"
            }
            "AuthenticationFail.NoPermission" => {
                "the role's trust policy does not allow this token's subject (repository, branch or environment)"
            }
            "AuthenticationFail.OIDCToken.IssuerNotMatch" => {
                "the OIDC provider's issuer must be https://token.actions.githubusercontent.com"
            }
            "InvalidParameter.DurationSeconds" => {
                "`role-duration-seconds` is over the role's maximum session duration"
            }
            _ => return None,
        })
    }
}

/// The OIDC token the role is assumed with, masked through `masker`: asked of GitHub or read
/// from its file; `None` when the role is assumed with the caller's credentials. A call of
/// its own, so that it is retried alone and a retry of STS does not fetch it again.
pub(crate) async fn oidc_token<T: Transport>(
    role: &RoleAssumption,
    transport: &T,
    masker: &mut dyn Masker,
) -> Result<Option<Secret>, AssumeError> {
    match &role.via {
        Via::Oidc {
            token: OidcToken::GitHub(request),
            ..
        } => Ok(Some(fetch_token(transport, request, masker).await?)),
        Via::Oidc {
            token: OidcToken::File(path),
            ..
        } => Ok(Some(read_token_file(path, masker)?)),
        Via::Credentials { .. } => Ok(None),
    }
}

/// The role's credentials from `role.sts`, masked through `masker`: AssumeRoleWithOIDC with
/// `token` ([`oidc_token`]'s), or AssumeRole signed with the caller's credentials.
pub(crate) async fn assume<T: Transport>(
    role: &RoleAssumption,
    token: Option<&Secret>,
    transport: &T,
    signing: &Signing,
    masker: &mut dyn Masker,
) -> Result<Assumed, AssumeError> {
    match &role.via {
        Via::Oidc { provider, .. } => {
            let token = token.ok_or(AssumeError::NoToken)?;
            let params = OidcParams {
                provider,
                role_arn: &role.role_arn,
                session_name: &role.session_name,
                duration_seconds: role.duration_seconds,
                token,
            };
            Ok(assume_role_with_oidc(transport, &role.sts, signing, &params, masker).await?)
        }
        Via::Credentials {
            credentials,
            external_id,
        } => {
            let sts = FcClient::new(
                transport,
                role.sts.clone(),
                credentials.clone(),
                signing.clone(),
            );
            let params = AssumeRoleParams {
                role_arn: &role.role_arn,
                session_name: &role.session_name,
                duration_seconds: role.duration_seconds,
                external_id: external_id.as_deref(),
            };
            Ok(assume_role(&sts, &params, masker).await?)
        }
    }
}

/// The token a file holds, read now (Kubernetes rotates it in place) and masked.
fn read_token_file(path: &Path, masker: &mut dyn Masker) -> Result<Secret, AssumeError> {
    let text = std::fs::read_to_string(path).map_err(|error| AssumeError::TokenFile {
        path: path.to_path_buf(),
        error,
    })?;
    let token = Secret::new(text.trim());
    masker.mask(&token);
    if token.expose().is_empty() {
        return Err(AssumeError::EmptyTokenFile(path.to_path_buf()));
    }
    Ok(token)
}
