//! The job's OIDC token from GitHub: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with
//! the bearer `$ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered `{"value": "<JWT>"}`. The token is
//! masked the moment it arrives.

use serde::Deserialize;

use crate::credentials::role::GitHubTokenRequest;
use crate::credentials::{Masker, Secret};
use crate::encode;
use crate::http::{HttpRequest, Transport, TransportError};

#[derive(Debug, thiserror::Error)]
pub enum GitHubTokenError {
    #[error("cannot get the job's OIDC token from GitHub: {0}")]
    Transport(TransportError),
    #[error(
        "GitHub refused the job's OIDC token request (HTTP {status}){}",
        if matches!(.status, 401 | 403) {
            "; the request token is wrong or expired (does the job have `permissions: id-token: write`?)"
        } else { "" }
    )]
    Refused { status: u16 },
    #[error(
        "GitHub's OIDC token URL answered HTTP {status} redirecting to {target}; the redirect was not followed, so the request token was sent nowhere else"
    )]
    Redirected { status: u16, target: String },
    #[error("GitHub's OIDC token reply is not `{{\"value\": \"<JWT>\"}}`")]
    InvalidReply,
}

#[derive(Deserialize)]
struct Reply {
    value: String,
}

/// The URL of the request: GitHub's URL carries a query already (`api-version=…`), so the
/// audience is appended with `&`; a URL without one gets `?`.
fn token_url(request_url: &str, audience: &str) -> String {
    let separator = if request_url.contains('?') { '&' } else { '?' };
    format!(
        "{request_url}{separator}audience={}",
        encode::encode(audience)
    )
}

/// Asks GitHub for a token for `request.audience`; the token comes back masked.
pub async fn fetch_token<T: Transport>(
    transport: &T,
    request: &GitHubTokenRequest,
    masker: &mut dyn Masker,
) -> Result<Secret, GitHubTokenError> {
    let url = token_url(&request.url, &request.audience);
    let reply = transport
        .send(HttpRequest {
            method: "GET",
            url: url.clone(),
            headers: vec![
                (
                    "authorization".to_owned(),
                    format!("Bearer {}", request.bearer.expose()),
                ),
                ("accept".to_owned(), "application/json".to_owned()),
            ],
            ..HttpRequest::default()
        })
        .await
        .map_err(GitHubTokenError::Transport)?;
    if (300..400).contains(&reply.status) {
        return Err(GitHubTokenError::Redirected {
            status: reply.status,
            target: reply.redirect_target(&url),
        });
    }
    if !reply.is_success() {
        return Err(GitHubTokenError::Refused {
            status: reply.status,
        });
    }
    let value = serde_json::from_slice::<Reply>(&reply.body)
        .map_err(|_| GitHubTokenError::InvalidReply)?
        .value;
    let token = Secret::new(value.trim());
    masker.mask(&token);
    if token.expose().is_empty() || token.expose().chars().any(char::is_control) {
        return Err(GitHubTokenError::InvalidReply);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_is_appended_to_the_query_github_gives() {
        assert_eq!(
            token_url(
                "https://token.actions.example/abc?api-version=2.0",
                "sts.aliyuncs.com"
            ),
            "https://token.actions.example/abc?api-version=2.0&audience=sts.aliyuncs.com"
        );
        assert_eq!(
            token_url("http://127.0.0.1:1/t", "a b/c"),
            "http://127.0.0.1:1/t?audience=a%20b%2Fc"
        );
    }
}
