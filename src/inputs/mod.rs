//! The action's inputs: read raw from `INPUT_*` variables, then validated into [`Settings`].
//!
//! This is the one place where text from the workflow becomes typed values. Every problem is
//! an [`InputError`] that names the input at fault, and all of them are collected, so a user
//! fixes their workflow in one round instead of one error per run.
//!
//! [`RawInputs`] holds the text by [`Input`]. What every region shares is parsed once; each
//! region then overlays its FC endpoint and OSS route ([`Regions`], `{region}` replaced in
//! the inputs that hold it), defaults included, so that nothing is found wrong with a
//! location once requests are being sent. Who the run acts as ([`Access`]) is decided once:
//! keys, a role to assume (`role`), or nobody in a dry run given no credentials.

mod alias;
mod code;
mod contents;
mod error;
mod functions;
mod keys;
mod lifecycle;
mod locations;
mod oss;
mod raw;
mod regions;
mod role;

pub use code::Code;
pub use error::InputError;
pub use functions::{Functions, Rollout};
use lifecycle::Lifecycle;
pub(crate) use locations::TempBucketRoute;
pub use locations::{Account, Lender, RegionalOss, Staging};
pub(crate) use oss::UploadMode;
pub use raw::RawInputs;
pub(crate) use regions::{EndpointFrom, RegionFrom, RegionTarget, Regions};
pub use role::{ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE, ENV_ROLE_ARN, Identity};

use std::path::Path;

use self::error::{check, required};
use self::keys::credential_errors;
use self::oss::SharedOss;
use self::regions::RegionChoice;
use crate::cloud::Region;
use crate::credentials::Masker;
use crate::fc::limits::{MAX_DESCRIPTION_CHARS, MAX_RUNTIMES};
use crate::fc::{self, LayerName, runtimes};
use crate::interface::Input;

/// Everything a publish needs, validated, and every place a request goes, resolved. Built
/// whole by [`Settings::parse`] and never changed after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub layer_name: LayerName,
    pub code: Code,
    pub compatible_runtimes: Vec<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    /// As whom, and where, FC and OSS are called.
    pub access: Access,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) upload: UploadMode,
    /// The functions moved to the version after it is published or reused.
    pub rollout: Rollout,
    /// `exclude`, `python-bytecode`, `check`: what a zip made here holds, and its checks.
    pub(crate) packaging: crate::package::Options,
    /// Every region named, and where they were named, for the warning on an unknown one.
    pub(crate) regions_named: (RegionFrom, Vec<Region>),
}

/// As whom the run calls, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// A dry run given no credentials: it packages and checks, and calls nothing. `region` is
    /// the first one given, for the outputs.
    Offline { region: Option<Region> },
    /// `identity` in each of `regions`.
    Online {
        identity: Identity,
        regions: Regions,
    },
}

impl Access {
    /// The first region given, if any: the offline run's, or the first listed.
    pub(crate) fn first_region(&self) -> Option<&Region> {
        match self {
            Access::Offline { region } => region.as_ref(),
            Access::Online { regions, .. } => regions.first().region.as_ref(),
        }
    }
}

/// The layer's own inputs, which no region changes.
struct Layer {
    name: Option<LayerName>,
    runtimes: Vec<String>,
    description: Option<String>,
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
        let choice = RegionChoice::read(&raw, &env, &mut errors);
        let lifecycle = lifecycle::parse(&raw, &mut errors);
        let rollout = functions::parse(&raw, &mut errors);
        let layer = Layer::parse(&raw, &mut errors);
        let identity = role::identity(&raw, &env, choice.first(), masker, &mut errors);
        // A dry run given no credentials at all still validates and packages; it just
        // cannot look at the layer's versions.
        let offline = lifecycle.dry_run && matches!(identity, role::Resolved::NotFound(_));
        let identity = match identity {
            role::Resolved::Found(identity) => Some(identity),
            role::Resolved::NotFound(error) if !offline => {
                errors.extend(credential_errors(&error));
                None
            }
            role::Resolved::NotFound(_) | role::Resolved::Invalid => None,
        };
        let oss = SharedOss::parse(&raw, &mut errors);
        let code = code::parse(&raw, working_dir, &choice, &oss, offline, &mut errors);
        let packaging = contents::parse(&raw, code.as_ref(), &layer.runtimes, &mut errors);
        let regions = choice.targets(&raw, &oss, offline, &mut errors);
        let access = match (offline, identity, regions) {
            (true, ..) => Some(Access::Offline {
                region: choice.first().cloned(),
            }),
            (false, Some(identity), Some(regions)) => Some(Access::Online { identity, regions }),
            _ => None,
        };
        let errors = in_order(errors);
        match (layer.name, code, access) {
            (Some(layer_name), Some(code), Some(access)) if errors.is_empty() => Ok(Self {
                layer_name,
                code,
                compatible_runtimes: layer.runtimes,
                description: layer.description,
                license: raw.text(Input::License).map(str::to_owned),
                access,
                lifecycle,
                upload: oss.mode,
                rollout,
                packaging,
                regions_named: (choice.from, choice.named().to_vec()),
            }),
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

    /// Regions FC 3.0 is not known to have, and where they were named: worth a warning, a
    /// typo's host does not resolve.
    pub(crate) fn unknown_regions(&self) -> (RegionFrom, Vec<&Region>) {
        let (from, named) = &self.regions_named;
        let unknown = named.iter().filter(|region| !fc::regions::is_known(region));
        (*from, unknown.collect())
    }
}

impl Layer {
    fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Self {
        let name = required(Input::LayerName, raw.text(Input::LayerName), errors)
            .and_then(|name| check(Input::LayerName, LayerName::parse(name.trim()), errors));
        let runtimes = raw
            .text(Input::CompatibleRuntimes)
            .map(parse_runtimes)
            .unwrap_or_default();
        if runtimes.len() > MAX_RUNTIMES {
            errors.push(InputError::new(
                Input::CompatibleRuntimes,
                format!(
                    "lists {} runtimes; FC accepts at most {MAX_RUNTIMES}",
                    runtimes.len()
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
        Self {
            name,
            runtimes,
            description,
        }
    }
}

/// Each error once (every region sees the same inputs but for its own name, so most come
/// once per region), in the order the inputs are declared, whichever check found them.
fn in_order(errors: Vec<InputError>) -> Vec<InputError> {
    let mut unique: Vec<InputError> = Vec::new();
    for error in errors {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    unique.sort_by_key(|error| error.input);
    unique
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
