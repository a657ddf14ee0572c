//! The publish pipeline: the step from the environment's text to the outputs, as a sequence
//! of steps over collaborators handed in (a [`Transport`] for the network, a [`Reporter`] for
//! what GitHub sees), so that tests run it whole in-process.
//!
//! ```text
//! run_step
//!   read_targets                 read inputs: Settings for each region
//!   assume::assume_roles         assume a role (STS) once, when one is given
//!   publish (one region) or publish_listed (`regions`)
//!     source::source             package (or look up the OSS object), once
//!     source::choose_route       inline, or through OSS when large
//!     contents::review           what is inside: logged, checked (check: error stops here)
//!     publish_region             per region; with `regions`, side by side (fan_out::run_each)
//!       listing::versions_before list versions
//!       lifecycle::decide        skip if unchanged; a dry run ends here (dry_run::finish)
//!       stage::stage             upload to OSS
//!       versions::create_version create (never twice)
//!       versions::set_acl        ACL
//!       rollout::roll_out        move `functions` to the version (a dry run checks them)
//!       versions::delete         delete old versions (lifecycle::doomed), not after a failed rollout
//!     outputs::write             outputs (fan_out::finish: those of every region)
//!   summary                      job summary (regions_summary: a row per region)
//! ```
//! A new feature is a new step here and a module of its own; the steps share nothing but
//! the values passed from one to the next.
//!
//! - [`calls`]: FC calls with retries, and the paged listing.
//! - [`source`]: the `code` input packaged on disk, or an OSS object looked up; the route.
//! - [`contents`]: what is inside the zip, logged and checked before anything is written.
//! - [`listing`]: the layer's versions before anything is written, shown in the log.
//! - [`dry_run`]: the end of a dry run: what a real run would do, said.
//! - [`stage`]: the zip put where the create takes it: inline, an own bucket, FC's bucket.
//! - [`versions`]: the steps that change the layer: create, ACL, delete.
//! - [`contents`]: what is inside the zip, logged and checked before anything is written.
//! - [`rollout`]: the functions named in `functions` moved to the version.
//! - [`assume`]: the role's credentials from STS, before any FC request.
//! - [`outputs`]: the step's outputs, from the [`Outcome`] (of each region).
//! - [`fan_out`]: several regions side by side, at most four calls in flight among them,
//!   and the step's verdict over them.
//! - [`inline_body`]: what regions share: the inline create's request, made once, and the
//!   slot large uploads take in turn.
//! - [`region_log`]: one region's log lines among others', prefixed with the region.

pub mod assume;
pub mod calls;
pub mod contents;
pub mod dry_run;
pub mod fan_out;
pub mod inline_body;
pub mod listing;
pub mod outputs;
pub mod region_log;
pub mod rollout;
pub mod source;
pub mod stage;
pub mod versions;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use tokio::sync::Semaphore;
use tokio::time::Instant;

use self::calls::Calls;
use self::inline_body::{InlineBody, UploadSlot};
use self::rollout::RolloutPlan;
use self::source::{Route, Source};
use self::stage::Staged;
use crate::client::FcClient;
use crate::clock::Signing;
use crate::cloud::Region;
use crate::error_chain::with_causes;
use crate::http::Transport;
use crate::inputs::{Api, InputError, RawInputs, Settings, Target, Targets};
use crate::interface::Input;
use crate::lifecycle::{Decision, Wanted, decide, doomed, highest};
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::rollout::{FunctionResult, Target as RolloutTarget};
use crate::summary;

/// What the step reads from its process: the variables and the working directory.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub working_dir: PathBuf,
}

impl Environment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    }

    /// Where the zip is written: the runner's own temporary folder, which it cleans, when
    /// it is there; a container action may be handed a path that is not mounted.
    pub fn temp_dir(&self) -> PathBuf {
        [self.var("RUNNER_TEMP"), self.var("TMPDIR")]
            .into_iter()
            .flatten()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from("/tmp"))
    }
}

/// The whole step: reads the inputs from `env`, then [`publish`]es through `transport`.
/// A failure has been reported when this returns; the caller only sets the exit code.
pub async fn run_step<T: Transport>(
    env: &Environment,
    transport: T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let targets = match read_targets(env, reporter) {
        Ok(mut targets) => {
            match assume::assume_roles(&mut targets, &transport, signing, reporter).await {
                Ok(()) => Ok(targets),
                Err(failure) => {
                    let layer_name = targets.first().settings.layer_name.clone();
                    reporter.error(&failure.to_string());
                    let markdown =
                        summary::failure(Some(&layer_name), &failure, &reporter.redactor());
                    reporter.summary(&markdown);
                    return Err(failure);
                }
            }
        }
        Err(failure) => Err(failure),
    };
    let (layer_name, result) = match targets {
        Ok(targets) if targets.listed => {
            // Several regions: the summary is written there, a row per region.
            let result =
                publish_listed(&targets, &transport, signing, &env.temp_dir(), reporter).await;
            if let Err(failure) = &result {
                reporter.error(&failure.to_string());
            }
            return result;
        }
        Ok(targets) => {
            let target = targets.first();
            let result = publish(target, &transport, signing, &env.temp_dir(), reporter).await;
            (Some(target.settings.layer_name.clone()), result)
        }
        Err(failure) => (None, Err(failure)),
    };
    match &result {
        Ok(outcome) => reporter.summary(&summary::success(outcome, &reporter.redactor())),
        Err(failure) => {
            reporter.error(&with_causes(failure));
            let markdown = summary::failure(layer_name.as_ref(), failure, &reporter.redactor());
            reporter.summary(&markdown);
        }
    }
    result
}

