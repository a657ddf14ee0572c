//! How a run ends: the [`Outcome`] of one that succeeded (dry runs included) or the
//! [`Failure`] of one that did not. The pipeline returns them; the outputs, the log and the
//! job summary are written from them. A module of its own so that [`crate::publish`], its
//! steps and [`crate::summary`] all take them from here and none imports another for them.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::client::ClientError;
use crate::cloud::Region;
use crate::fc::limits::{
    MAX_INLINE_BASE64_BYTES, MAX_INLINE_ZIP_BYTES, MAX_OSS_ZIP_BYTES, base64_len,
};
use crate::fc::{Acl, Layer, LayerName};
use crate::inputs::{InputError, Settings};
use crate::interface::Input;
use crate::lifecycle::Decision;
use crate::oss::error::OssError;
use crate::oss::upload::UploadError;
use crate::oss_names::ObjectRef;
use crate::package::{Contents, PackageError};
use crate::rollout::FunctionResult;
use crate::sts::assume::AssumeError;
use crate::temp_bucket::TempBucketError;

/// Why the step failed. Each is reported once, as an `::error::` annotation.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{} input(s) are invalid; nothing was published", .0.len())]
    Inputs(Vec<InputError>),
    /// STS or GitHub refused the role before any FC request was sent.
    #[error(
        "cannot assume role {role}; nothing was published: {error}{}",
        .error.hint().map(|hint| format!(" ({hint})")).unwrap_or_default()
    )]
    AssumeRole {
        role: String,
        error: Box<AssumeError>,
    },
    #[error("input `{}`: {}", Input::Code, .0)]
    Package(#[source] PackageError),
    #[error(
        "input `{}`: the zip {}, over FC's inline limit of {MAX_INLINE_BASE64_BYTES} bytes; `upload: auto` or `upload: oss` sends it through OSS instead",
        Input::Code,
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
        "input `{}`: the zip {}, over the {MAX_OSS_ZIP_BYTES} bytes FC takes through OSS",
        Input::Code,
        match .zip_bytes {
            Some(size) => format!("is {size} bytes"),
            None => "passed that size (zipping stopped there)".to_owned(),
        }
    )]
    TooLargeForOss { zip_bytes: Option<u64> },
    #[error(transparent)]
    Oss(OssError),
    #[error("input `{}`: {} does not exist (HeadObject found nothing)", Input::Code, .0)]
    ObjectMissing(ObjectRef),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    TempBucket(#[from] TempBucketError),
    #[error(
        "cannot learn the account id for FC's temporary bucket (give `account-id` to skip this): {0}"
    )]
    Sts(#[source] ClientError),
    #[error("cannot encode the CreateLayerVersion request: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(
        "cannot list the layer's versions, which skip-unchanged and keep-versions need{advice}: {0}",
        advice = listing_advice(.0)
    )]
    Listing(#[source] ClientError),
    /// Nothing answered the region's first call: its host did not resolve or took no
    /// connection. `note` names the host and the input it came from.
    #[error("cannot list the layer's versions: {note}: {error}")]
    Unanswered {
        note: String,
        #[source]
        error: Box<ClientError>,
    },
    /// A dry run found what would fail the real run; nothing was written.
    #[error("would fail: {0}")]
    WouldFail(#[source] Box<Failure>),
    #[error(
        "cannot list the region's functions for `functions: '*'`, so nothing was published: {0}"
    )]
    Functions(#[source] ClientError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("version {version} was published, but setting the ACL failed: {error}")]
    Acl {
        version: i64,
        #[source]
        error: ClientError,
    },
    #[error("cannot write the outputs to GITHUB_OUTPUT: {0}")]
    Outputs(#[source] std::io::Error),
    /// Some functions were not moved to the version; the outputs were written all the same.
    #[error("{}", rollout_failed(.0))]
    Rollout(Box<Outcome>),
    /// Some of the regions `regions` listed failed, each reported with its error; the
    /// others' outputs were written.
    #[error(
        "{} of {} regions failed: {}; {}",
        .failed.len(),
        .attempted,
        .failed.iter().map(|(region, _)| region.as_str()).collect::<Vec<_>>().join(", "),
        if .failed.len() == *.attempted {
            "nothing was published"
        } else {
            "the outputs hold the others, and a rerun reuses their versions"
        }
    )]
    Regions {
        failed: Vec<(String, Failure)>,
        attempted: usize,
    },
    #[error(
        "input `{}`: the layer holds {errors} file(s) that would fail on FC (listed above); fix them, or set `check: warn` to publish anyway",
        Input::Check
    )]
    Contents {
        errors: usize,
        contents: Box<Contents>,
    },
}

