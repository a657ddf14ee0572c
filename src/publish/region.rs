//! One region's pipeline once the zip is ready: list, decide, publish or reuse, then what
//! follows a version. A new per-region step is a module of `publish` and a line here.

use tokio::time::Instant;

use super::calls::Calls;
use super::link::LinkMeasure;
use super::release::{self, ReleasePlan};
use super::shared::Shared;
use super::source::{Route, Source};
use super::stage::{self, Staged};
use super::{dry_run, function_scan, in_use, listing, outputs, rollout, versions};
use crate::client::FcClient;
use crate::fc::{FunctionName, Layer};
use crate::http::Transport;
use crate::inputs::{Functions, RegionTarget, Settings};
use crate::lifecycle::{Decision, Wanted, decide, doomed, highest};
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::rollout::{FunctionResult, LayerFamily, TargetVersion, all_on_target};

/// One region's pipeline once the zip is ready: list, decide, then publish or reuse, and
/// what follows a version. The outputs are the verdict's to write.
pub(crate) async fn run<T: Transport>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let settings = shared.settings;
    let mut outcome = base_outcome(settings, shared.source, target);
    let client = FcClient::new(
        shared.transport,
        target.endpoint.clone(),
        shared.credentials.clone(),
        shared.signing.clone(),
    );
    let calls = Calls {
        client: &client,
        retries: settings.lifecycle.retries,
    };
    let (before, link) = list_and_measure(shared, target, &calls, reporter).await?;
    let functions = functions_to_move(&calls, settings, before.as_deref(), reporter).await?;
    let wanted = shared.source.checksum().map(|checksum| Wanted {
        checksum,
        runtimes: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    });
    let lifecycle = settings.lifecycle;
    let decision = decide(wanted.as_ref(), before.as_deref(), lifecycle.skip_unchanged);
    outcome.decision = Some(decision.clone());
    if lifecycle.dry_run {
        let before = before.as_deref();
        let end = dry_run_end(
            &calls, settings, &functions, before, &decision, outcome, reporter,
        );
        return end.await;
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
            let highest_before = highest(before.as_deref());
            publish_version(
                shared,
                target,
                &calls,
                link.as_ref(),
                highest_before,
                &mut outcome,
                reporter,
            )
            .await?
        }
    };
    after_version(
        &calls,
        settings,
        &functions,
        layer,
        before.as_deref(),
        outcome,
        reporter,
    )
    .await
}

/// The versions before anything is written, and the link measured on the way: the
/// listing's round trip to FC, and beside it, when the link is to choose the route, one to
/// OSS ([`stage::measure_oss`]). No measure when there was no listing.
async fn list_and_measure<T: Transport>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
    calls: &Calls<'_, &T>,
    reporter: &mut impl Reporter,
) -> Result<(Option<Vec<Layer>>, Option<LinkMeasure>), Failure> {
    let listing = async {
        let started = Instant::now();
        let before = listing::versions_before(shared.settings, target, calls, reporter).await;
        (before, started.elapsed())
    };
    let ((before, fc), oss) = tokio::join!(listing, stage::measure_oss(shared, target));
    let before = before?;
    let link = before.as_ref().map(|_| LinkMeasure { fc, oss });
    Ok((before, link))
}

/// A new version: the zip staged (OSS uploads one region at a time), then created.
async fn publish_version<T: Transport>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
    calls: &Calls<'_, &T>,
    link: Option<&LinkMeasure>,
    highest_before: Option<i64>,
    outcome: &mut Outcome,
    reporter: &mut impl Reporter,
) -> Result<Layer, Failure> {
    let route = stage::settle(shared, target, link, reporter);
    let large = match (route, shared.source) {
        (Route::Oss, Source::Package(package)) => package.size,
        _ => 0,
    };
    let turn = shared.slot.take(large).await;
    let started = Instant::now();
    let staged = stage::stage(shared, target, route, reporter).await?;
    drop(turn);
    if let Staged::Oss { bucket, key, .. } = &staged {
        outcome.staged = Some(format!("oss://{bucket}/{key}"));
    }
    let settings = shared.settings;
    let layer = versions::create_version(
        settings,
        calls,
        &staged,
        highest_before,
        shared.inline,
        reporter,
    )
    .await?;
    outcome.upload_time = Some(started.elapsed());
    Ok(layer)
}