/// Step 1: the `INPUT_*` variables as [`Settings`] for each region; each invalid input
/// reported on its own.
pub fn read_targets(env: &Environment, reporter: &mut impl Reporter) -> Result<Targets, Failure> {
    let invalid = |errors: Vec<InputError>, reporter: &mut dyn Reporter| {
        for error in &errors {
            reporter.error(&error.to_string());
        }
        Failure::Inputs(errors)
    };
    let raw = RawInputs::from_vars(env.vars.iter().cloned())
        .map_err(|error| invalid(vec![error], reporter))?;
    Targets::parse(raw, |name| env.var(name), &env.working_dir, reporter)
        .map_err(|errors| invalid(errors, reporter))
}

/// The steps after the inputs, for the one region `region` (or the endpoint) names, through
/// `transport`, every request signed with `signing`.
pub async fn publish<T: Transport>(
    target: &Target,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let settings = &target.settings;
    warn_unknown_runtimes(settings, reporter);
    let source = source::source(settings, transport, signing, temp_dir, reporter).await?;
    let route = source::choose_route(settings.upload, &source, reporter);
    let inside = contents::review(settings, &source, reporter)?;
    let Some(api) = &settings.api else {
        let mut outcome = offline(settings, &source, target.region.clone(), reporter);
        outcome.contents = inside;
        outputs::write(&outcome, reporter)?;
        return Ok(outcome);
    };
    let result = publish_region(
        settings,
        target.region.clone(),
        api,
        &source,
        route,
        (&InlineBody::default(), &UploadSlot::default()),
        transport,
        signing,
        reporter,
    )
    .await;
    drop(source);
    match result {
        Ok(mut outcome) => {
            outcome.contents = inside;
            outputs::write(&outcome, reporter)?;
            Ok(outcome)
        }
        // The version exists: its outputs are written for a later step to report.
        Err(Failure::Rollout(mut outcome)) => {
            outcome.contents = inside;
            outputs::write(&outcome, reporter)?;
            Err(Failure::Rollout(outcome))
        }
        Err(failure) => Err(failure),
    }
}

/// The steps after the inputs for each region `regions` lists: the code packaged once,
/// then [`publish_region`] for each, side by side ([`fan_out`]); the summary written. The
/// first region's outcome when every region succeeded.
pub async fn publish_listed<T: Transport, R: Reporter>(
    targets: &Targets,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut R,
) -> Result<Outcome, Failure> {
    let first = targets.first();
    let settings = &first.settings;
    let failed = |failure: Failure, reporter: &mut R| {
        let markdown = summary::failure(Some(&settings.layer_name), &failure, &reporter.redactor());
        reporter.summary(&markdown);
        Err(failure)
    };
    warn_unknown_runtimes(settings, reporter);
    let source = match source::source(settings, transport, signing, temp_dir, reporter).await {
        Ok(source) => source,
        Err(failure) => return failed(failure, reporter),
    };
    let route = source::choose_route(settings.upload, &source, reporter);
    let inside = match contents::review(settings, &source, reporter) {
        Ok(inside) => inside,
        Err(failure) => return failed(failure, reporter),
    };
    if settings.api.is_none() {
        let mut outcome = offline(settings, &source, first.region.clone(), reporter);
        outcome.contents = inside;
        if let Err(failure) = outputs::write(&outcome, reporter) {
            return failed(failure, reporter);
        }
        reporter.summary(&summary::success(&outcome, &reporter.redactor()));
        return Ok(outcome);
    }
    // What is inside is the same in every region: said once, before the regions' table.
    if let Some(inside) = &inside {
        let markdown = summary::contents::section(inside, source.size(), &reporter.redactor());
        reporter.summary(&markdown);
    }
    let shared = RefCell::new(reporter);
    let source = &source;
    let inline = &InlineBody::default();
    let slot = &UploadSlot::default();
    let gate = Semaphore::new(fan_out::MAX_IN_FLIGHT);
    let transport = &fan_out::Gated {
        inner: transport,
        gate: &gate,
    };
    let runs = fan_out::run_each(&targets.each, &shared, |target, api, mut log| async move {
        publish_region(
            &target.settings,
            target.region.clone(),
            api,
            source,
            route,
            (inline, slot),
            transport,
            signing,
            &mut log,
        )
        .await
    })
    .await;
    fan_out::finish(targets, runs, shared.into_inner())
}

/// What is known of a run with nothing to call: a dry run given no credentials.
fn offline(
    settings: &Settings,
    source: &Source,
    region: Option<Region>,
    reporter: &mut impl Reporter,
) -> Outcome {
    reporter.info("Dry run without credentials: the package is valid; whether it would be published was not checked");
    if !settings.rollout.functions.is_empty() {
        reporter.info("Dry run without credentials: the functions were not read");
    }
    base_outcome(settings, source, region)
}

