//! The action's inputs: read raw from `INPUT_*` variables, then validated into [`Settings`].
//!
//! This is the one place where text from the workflow becomes typed values. Every problem is
//! an [`InputError`] that names the input at fault, and all of them are collected, so a user
//! fixes their workflow in one round instead of one error per run.
//!
//! [`RawInputs`] holds the text by [`Input`]; the places OSS and STS calls go, defaults
//! included, are resolved here too ([`Staging`], [`RegionalOss`]), so that nothing is
//! found wrong with a location once requests are being sent. Who the run acts as, keys or
//! a role to assume ([`RoleApi`]), is decided in `role`.
//! found wrong with a location once requests are being sent.
//!
//! [`Targets`] are the regions a step publishes to (`region`, or each that `regions`
//! lists), each with its own [`Settings`], `{region}` replaced in the inputs that hold it.

mod contents;
mod functions;
mod locations;
mod raw;
mod regions;
mod role;

pub use functions::{MAX_FUNCTIONS, Rollout};
pub use locations::{Account, Lender, RegionalOss, Staging, TempBucketRoute};
pub use raw::RawInputs;
pub use regions::{REGION_PLACEHOLDER, Target, Targets, parse_regions};
pub use role::{
    ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE, ENV_ROLE_ARN, ENV_ROLE_SESSION_NAME, ENV_STS_REGION,
};

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::cloud::{AccountId, Region};
use crate::credentials::chain::{Chain, FromEnvironment, FromInputs};
use crate::credentials::role::RoleAssumption;
use crate::credentials::{Credentials, CredentialsError, Masker, Secret};
use crate::endpoint::Endpoint;
use crate::fc::limits::{MAX_DESCRIPTION_CHARS, MAX_RUNTIMES};
use crate::fc::{Acl, LayerName, runtimes};
use crate::interface::Input;
use crate::oss::location::OssLocation;
use crate::oss_names::{BucketName, ObjectRef, check_prefix};
use crate::retry::MAX_RETRIES;

/// The region to use when the `region` input is unset.
pub const ENV_REGION: &str = "ALIBABA_CLOUD_REGION_ID";

/// A problem with one input, which a user fixes under `with:`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}`: {problem}")]
pub struct InputError {
    pub input: Input,
    pub problem: String,
}

impl InputError {
    fn new(input: Input, problem: impl Into<String>) -> Self {
        Self {
            input,
            problem: problem.into(),
        }
    }
}

/// Everything a publish needs, validated, and every place a request goes, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub layer_name: LayerName,
    pub code: Code,
    pub compatible_runtimes: Vec<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    /// Where and as whom to call FC and OSS; `None` in a dry run given no credentials, and
    /// until the role in `assume` has been assumed.
    pub api: Option<Api>,
    pub lifecycle: Lifecycle,
    pub upload: UploadMode,
    /// A role to assume before the pipeline starts, which then becomes `api`
    /// ([`RoleApi::with_credentials`]); `api` is `None` until it has.
    pub assume: Option<RoleApi>,
    /// The functions moved to the version after it is published or reused.
    pub rollout: Rollout,
    /// `exclude`, `python-bytecode`, `check`: what a zip made here holds, and its checks.
    pub packaging: crate::package::Options,
}

/// The `code` input: files to package, or an object already in OSS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// Resolved against the working directory; whether it is a directory or a zip is
    /// decided when it is read.
    Path(PathBuf),
    /// `oss` is where the object is looked up; the region it needs is required, so it is
    /// `None` only in a dry run given no credentials, which looks nothing up.
    Object {
        object: ObjectRef,
        oss: Option<RegionalOss>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadMode {
    /// Inline when the Base64 fits, OSS otherwise.
    Auto,
    Inline,
    Oss,
}

/// `fc-layers/`: where an own bucket keeps layer zips unless told otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "fc-layers/";

/// Where and as whom to call FC, and how a zip made here reaches OSS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    pub staging: Staging,
}

/// An [`Api`] whose credentials are still to be had from STS by assuming a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleApi {
    pub role: RoleAssumption,
    pub endpoint: Endpoint,
    pub staging: Staging,
}

impl RoleApi {
    /// The API as the role's `credentials`.
    pub fn with_credentials(self, credentials: Credentials) -> Api {
        Api {
            endpoint: self.endpoint,
            credentials,
            staging: self.staging,
        }
    }
}

/// What happens around the create: the unchanged check, retention, ACL, retries, dry run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub skip_unchanged: bool,
    /// 0 keeps every version.
    pub keep_versions: u32,
    pub acl: Option<Acl>,
    pub retries: u32,
    pub dry_run: bool,
}

