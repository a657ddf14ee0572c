//! The action's inputs: read raw from `INPUT_*` variables, then validated into [`Settings`].
//!
//! This is the one place where text from the workflow becomes typed values. Every problem is
//! an [`InputError`] that names the input at fault, and all of them are collected, so a user
//! fixes their workflow in one round instead of one error per run.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use reqwest::Url;
use serde::Deserialize;

use crate::credentials::Credentials;
use crate::runtimes;

/// FC's documented limit on `compatibleRuntime`.
pub const MAX_RUNTIMES: usize = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 256;
pub const MAX_LAYER_NAME_CHARS: usize = 128;

/// Variables that Alibaba's own credentials action exports; used when the inputs are unset.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
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
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
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
    const KNOWN: [&str; 10] = [
        "layer-name",
        "code",
        "compatible-runtimes",
        "description",
        "license",
        "region",
        "endpoint",
        "access-key-id",
        "access-key-secret",
        "security-token",
    ];
    let wanted = key
        .trim_start_matches("INPUT_")
        .replace('_', "-")
        .to_ascii_lowercase();
    KNOWN
        .into_iter()
        .find(|known| *known == wanted)
        .unwrap_or("inputs")
}

/// A layer name FC accepts: a letter, then letters, digits, `_` or `-`; at most 128 in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerName(String);

impl LayerName {
    pub fn parse(name: &str) -> Result<Self, String> {
        let mut chars = name.chars();
        if !chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
        {
            return Err(format!("{name:?} must start with a letter"));
        }
        if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
            return Err(format!(
                "{name:?} may hold only letters, digits, `_` and `-`, not {bad:?}"
            ));
        }
        if name.len() > MAX_LAYER_NAME_CHARS {
            return Err(format!(
                "is {} characters long; the most is {MAX_LAYER_NAME_CHARS}",
                name.len()
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where requests go: a base URL with no path, and the `host` value to send and sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    host: String,
}

impl Endpoint {
    /// `fcv3.{region}.aliyuncs.com` over HTTPS, what the official SDKs use.
    pub fn for_region(region: &str) -> Result<Self, String> {
        Self::parse(&format!("fcv3.{region}.aliyuncs.com"))
    }

    /// A bare host (`example.com`, `example.com:8443`) means HTTPS; a URL is used as given.
    pub fn parse(text: &str) -> Result<Self, String> {
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|error| format!("{text:?} is not a host or URL: {error}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{text:?} must use http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold a user name or password".to_owned());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?} must be a host or a scheme and host, with no path or query"
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("{text:?} has no host"))?
            .to_owned();
        // `Url` drops a port that is the scheme's default, and so does the HTTP client; the
        // signed `host` must match what goes on the wire.
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        Ok(Self { url, host })
    }

    /// The URL for `path_and_query`, which starts with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}://{}{}", self.url.scheme(), self.host, path_and_query)
    }

    /// The value of the `host` header.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.url.scheme(), self.host)
    }
}

/// Everything a publish needs, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub layer_name: LayerName,
    /// Resolved against the working directory; whether it is a directory or a zip is
    /// decided when it is read.
    pub code: PathBuf,
    pub compatible_runtimes: Vec<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub endpoint: Endpoint,
    pub credentials: Credentials,
}

impl Settings {
    /// Validates `raw`. `env` looks up the fallback variables (region, credentials);
    /// `working_dir` anchors a relative `code` path.
    pub fn parse(
        raw: RawInputs,
        env: impl Fn(&str) -> Option<String>,
        working_dir: &Path,
    ) -> Result<Self, Vec<InputError>> {
        let mut errors = Vec::new();
        let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());

        let layer_name = required("layer-name", raw.layer_name, &mut errors)
            .and_then(|name| check("layer-name", LayerName::parse(name.trim()), &mut errors));

        let code =
            required("code", raw.code, &mut errors).map(|code| working_dir.join(code.trim()));

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
            .or_else(|| env(ENV_REGION))
            .map(|region| region.trim().to_owned());
        if let Some(Err(problem)) = region.as_deref().map(check_region) {
            errors.push(InputError::new("region", problem));
        }
        let endpoint = match (raw.endpoint, &region) {
            (Some(endpoint), _) => check("endpoint", Endpoint::parse(endpoint.trim()), &mut errors),
            (None, Some(region)) => Endpoint::for_region(region).ok(),
            (None, None) => {
                errors.push(InputError::new(
                    "region",
                    format!("is required (or set {ENV_REGION}, or give `endpoint`)"),
                ));
                None
            }
        };

        let credentials = load_credentials(
            raw.access_key_id,
            raw.access_key_secret,
            raw.security_token,
            env,
            &mut errors,
        );

        match (layer_name, code, endpoint, credentials) {
            (Some(layer_name), Some(code), Some(endpoint), Some(credentials))
                if errors.is_empty() =>
            {
                Ok(Self {
                    layer_name,
                    code,
                    compatible_runtimes,
                    description: raw.description,
                    license: raw.license,
                    endpoint,
                    credentials,
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

fn check<T>(
    input: &'static str,
    result: Result<T, String>,
    errors: &mut Vec<InputError>,
) -> Option<T> {
    result
        .map_err(|problem| errors.push(InputError::new(input, problem)))
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

/// Inputs win over the environment, but as a whole: a key id from one place and a secret from
/// the other would sign with a mismatched pair, and a token left over in the environment
/// must not ride along with long-term keys given as inputs.
fn load_credentials(
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
    env: impl Fn(&str) -> Option<String>,
    errors: &mut Vec<InputError>,
) -> Option<Credentials> {
    let from_inputs = access_key_id.is_some() || access_key_secret.is_some();
    let (id, secret, token) = if from_inputs {
        (access_key_id, access_key_secret, security_token)
    } else {
        (
            env(ENV_ACCESS_KEY_ID),
            env(ENV_ACCESS_KEY_SECRET),
            security_token.or_else(|| env(ENV_SECURITY_TOKEN)),
        )
    };
    let id = id.map(|id| id.trim().to_owned());
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let credentials = Credentials::new(id, secret.trim());
            Some(match token {
                Some(token) => credentials.with_security_token(token.trim()),
                None => credentials,
            })
        }
        (id, secret) => {
            let source = if from_inputs {
                "both `access-key-id` and `access-key-secret` must be given when either is"
            } else {
                "is required (or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, as aliyun/configure-aliyun-credentials-action does)"
            };
            if id.is_none() {
                errors.push(InputError::new("access-key-id", source));
            }
            if secret.is_none() {
                errors.push(InputError::new("access-key-secret", source));
            }
            None
        }
    }
}
