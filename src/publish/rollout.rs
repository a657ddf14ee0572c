//! The rollout step: after the version is published or reused, each function named in
//! `functions` is moved to it. Per function: GetFunction; the new layer list
//! ([`crate::rollout::plan`]); what it needs next ([`crate::rollout::settled`]): nothing
//! when it is already current and `Successful`; a wait when it lists the new version
//! `InProgress`; else UpdateFunction with `{"layers": [...]}` alone (again, after a
//! `Failed` one), then GetFunction until `lastUpdateStatus` is `Successful`, `Failed`, or
//! `function-update-timeout` passes (`timed-out`). Up to [`CONCURRENCY`] functions at a
//! time; every one is attempted whatever became of the others. A dry run stops after the
//! GetFunction.
//!
//! Self-contained: it takes the calls, the functions, the target version and the reporter,
//! and returns one [`FunctionResult`] per function, in input order; whether the step fails
//! is the caller's decision.

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::calls::{Calls, seconds};
use crate::client::{self, ClientError};
use crate::fc::function::UpdateStatus;
use crate::fc::{ApiRequest, Function, FunctionName};
use crate::http::Transport;
use crate::inputs::Settings;
use crate::report::Reporter;
use crate::report::buffered::Buffered;
use crate::rollout::settled::{self, Next};
use crate::rollout::{FunctionResult, FunctionStatus, TargetVersion, plan};

/// How many functions are worked on at once.
const CONCURRENCY: usize = 4;
/// The first wait between GetFunction polls; each grows by this up to [`MAX_POLL_WAIT`].
const FIRST_POLL_WAIT: Duration = Duration::from_secs(1);
const MAX_POLL_WAIT: Duration = Duration::from_secs(5);

/// What the step needs beyond the calls: where to, how long to wait, whether to write.
struct RolloutPlan<'a> {
    functions: &'a [FunctionName],
    target: &'a TargetVersion,
    update_timeout: Duration,
    dry_run: bool,
}

/// Moves every function of `functions` to `target` (a dry run only reads them); one
/// result each, in input order. Each function's log lines are kept together, reported as it
/// finishes.
pub(crate) async fn roll_out<T: Transport>(
    calls: &Calls<'_, T>,
    settings: &Settings,
    functions: &[FunctionName],
    target: &TargetVersion,
    reporter: &mut impl Reporter,
) -> Vec<FunctionResult> {
    let rollout = &RolloutPlan {
        functions,
        target,
        update_timeout: settings.rollout.update_timeout,
        dry_run: settings.lifecycle.dry_run,
    };
    if rollout.functions.is_empty() {
        return Vec::new();
    }
    let target = rollout.target;
    let verb = if rollout.dry_run {
        "Dry run: checking"
    } else {
        "Rolling out to"
    };
    let version = if target.exists {
        format!("version {}", target.version)
    } else {
        format!("version {} (not published yet)", target.version)
    };
    reporter.info(&format!(
        "{verb} {} function(s), {CONCURRENCY} at a time: {version}",
        rollout.functions.len()
    ));
    let mut results = Vec::with_capacity(rollout.functions.len());
    let mut finished = stream::iter(rollout.functions)
        .map(|name| async move {
            let mut log = Buffered::default();
            let result = one(calls, name, rollout, &mut log).await;
            (result, log)
        })
        .buffered(CONCURRENCY);
    while let Some((result, log)) = finished.next().await {
        log.replay(reporter);
        results.push(result);
    }
    results
}

/// One function, from GetFunction to `Successful`, or to the reason it was not moved.
async fn one<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    rollout: &RolloutPlan<'_>,
    log: &mut Buffered,
) -> FunctionResult {
    let target = rollout.target;
    let mut result = FunctionResult {
        name: name.clone(),
        before: None,
        after: None,
        layers_before: None,
        layers_after: None,
        status: FunctionStatus::Unchanged,
        took: None,
        release: None,
    };
    let function = match get(calls, name, log).await {
        Ok(function) => function,
        Err(error) => return not_moved(result, FunctionStatus::Failed(error.to_string()), log),
    };
    let current = function.layer_arns();
    result.layers_before = Some(current.clone());
    result.after = version_in(target, &current);
    let planned = match plan(&current, target.family.as_ref(), &target.arn) {
        Ok(planned) => planned,
        Err(too_many) => {
            return not_moved(result, FunctionStatus::Failed(too_many.to_string()), log);
        }
    };
    result.before = planned.before.clone();
    result.layers_after = Some(planned.layers.clone());
    let version = target.version;
    let next = settled::next(planned.changed, function.update_status());
    match &next {
        Next::Nothing => {
            log.info(&format!(
                "function {name}: already on version {version} (Successful); nothing sent"
            ));
            return result;
        }
        Next::Refuse(reason) => {
            let reason = format!("it lists version {version}, but {reason}");
            return not_moved(result, FunctionStatus::Failed(reason), log);
        }
        Next::Wait | Next::Update { .. } => say_not_settled(name, version, &next, &function, log),
    }
    result.after = Some(target.arn.clone());
    if rollout.dry_run {
        return would_update(result, &current, log);
    }
    let started = Instant::now();
    if let Next::Update { .. } = next
        && let Err(error) = update(calls, name, &planned.layers, log).await
    {
        result.after = version_in(target, &current);
        return not_moved(result, FunctionStatus::Failed(error), log);
    }
    let waited = wait_until_done(calls, name, &planned.layers, rollout, current, log).await;
    match waited {
        Ok(()) => {
            let took = started.elapsed();
            log.info(&format!(
                "function {name}: now on version {version} ({} to Successful)",
                seconds(took)
            ));
            result.status = FunctionStatus::Updated;
            result.took = Some(took);
            result
        }
        Err(NotDone { status, layers }) => {
            result.after = version_in(target, &layers);
            not_moved(result, status, log)
        }
    }
}

