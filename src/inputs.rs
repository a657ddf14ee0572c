//! The action's inputs: read raw from `INPUT_*` variables, then validated into [`Settings`].
//!
//! This is the one place where text from the workflow becomes typed values. Every problem is
//! an [`InputError`] that names the input at fault, and all of them are collected, so a user
//! fixes their workflow in one round instead of one error per run.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::credentials::chain::{Chain, FromEnvironment, FromInputs};
use crate::credentials::{Credentials, CredentialsError, Masker, Secret};
use crate::endpoint::Endpoint;
use crate::fc::limits::{MAX_DESCRIPTION_CHARS, MAX_RUNTIMES};
use crate::fc::{Acl, LayerName, runtimes};
use crate::interface::INPUTS;
use crate::oss::location::OssLocation;
use crate::oss::names::{BucketName, ObjectRef, check_key};
use crate::retry::MAX_RETRIES;

/// The region to use when the `region` input is unset.
pub const ENV_REGION: &str = "ALIBABA_CLOUD_REGION_ID";

/// A problem with one input. `input` is the name a user writes under `with:`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}`: {problem}")]
pub struct InputError {
    pub input: &'static str,
    pub problem: String,
}

impl InputError {
    fn new(input: &'static str, problem: impl Into<String>) -> Self {
        Self {
            input,
            problem: problem.into(),
        }
    }
}

/// The inputs as text, before validation. `None` means unset or blank.
/// Its fields are [`INPUTS`] with `_` for `-`; a unit test below keeps the two in step.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct RawInputs {
    pub layer_name: Option<String>,
    pub code: Option<String>,
    pub compatible_runtimes: Option<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub security_token: Option<String>,
    pub skip_unchanged: Option<String>,
    pub keep_versions: Option<String>,
    pub acl: Option<String>,
    pub retries: Option<String>,
    pub dry_run: Option<String>,
    pub upload: Option<String>,
    pub oss_bucket: Option<String>,
    pub oss_key_prefix: Option<String>,
    pub oss_endpoint: Option<String>,
    pub account_id: Option<String>,
    pub sts_endpoint: Option<String>,
}

/// Shows which inputs are set, never their secret values.
impl fmt::Debug for RawInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |value: &Option<String>| value.as_ref().map(|_| "**set**");
        f.debug_struct("RawInputs")
            .field("layer_name", &self.layer_name)
            .field("code", &self.code)
            .field("compatible_runtimes", &self.compatible_runtimes)
            .field("description", &self.description)
            .field("license", &self.license)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &set(&self.access_key_secret))
            .field("security_token", &set(&self.security_token))
            .field("skip_unchanged", &self.skip_unchanged)
            .field("keep_versions", &self.keep_versions)
            .field("acl", &self.acl)
            .field("retries", &self.retries)
            .field("dry_run", &self.dry_run)
            .field("upload", &self.upload)
            .field("oss_bucket", &self.oss_bucket)
            .field("oss_key_prefix", &self.oss_key_prefix)
            .field("oss_endpoint", &self.oss_endpoint)
            .field("account_id", &self.account_id)
            .field("sts_endpoint", &self.sts_endpoint)
            .finish()
    }
}

impl RawInputs {
    /// Reads the `INPUT_*` variables out of `vars` (the process environment at the edge).
    ///
    /// GitHub names them `INPUT_LAYER-NAME`; tools that go through a shell use
    /// `INPUT_LAYER_NAME`. Both are accepted; both set to different values is an error, since
    /// either choice would silently ignore one of them.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, InputError> {
        let mut inputs: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (name, value) in vars {
            let Some(input) = name.strip_prefix("INPUT_") else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let key = format!("INPUT_{}", input.replace('-', "_").to_ascii_uppercase());
            if let Some((first_name, first_value)) = inputs.get(&key) {
                if *first_value != value {
                    return Err(InputError::new(
                        input_name(&key),
                        format!("set twice with different values, as {first_name} and {name}"),
                    ));
                }
                continue;
            }
            inputs.insert(key, (name, value));
        }
        envy::prefixed("INPUT_")
            .from_iter(inputs.into_iter().map(|(key, (_, value))| (key, value)))
            .map_err(|error| InputError::new("inputs", error.to_string()))
    }
}

/// Maps a normalised variable name back to a known input name for messages.
fn input_name(key: &str) -> &'static str {
    let wanted = key
        .trim_start_matches("INPUT_")
        .replace('_', "-")
        .to_ascii_lowercase();
    INPUTS
        .into_iter()
        .find(|known| *known == wanted)
        .unwrap_or("inputs")
}

/// Everything a publish needs, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub layer_name: LayerName,
    pub code: Code,
    pub compatible_runtimes: Vec<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    /// Where and as whom to call FC; `None` only in a dry run given no credentials.
    pub api: Option<Api>,
    pub lifecycle: Lifecycle,
    pub upload: Upload,
}

/// The `code` input: files to package, or an object already in OSS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// Resolved against the working directory; whether it is a directory or a zip is
    /// decided when it is read.
    Path(PathBuf),
    Object(ObjectRef),
}

