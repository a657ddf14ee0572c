//! The publish pipeline: the step from the environment's text to the outputs, as a sequence
//! of steps over collaborators handed in (a [`Transport`] for the network, a [`Reporter`] for
//! what GitHub sees), so that tests run it whole in-process.
//!
//! ```text
//! read inputs → package (or look up the OSS object) → list versions → skip if unchanged
//!   → upload to OSS when large → create (never twice) → ACL → delete old versions
//!   → outputs → job summary
//! ```
//! A new feature is a new step here and a module of its own; the steps share nothing but
//! the values passed from one to the next.
//!
//! - [`calls`]: FC calls with retries, and the paged listing.
//! - [`source`]: the `code` input packaged on disk, or an OSS object looked up; the route.
//! - [`stage`]: the zip put where the create takes it: inline, an own bucket, FC's bucket.
//! - [`versions`]: the steps that change the layer: create, ACL, delete.

pub mod calls;
pub mod source;
pub mod stage;
pub mod versions;

use std::path::{Path, PathBuf};

use self::calls::Calls;
use self::source::{Route, Source};
use self::stage::Staged;
use crate::client::{ClientError, FcClient};
use crate::fc::limits::{
    MAX_INLINE_BASE64_BYTES, MAX_INLINE_ZIP_BYTES, MAX_OSS_ZIP_BYTES, base64_len,
};
use crate::fc::{
    Acl, ApiRequest, Code, CreateLayerVersionInput, InlineCode, Layer, LayerName, OssCode,
};
use crate::github::Outputs;
use crate::http::Transport;
use crate::inputs::{InputError, RawInputs, Settings, UploadMode};
use crate::interface::Output;
use crate::lifecycle::{self, Wanted};
use crate::oss::client::OssError;
use crate::oss::names::ObjectRef;
use crate::oss::upload::UploadError;
use crate::package::PackageError;
use crate::report::Reporter;
use crate::summary;
use crate::temp_bucket::TempBucketError;

/// What the step reads from its process: the variables and the working directory.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub working_dir: PathBuf,
}

impl Environment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    }

    /// Where the zip is written: the runner's own temporary folder, which it cleans, when
    /// it is there; a container action may be handed a path that is not mounted.
    pub fn temp_dir(&self) -> PathBuf {
        [self.var("RUNNER_TEMP"), self.var("TMPDIR")]
            .into_iter()
            .flatten()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from("/tmp"))
    }
}

/// Why the step failed. Each is reported once, as an `::error::` annotation.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{} input(s) are invalid; nothing was published", .0.len())]
    Inputs(Vec<InputError>),
    #[error("input `code`: {0}")]
    Package(PackageError),
    #[error(
        "input `code`: the zip {}, over FC's inline limit of {MAX_INLINE_BASE64_BYTES} bytes; upload through OSS is not supported yet",
        match .zip_bytes {
            Some(size) => format!("is {size} bytes, {} as Base64", base64_len(*size as usize)),
            None => format!("passed {MAX_INLINE_ZIP_BYTES} bytes (zipping stopped there), so its Base64 is"),
        }
    )]
    TooLargeForInline {
        /// `None` when zipping stopped as soon as the limit was passed.
        zip_bytes: Option<u64>,
    },
    #[error(
        "input `code`: the zip {}, over the {MAX_OSS_ZIP_BYTES} bytes FC takes through OSS",
        match .zip_bytes {
            Some(size) => format!("is {size} bytes"),
            None => "passed that size (zipping stopped there)".to_owned(),
        }
    )]
    TooLargeForOss { zip_bytes: Option<u64> },
    #[error("input `region`: is required for {what} (or set ALIBABA_CLOUD_REGION_ID)")]
    RegionNeeded { what: &'static str },
    #[error("OSS endpoint: {0}")]
    OssEndpoint(String),
    #[error(transparent)]
    Oss(OssError),
    #[error("input `code`: {0} does not exist (HeadObject found nothing)")]
    ObjectMissing(ObjectRef),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    TempBucket(#[from] TempBucketError),
    #[error(
        "cannot learn the account id for FC's temporary bucket (give `account-id` to skip this): {0}"
    )]
    Sts(ClientError),
    #[error("cannot encode the CreateLayerVersion request: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "cannot list the layer's versions, which skip-unchanged and keep-versions need (set `skip-unchanged: false` to publish without the check): {0}"
    )]
    Listing(ClientError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("version {version} was published, but setting the ACL failed: {error}")]
    Acl { version: i64, error: ClientError },
    #[error("cannot write the outputs to GITHUB_OUTPUT: {0}")]
    Outputs(std::io::Error),
}

