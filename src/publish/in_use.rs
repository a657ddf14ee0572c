//! `keep-versions` never deletes a version in use: before deleting, every function of the
//! region (FC 2.0's and 3.0's alike) is read for the versions of this layer its LATEST uses,
//! and with `alias` the versions the named functions' aliases route to, before the move and
//! after it. Those are kept, and the log says who uses them. When the functions cannot be
//! listed, nothing is deleted.

use super::calls::Calls;
use super::function_scan::{self, Generation};
use crate::fc::Layer;
use crate::http::Transport;
use crate::lifecycle::doomed;
use crate::release::{Place, Spared, Usage, doomed_unless_in_use, in_use};
use crate::report::Reporter;
use crate::rollout::{FunctionResult, TargetVersion};

/// What `keep-versions` deletes once the versions in use are spared, around `target` (the
/// version the step outputs; in a dry run, would). Nothing is listed when nothing would be
/// deleted, and nothing is deleted when what is in use cannot be learned.
pub(crate) async fn spare_in_use<T: Transport>(
    calls: &Calls<'_, T>,
    target: &TargetVersion,
    before: Option<&[Layer]>,
    keep: u32,
    functions: &[FunctionResult],
    reporter: &mut impl Reporter,
) -> Spared {
    // No family: no version exists to learn it from, so none is there to delete.
    let Some(family) = &target.family else {
        return Spared::default();
    };
    if doomed(before, target.version, keep).is_empty() {
        return Spared::default();
    }
    let every = match function_scan::every_function(calls, Generation::Any, reporter).await {
        Ok(every) => every,
        Err(error) => {
            reporter.warning(&format!(
                "keep-versions: nothing deleted, since the functions that may use the versions could not be listed ({error}); a rerun tidies up"
            ));
            return Spared::default();
        }
    };
    let mut usages: Vec<Usage> = every
        .into_iter()
        .map(|(function, layers)| Usage {
            function,
            place: Place::Latest,
            layers,
        })
        .collect();
    for result in functions {
        let Some(release) = &result.release else {
            continue;
        };
        for (version, layers) in &release.version_layers {
            usages.push(Usage {
                function: result.name.clone(),
                place: Place::Alias {
                    name: release.alias.clone(),
                    version: *version,
                },
                layers: layers.clone(),
            });
        }
    }
    let spared = doomed_unless_in_use(before, target.version, keep, &in_use(&usages, family));
    for note in spared.notes() {
        reporter.info(&format!("keep-versions: {note}"));
    }
    spared
}
