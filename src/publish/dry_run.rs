//! A dry run ends once it is decided whether to publish: what a real run would do is
//! logged, and nothing is uploaded, created, changed or deleted.

use super::outputs;
use crate::fc::Layer;
use crate::lifecycle::{Decision, doomed, highest};
use crate::outcome::Outcome;
use crate::report::Reporter;

/// Logs what a real run would publish or reuse and delete; `deleted` holds what
/// keep-versions would delete, for the summary. The caller writes the outputs.
pub fn finish(
    mut outcome: Outcome,
    decision: &Decision,
    before: Option<&[Layer]>,
    keep_versions: u32,
    reporter: &mut impl Reporter,
) -> Outcome {
    let (reason, output_version) = match decision {
        Decision::Publish { reason } => (
            format!("would publish a new version: {reason}"),
            highest(before).unwrap_or(0) + 1,
        ),
        Decision::Reuse(layer) => (
            format!("would reuse version {}: nothing changed", layer.version),
            layer.version,
        ),
    };
    outcome.deleted = doomed(before, output_version, keep_versions);
    reporter.info(&format!(
        "Dry run: {reason}; nothing was uploaded, created, changed or deleted"
    ));
    if !outcome.deleted.is_empty() {
        reporter.info(&format!(
            "Dry run: keep-versions would delete {}",
            outputs::join(&outcome.deleted)
        ));
    }
    outcome
}
