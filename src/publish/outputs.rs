//! The step's outputs, from what the run did.

use crate::github::Outputs;
use crate::interface::Output;
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::rollout::{FunctionResult, FunctionStatus};

/// Version numbers as the `deleted-versions` output and the log write them: `1,2,3`.
pub fn join(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The outputs, all in one write.
pub fn write(outcome: &Outcome, reporter: &mut impl Reporter) -> Result<(), Failure> {
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
    reporter.set_outputs(&outputs).map_err(Failure::Outputs)
}

/// The functions moved by this run, comma-separated, in input order.
pub fn updated_functions(results: &[FunctionResult]) -> String {
    results
        .iter()
        .filter(|result| result.status == FunctionStatus::Updated)
        .map(|result| result.name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// One function in the `functions` output, its fields in the documented order.
#[derive(serde::Serialize)]
struct FunctionOutput<'a> {
    name: &'a str,
    before: Option<&'a str>,
    after: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// The `functions` output: one object per function, in input order.
pub fn functions_json(results: &[FunctionResult]) -> String {
    let each: Vec<FunctionOutput<'_>> = results
        .iter()
        .map(|result| FunctionOutput {
            name: result.name.as_str(),
            before: result.before.as_deref(),
            after: &result.after,
            status: result.status.word(),
            error: result.status.error(),
        })
        .collect();
    // Strings, options and a list: nothing here can fail to serialise.
    serde_json::to_string(&each).unwrap_or_else(|_| "[]".to_owned())
}