impl Failure {
    /// The version this failed run created anyway, which a rerun would reuse.
    pub fn published_version(&self) -> Option<i64> {
        match self {
            Failure::Acl { version, .. } => Some(*version),
            _ => None,
        }
    }
}

/// Whether the newest version already is what this run would publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing like it exists; `reason` says why, for the log and the summary.
    Publish { reason: String },
    /// The newest version holds the same zip and settings.
    Reuse(Layer),
}

/// What a successful run did, or in a dry run would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub layer_name: LayerName,
    /// CRC-64/XZ of the zip; unknown for an OSS object that OSS gave none for.
    pub checksum: Option<String>,
    pub zip_bytes: Option<u64>,
    pub runtimes: Vec<String>,
    pub dry_run: bool,
    /// `None` in a dry run given no credentials: nothing could be looked up.
    pub decision: Option<Decision>,
    /// The version output: created by this run or reused; `None` in a dry run.
    pub layer: Option<Layer>,
    /// Deleted by keep-versions; in a dry run, those it would delete.
    pub deleted: Vec<i64>,
    pub acl: Option<Acl>,
    /// `oss://bucket/key` when the zip went through OSS.
    pub staged: Option<String>,
}

impl Outcome {
    /// Whether this run created the version it outputs.
    pub fn published(&self) -> bool {
        !self.dry_run && matches!(self.decision, Some(Decision::Publish { .. }))
    }
}

/// The whole step: reads the inputs from `env`, then [`publish`]es through `transport`.
/// A failure has been reported when this returns; the caller only sets the exit code.
pub async fn run_step<T: Transport>(
    env: &Environment,
    transport: T,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let (layer_name, result) = match read_settings(env, reporter) {
        Ok(settings) => {
            let result = publish(&settings, &transport, &env.temp_dir(), reporter).await;
            (Some(settings.layer_name), result)
        }
        Err(failure) => (None, Err(failure)),
    };
    match &result {
        Ok(outcome) => reporter.summary(&summary::success(outcome)),
        Err(failure) => {
            reporter.error(&failure.to_string());
            reporter.summary(&summary::failure(layer_name.as_ref(), failure));
        }
    }
    result
}

/// Step 1: the `INPUT_*` variables as [`Settings`]; each invalid input reported on its own.
pub fn read_settings(env: &Environment, reporter: &mut impl Reporter) -> Result<Settings, Failure> {
    let invalid = |errors: Vec<InputError>, reporter: &mut dyn Reporter| {
        for error in &errors {
            reporter.error(&error.to_string());
        }
        Failure::Inputs(errors)
    };
    let raw = RawInputs::from_vars(env.vars.iter().cloned())
        .map_err(|error| invalid(vec![error], reporter))?;
    Settings::parse(raw, |name| env.var(name), &env.working_dir, reporter)
        .map_err(|errors| invalid(errors, reporter))
}

