//! The rollout of a layer version to functions, as pure values: which of a function's
//! layers are versions of this layer ([`LayerFamily`]), the function's new layer list
//! ([`plan`]), and what became of each function ([`FunctionResult`]), which the outputs, the
//! log and the job summary are written from. The calls are made by
//! `publish::rollout`; nothing here touches the network.
//!
//! - [`plan`]: the new layer list, pure.
//! - [`settled`]: what a function needs next, from its list and `lastUpdateStatus`, pure.

pub(crate) mod plan;
pub(crate) mod settled;

use std::time::Duration;

pub(crate) use plan::{LayerFamily, plan};

use crate::fc::alias::Weights;
use crate::fc::{AliasName, FunctionName, FunctionVersion, Layer, LayerName};
use crate::lifecycle::highest;

/// The version functions are moved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TargetVersion {
    /// Its ARN; in a dry run that would publish, the ARN the next version would get (or,
    /// when the layer has no version to learn the account from, a description of it).
    pub(crate) arn: String,
    pub(crate) version: i64,
    /// The ARNs that are versions of this layer; `None` when no version exists to learn the
    /// region and account from, so that no function can be using one.
    pub(crate) family: Option<LayerFamily>,
    /// `false` in a dry run that would publish: the version is not there yet.
    pub(crate) exists: bool,
}

impl TargetVersion {
    /// A version that exists, published or reused.
    pub(crate) fn existing(layer: &Layer) -> Self {
        Self {
            arn: layer.layer_version_arn.clone(),
            version: layer.version,
            family: LayerFamily::of(&layer.layer_version_arn),
            exists: true,
        }
    }

    /// The version a dry run would publish: the next number after the highest in `before`,
    /// whose ARN is known when some version shows the region and account.
    pub(crate) fn next(layer_name: &LayerName, before: Option<&[Layer]>) -> Self {
        let version = highest(before).unwrap_or(0) + 1;
        let family = before
            .into_iter()
            .flatten()
            .find_map(|layer| LayerFamily::of(&layer.layer_version_arn));
        let arn = family.as_ref().map_or_else(
            || format!("layers/{layer_name}/versions/{version}"),
            |family| family.arn(version),
        );
        Self {
            arn,
            version,
            family,
            exists: false,
        }
    }
}

/// What became of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionResult {
    pub(crate) name: FunctionName,
    /// The version of this layer it used before (its ARN), if any, and if it was read.
    pub(crate) before: Option<String>,
    /// The version of this layer it has now: the target once moved (in a dry run, the one
    /// it would get); for one not moved, the one the last GetFunction read (`None` when it
    /// uses none, or could not be read).
    pub(crate) after: Option<String>,
    /// Its whole layer list before, when it was read.
    pub(crate) layers_before: Option<Vec<String>>,
    /// The list it was to get, when one could be made.
    pub(crate) layers_after: Option<Vec<String>>,
    pub(crate) status: FunctionStatus,
    /// From UpdateFunction (or, for an update already `InProgress`, from the first read)
    /// to `Successful`.
    pub took: Option<Duration>,
    /// With `alias`: the function version and the alias's move; `None` without `alias`, or
    /// when the layers step failed.
    pub(crate) release: Option<Release>,
}

/// A function version and an alias moved to it (`alias`), for one function.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Release {
    /// The version holding the new layer list, published or reused; `None` in a dry run
    /// that would publish one, and when choosing it failed.
    pub(crate) function_version: Option<FunctionVersion>,
    /// Whether this run published `function_version`.
    pub(crate) published: bool,
    pub(crate) alias: AliasName,
    /// The alias as found; `None` when it did not exist (or was not read).
    pub(crate) before: Option<AliasState>,
    /// The alias as left (in a dry run, as it would be); `None` when not known.
    pub(crate) after: Option<AliasState>,
    /// The layers of the versions the alias routes to, before and after, as read or
    /// published: what `keep-versions` must not delete.
    pub(crate) version_layers: Vec<(FunctionVersion, Vec<String>)>,
}

/// Where an alias sends its traffic: the main version and the canary shares.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AliasState {
    pub(crate) version: FunctionVersion,
    pub(crate) weights: Weights,
}

/// What became of a function. Only `Updated` and `Unchanged` mean FC reports it
/// `Successful` on the new list; anything else keeps `keep-versions` from deleting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FunctionStatus {
    /// Moved to the version, and FC reports the update `Successful`: this run's update, or
    /// one already `InProgress` (another run's) that this run waited for.
    Updated,
    /// Already on the version and `Successful` when first read: nothing was sent.
    Unchanged,
    /// A dry run: it would be updated (or, mid-update, waited for).
    WouldUpdate,
    /// Not moved, for this reason.
    Failed(String),
    /// Still `InProgress` when `function-update-timeout` ran out: the update may still
    /// complete. The reason says so.
    TimedOut(String),
}

impl FunctionStatus {
    /// The word the `functions` output and the summary use.
    pub(crate) fn word(&self) -> &'static str {
        match self {
            FunctionStatus::Updated => "updated",
            FunctionStatus::Unchanged => "unchanged",
            FunctionStatus::WouldUpdate => "would-update",
            FunctionStatus::Failed(_) => "failed",
            FunctionStatus::TimedOut(_) => "timed-out",
        }
    }

    pub(crate) fn error(&self) -> Option<&str> {
        match self {
            FunctionStatus::Failed(reason) | FunctionStatus::TimedOut(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Whether every function is `Successful` on the new list, as FC last said: the only case
/// in which `keep-versions` may delete (a dry run's `would-update` is not).
pub(crate) fn all_on_target(results: &[FunctionResult]) -> bool {
    results.iter().all(|result| {
        matches!(
            result.status,
            FunctionStatus::Updated | FunctionStatus::Unchanged
        )
    })
}

/// The functions that failed or timed out, each with its reason.
pub(crate) fn failures(results: &[FunctionResult]) -> Vec<(&FunctionName, &str)> {
    results
        .iter()
        .filter_map(|result| result.status.error().map(|error| (&result.name, error)))
        .collect()
}