impl Default for Lifecycle {
    /// The defaults `action.yml` declares.
    fn default() -> Self {
        Self {
            skip_unchanged: true,
            keep_versions: 0,
            acl: None,
            retries: 3,
            dry_run: false,
        }
    }
}

/// The region, as given (the input, else [`ENV_REGION`]) and as parsed.
struct RegionInput {
    given: bool,
    /// `None` when not given, or not valid (already reported).
    parsed: Option<Region>,
}

impl Settings {
    /// Validates `raw`. `env` looks up the fallback variables (region, credentials);
    /// `working_dir` anchors a relative `code` path; `masker` receives the credentials'
    /// secrets the moment they are resolved.
    pub fn parse(
        raw: RawInputs,
        env: impl Fn(&str) -> Option<String>,
        working_dir: &Path,
        masker: &mut dyn Masker,
    ) -> Result<Self, Vec<InputError>> {
        let mut errors = Vec::new();
        let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let lifecycle = parse_lifecycle(&raw, &mut errors);
        let rollout = functions::parse(&raw, &mut errors);

        let layer_name = required(Input::LayerName, raw.text(Input::LayerName), &mut errors)
            .and_then(|name| check(Input::LayerName, LayerName::parse(name.trim()), &mut errors));

        let compatible_runtimes = raw
            .text(Input::CompatibleRuntimes)
            .map(parse_runtimes)
            .unwrap_or_default();
        if compatible_runtimes.len() > MAX_RUNTIMES {
            errors.push(InputError::new(
                Input::CompatibleRuntimes,
                format!(
                    "lists {} runtimes; FC accepts at most {MAX_RUNTIMES}",
                    compatible_runtimes.len()
                ),
            ));
        }

        let description = raw.text(Input::Description).map(str::to_owned);
        if let Some(description) = &description {
            let length = description.chars().count();
            if length > MAX_DESCRIPTION_CHARS {
                errors.push(InputError::new(
                    Input::Description,
                    format!("is {length} characters long; the most is {MAX_DESCRIPTION_CHARS}"),
                ));
            }
        }

        let region_text = raw
            .text(Input::Region)
            .map(str::to_owned)
            .or_else(|| env(ENV_REGION));
        let region = RegionInput {
            given: region_text.is_some(),
            parsed: region_text
                .and_then(|text| check(Input::Region, Region::parse(text.trim()), &mut errors)),
        };

        let identity = role::identity(&raw, &env, region.parsed.as_ref(), masker, &mut errors);
        // A dry run given no credentials at all still validates and packages; it just
        // cannot look at the layer's versions.
        let offline = lifecycle.dry_run && matches!(identity, role::Resolved::NotFound(_));
        let identity = match identity {
            role::Resolved::Found(identity) => Some(identity),
            role::Resolved::NotFound(error) => {
                if !offline {
                    errors.extend(credential_errors(&error));
                }
                None
            }
            role::Resolved::Invalid => None,
        };

        let endpoint_given = raw.text(Input::Endpoint).is_some();
        let endpoint = match (raw.text(Input::Endpoint), &region.parsed) {
            (Some(endpoint), _) => check(
                Input::Endpoint,
                Endpoint::parse(endpoint.trim()),
                &mut errors,
            ),
            (None, Some(region)) => Some(Endpoint::fc_for_region(region)),
            // A region given but not valid is reported already.
            (None, None) if offline || region.given => None,
            (None, None) => {
                errors.push(InputError::new(
                    Input::Region,
                    format!("is required (or set {ENV_REGION}, or give `endpoint`)"),
                ));
                None
            }
        };

        let oss = OssInputs::parse(&raw, &mut errors);
        let code = required(Input::Code, raw.text(Input::Code), &mut errors).and_then(|code| {
            let code = code.trim();
            match ObjectRef::parse(code) {
                Some(object) => check(Input::Code, object, &mut errors).map(|object| {
                    let oss = oss.regional(&region.parsed);
                    if oss.is_none() && !offline && endpoint_given && !region.given {
                        errors.push(InputError::new(
                            Input::Region,
                            format!("is required for code: oss://… (or set {ENV_REGION})"),
                        ));
                    }
                    Code::Object { object, oss }
                }),
                None => Some(Code::Path(working_dir.join(code))),
            }
        });
        oss.check_against(code.as_ref(), &region, &mut errors);
        let packaging = contents::parse(&raw, code.as_ref(), &compatible_runtimes, &mut errors);
        let given_endpoint = endpoint.as_ref().filter(|_| endpoint_given);
        let staging = oss.staging(&region.parsed, given_endpoint);

        let (api, assume) = match (endpoint, identity, staging) {
            (Some(endpoint), Some(role::Identity::Keys(credentials)), Some(staging)) => (
                Some(Api {
                    endpoint,
                    credentials,
                    staging,
                }),
                None,
            ),
            (Some(endpoint), Some(role::Identity::Role(role)), Some(staging)) => (
                None,
                Some(RoleApi {
                    role,
                    endpoint,
                    staging,
                }),
            ),
            _ => (None, None),
        };

        // In the order the inputs are declared, whichever check found them.
        errors.sort_by_key(|error| error.input);
        match (layer_name, code) {
            (Some(layer_name), Some(code))
                if errors.is_empty() && (api.is_some() || assume.is_some() || offline) =>
            {
                Ok(Self {
                    layer_name,
                    code,
                    compatible_runtimes,
                    description,
                    license: raw.text(Input::License).map(str::to_owned),
                    api,
                    lifecycle,
                    upload: oss.mode,
                    assume,
                    rollout,
                    packaging,
                })
            }
            _ => Err(errors),
        }
    }

