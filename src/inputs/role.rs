//! Who the run acts as: AccessKeys (the inputs, then `ALIBABA_CLOUD_ACCESS_KEY_*`), or a role
//! to assume: with GitHub's OIDC token (`role-to-assume` + `oidc-provider-arn`, no keys at
//! all), with the caller's keys (`role-to-assume` alone, AssumeRole), or with a token file
//! (`ALIBABA_CLOUD_ROLE_ARN` + `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` +
//! `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, the SDKs' chain on self-hosted runners and Kubernetes).
//! Every role value is checked here, so that nothing is sent before all of them are right.

use std::path::PathBuf;

use super::error::{InputError, check};
use super::keys::{credential_chain, credential_errors};
use super::raw::RawInputs;
use crate::cloud::Region;
use crate::credentials::role::{
    DEFAULT_AUDIENCE, DEFAULT_DURATION_SECONDS, ENV_REQUEST_TOKEN, ENV_REQUEST_URL,
    GitHubTokenRequest, OidcProviderArn, OidcToken, RoleArn, RoleAssumption, SessionName, Via,
    parse_duration,
};
use crate::credentials::{Credentials, CredentialsError, Masker, Secret};
use crate::endpoint::Endpoint;
use crate::interface::Input;

pub const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
pub const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
pub const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
pub(crate) const ENV_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
pub(crate) const ENV_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
const ENV_VPC_ENDPOINT: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";

/// Who the run acts as, once the inputs are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Keys(Credentials),
    /// Credentials to be had from STS before the pipeline starts.
    Role(Box<RoleAssumption>),
}

pub(super) enum Resolved {
    Found(Identity),
    /// No source of credentials at all; a dry run goes on without.
    NotFound(CredentialsError),
    /// Reported in `errors` already.
    Invalid,
}

/// Reads the credential and role inputs and the environment; what is secret is masked
/// through `masker` as it is read.
pub(super) fn identity(
    raw: &RawInputs,
    env: &dyn Fn(&str) -> Option<String>,
    region: Option<&Region>,
    masker: &mut dyn Masker,
    errors: &mut Vec<InputError>,
) -> Resolved {
    let before = errors.len();
    let inputs = RoleInputs::read(raw, env, region, errors);
    check_combinations(raw, &inputs, errors);
    if inputs.wants_oidc {
        return with_github_oidc(inputs, masker, errors, before);
    }
    let keys = credential_chain(raw, env).resolve(masker);
    if inputs.wants_role {
        return with_keys(inputs, keys, errors, before);
    }
    keys_or_environment_oidc(inputs, keys, errors, before)
}

/// The role inputs, each checked as it is read (a wrong one is reported and left out), with
/// what else decides where STS is and what the session is called.
struct RoleInputs<'a> {
    role_arn: Option<RoleArn>,
    provider: Option<OidcProviderArn>,
    session_name: Option<SessionName>,
    duration_seconds: u32,
    external_id: Option<String>,
    audience: String,
    sts_endpoint: Option<&'a str>,
    /// `role-to-assume` is given, valid or not: the combinations are judged on what was asked.
    wants_role: bool,
    /// `oidc-provider-arn` is given, valid or not.
    wants_oidc: bool,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// The first region published to: STS's region when the environment names none.
    region: Option<&'a Region>,
}

impl<'a> RoleInputs<'a> {
    fn read(
        raw: &'a RawInputs,
        env: &'a dyn Fn(&str) -> Option<String>,
        region: Option<&'a Region>,
        errors: &mut Vec<InputError>,
    ) -> Self {
        let text = |input| {
            raw.text(input)
                .map(str::trim)
                .filter(|text| !text.is_empty())
        };
        RoleInputs {
            role_arn: text(Input::RoleToAssume)
                .and_then(|arn| check(Input::RoleToAssume, RoleArn::parse(arn), errors)),
            provider: text(Input::OidcProviderArn)
                .and_then(|arn| check(Input::OidcProviderArn, OidcProviderArn::parse(arn), errors)),
            session_name: text(Input::RoleSessionName)
                .and_then(|name| check(Input::RoleSessionName, SessionName::parse(name), errors)),
            duration_seconds: text(Input::RoleDurationSeconds)
                .and_then(|seconds| {
                    check(Input::RoleDurationSeconds, parse_duration(seconds), errors)
                })
                .unwrap_or(DEFAULT_DURATION_SECONDS),
            external_id: text(Input::RoleExternalId).map(str::to_owned),
            audience: text(Input::Audience).unwrap_or(DEFAULT_AUDIENCE).to_owned(),
            sts_endpoint: text(Input::StsEndpoint),
            wants_role: text(Input::RoleToAssume).is_some(),
            wants_oidc: text(Input::OidcProviderArn).is_some(),
            env,
            region,
        }
    }