/// What follows a version, published or reused: the ACL, the functions moved to it (and
/// with `alias`, a function version and the alias), and old versions deleted, unless a
/// function was not moved off them or still uses them.
async fn after_version<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
    functions: &[FunctionName],
    layer: Layer,
    before: Option<&[Layer]>,
    mut outcome: Outcome,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    outcome.layer = Some(layer.clone());
    if let Some(acl) = settings.lifecycle.acl {
        versions::set_acl(calls, &settings.layer_name, acl, reporter)
            .await
            .map_err(|error| Failure::Acl {
                version: layer.version,
                error,
            })?;
    }
    let version = TargetVersion::existing(&layer);
    outcome.functions = move_functions(calls, settings, functions, &version, reporter).await;
    let rollout_failed = !crate::rollout::failures(&outcome.functions).is_empty();
    let keep = settings.lifecycle.keep_versions;
    // Only when FC reports every named function `Successful` on the new list: one still
    // `InProgress`, `Failed` or timed out may yet run (or fall back to) an old version.
    let delete = if !all_on_target(&outcome.functions) {
        let doomed = doomed(before, layer.version, keep);
        if !doomed.is_empty() {
            reporter.warning(&format!(
                "keep-versions: nothing deleted, since not every function is Successful on the new version ({}); a rerun tidies up",
                outputs::join(&doomed)
            ));
        }
        Vec::new()
    } else {
        let functions = &outcome.functions;
        let spared = in_use::spare_in_use(calls, &version, before, keep, functions, reporter).await;
        outcome.kept = spared.kept;
        spared.delete
    };
    outcome.deleted = versions::delete(calls, &settings.layer_name, &delete, reporter).await;
    if rollout_failed {
        return Err(Failure::Rollout(Box::new(outcome)));
    }
    Ok(outcome)
}

/// The outcome before anything in `target` is done.
fn base_outcome(settings: &Settings, source: &Source, target: &RegionTarget) -> Outcome {
    Outcome::of(
        settings,
        source.checksum(),
        source.size(),
        target.region.clone(),
    )
}

/// The functions the layers step moves: those `functions` names, or with `functions: '*'`
/// those whose LATEST uses a version of the layer (listed before anything is written).
async fn functions_to_move<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
    before: Option<&[Layer]>,
    reporter: &mut impl Reporter,
) -> Result<Vec<FunctionName>, Failure> {
    if settings.rollout.functions != Functions::AllUsingTheLayer {
        return Ok(settings.rollout.functions.named().to_vec());
    }
    let family = before
        .into_iter()
        .flatten()
        .find_map(|layer| LayerFamily::of(&layer.layer_version_arn));
    function_scan::using_layer(calls, family.as_ref(), reporter)
        .await
        .map_err(Failure::Functions)
}

/// The layers step toward `version`, then with `alias` each function's version and alias.
async fn move_functions<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
    functions: &[FunctionName],
    version: &TargetVersion,
    reporter: &mut impl Reporter,
) -> Vec<FunctionResult> {
    let mut results = rollout::roll_out(calls, settings, functions, version, reporter).await;
    if let Some(alias) = &settings.rollout.alias {
        let plan = ReleasePlan {
            alias,
            weight: settings.rollout.alias_weight,
            target: version,
            layer_name: settings.layer_name.as_str(),
            dry_run: settings.lifecycle.dry_run,
        };
        release::release_all(calls, &plan, &mut results, reporter).await;
    }
    results
}

/// A dry run once it is decided whether to publish: the functions read (GETs only), and what
/// keep-versions would delete once the versions in use are spared; a function that could
/// not be moved fails it.
async fn dry_run_end<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
    functions: &[FunctionName],
    before: Option<&[Layer]>,
    decision: &Decision,
    mut outcome: Outcome,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let version = match decision {
        Decision::Reuse(layer) => TargetVersion::existing(layer),
        Decision::Publish { .. } => TargetVersion::next(&settings.layer_name, before),
    };
    outcome.functions = move_functions(calls, settings, functions, &version, reporter).await;
    let keep = settings.lifecycle.keep_versions;
    let functions = &outcome.functions;
    let spared = in_use::spare_in_use(calls, &version, before, keep, functions, reporter).await;
    (outcome.deleted, outcome.kept) = (spared.delete, spared.kept);
    dry_run::finish(outcome, decision, reporter)
}