impl Outcome {
    /// The outcome of a run for `settings` in `region`, before anything is done: the zip
    /// known by its checksum and size when they are.
    pub(crate) fn of(
        settings: &Settings,
        checksum: Option<&str>,
        zip_bytes: Option<u64>,
        region: Option<Region>,
    ) -> Self {
        Self {
            layer_name: settings.layer_name.clone(),
            checksum: checksum.map(str::to_owned),
            zip_bytes,
            runtimes: settings.compatible_runtimes.clone(),
            dry_run: settings.lifecycle.dry_run,
            decision: None,
            layer: None,
            deleted: Vec::new(),
            kept: BTreeMap::new(),
            acl: settings.lifecycle.acl,
            staged: None,
            functions: Vec::new(),
            region,
            upload_time: None,
            contents: None,
        }
    }
}

/// The way around a refused listing: only a refusal (403) is one that a publish without the
/// listing could get past.
fn listing_advice(error: &ClientError) -> &'static str {
    match error {
        ClientError::Service { error, .. } if error.status == 403 => {
            " (set `skip-unchanged: false` to publish without the check)"
        }
        _ => "",
    }
}

/// `2 of 3 functions were not moved to version 4: a (reason); b (reason)`.
fn rollout_failed(outcome: &Outcome) -> String {
    let version = outcome
        .layer
        .as_ref()
        .map_or(String::new(), |layer| format!(" {}", layer.version));
    // A function with a release failed after its layers moved: at its version or its alias.
    let (released, not_moved): (Vec<_>, Vec<_>) = outcome
        .functions
        .iter()
        .filter_map(|result| result.status.error().map(|error| (result, error)))
        .partition(|(result, _)| result.release.is_some());
    let each = |failed: &[(&FunctionResult, &str)]| {
        failed
            .iter()
            .map(|(result, reason)| format!("{} ({reason})", result.name))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let total = outcome.functions.len();
    let mut parts = Vec::new();
    // A dry run read the functions only: what would stop each is known, not what became of it.
    if outcome.dry_run {
        let failed: Vec<_> = not_moved.into_iter().chain(released).collect();
        parts.push(format!(
            "{} of {total} function(s) could not be moved to the new version: {}",
            failed.len(),
            each(&failed)
        ));
        return parts.join("; ");
    }
    if !not_moved.is_empty() {
        parts.push(format!(
            "{} of {total} function(s) were not moved to version{version}: {}",
            not_moved.len(),
            each(&not_moved)
        ));
    }
    if !released.is_empty() {
        parts.push(format!(
            "{} of {total} function(s) moved to version{version}, but their function version or alias failed: {}",
            released.len(),
            each(&released)
        ));
    }
    parts.join("; ")
}

impl Failure {
    /// The version this failed run created anyway, which a rerun would reuse.
    pub(crate) fn published_version(&self) -> Option<i64> {
        match self {
            Failure::Acl { version, .. } => Some(*version),
            Failure::Rollout(outcome) if outcome.published() => {
                outcome.layer.as_ref().map(|layer| layer.version)
            }
            _ => None,
        }
    }
}

/// What a successful run did, or in a dry run would do.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub(crate) layer_name: LayerName,
    /// CRC-64/XZ of the zip; unknown for an OSS object that OSS gave none for.
    pub checksum: Option<String>,
    pub(crate) zip_bytes: Option<u64>,
    pub(crate) runtimes: Vec<String>,
    pub(crate) dry_run: bool,
    /// `None` in a dry run given no credentials: nothing could be looked up.
    pub(crate) decision: Option<Decision>,
    /// The version output: created by this run or reused; `None` in a dry run.
    pub layer: Option<Layer>,
    /// Deleted by keep-versions; in a dry run, those it would delete.
    pub deleted: Vec<i64>,
    /// Versions keep-versions would have deleted but kept, since functions use them: each
    /// with its users.
    pub(crate) kept: BTreeMap<i64, Vec<String>>,
    pub(crate) acl: Option<Acl>,
    /// `oss://bucket/key` when the zip went through OSS.
    pub(crate) staged: Option<String>,
    /// What became of each function of `functions`, in input order; in a dry run, what
    /// would.
    pub functions: Vec<FunctionResult>,
    /// The region published to, when known (`region`, `regions` or the environment).
    pub(crate) region: Option<Region>,
    /// How long the zip took from staging to the create's reply, when this run created
    /// the version.
    pub(crate) upload_time: Option<Duration>,
    /// What the zip holds; `None` for an OSS object, which is not read.
    pub(crate) contents: Option<Contents>,
}

impl Outcome {
    /// Whether this run created the version it outputs.
    pub fn published(&self) -> bool {
        !self.dry_run && matches!(self.decision, Some(Decision::Publish { .. }))
    }
}

/// How one region of several ended, for the summary's row and the step's verdict.
#[derive(Debug)]
pub(crate) struct RegionRun {
    /// The region's id, or the endpoint's host when only `endpoint` named it.
    pub(crate) region: String,
    pub(crate) result: Result<Outcome, Failure>,
    /// From the region's start (its listing) to its end.
    pub(crate) took: Duration,
}