/// How the zip reaches FC: `upload`, the OSS inputs, and what the temporary bucket needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub mode: UploadMode,
    /// A bucket of the user's own; `None` means FC's temporary bucket.
    pub bucket: Option<BucketName>,
    pub key_prefix: String,
    /// `None` means the default: `oss-{region}` for an own bucket, accelerate for FC's.
    pub oss_endpoint: Option<OssLocation>,
    pub account_id: Option<String>,
    /// `None` means [`DEFAULT_STS_ENDPOINT`].
    pub sts_endpoint: Option<Endpoint>,
    /// The region, when known; FC's temporary bucket and an own bucket's signature need it.
    pub region: Option<String>,
    /// Whether `endpoint` was given, so that the temporary-bucket call goes there too.
    pub endpoint_given: bool,
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

/// The endpoint and the credentials for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
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
        // The OSS inputs are checked against the others once those are parsed.
        let oss_inputs = raw.clone();

        let layer_name = required("layer-name", raw.layer_name, &mut errors)
            .and_then(|name| check("layer-name", LayerName::parse(name.trim()), &mut errors));

        let code = required("code", raw.code.clone(), &mut errors).and_then(|code| {
            let code = code.trim();
            match ObjectRef::parse(code) {
                Some(object) => check("code", object, &mut errors).map(Code::Object),
                None => Some(Code::Path(working_dir.join(code))),
            }
        });

        let compatible_runtimes = raw
            .compatible_runtimes
            .as_deref()
            .map(parse_runtimes)
            .unwrap_or_default();
        if compatible_runtimes.len() > MAX_RUNTIMES {
            errors.push(InputError::new(
                "compatible-runtimes",
                format!(
                    "lists {} runtimes; FC accepts at most {MAX_RUNTIMES}",
                    compatible_runtimes.len()
                ),
            ));
        }

        if let Some(description) = &raw.description {
            let length = description.chars().count();
            if length > MAX_DESCRIPTION_CHARS {
                errors.push(InputError::new(
                    "description",
                    format!("is {length} characters long; the most is {MAX_DESCRIPTION_CHARS}"),
                ));
            }
        }

        let region = raw
            .region
            .clone()
            .or_else(|| env(ENV_REGION))
            .map(|region| region.trim().to_owned());
        if let Some(Err(problem)) = region.as_deref().map(check_region) {
            errors.push(InputError::new("region", problem));
        }

        let credentials = credential_chain(
            raw.access_key_id.clone(),
            raw.access_key_secret.clone(),
            raw.security_token.clone(),
            &env,
        )
        .resolve(masker);
        // A dry run given no credentials at all still validates and packages; it just
        // cannot look at the layer's versions.
        let offline =
            lifecycle.dry_run && matches!(credentials, Err(CredentialsError::NotFound { .. }));
        let credentials = credentials
            .map_err(|error| {
                if !offline {
                    errors.extend(credential_errors(&error));
                }
            })
            .ok();

        let endpoint = match (raw.endpoint.clone(), &region) {
            (Some(endpoint), _) => check("endpoint", Endpoint::parse(endpoint.trim()), &mut errors),
            (None, Some(region)) => Endpoint::fc_for_region(region).ok(),
            (None, None) if offline => None,
            (None, None) => {
                errors.push(InputError::new(
                    "region",
                    format!("is required (or set {ENV_REGION}, or give `endpoint`)"),
                ));
                None
            }
        };

        let api = match (endpoint, credentials) {
            (Some(endpoint), Some(credentials)) => Some(Api {
                endpoint,
                credentials,
            }),
            _ => None,
        };
        let upload = parse_upload(&oss_inputs, region.clone(), code.as_ref(), &mut errors);

        // In the order the inputs are declared, whichever check found them.
        errors.sort_by_key(|error| INPUTS.iter().position(|name| *name == error.input));
        match (layer_name, code) {
            (Some(layer_name), Some(code)) if errors.is_empty() && (api.is_some() || offline) => {
                Ok(Self {
                    layer_name,
                    code,
                    compatible_runtimes,
                    description: raw.description,
                    license: raw.license,
                    api,
                    lifecycle,
                    upload,
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

/// The OSS inputs, and how they go together with `code` and `upload`.
fn parse_upload(
    raw: &RawInputs,
    region: Option<String>,
    code: Option<&Code>,
    errors: &mut Vec<InputError>,
) -> Upload {
    let trimmed = |value: &Option<String>| value.as_deref().map(str::trim).map(str::to_owned);
    let mode = match trimmed(&raw.upload).as_deref() {
        None | Some("auto") => UploadMode::Auto,
        Some("inline") => UploadMode::Inline,
        Some("oss") => UploadMode::Oss,
        Some(other) => {
            errors.push(InputError::new(
                "upload",
                format!("{other:?} is not `auto`, `inline` or `oss`"),
            ));
            UploadMode::Auto
        }
    };
    let bucket = trimmed(&raw.oss_bucket)
        .and_then(|bucket| check("oss-bucket", BucketName::parse(&bucket), errors));
    let key_prefix = trimmed(&raw.oss_key_prefix).unwrap_or_else(|| DEFAULT_KEY_PREFIX.to_owned());
    if let Err(problem) = check_key(&key_prefix, "the prefix") {
        errors.push(InputError::new("oss-key-prefix", problem.to_string()));
    }
    let oss_endpoint = trimmed(&raw.oss_endpoint)
        .and_then(|endpoint| check("oss-endpoint", OssLocation::parse(&endpoint), errors));
    let account_id = trimmed(&raw.account_id);
    if let Some(id) = &account_id
        && !(id.len() >= 8 && id.len() <= 32 && id.bytes().all(|byte| byte.is_ascii_digit()))
    {
        errors.push(InputError::new(
            "account-id",
            format!("{id:?} is not an Alibaba Cloud account id (digits, like 1234567890123456)"),
        ));
    }
    let sts_endpoint = trimmed(&raw.sts_endpoint)
        .and_then(|endpoint| check("sts-endpoint", Endpoint::parse(&endpoint), errors));
    if let Some(Code::Object(object)) = code {
        if bucket.is_some() {
            errors.push(InputError::new(
                "oss-bucket",
                format!("cannot be used with `code: {object}`, which names its bucket already"),
            ));
        }
        if mode == UploadMode::Inline {
            errors.push(InputError::new(
                "upload",
                format!("`inline` cannot send `code: {object}`, which is in OSS already"),
            ));
        }
    }
    if bucket.is_some() && region.is_none() {
        errors.push(InputError::new(
            "region",
            format!("is required with `oss-bucket` (or set {ENV_REGION}): the bucket's region signs the upload"),
        ));
    }
    Upload {
        mode,
        bucket,
        key_prefix,
        oss_endpoint,
        account_id,
        sts_endpoint,
        region,
        endpoint_given: raw.endpoint.is_some(),
    }
}

/// Where STS is asked for the account id unless `sts-endpoint` says otherwise.
pub const DEFAULT_STS_ENDPOINT: &str = "sts.aliyuncs.com";

/// The inputs around the create, each checked on its own.
fn parse_lifecycle(raw: &RawInputs, errors: &mut Vec<InputError>) -> Lifecycle {
    let defaults = Lifecycle::default();
    let mut flag = |input: &'static str, value: &Option<String>, default: bool| {
        value.as_deref().map_or(default, |text| {
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
    let skip_unchanged = flag(
        "skip-unchanged",
        &raw.skip_unchanged,
        defaults.skip_unchanged,
    );
    let dry_run = flag("dry-run", &raw.dry_run, defaults.dry_run);
    let mut count = |input: &'static str, value: &Option<String>, default: u32, most: u32| {
        value
            .as_deref()
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
    let keep_versions = count(
        "keep-versions",
        &raw.keep_versions,
        defaults.keep_versions,
        10_000,
    );
    let retries = count("retries", &raw.retries, defaults.retries, MAX_RETRIES);
    let acl = match raw
        .acl
        .as_deref()
        .map(|acl| acl.trim().to_ascii_lowercase())
    {
        None => None,
        Some(acl) if acl == "private" => Some(Acl::Private),
        Some(acl) if acl == "public" => Some(Acl::Public),
        Some(other) => {
            errors.push(InputError::new(
                "acl",
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

fn required(
    input: &'static str,
    value: Option<String>,
    errors: &mut Vec<InputError>,
) -> Option<String> {
    if value.is_none() {
        errors.push(InputError::new(input, "is required"));
    }
    value
}

/// The value, or `None` with the problem recorded against `input`.
fn check<T, E: fmt::Display>(
    input: &'static str,
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

fn check_region(region: &str) -> Result<(), String> {
    let valid = region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{region:?} is not a region id such as `cn-hangzhou` (lower-case letters, digits and `-`)"
        ))
    }
}

/// The step's inputs first, then the `ALIBABA_CLOUD_*` environment.
fn credential_chain<'a>(
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
    env: &'a dyn Fn(&str) -> Option<String>,
) -> Chain<'a> {
    let trimmed = |value: Option<String>| value.map(|value| value.trim().to_owned());
    let security_token = trimmed(security_token).map(Secret::new);
    Chain::new()
        .with(FromInputs {
            access_key_id: trimmed(access_key_id),
            access_key_secret: trimmed(access_key_secret).map(Secret::new),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_inputs_hold_exactly_the_declared_inputs() {
        let vars = INPUTS.iter().map(|name| {
            (
                format!("INPUT_{}", name.to_ascii_uppercase()),
                format!("v-{name}"),
            )
        });
        let raw = RawInputs::from_vars(vars).expect("readable");
        let fields = serde_json::to_value(&raw).expect("serialises");
        let fields = fields.as_object().expect("an object");
        let mut names: Vec<String> = fields.keys().map(|key| key.replace('_', "-")).collect();
        names.sort_unstable();
        let mut declared: Vec<&str> = INPUTS.to_vec();
        declared.sort_unstable();
        assert_eq!(names, declared);
        for (key, value) in fields {
            assert_eq!(value, &format!("v-{}", key.replace('_', "-")));
        }
    }
}