fn base_outcome(settings: &Settings, source: &Source, region: Option<Region>) -> Outcome {
    Outcome {
        layer_name: settings.layer_name.clone(),
        checksum: source.checksum().map(str::to_owned),
        zip_bytes: source.size(),
        runtimes: settings.compatible_runtimes.clone(),
        dry_run: settings.lifecycle.dry_run,
        decision: None,
        layer: None,
        deleted: Vec::new(),
        acl: settings.lifecycle.acl,
        staged: None,
        functions: Vec::new(),
        region,
        upload_time: None,
        contents: None,
    }
}

/// One region's pipeline once the zip is ready: list, decide, stage, create, ACL, delete.
/// `inline` holds the inline create's request once made, and `slot` is taken by a large
/// upload to OSS; both are shared by every region.
/// The outputs are not written here: with several regions, the step writes all of theirs
/// at once ([`fan_out`]).
#[allow(clippy::too_many_arguments)]
pub async fn publish_region<T: Transport>(
    settings: &Settings,
    region: Option<Region>,
    api: &Api,
    source: &Source,
    route: Route,
    (inline, slot): (&InlineBody, &UploadSlot),
    transport: &T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let lifecycle = settings.lifecycle;
    let mut outcome = base_outcome(settings, source, region);
    let client = FcClient::new(
        transport,
        api.endpoint.clone(),
        api.credentials.clone(),
        signing.clone(),
    );
    let calls = Calls {
        client: &client,
        retries: lifecycle.retries,
    };

    let before = listing::versions_before(settings, &calls, reporter).await?;
    let wanted = source.checksum().map(|checksum| Wanted {
        checksum,
        runtimes: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    });
    let decision = decide(wanted.as_ref(), before.as_deref(), lifecycle.skip_unchanged);
    outcome.decision = Some(decision.clone());
    if lifecycle.dry_run {
        let target = match &decision {
            Decision::Reuse(layer) => RolloutTarget::existing(layer),
            Decision::Publish { .. } => {
                RolloutTarget::next(&settings.layer_name, before.as_deref())
            }
        };
        outcome.functions = roll_out(settings, &calls, &target, reporter).await;
        return Ok(dry_run::finish(
            outcome,
            &decision,
            before.as_deref(),
            lifecycle.keep_versions,
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
            let large = match (route, source) {
                (Route::Oss, Source::Package(package)) => package.size,
                _ => 0,
            };
            let turn = slot.take(large).await;
            let started = Instant::now();
            let staged =
                stage::stage(settings, api, transport, signing, source, route, reporter).await?;
            drop(turn);
            if let Staged::Oss { bucket, key, .. } = &staged {
                outcome.staged = Some(format!("oss://{bucket}/{key}"));
            }
            let highest_before = highest(before.as_deref());
            let layer = versions::create_version(
                settings,
                &calls,
                &staged,
                highest_before,
                inline,
                reporter,
            )
            .await?;
            outcome.upload_time = Some(started.elapsed());
            layer
        }
    };
    outcome.layer = Some(layer.clone());

    if let Some(acl) = lifecycle.acl {
        versions::set_acl(&calls, &settings.layer_name, acl, reporter)
            .await
            .map_err(|error| Failure::Acl {
                version: layer.version,
                error,
            })?;
    }
    outcome.functions =
        roll_out(settings, &calls, &RolloutTarget::existing(&layer), reporter).await;
    let rollout_failed = !crate::rollout::failures(&outcome.functions).is_empty();
    let mut doomed = doomed(before.as_deref(), layer.version, lifecycle.keep_versions);
    if rollout_failed && !doomed.is_empty() {
        reporter.warning(&format!(
            "keep-versions: nothing deleted, since not every function was moved off the versions it would delete ({}); a rerun tidies up",
            outputs::join(&doomed)
        ));
        doomed.clear();
    }
    outcome.deleted = versions::delete(&calls, &settings.layer_name, &doomed, reporter).await;
    if rollout_failed {
        return Err(Failure::Rollout(Box::new(outcome)));
    }
    Ok(outcome)
}

/// The `functions` step toward `target`, with the settings' timeout and dry run.
async fn roll_out<T: Transport>(
    settings: &Settings,
    calls: &Calls<'_, T>,
    target: &RolloutTarget,
    reporter: &mut impl Reporter,
) -> Vec<FunctionResult> {
    let plan = RolloutPlan {
        functions: &settings.rollout.functions,
        target,
        update_timeout: settings.rollout.update_timeout,
        dry_run: settings.lifecycle.dry_run,
    };
    rollout::roll_out(calls, &plan, reporter).await
}

fn warn_unknown_runtimes(settings: &Settings, reporter: &mut impl Reporter) {
    for runtime in settings.unknown_runtimes() {
        reporter.warning(&format!(
            "input `{}`: {runtime:?} is not a runtime FC is known to have; sending it anyway",
            Input::CompatibleRuntimes
        ));
    }
}
