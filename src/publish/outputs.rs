//! The step's outputs, from what the run did.

use std::collections::BTreeMap;

use crate::github::Outputs;
use crate::interface::Output;
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::rollout::{AliasState, FunctionResult, FunctionStatus};

/// Version numbers as the `deleted-versions` output and the log write them: `1,2,3`.
pub(crate) fn join(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The outputs, all in one write.
pub(crate) fn write(outcome: &Outcome, reporter: &mut impl Reporter) -> Result<(), Failure> {
    let mut outputs = of(outcome);
    set_by_region(&mut outputs, std::slice::from_ref(outcome));
    reporter.set_outputs(&outputs).map_err(Failure::Outputs)
}

/// The single-region outputs of `outcome`.
fn of(outcome: &Outcome) -> Outputs {
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
    outputs.set(
        Output::UpdatedFunctions,
        updated_functions(&outcome.functions),
    );
    outputs.set(Output::Functions, functions_json(&outcome.functions));

    outputs
}

/// The functions moved by this run, comma-separated, in input order.
fn updated_functions(results: &[FunctionResult]) -> String {
    results
        .iter()
        .filter(|result| result.status == FunctionStatus::Updated)
        .map(|result| result.name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// One function in the `functions` output, its fields in the documented order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionOutput<'a> {
    name: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// With `alias`: the function version holding the new layer list; null without.
    function_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<AliasOutput<'a>>,
}

/// The alias of one function: where it sent its traffic before and after.
#[derive(serde::Serialize)]
struct AliasOutput<'a> {
    name: &'a str,
    before: Option<AliasStateOutput>,
    after: Option<AliasStateOutput>,
}

#[derive(serde::Serialize)]
struct AliasStateOutput {
    version: String,
    /// Version → share of the traffic, as FC's `additionalVersionWeight`.
    weights: BTreeMap<String, f64>,
}

impl AliasStateOutput {
    fn of(state: &AliasState) -> Self {
        Self {
            version: state.version.to_string(),
            weights: state
                .weights
                .iter()
                .map(|(version, share)| (version.to_string(), *share))
                .collect(),
        }
    }
}

/// The `functions` output: one object per function, in input order.
fn functions_json(results: &[FunctionResult]) -> String {
    let each: Vec<FunctionOutput<'_>> = results
        .iter()
        .map(|result| FunctionOutput {
            name: result.name.as_str(),
            before: result.before.as_deref(),
            after: result.after.as_deref(),
            status: result.status.word(),
            error: result.status.error(),
            function_version: result
                .release
                .as_ref()
                .and_then(|release| release.function_version)
                .map(|version| version.to_string()),
            alias: result.release.as_ref().map(|release| AliasOutput {
                name: release.alias.as_str(),
                before: release.before.as_ref().map(AliasStateOutput::of),
                after: release.after.as_ref().map(AliasStateOutput::of),
            }),
        })
        .collect();
    // Strings, options and a list: nothing here can fail to serialise.
    serde_json::to_string(&each).unwrap_or_else(|_| "[]".to_owned())
}

/// The outputs of a step over several regions, all in one write: `layerVersionArns` and
/// `versions` hold every region in `succeeded`; the single-region outputs are `first`'s,
/// the first region listed, only when it succeeded; `codeChecksum` and `codeSize` are the
/// same everywhere, taken from any.
pub(crate) fn write_regions(
    first: Option<&Outcome>,
    succeeded: &[Outcome],
    reporter: &mut impl Reporter,
) -> Result<(), Failure> {
    let mut outputs = first.map(of).unwrap_or_default();
    if let (None, Some(any)) = (first, succeeded.first()) {
        let checksum = any.checksum.clone().unwrap_or_default();
        outputs.set(Output::CodeChecksum, checksum);
        let size = any
            .zip_bytes
            .map(|size| size.to_string())
            .unwrap_or_default();
        outputs.set(Output::CodeSize, size);
    }
    set_by_region(&mut outputs, succeeded);
    reporter.set_outputs(&outputs).map_err(Failure::Outputs)
}

/// `layerVersionArns` (region → ARN) and `versions` (region → number) as JSON objects of
/// the outcomes that hold a version, keys in order. The region is the one published to, or,
/// when only `endpoint` was given, the one the ARN names (`acs:fc:{region}:…`).
fn set_by_region(outputs: &mut Outputs, outcomes: &[Outcome]) {
    let mut arns = serde_json::Map::new();
    let mut versions = serde_json::Map::new();
    for outcome in outcomes {
        let Some(layer) = &outcome.layer else {
            continue;
        };
        let region = match &outcome.region {
            Some(region) => region.to_string(),
            None => match layer.layer_version_arn.split(':').nth(2) {
                Some(region) if !region.is_empty() => region.to_owned(),
                _ => continue,
            },
        };
        arns.insert(region.clone(), layer.layer_version_arn.clone().into());
        versions.insert(region, layer.version.into());
    }
    outputs.set(
        Output::LayerVersionArns,
        serde_json::Value::Object(arns).to_string(),
    );
    outputs.set(
        Output::Versions,
        serde_json::Value::Object(versions).to_string(),
    );
}