/// The steps after the inputs, through `transport`.
pub async fn publish<T: Transport>(
    settings: &Settings,
    transport: &T,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    warn_unknown_runtimes(settings, reporter);
    let source = source::source(settings, transport, temp_dir, reporter).await?;
    let route = source::route(settings.upload.mode, &source);
    if let (Route::Oss, Source::Package(package)) = (route, &source) {
        reporter.info(&format!(
            "The zip goes through OSS ({} bytes; upload: {})",
            package.size,
            match settings.upload.mode {
                UploadMode::Auto => "auto, and its Base64 is over FC's inline limit",
                UploadMode::Oss => "oss",
                UploadMode::Inline => "inline",
            }
        ));
    }
    let lifecycle = settings.lifecycle;
    let mut outcome = Outcome {
        layer_name: settings.layer_name.clone(),
        checksum: source.checksum().map(str::to_owned),
        zip_bytes: source.size(),
        runtimes: settings.compatible_runtimes.clone(),
        dry_run: lifecycle.dry_run,
        decision: None,
        layer: None,
        deleted: Vec::new(),
        acl: lifecycle.acl,
        staged: None,
    };
    let Some(api) = &settings.api else {
        reporter.info("Dry run without credentials: the package is valid; whether it would be published was not checked");
        write_outputs(&outcome, reporter)?;
        return Ok(outcome);
    };
    let client = FcClient::new(
        transport,
        api.endpoint.clone(),
        api.credentials.clone(),
        crate::clock::SystemClock,
        crate::random::OsNonces,
    );
    let calls = Calls {
        client: &client,
        retries: lifecycle.retries,
    };

    let before = list_before(settings, &calls, reporter).await?;
    let decision = decide(settings, source.checksum(), before.as_deref());
    let highest_before = before
        .as_deref()
        .map(|versions| lifecycle::newest(versions).map_or(0, |layer| layer.version));
    outcome.decision = Some(decision.clone());

    if lifecycle.dry_run {
        let (reason, output_version) = match &decision {
            Decision::Publish { reason } => (
                format!("would publish a new version: {reason}"),
                highest_before.unwrap_or(0) + 1,
            ),
            Decision::Reuse(layer) => (
                format!("would reuse version {}: nothing changed", layer.version),
                layer.version,
            ),
        };
        outcome.deleted = doomed(before.as_deref(), output_version, lifecycle.keep_versions);
        reporter.info(&format!(
            "Dry run: {reason}; nothing was uploaded, created, changed or deleted"
        ));
        if !outcome.deleted.is_empty() {
            reporter.info(&format!(
                "Dry run: keep-versions would delete {}",
                join(&outcome.deleted)
            ));
        }
        write_outputs(&outcome, reporter)?;
        return Ok(outcome);
    }

    let layer = match decision {
        Decision::Reuse(layer) => {
            reporter.info(&format!(
                "Unchanged since version {}: reusing {}",
                layer.version, layer.layer_version_arn
            ));
            layer
        }
        Decision::Publish { reason } => {
            reporter.info(&format!("Publishing: {reason}"));
            let staged = stage::stage(settings, api, transport, &source, route, reporter).await?;
            if let Staged::Oss { bucket, key, .. } = &staged {
                outcome.staged = Some(format!("oss://{bucket}/{key}"));
            }
            create_version(settings, &calls, &staged, highest_before, reporter).await?
        }
    };
    drop(source);
    outcome.layer = Some(layer.clone());

    if let Some(acl) = lifecycle.acl {
        versions::set_acl(&calls, &settings.layer_name, acl, reporter)
            .await
            .map_err(|error| Failure::Acl {
                version: layer.version,
                error,
            })?;
    }
    let doomed = doomed(before.as_deref(), layer.version, lifecycle.keep_versions);
    outcome.deleted = versions::delete(&calls, &settings.layer_name, &doomed, reporter).await;
    write_outputs(&outcome, reporter)?;
    Ok(outcome)
}

fn warn_unknown_runtimes(settings: &Settings, reporter: &mut impl Reporter) {
    for runtime in settings.unknown_runtimes() {
        reporter.warning(&format!(
            "input `compatible-runtimes`: {runtime:?} is not a runtime FC is known to have; sending it anyway"
        ));
    }
}

/// The layer's versions before anything is written: what the unchanged check compares,
/// what keep-versions counts, and the baseline that tells this run's version from others'
/// after a lost reply. `None` when they could not be listed and nothing needs them.
async fn list_before<T: Transport>(
    settings: &Settings,
    calls: &Calls<'_, T>,
    reporter: &mut impl Reporter,
) -> Result<Option<Vec<Layer>>, Failure> {
    let lifecycle = settings.lifecycle;
    let needed = lifecycle.skip_unchanged || lifecycle.keep_versions > 0 || lifecycle.dry_run;
    let versions = match calls.list_versions(&settings.layer_name, reporter).await {
        Ok(versions) => versions,
        Err(error) if needed => return Err(Failure::Listing(error)),
        Err(error) => {
            reporter.warning(&format!(
                "cannot list the layer's versions ({error}); publishing without them, so a lost reply cannot be told from a failed create and is not retried"
            ));
            return Ok(None);
        }
    };
    reporter.group(&format!(
        "Layer {} has {} version(s)",
        settings.layer_name,
        versions.len()
    ));
    let mut sorted: Vec<&Layer> = versions.iter().collect();
    sorted.sort_by_key(|layer| layer.version);
    for layer in sorted {
        reporter.info(&format!(
            "version {}: codeChecksum {}, {} bytes, runtimes {}, description {:?}",
            layer.version,
            layer.code_checksum.as_deref().unwrap_or("?"),
            layer
                .code_size
                .map_or("?".to_owned(), |size| size.to_string()),
            layer
                .compatible_runtime
                .as_deref()
                .unwrap_or_default()
                .join(", "),
            layer.description.as_deref().unwrap_or_default(),
        ));
    }
    reporter.end_group();
    Ok(Some(versions))
}