    /// Runtimes FC is not known to have: worth a warning, since new ones appear over time.
    pub fn unknown_runtimes(&self) -> Vec<&str> {
        self.compatible_runtimes
            .iter()
            .map(String::as_str)
            .filter(|runtime| !runtimes::is_known(runtime))
            .collect()
    }
}

/// The OSS and STS inputs, each parsed on its own; `None` where unset or invalid.
struct OssInputs {
    mode: UploadMode,
    bucket: Option<BucketName>,
    key_prefix: String,
    oss_endpoint: Option<OssLocation>,
    account_id: Option<AccountId>,
    sts_endpoint: Option<Endpoint>,
}

impl OssInputs {
    fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Self {
        let trimmed = |input| raw.text(input).map(str::trim);
        let mode = match trimmed(Input::Upload) {
            None | Some("auto") => UploadMode::Auto,
            Some("inline") => UploadMode::Inline,
            Some("oss") => UploadMode::Oss,
            Some(other) => {
                errors.push(InputError::new(
                    Input::Upload,
                    format!("{other:?} is not `auto`, `inline` or `oss`"),
                ));
                UploadMode::Auto
            }
        };
        let key_prefix = trimmed(Input::OssKeyPrefix).unwrap_or(DEFAULT_KEY_PREFIX);
        if let Err(problem) = check_prefix(key_prefix, "the prefix") {
            errors.push(InputError::new(Input::OssKeyPrefix, problem.to_string()));
        }
        Self {
            mode,
            bucket: trimmed(Input::OssBucket)
                .and_then(|bucket| check(Input::OssBucket, BucketName::parse(bucket), errors)),
            key_prefix: key_prefix.to_owned(),
            oss_endpoint: trimmed(Input::OssEndpoint).and_then(|endpoint| {
                check(Input::OssEndpoint, OssLocation::parse(endpoint), errors)
            }),
            account_id: trimmed(Input::AccountId)
                .and_then(|id| check(Input::AccountId, AccountId::parse(id), errors)),
            sts_endpoint: trimmed(Input::StsEndpoint)
                .and_then(|endpoint| check(Input::StsEndpoint, Endpoint::parse(endpoint), errors)),
        }
    }

    /// How the OSS inputs go together with `code` and the region.
    fn check_against(
        &self,
        code: Option<&Code>,
        region: &RegionInput,
        errors: &mut Vec<InputError>,
    ) {
        if let Some(Code::Object { object, .. }) = code {
            if self.bucket.is_some() {
                errors.push(InputError::new(
                    Input::OssBucket,
                    format!("cannot be used with `code: {object}`, which names its bucket already"),
                ));
            }
            if self.mode == UploadMode::Inline {
                errors.push(InputError::new(
                    Input::Upload,
                    format!("`inline` cannot send `code: {object}`, which is in OSS already"),
                ));
            }
        }
        if self.bucket.is_some() && !region.given {
            errors.push(InputError::new(
                Input::Region,
                format!("is required with `oss-bucket` (or set {ENV_REGION}): the bucket's region signs the upload"),
            ));
        }
    }

    /// OSS of `region`: `oss-endpoint`, or the region's own.
    fn regional(&self, region: &Option<Region>) -> Option<RegionalOss> {
        region.as_ref().map(|region| RegionalOss {
            location: self
                .oss_endpoint
                .clone()
                .unwrap_or_else(|| OssLocation::for_region(region)),
            region: region.clone(),
        })
    }