/// Why a function that lists the new version is not taken as on it.
fn say_not_settled(
    name: &FunctionName,
    version: i64,
    next: &Next,
    function: &Function,
    log: &mut Buffered,
) {
    match next {
        Next::Wait => log.info(&format!(
            "function {name}: already lists version {version}, but an update is InProgress: waiting for it"
        )),
        Next::Update { again: true } => log.info(&format!(
            "function {name}: lists version {version}, but its last update Failed ({}): sending it again",
            failure_reason(function)
        )),
        _ => {}
    }
}

/// A function not moved: its reason logged as a warning, its status set.
fn not_moved(
    mut result: FunctionResult,
    status: FunctionStatus,
    log: &mut Buffered,
) -> FunctionResult {
    if let Some(reason) = status.error() {
        log.warning(&format!("function {}: {reason}", result.name));
    }
    result.status = status;
    result
}

/// A dry run: what a real run would send (or, for an update `InProgress`, wait for).
fn would_update(
    mut result: FunctionResult,
    current: &[String],
    log: &mut Buffered,
) -> FunctionResult {
    let planned = result.layers_after.clone().unwrap_or_default();
    log.info(&format!(
        "Dry run: function {} would go from [{}] to [{}]",
        result.name,
        current.join(", "),
        planned.join(", ")
    ));
    result.status = FunctionStatus::WouldUpdate;
    result
}

/// The version of this layer in `layers` (the target's own ARN when no version existed to
/// learn the family from); `None` when it uses none.
fn version_in(target: &TargetVersion, layers: &[String]) -> Option<String> {
    layers
        .iter()
        .find(|arn| {
            **arn == target.arn
                || target
                    .family
                    .as_ref()
                    .is_some_and(|family| family.contains(arn))
        })
        .cloned()
}

fn failure_reason(function: &Function) -> &str {
    function
        .last_update_status_reason
        .as_deref()
        .filter(|reason| !reason.is_empty())
        .unwrap_or("FC gave no lastUpdateStatusReason")
}

async fn get<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    log: &mut Buffered,
) -> Result<Function, ClientError> {
    let request = ApiRequest::get_function(name);
    let body = calls.send(&request, log).await?;
    client::parse(request.action, &body)
}

/// UpdateFunction: a `PUT` of the whole list, so a retry after a lost reply does no harm.
async fn update<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    layers: &[String],
    log: &mut Buffered,
) -> Result<(), String> {
    let request = ApiRequest::update_function_layers(name, layers)
        .map_err(|error| format!("cannot encode UpdateFunction: {error}"))?;
    log.info(&format!(
        "function {name}: UpdateFunction with layers [{}]",
        layers.join(", ")
    ));
    calls
        .send(&request, log)
        .await
        .map(drop)
        .map_err(|error| error.to_string())
}

/// How a wait for `Successful` ended when it did not: the status to report, and the
/// layers the last GetFunction read (what the function has now, as far as is known).
struct NotDone {
    status: FunctionStatus,
    layers: Vec<String>,
}

/// What a function whose wait ran out is told: it may still move.
pub(crate) const MAY_STILL_COMPLETE: &str = "the update may still complete; a rerun reads it again";

/// GetFunction until the update is `Successful` (with the layers sent), `Failed`, or
/// `function-update-timeout` has passed; the waits grow from 1 s to 5 s. `last` is the
/// list last read before the wait.
async fn wait_until_done<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    layers: &[String],
    rollout: &RolloutPlan<'_>,
    mut last: Vec<String>,
    log: &mut Buffered,
) -> Result<(), NotDone> {
    let timeout = rollout.update_timeout;
    let started = Instant::now();
    let mut wait = FIRST_POLL_WAIT;
    loop {
        let failed = |reason: String, layers: Vec<String>| NotDone {
            status: FunctionStatus::Failed(reason),
            layers,
        };
        let function = match get(calls, name, log).await {
            Ok(function) => function,
            Err(error) => return Err(failed(format!("after UpdateFunction: {error}"), last)),
        };
        last = function.layer_arns();
        let status = match function.update_status() {
            Ok(status) => status,
            Err(unknown) => return Err(failed(unknown, last)),
        };
        match status {
            UpdateStatus::Successful if last == layers => return Ok(()),
            UpdateStatus::Successful => {
                let reason = format!(
                    "the update is Successful but FC lists layers [{}], not [{}]",
                    last.join(", "),
                    layers.join(", ")
                );
                return Err(failed(reason, last));
            }
            UpdateStatus::Failed => {
                let reason = format!("the update Failed: {}", failure_reason(&function));
                return Err(failed(reason, last));
            }
            UpdateStatus::InProgress => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            return Err(NotDone {
                status: FunctionStatus::TimedOut(format!(
                    "the update is still InProgress after {} (function-update-timeout); {MAY_STILL_COMPLETE}",
                    seconds(elapsed)
                )),
                layers: last,
            });
        }
        tokio::time::sleep(wait.min(timeout - elapsed)).await;
        wait = (wait + FIRST_POLL_WAIT).min(MAX_POLL_WAIT);
    }
}
