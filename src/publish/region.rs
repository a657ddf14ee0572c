//! One region's pipeline once the zip is ready: list, decide, publish or reuse, then what
//! follows a version. A new per-region step is a module of `publish` and a line here.

use tokio::time::Instant;

use super::calls::Calls;
use super::shared::Shared;
use super::source::{Route, Source};
use super::stage::{self, Staged};
use super::{dry_run, listing, outputs, rollout, versions};
use crate::client::FcClient;
use crate::fc::Layer;
use crate::http::Transport;
use crate::inputs::{RegionTarget, Settings};
use crate::lifecycle::{Decision, Wanted, decide, doomed, highest};
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::rollout::TargetVersion;

/// One region's pipeline once the zip is ready: list, decide, then publish or reuse, and
/// what follows a version. The outputs are the verdict's to write.
pub async fn run<T: Transport>(
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
    let before = listing::versions_before(settings, &calls, reporter).await?;
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
        let version = match &decision {
            Decision::Reuse(layer) => TargetVersion::existing(layer),
            Decision::Publish { .. } => {
                TargetVersion::next(&settings.layer_name, before.as_deref())
            }
        };
        outcome.functions = rollout::roll_out(&calls, settings, &version, reporter).await;
        let keep = lifecycle.keep_versions;
        return Ok(dry_run::finish(
            outcome,
            &decision,
            before.as_deref(),
            keep,
            reporter,
        ));
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
        layer,
        before.as_deref(),
        outcome,
        reporter,
    )
    .await
}

/// A new version: the zip staged (OSS uploads one region at a time), then created.
async fn publish_version<T: Transport>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
    calls: &Calls<'_, &T>,
    highest_before: Option<i64>,
    outcome: &mut Outcome,
    reporter: &mut impl Reporter,
) -> Result<Layer, Failure> {
    let large = match (shared.route, shared.source) {
        (Route::Oss, Source::Package(package)) => package.size,
        _ => 0,
    };
    let turn = shared.slot.take(large).await;
    let started = Instant::now();
    let staged = stage::stage(shared, target, reporter).await?;
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

/// What follows a version, published or reused: the ACL, the functions moved to it, and
/// old versions deleted, unless a function was not moved off them.
async fn after_version<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
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
    outcome.functions = rollout::roll_out(calls, settings, &version, reporter).await;
    let rollout_failed = !crate::rollout::failures(&outcome.functions).is_empty();
    let mut doomed = doomed(before, layer.version, settings.lifecycle.keep_versions);
    if rollout_failed && !doomed.is_empty() {
        reporter.warning(&format!(
            "keep-versions: nothing deleted, since not every function was moved off the versions it would delete ({}); a rerun tidies up",
            outputs::join(&doomed)
        ));
        doomed.clear();
    }
    outcome.deleted = versions::delete(calls, &settings.layer_name, &doomed, reporter).await;
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
