//! A RAM role to assume, as validated values: its ARN, the OIDC provider that vouches for a
//! token, the session name and how long the credentials last, and where the token or the
//! caller's own credentials come from. Checked while the inputs are read, so STS never sees
//! a request it would refuse for its shape.

use std::fmt;
use std::path::PathBuf;

use super::{Credentials, Secret};
use crate::endpoint::Endpoint;

/// What STS accepts as `DurationSeconds` (the role's own maximum may be lower).
const MIN_DURATION_SECONDS: u32 = 900;
const MAX_DURATION_SECONDS: u32 = 43_200;
pub(crate) const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// The audience Alibaba's credentials action asks GitHub for, and OIDC providers list.
pub(crate) const DEFAULT_AUDIENCE: &str = "sts.aliyuncs.com";
/// The session name's prefix when none is given; the run id follows.
const DEFAULT_SESSION_PREFIX: &str = "fc-layer-action";
const SESSION_NAME_MIN: usize = 2;
const SESSION_NAME_MAX: usize = 64;

/// Why a role value is refused, in words that follow the input's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("{text:?} is not a RAM {kind} ARN, `acs:ram::{{accountId}}:{kind}/{{name}}`")]
    Arn { text: String, kind: &'static str },
    #[error(
        "{text:?} is not a session name: 2 to 64 of the letters, digits and `.`, `_`, `@`, `-`"
    )]
    SessionName { text: String },
    #[error(
        "{text:?} is not a whole number of seconds from {MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS}"
    )]
    Duration { text: String },
}

/// `acs:ram::{accountId}:{kind}/{name}`: the account is digits, the name has no spaces,
/// control characters or colons.
fn ram_arn(text: &str, kind: &'static str) -> Result<String, RoleError> {
    let refuse = || RoleError::Arn {
        text: text.to_owned(),
        kind,
    };
    let rest = text.strip_prefix("acs:ram::").ok_or_else(refuse)?;
    let (account, resource) = rest.split_once(':').ok_or_else(refuse)?;
    let name = resource
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(refuse)?;
    let account_ok = !account.is_empty() && account.bytes().all(|byte| byte.is_ascii_digit());
    let name_ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"._@-/+=,".contains(&byte));
    if account_ok && name_ok {
        Ok(text.to_owned())
    } else {
        Err(refuse())
    }
}

/// `acs:ram::{accountId}:role/{name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleArn(String);

impl RoleArn {
    pub fn parse(text: &str) -> Result<Self, RoleError> {
        ram_arn(text, "role").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `acs:ram::{accountId}:oidc-provider/{name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcProviderArn(String);

impl OidcProviderArn {
    pub fn parse(text: &str) -> Result<Self, RoleError> {
        ram_arn(text, "oidc-provider").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `RoleSessionName`: 2 to 64 of `[A-Za-z0-9._@-]`, which shows in the audit log (ActionTrail)
/// as who did what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionName(String);

fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-')
}

impl SessionName {
    /// A name given by the user: taken as it is or refused, never changed behind their back.
    pub fn parse(text: &str) -> Result<Self, RoleError> {
        let length = text.chars().count();
        if (SESSION_NAME_MIN..=SESSION_NAME_MAX).contains(&length) && text.chars().all(session_char)
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(RoleError::SessionName {
                text: text.to_owned(),
            })
        }
    }

    /// `fc-layer-action-{run_id}` made valid: any other character becomes `-` and the name
    /// is cut at 64, so whatever the runner's id looks like, STS takes it.
    pub(crate) fn default_for(run_id: Option<&str>) -> Self {
        let raw = match run_id.map(str::trim).filter(|id| !id.is_empty()) {
            Some(id) => format!("{DEFAULT_SESSION_PREFIX}-{id}"),
            None => DEFAULT_SESSION_PREFIX.to_owned(),
        };
        Self(
            raw.chars()
                .map(|c| if session_char(c) { c } else { '-' })
                .take(SESSION_NAME_MAX)
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `DurationSeconds`, from 900 to 43200.
pub fn parse_duration(text: &str) -> Result<u32, RoleError> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|seconds| (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(seconds))
        .ok_or_else(|| RoleError::Duration {
            text: text.to_owned(),
        })
}

/// The variables GitHub sets when the job has `permissions: id-token: write`: named here,
/// with the request they describe, so that the inputs read them without importing the call.
pub(crate) const ENV_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub(crate) const ENV_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// Where GitHub hands out the job's OIDC token: [`ENV_REQUEST_URL`] and the bearer
/// [`ENV_REQUEST_TOKEN`], present only with `permissions: id-token: write`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHubTokenRequest {
    pub url: String,
    pub bearer: Secret,
    pub audience: String,
}

/// Where the OIDC token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OidcToken {
    /// Asked of GitHub for this job.
    GitHub(GitHubTokenRequest),
    /// A file that holds it (`ALIBABA_CLOUD_OIDC_TOKEN_FILE`), read when the role is assumed,
    /// since Kubernetes refreshes it in place.
    File(PathBuf),
}

/// How STS is asked for the role's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// AssumeRoleWithOIDC: anonymous, the token vouched for by the provider.
    Oidc {
        provider: OidcProviderArn,
        token: OidcToken,
    },
    /// AssumeRole, signed with the caller's own credentials (role chaining).
    Credentials {
        credentials: Credentials,
        external_id: Option<String>,
    },
}

/// A role to assume, every part validated, and the STS endpoint that serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleAssumption {
    pub(crate) role_arn: RoleArn,
    pub session_name: SessionName,
    pub duration_seconds: u32,
    pub sts: Endpoint,
    pub via: Via,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_provider_arns_are_checked_for_their_shape() {
        assert!(RoleArn::parse("acs:ram::1234567890123456:role/fc-publisher").is_ok());
        assert!(OidcProviderArn::parse("acs:ram::1234567890123456:oidc-provider/GitHub").is_ok());
        for bad in [
            "",
            "fc-publisher",
            "acs:ram::12x:role/a",
            "acs:ram::123:user/a",
            "acs:ram::123:role/",
            "acs:ram::123:role/a b",
            "acs:ram::123:oidc-provider/GitHub",
        ] {
            assert!(RoleArn::parse(bad).is_err(), "{bad:?}");
        }
        assert!(OidcProviderArn::parse("acs:ram::123:role/r").is_err());
    }

    #[test]
    fn a_given_session_name_is_taken_or_refused_and_the_default_is_made_valid() {
        assert!(SessionName::parse("ci@org.example-1_2").is_ok());
        for bad in ["a", "has space", "slash/", &"x".repeat(65)] {
            assert!(SessionName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            SessionName::default_for(Some("123456")).as_str(),
            "fc-layer-action-123456"
        );
        assert_eq!(SessionName::default_for(None).as_str(), "fc-layer-action");
        let odd = SessionName::default_for(Some(&format!("a/b c:{}", "9".repeat(80))));
        assert_eq!(odd.as_str().len(), 64);
        assert!(odd.as_str().starts_with("fc-layer-action-a-b-c-9"));
        assert!(SessionName::parse(odd.as_str()).is_ok());
    }

    #[test]
    fn durations_are_bounded_by_sts() {
        assert_eq!(parse_duration("900"), Ok(900));
        assert_eq!(parse_duration(" 43200 "), Ok(43200));
        for bad in ["899", "43201", "1h", "-1", ""] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
