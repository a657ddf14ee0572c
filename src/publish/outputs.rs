//! The step's outputs, from what the run did, within what GitHub accepts: every value a
//! server gave is capped as in the log ([`outside_text`]), and each `functions` entry is
//! bounded, so that all the outputs together stay well under GitHub's 1 MiB for a job.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::github::Outputs;
use crate::interface::Output;
use crate::outcome::{Failure, Outcome};
use crate::outside_text::{self, MAX_SHOWN_BYTES, capped};
use crate::report::Reporter;
use crate::rollout::{AliasState, FunctionResult, FunctionStatus};

/// The most one entry of the `functions` output may take, as JSON: 50 functions (the most
/// `functions` may name) then take at most 500 KiB, half of what GitHub accepts. An entry
/// over it (an alias reply with thousands of weights, values of control characters that JSON
/// spells six bytes each) keeps its name and status and is marked `"truncated": true`.
const MAX_FUNCTION_ENTRY_BYTES: usize = 10 * 1024;
/// The most a list of deleted version numbers takes: thousands of versions.
const MAX_DELETED_BYTES: usize = 64 * MAX_SHOWN_BYTES;

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
        outputs.set(Output::LayerVersionArn, capped(&layer.layer_version_arn));
        outputs.set(Output::Version, layer.version.to_string());
    }
    let checksum = outcome
        .layer
        .as_ref()
        .and_then(|layer| layer.code_checksum.clone())
        .or_else(|| outcome.checksum.clone())
        .unwrap_or_default();
    outputs.set(Output::CodeChecksum, capped(&checksum));
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
        outside_text::capped_to(&join(&outcome.deleted), MAX_DELETED_BYTES).into_owned()
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
    before: Option<Cow<'a, str>>,
    after: Option<Cow<'a, str>>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Cow<'a, str>>,
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

/// An entry of the `functions` output over [`MAX_FUNCTION_ENTRY_BYTES`]: what is left.
#[derive(serde::Serialize)]
struct TruncatedOutput<'a> {
    name: &'a str,
    status: &'static str,
    truncated: bool,
}

/// The `functions` output: one object per function, in input order, each within
/// [`MAX_FUNCTION_ENTRY_BYTES`].
fn functions_json(results: &[FunctionResult]) -> String {
    let entries: Vec<String> = results.iter().map(function_json).collect();
    format!("[{}]", entries.join(","))
}

/// One entry of the `functions` output, its server values capped as in the log (an error,
/// which names several, at a few values' worth and in the middle, as in the summary).
fn function_json(result: &FunctionResult) -> String {
    let name = result.name.as_str();
    let status = result.status.word();
    let entry = FunctionOutput {
        name,
        before: result.before.as_deref().map(capped),
        after: result.after.as_deref().map(capped),
        status,
        error: (result.status.error())
            .map(|error| outside_text::shortened_to(error, 4 * MAX_SHOWN_BYTES)),
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
    };
    // Strings, numbers, options and maps with string keys: nothing here can fail to
    // serialise; were it to, the entry is left short rather than the output left out.
    match serde_json::to_string(&entry) {
        Ok(json) if json.len() <= MAX_FUNCTION_ENTRY_BYTES => json,
        _ => {
            let truncated = TruncatedOutput {
                name,
                status,
                truncated: true,
            };
            serde_json::to_string(&truncated).unwrap_or_default()
        }
    }
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
                Some(region) if !region.is_empty() => capped(region).into_owned(),
                _ => continue,
            },
        };
        let arn = capped(&layer.layer_version_arn).into_owned();
        arns.insert(region.clone(), arn.into());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fc::FunctionName;

    fn failed(name: &str, after: &str, error: &str) -> FunctionResult {
        FunctionResult {
            name: FunctionName::parse(name).expect("a name"),
            before: None,
            after: Some(after.to_owned()),
            layers_before: None,
            layers_after: None,
            status: FunctionStatus::Failed(error.to_owned()),
            took: None,
            release: None,
        }
    }

    #[test]
    fn server_values_are_capped_and_an_entry_over_its_bound_keeps_its_name_and_status() {
        let long_arn = "a".repeat(5000);
        let controls = "\u{1}".repeat(5000);
        let json = functions_json(&[
            failed("long", &long_arn, "short"),
            failed("hostile", "arn", &controls),
        ]);
        let entries: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let after = entries[0]["after"].as_str().expect("after");
        assert!(after.ends_with("… (5000 bytes)"), "{after}");
        assert!(after.len() < MAX_SHOWN_BYTES + 32, "{}", after.len());
        assert_eq!(
            entries[1],
            serde_json::json!({"name": "hostile", "status": "failed", "truncated": true})
        );
        assert!(json.len() <= 2 * MAX_FUNCTION_ENTRY_BYTES, "{}", json.len());
    }
}
