//! STS AssumeRole: a role's temporary credentials for the caller's own, ACS3-signed by the
//! same client as FC (role chaining). The reply's credentials are masked through
//! [`crate::credentials::adopt`]
//! before anything else sees them; [`super::oidc`] reads its reply the same way.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    /// Credentials that ended before they arrived: a server that lies, or a runner whose
    /// clock is wrong; either way every call made with them would be refused.
    #[error(
        "{action}: the credentials STS lent expired at {expiration}, before the run's time {now}; is the runner's clock right?"
    )]
    Expired {
        action: &'static str,
        expiration: String,
        now: String,
    },
}

/// What an STS reply says of when its credentials end (`Credentials.Expiration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiration {
    At(OffsetDateTime),
    Missing,
    /// Not a string in ISO 8601 (RFC 3339) form, as STS writes it.
    Unreadable,
}

/// The credentials STS lent, masked, and when they end.
#[derive(Clone, Debug)]
pub struct Assumed {
    pub credentials: Credentials,
    pub expiration: Expiration,
}

impl Assumed {
    /// The warning for the log when the reply did not say when the credentials end.
    pub(crate) fn warning(&self) -> Option<&'static str> {
        match self.expiration {
            Expiration::At(_) => None,
            Expiration::Missing => Some(
                "STS's reply gives no Credentials.Expiration, so when the role's credentials end is not known; using them anyway",
            ),
            Expiration::Unreadable => Some(
                "STS's reply gives a Credentials.Expiration that is not an ISO 8601 time, so when the role's credentials end is not known; using them anyway",
            ),
        }
    }
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

/// Assumes the role as the client's credentials; the new ones come back masked, refused when
/// they ended before the client's clock says the reply came.
pub async fn assume_role<T: Transport>(
    sts: &FcClient<T>,
    params: &AssumeRoleParams<'_>,
    masker: &mut dyn Masker,
) -> Result<Assumed, StsError> {
    let body = sts.send(assume_role_request(params)).await?;
    credentials_from_reply("AssumeRole", &body, sts.now(), masker)
}

/// The `Credentials` of an AssumeRole or AssumeRoleWithOIDC reply, checked and adopted
/// (masked) by [`lent`], with their `Expiration`: one at or before `now` (the run's clock,
/// when the reply came) is an error.
pub(crate) fn credentials_from_reply(
    action: &'static str,
    body: &[u8],
    now: OffsetDateTime,
    masker: &mut dyn Masker,
) -> Result<Assumed, StsError> {
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
    let object = reply.get("Credentials");
    let credentials = lent::from_json("Credentials", object, masker)
        .map_err(|problem| StsError::InvalidReply { action, problem })?;
    let expiration = expiration(object.and_then(|object| object.get("Expiration")));
    if let Expiration::At(at) = expiration
        && at <= now
    {
        let format = |time: OffsetDateTime| time.format(&Rfc3339).unwrap_or_default();
        return Err(StsError::Expired {
            action,
            expiration: format(at),
            now: format(now),
        });
    }
    Ok(Assumed {
        credentials,
        expiration,
    })
}

/// `Credentials.Expiration`, read.
fn expiration(value: Option<&serde_json::Value>) -> Expiration {
    match value {
        None | Some(serde_json::Value::Null) => Expiration::Missing,
        Some(serde_json::Value::String(text)) => {
            OffsetDateTime::parse(text, &Rfc3339).map_or(Expiration::Unreadable, Expiration::At)
        }
        Some(_) => Expiration::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::Recorded;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

    fn with_expiration(expiration: &str) -> String {
        format!(
            r#"{{"Credentials":{{"AccessKeyId":"STS.id","AccessKeySecret":"s","SecurityToken":"t"{expiration}}}}}"#
        )
    }

    #[test]
    fn the_expiration_is_read_and_one_already_past_is_refused() {
        let read = |body: String| {
            credentials_from_reply("AssumeRole", body.as_bytes(), NOW, &mut Recorded::default())
        };
        let future = read(with_expiration(r#","Expiration":"2026-01-01T01:00:00Z""#));
        let future = future.expect("valid");
        assert_eq!(
            future.expiration,
            Expiration::At(datetime!(2026-01-01 01:00:00 UTC))
        );
        assert_eq!(future.warning(), None);
        for (field, wanted) in [
            ("", Expiration::Missing),
            (r#","Expiration":null"#, Expiration::Missing),
            (r#","Expiration":"tomorrow""#, Expiration::Unreadable),
            (r#","Expiration":42"#, Expiration::Unreadable),
        ] {
            let assumed = read(with_expiration(field)).expect("a warning, not an error");
            assert_eq!(assumed.expiration, wanted, "{field}");
            assert!(assumed.warning().is_some(), "{field}");
        }
        for past in ["2025-12-31T23:00:00Z", "2026-01-01T00:00:00Z"] {
            let error =
                read(with_expiration(&format!(r#","Expiration":"{past}""#))).expect_err("expired");
            assert_eq!(
                error.to_string(),
                format!(
                    "AssumeRole: the credentials STS lent expired at {past}, before the run's time 2026-01-01T00:00:00Z; is the runner's clock right?"
                )
            );
        }
    }

    #[test]
    fn the_reply_credentials_are_masked_and_a_broken_reply_quotes_nothing() {
        let mut masked = Recorded::default();
        let body = br#"{"RequestId":"r","Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":"s3cret","SecurityToken":"t0ken","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let credentials = credentials_from_reply("AssumeRole", body, NOW, &mut masked)
            .expect("credentials")
            .credentials;
        assert_eq!(credentials.access_key_id, "STS.id");
        assert_eq!(masked.0, ["s3cret", "t0ken"]);

        let broken = br#"{"Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":4242424,"SecurityToken":"t0ken-leak"}}"#;
        let error = credentials_from_reply("AssumeRole", broken, NOW, &mut Recorded::default())
            .expect_err("broken");
        assert!(!error.to_string().contains("t0ken-leak"), "{error}");
        assert!(!error.to_string().contains("4242424"), "{error}");

        // STS's credentials are held to the same rule as FC 2.0's lent ones.
        let huge = format!(
            r#"{{"Credentials":{{"AccessKeyId":"STS.id","AccessKeySecret":"s","SecurityToken":"{}"}}}}"#,
            "t".repeat(5000)
        );
        let error =
            credentials_from_reply("AssumeRole", huge.as_bytes(), NOW, &mut Recorded::default())
                .expect_err("too long");
        assert!(
            error
                .to_string()
                .contains("Credentials.SecurityToken is over 4096 bytes"),
            "{error}"
        );
    }
}