    /// `sts-endpoint` as given, else the regional endpoint (`env_region`, else the first
    /// region published to), over the VPC when the environment asks for it.
    fn sts(&self, env_region: Option<String>) -> Option<Endpoint> {
        // An invalid `sts-endpoint` is reported with the other OSS and STS inputs.
        if let Some(given) = self.sts_endpoint {
            return Endpoint::parse(given).ok();
        }
        let vpc = (self.env)(ENV_VPC_ENDPOINT).is_some_and(|value| value.trim() == "true");
        let region = env_region
            .and_then(|text| Region::parse(text.trim()).ok())
            .or_else(|| self.region.cloned());
        Some(match (region, vpc) {
            (Some(region), true) => Endpoint::aliyuncs(format_args!("sts-vpc.{region}")),
            (Some(region), false) => Endpoint::aliyuncs(format_args!("sts.{region}")),
            (None, _) => Endpoint::default_sts(),
        })
    }

    /// `role-session-name` as given, else a valid `fallback`, else one named after the run.
    fn session_name(&self, fallback: Option<String>) -> SessionName {
        self.session_name.clone().unwrap_or_else(|| {
            fallback
                .and_then(|name| SessionName::parse(name.trim()).ok())
                .unwrap_or_else(|| SessionName::default_for((self.env)("GITHUB_RUN_ID").as_deref()))
        })
    }

    fn assume(
        &self,
        role_arn: RoleArn,
        session_fallback: Option<String>,
        sts: Endpoint,
        via: Via,
    ) -> Resolved {
        Resolved::Found(Identity::Role(Box::new(RoleAssumption {
            role_arn,
            session_name: self.session_name(session_fallback),
            duration_seconds: self.duration_seconds,
            sts,
            via,
        })))
    }
}

/// Reports the role inputs that do not go together: OIDC takes a role and no keys, and an
/// external ID belongs to AssumeRole alone.
fn check_combinations(raw: &RawInputs, inputs: &RoleInputs, errors: &mut Vec<InputError>) {
    if inputs.wants_oidc && !inputs.wants_role {
        errors.push(InputError::new(
            Input::RoleToAssume,
            "is required with `oidc-provider-arn`: it names the role the token is exchanged for",
        ));
    }
    if inputs.wants_oidc {
        let keys_given = [
            Input::AccessKeyId,
            Input::AccessKeySecret,
            Input::SecurityToken,
        ]
        .into_iter()
        .filter(|input| raw.text(*input).is_some() || raw.secret(*input).is_some());
        for input in keys_given {
            errors.push(InputError::new(
                input,
                format!(
                    "cannot be used with `{}`: the role's credentials come from the job's OIDC token, with no keys",
                    Input::OidcProviderArn
                ),
            ));
        }
        if inputs.external_id.is_some() {
            errors.push(InputError::new(
                Input::RoleExternalId,
                format!(
                    "goes with AssumeRole (`{}` without `{}`); AssumeRoleWithOIDC takes none",
                    Input::RoleToAssume,
                    Input::OidcProviderArn
                ),
            ));
        }
    } else if inputs.external_id.is_some() && !inputs.wants_role {
        errors.push(InputError::new(
            Input::RoleExternalId,
            format!("is only sent with `{}`", Input::RoleToAssume),
        ));
    }
}

/// `role-to-assume` with `oidc-provider-arn`: the job's own OIDC token is exchanged for the
/// role's credentials. `before` is how many errors there were before the role inputs.
fn with_github_oidc(
    mut inputs: RoleInputs,
    masker: &mut dyn Masker,
    errors: &mut Vec<InputError>,
    before: usize,
) -> Resolved {
    let token_request = github_token_request(&inputs, masker, errors);
    match (
        inputs.role_arn.take(),
        inputs.provider.take(),
        token_request,
        inputs.sts(None),
    ) {
        (Some(role_arn), Some(provider), Some(request), Some(sts)) if errors.len() == before => {
            let via = Via::Oidc {
                provider,
                token: OidcToken::GitHub(request),
            };
            inputs.assume(role_arn, None, sts, via)
        }
        _ => Resolved::Invalid,
    }
}

