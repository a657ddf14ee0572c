//! A dry run ends once it is decided whether to publish: what a real run would do is
//! logged, and nothing is uploaded, created, changed or deleted. It fails where the real run
//! would, as far as reading can tell: a function that cannot be moved fails it here.

use super::outputs;
use crate::lifecycle::Decision;
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;

/// Logs what a real run would publish or reuse and delete (`outcome.deleted`, what
/// keep-versions would delete once the versions in use are spared). A function the real
/// run could not move (missing, a sixth layer, its alias unreadable) fails it, as
/// [`Failure::Rollout`] does the real run. The caller writes the outputs.
pub(crate) fn finish(
    outcome: Outcome,
    decision: &Decision,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
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
    if crate::rollout::failures(&outcome.functions).is_empty() {
        Ok(outcome)
    } else {
        Err(Failure::Rollout(Box::new(outcome)))
    }
}
