//! STS AssumeRole: a role's temporary credentials for the caller's own, ACS3-signed by the
//! same client as FC (role chaining). The reply's credentials are masked through
//! [`crate::credentials::adopt`]
//! before anything else sees them; [`super::oidc`] reads its reply the same way.

use crate::client::{ClientError, FcClient};
use crate::credentials::role::{RoleArn, SessionName};
use crate::credentials::{Credentials, Masker, lent};
use crate::fc::{ApiRequest, STS_API_VERSION};
use crate::http::Transport;

/// What an STS call that hands out credentials can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// STS refused (its code and RequestId are in the message), or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The reply is not the documented JSON. Only where it broke is said: the body holds
    /// secrets when it is close to right.
    #[error("{action}: the reply is not what STS documents ({problem})")]
    InvalidReply {
        action: &'static str,
        problem: String,
    },
}

/// AssumeRole's parameters other than the role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams<'a> {
    pub role_arn: &'a RoleArn,
    pub session_name: &'a SessionName,
    pub duration_seconds: u32,
    pub external_id: Option<&'a str>,
}

/// The AssumeRole call as it is signed: `POST /`, the parameters in the query, no body.
pub fn assume_role_request(params: &AssumeRoleParams<'_>) -> ApiRequest {
    let mut query = vec![
        ("RoleArn".to_owned(), params.role_arn.as_str().to_owned()),
        (
            "RoleSessionName".to_owned(),
            params.session_name.as_str().to_owned(),
        ),
        (
            "DurationSeconds".to_owned(),
            params.duration_seconds.to_string(),
        ),
    ];
    if let Some(external_id) = params.external_id {
        query.push(("ExternalId".to_owned(), external_id.to_owned()));
    }
    ApiRequest {
        action: "AssumeRole",
        version: STS_API_VERSION,
        method: "POST",
        path: "/".to_owned(),
        query,
        body: None,
    }
}

/// Assumes the role as the client's credentials; the new ones come back masked.
pub async fn assume_role<T: Transport>(
    sts: &FcClient<T>,
    params: &AssumeRoleParams<'_>,
    masker: &mut dyn Masker,
) -> Result<Credentials, StsError> {
    let body = sts.send(assume_role_request(params)).await?;
    credentials_from_reply("AssumeRole", &body, masker)
}

/// The `Credentials` of an AssumeRole or AssumeRoleWithOIDC reply, checked and adopted
/// (masked) by [`lent`].
pub(crate) fn credentials_from_reply(
    action: &'static str,
    body: &[u8],
    masker: &mut dyn Masker,
) -> Result<Credentials, StsError> {
    // serde's message may quote the value it choked on, which may be the secret.
    let reply: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| StsError::InvalidReply {
            action,
            problem: format!(
                "{:?} error at line {} column {}",
                error.classify(),
                error.line(),
                error.column()
            ),
        })?;
    lent::from_json("Credentials", reply.get("Credentials"), masker)
        .map_err(|problem| StsError::InvalidReply { action, problem })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::Recorded;

    #[test]
    fn the_reply_credentials_are_masked_and_a_broken_reply_quotes_nothing() {
        let mut masked = Recorded::default();
        let body = br#"{"RequestId":"r","Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":"s3cret","SecurityToken":"t0ken","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let credentials =
            credentials_from_reply("AssumeRole", body, &mut masked).expect("credentials");
        assert_eq!(credentials.access_key_id, "STS.id");
        assert_eq!(masked.0, ["s3cret", "t0ken"]);

        let broken = br#"{"Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":4242424,"SecurityToken":"t0ken-leak"}}"#;
        let error = credentials_from_reply("AssumeRole", broken, &mut Recorded::default())
            .expect_err("broken");
        assert!(!error.to_string().contains("t0ken-leak"), "{error}");
        assert!(!error.to_string().contains("4242424"), "{error}");

        // STS's credentials are held to the same rule as FC 2.0's lent ones.
        let huge = format!(
            r#"{{"Credentials":{{"AccessKeyId":"STS.id","AccessKeySecret":"s","SecurityToken":"{}"}}}}"#,
            "t".repeat(5000)
        );
        let error = credentials_from_reply("AssumeRole", huge.as_bytes(), &mut Recorded::default())
            .expect_err("too long");
        assert!(
            error
                .to_string()
                .contains("Credentials.SecurityToken is over 4096 bytes"),
            "{error}"
        );
    }
}