/// Where the job's OIDC token is asked for, from the variables GitHub sets for a job with
/// `permissions: id-token: write`; the bearer is masked.
fn github_token_request(
    inputs: &RoleInputs,
    masker: &mut dyn Masker,
    errors: &mut Vec<InputError>,
) -> Option<GitHubTokenRequest> {
    match (
        (inputs.env)(ENV_REQUEST_URL),
        (inputs.env)(ENV_REQUEST_TOKEN),
    ) {
        (Some(url), Some(bearer)) => {
            let bearer = Secret::new(bearer.trim());
            masker.mask(&bearer);
            Some(GitHubTokenRequest {
                url: url.trim().to_owned(),
                bearer,
                audience: inputs.audience.clone(),
            })
        }
        _ => {
            errors.push(InputError::new(
                Input::OidcProviderArn,
                format!(
                    "needs the job's OIDC token, but {ENV_REQUEST_URL} and {ENV_REQUEST_TOKEN} are not set: the job needs `permissions: id-token: write`"
                ),
            ));
            None
        }
    }
}

/// `role-to-assume` alone: AssumeRole, signed with the caller's keys.
fn with_keys(
    mut inputs: RoleInputs,
    keys: Result<Credentials, CredentialsError>,
    errors: &mut Vec<InputError>,
    before: usize,
) -> Resolved {
    match (keys, inputs.role_arn.take(), inputs.sts(None)) {
        (Ok(credentials), Some(role_arn), Some(sts)) if errors.len() == before => {
            let via = Via::Credentials {
                credentials,
                external_id: inputs.external_id.take(),
            };
            inputs.assume(role_arn, None, sts, via)
        }
        (Err(error), ..) => {
            errors.extend(credential_errors(&error).into_iter().map(|mut error| {
                error.problem = format!(
                    "{} (AssumeRole for `{}` is signed with them; add `{}` to use GitHub OIDC instead)",
                    error.problem,
                    Input::RoleToAssume,
                    Input::OidcProviderArn
                );
                error
            }));
            Resolved::Invalid
        }
        _ => Resolved::Invalid,
    }
}

/// No role input: the keys found, else the environment's OIDC chain, else nothing at all.
fn keys_or_environment_oidc(
    inputs: RoleInputs,
    keys: Result<Credentials, CredentialsError>,
    errors: &mut Vec<InputError>,
    before: usize,
) -> Resolved {
    match keys {
        Ok(credentials) if errors.len() == before => Resolved::Found(Identity::Keys(credentials)),
        Ok(_) => Resolved::Invalid,
        Err(CredentialsError::NotFound { missing }) if missing.len() == 2 => {
            let env = inputs.env;
            match environment_oidc(env, errors) {
                Some(Some((role_arn, provider, path))) if errors.len() == before => {
                    match inputs.sts(env(ENV_STS_REGION)) {
                        Some(sts) => {
                            let via = Via::Oidc {
                                provider,
                                token: OidcToken::File(path),
                            };
                            inputs.assume(role_arn, env(ENV_ROLE_SESSION_NAME), sts, via)
                        }
                        None => Resolved::Invalid,
                    }
                }
                Some(_) => Resolved::Invalid,
                None => Resolved::NotFound(CredentialsError::NotFound { missing }),
            }
        }
        Err(error) => {
            errors.extend(credential_errors(&error));
            Resolved::Invalid
        }
    }
}

/// The SDKs' OIDC chain from the environment: `None` when none of its variables is set,
/// `Some(None)` when it is set but wrong (reported), else the role, provider and token file.
fn environment_oidc(
    env: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<InputError>,
) -> Option<Option<(RoleArn, OidcProviderArn, PathBuf)>> {
    let read = |name: &str| env(name).map(|value| value.trim().to_owned());
    let (role, provider, file) = (
        read(ENV_ROLE_ARN),
        read(ENV_OIDC_PROVIDER_ARN),
        read(ENV_OIDC_TOKEN_FILE),
    );
    if role.is_none() && provider.is_none() && file.is_none() {
        return None;
    }
    let (Some(role), Some(provider), Some(file)) = (role, provider, file) else {
        errors.push(InputError::new(
            Input::RoleToAssume,
            format!(
                "the environment sets part of the OIDC chain; {ENV_ROLE_ARN}, {ENV_OIDC_PROVIDER_ARN} and {ENV_OIDC_TOKEN_FILE} go together"
            ),
        ));
        return Some(None);
    };
    let role = RoleArn::parse(&role)
        .map_err(|error| {
            errors.push(InputError::new(
                Input::RoleToAssume,
                format!("{ENV_ROLE_ARN}: {error}"),
            ))
        })
        .ok();
    let provider = OidcProviderArn::parse(&provider)
        .map_err(|error| {
            errors.push(InputError::new(
                Input::OidcProviderArn,
                format!("{ENV_OIDC_PROVIDER_ARN}: {error}"),
            ))
        })
        .ok();
    Some(
        role.zip(provider)
            .map(|(role, provider)| (role, provider, PathBuf::from(file))),
    )
}