/// Reuse the newest version when skip-unchanged is on and nothing differs.
fn decide(settings: &Settings, checksum: Option<&str>, before: Option<&[Layer]>) -> Decision {
    let Some(checksum) = checksum else {
        return Decision::Publish {
            reason: "the object's CRC-64 is unknown, so it cannot be compared".to_owned(),
        };
    };
    let newest = before.and_then(lifecycle::newest);
    let Some(newest) = newest else {
        let reason = match before {
            Some(_) => "the layer has no versions yet",
            None => "its versions could not be listed",
        };
        return Decision::Publish {
            reason: reason.to_owned(),
        };
    };
    let wanted = Wanted {
        checksum,
        runtimes: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    };
    let changed = lifecycle::differences(newest, &wanted);
    if !settings.lifecycle.skip_unchanged {
        return Decision::Publish {
            reason: "skip-unchanged is off".to_owned(),
        };
    }
    if changed.is_empty() {
        return Decision::Reuse(newest.clone());
    }
    Decision::Publish {
        reason: format!(
            "{} changed since version {}",
            changed.join(", "),
            newest.version
        ),
    }
}

/// CreateLayerVersion with the zip inline or named in OSS.
async fn create_version<T: Transport>(
    settings: &Settings,
    calls: &Calls<'_, T>,
    staged: &Staged<'_>,
    highest_before: Option<i64>,
    reporter: &mut impl Reporter,
) -> Result<Layer, Failure> {
    let input = |code| CreateLayerVersionInput {
        code,
        compatible_runtime: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    };
    let checksum = match staged {
        Staged::Inline(package) => Some(package.checksum.clone()),
        Staged::Oss { checksum, .. } => checksum.clone(),
    };
    let request = match staged {
        Staged::Inline(package) => {
            let code = Code::Inline(InlineCode {
                zip_file: &[],
                checksum: package.checksum.clone(),
            });
            let zip = package.open().map_err(Failure::Package)?;
            ApiRequest::create_layer_version_from(
                &settings.layer_name,
                &input(code),
                zip,
                package.size,
            )
            .map_err(|source| {
                Failure::Package(PackageError::Io {
                    path: package.path().into(),
                    source,
                })
            })?
        }
        Staged::Oss {
            bucket,
            key,
            checksum,
        } => {
            let code = Code::Oss(OssCode {
                oss_bucket_name: bucket,
                oss_object_name: key,
                checksum: checksum.clone(),
            });
            ApiRequest::create_layer_version_from_oss(&settings.layer_name, &input(code))?
        }
    };
    reporter.info(&format!(
        "Publishing layer {} to {}",
        settings.layer_name,
        calls.client.endpoint()
    ));
    // A run whose checksum is unknown cannot tell its version from another run's.
    let baseline = checksum.as_ref().and(highest_before);
    let layer = versions::create(
        calls,
        &settings.layer_name,
        &request,
        checksum.as_deref().unwrap_or_default(),
        baseline,
        reporter,
    )
    .await?;
    drop(request);
    layer
        .check(&settings.layer_name)
        .map_err(|problem| ClientError::InvalidReply {
            action: "CreateLayerVersion",
            problem,
        })?;
    if let (Some(reported), Some(ours)) = (&layer.code_checksum, &checksum)
        && reported != ours
    {
        reporter.warning(&format!(
            "FC reports codeChecksum {reported:?} but the zip sent has {ours}"
        ));
    }
    reporter.info(&format!("Published {}", layer.layer_version_arn));
    Ok(layer)
}

/// What keep-versions deletes once `output` is the version output.
fn doomed(before: Option<&[Layer]>, output: i64, keep: u32) -> Vec<i64> {
    let mut numbers: Vec<i64> = before
        .unwrap_or_default()
        .iter()
        .map(|layer| layer.version)
        .collect();
    numbers.push(output);
    lifecycle::deletions(&numbers, keep, output)
}

fn join(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The outputs, all in one write.
fn write_outputs(outcome: &Outcome, reporter: &mut impl Reporter) -> Result<(), Failure> {
    let mut outputs = Outputs::default();
    if let Some(layer) = &outcome.layer {
        outputs.set(Output::LayerVersionArn, layer.layer_version_arn.clone());
        outputs.set(Output::Version, layer.version.to_string());
    }
    let checksum = outcome
        .layer
        .as_ref()
        .and_then(|layer| layer.code_checksum.clone())
        .or_else(|| outcome.checksum.clone())
        .unwrap_or_default();
    outputs.set(Output::CodeChecksum, checksum);
    let size = outcome
        .layer
        .as_ref()
        .and_then(|layer| layer.code_size)
        .map(|size| size.to_string())
        .or_else(|| outcome.zip_bytes.map(|size| size.to_string()))
        .unwrap_or_default();
    outputs.set(Output::CodeSize, size);
    outputs.set(Output::Published, outcome.published().to_string());
    let deleted = if outcome.dry_run {
        String::new()
    } else {
        join(&outcome.deleted)
    };
    outputs.set(Output::DeletedVersions, deleted);
    reporter.set_outputs(&outputs).map_err(Failure::Outputs)
}
