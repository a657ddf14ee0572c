//! A dry run ends once it is decided whether to publish: what a real run would do is
//! logged, and nothing is uploaded, created, changed or deleted.

use super::outputs;
use crate::lifecycle::Decision;
use crate::outcome::Outcome;
use crate::report::Reporter;

/// Logs what a real run would publish or reuse and delete (`outcome.deleted`, what
/// keep-versions would delete once the versions in use are spared). The caller writes the
/// outputs.
pub(crate) fn finish(
    outcome: Outcome,
    decision: &Decision,
    reporter: &mut impl Reporter,
) -> Outcome {
    let reason = match decision {
        Decision::Publish { reason } => format!("would publish a new version: {reason}"),
        Decision::Reuse(layer) => {
            format!("would reuse version {}: nothing changed", layer.version)
        }
    };
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