    /// How a zip made here reaches OSS. `given_endpoint` is the `endpoint` input's, where
    /// the temporary bucket is asked for too. `None` when the region is unknown and needed,
    /// which is an input error already, or a dry run given no credentials.
    fn staging(
        &self,
        region: &Option<Region>,
        given_endpoint: Option<&Endpoint>,
    ) -> Option<Staging> {
        match &self.bucket {
            Some(bucket) => Some(Staging::OwnBucket {
                oss: self.regional(region)?,
                bucket: bucket.clone(),
                key_prefix: self.key_prefix.clone(),
            }),
            None => {
                let lender = match (given_endpoint, region) {
                    (Some(endpoint), _) => Lender::Endpoint(endpoint.clone()),
                    (None, Some(region)) => Lender::Region(region.clone()),
                    (None, None) => return None,
                };
                let account = match (&self.account_id, &self.sts_endpoint) {
                    (Some(id), _) => Account::Given(id.clone()),
                    (None, Some(endpoint)) => Account::FromSts(endpoint.clone()),
                    (None, None) => Account::FromSts(Endpoint::default_sts()),
                };
                Some(Staging::Temporary(TempBucketRoute {
                    lender,
                    account,
                    location: self
                        .oss_endpoint
                        .clone()
                        .unwrap_or_else(OssLocation::accelerate),
                }))
            }
        }
    }
}

/// The inputs around the create, each checked on its own.
fn parse_lifecycle(raw: &RawInputs, errors: &mut Vec<InputError>) -> Lifecycle {
    let defaults = Lifecycle::default();
    let mut flag = |input: Input, default: bool| {
        raw.text(input).map_or(default, |text| {
            match text.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    errors.push(InputError::new(
                        input,
                        format!("{text:?} is neither `true` nor `false`"),
                    ));
                    default
                }
            }
        })
    };
    let skip_unchanged = flag(Input::SkipUnchanged, defaults.skip_unchanged);
    let dry_run = flag(Input::DryRun, defaults.dry_run);
    let mut count = |input: Input, default: u32, most: u32| {
        raw.text(input)
            .map_or(default, |text| match text.trim().parse::<u32>() {
                Ok(number) if number <= most => number,
                _ => {
                    errors.push(InputError::new(
                        input,
                        format!("{text:?} is not a whole number from 0 to {most}"),
                    ));
                    default
                }
            })
    };
    let keep_versions = count(Input::KeepVersions, defaults.keep_versions, 10_000);
    let retries = count(Input::Retries, defaults.retries, MAX_RETRIES);
    let acl = match raw
        .text(Input::Acl)
        .map(|acl| acl.trim().to_ascii_lowercase())
    {
        None => None,
        Some(acl) if acl == "private" => Some(Acl::Private),
        Some(acl) if acl == "public" => Some(Acl::Public),
        Some(other) => {
            errors.push(InputError::new(
                Input::Acl,
                format!("{other:?} is neither `private` nor `public` (leave it empty to keep the layer's ACL)"),
            ));
            None
        }
    };
    Lifecycle {
        skip_unchanged,
        keep_versions,
        acl,
        retries,
        dry_run,
    }
}

fn required<'a>(
    input: Input,
    value: Option<&'a str>,
    errors: &mut Vec<InputError>,
) -> Option<&'a str> {
    if value.is_none() {
        errors.push(InputError::new(input, "is required"));
    }
    value
}

/// The value, or `None` with the problem recorded against `input`.
fn check<T, E: Display>(
    input: Input,
    result: Result<T, E>,
    errors: &mut Vec<InputError>,
) -> Option<T> {
    result
        .map_err(|problem| errors.push(InputError::new(input, problem.to_string())))
        .ok()
}

/// Splits on commas and any white space, drops repeats and keeps the order given.
pub fn parse_runtimes(text: &str) -> Vec<String> {
    let mut runtimes: Vec<String> = Vec::new();
    for runtime in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if !runtime.is_empty() && !runtimes.iter().any(|seen| seen == runtime) {
            runtimes.push(runtime.to_owned());
        }
    }
    runtimes
}

/// The step's inputs first, then the `ALIBABA_CLOUD_*` environment.
fn credential_chain<'a>(raw: &RawInputs, env: &'a dyn Fn(&str) -> Option<String>) -> Chain<'a> {
    let secret = |input| {
        raw.secret(input)
            .map(|secret: &Secret| Secret::new(secret.expose().trim()))
    };
    let security_token = secret(Input::SecurityToken);
    Chain::new()
        .with(FromInputs {
            access_key_id: raw.text(Input::AccessKeyId).map(|id| id.trim().to_owned()),
            access_key_secret: secret(Input::AccessKeySecret),
            security_token: security_token.clone(),
        })
        .with(FromEnvironment {
            env,
            security_token_input: security_token,
        })
}

fn credential_errors(error: &CredentialsError) -> Vec<InputError> {
    error
        .inputs()
        .into_iter()
        .map(|input| InputError::new(input, error.to_string()))
        .collect()
}
