//! The rollout step: after the version is published or reused, each function named in
//! `functions` is moved to it. Per function: GetFunction; the new layer list
//! ([`crate::rollout::plan`]); nothing more when it is already current (an update still
//! `InProgress` waited for first); else UpdateFunction with `{"layers": [...]}` alone, then
//! GetFunction until `lastUpdateStatus` is `Successful`, `Failed`, or the timeout passes. Up to [`CONCURRENCY`] functions at a time; every one is
//! attempted whatever became of the others. A dry run stops after the GetFunction.
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
        after: target.arn.clone(),
        layers_before: None,
        layers_after: None,
        status: FunctionStatus::Unchanged,
        took: None,
        release: None,
    };
    let fail = |mut result: FunctionResult, reason: String, log: &mut Buffered| {
        log.warning(&format!("function {name}: {reason}"));
        result.status = FunctionStatus::Failed(reason);
        result
    };
    let function = match get(calls, name, log).await {
        Ok(function) => function,
        Err(error) => return fail(result, error.to_string(), log),
    };
    let current = function.layer_arns();
    result.layers_before = Some(current.clone());
    let planned = match plan(&current, target.family.as_ref(), &target.arn) {
        Ok(planned) => planned,
        Err(too_many) => return fail(result, too_many.to_string(), log),
    };
    result.before = planned.before.clone();
    result.layers_after = Some(planned.layers.clone());
    if !planned.changed {
        return already_on(calls, &function, rollout, result, log).await;
    }
    if rollout.dry_run {
        log.info(&format!(
            "Dry run: function {name} would go from [{}] to [{}]",
            current.join(", "),
            planned.layers.join(", ")
        ));
        result.status = FunctionStatus::WouldUpdate;
        return result;
    }
    let started = Instant::now();
    if let Err(error) = update(calls, name, &planned.layers, log).await {
        return fail(result, error, log);
    }
    match wait_until_done(calls, name, &planned.layers, rollout.update_timeout, log).await {
        Ok(()) => {
            let took = started.elapsed();
            log.info(&format!(
                "function {name}: now on version {} ({} to Successful)",
                target.version,
                seconds(took)
            ));
            result.status = FunctionStatus::Updated;
            result.took = Some(took);
            result
        }
        Err(reason) => fail(result, reason, log),
    }
}

/// A function that lists the target already. When an update (another run's) is still
/// `InProgress`, the list is not settled: it is waited for like one of this run's, since
/// one that ends `Failed` puts the old layers back, and a version published meanwhile
/// would hold those.
async fn already_on<T: Transport>(
    calls: &Calls<'_, T>,
    function: &Function,
    rollout: &RolloutPlan<'_>,
    result: FunctionResult,
    log: &mut Buffered,
) -> FunctionResult {
    let name = &result.name;
    let version = rollout.target.version;
    if !rollout.dry_run && function.update_status() == Ok(UpdateStatus::InProgress) {
        log.info(&format!(
            "function {name}: already lists version {version}, but an update is InProgress: waiting for it"
        ));
        let layers = result.layers_after.clone().unwrap_or_default();
        if let Err(reason) =
            wait_until_done(calls, name, &layers, rollout.update_timeout, log).await
        {
            log.warning(&format!("function {name}: {reason}"));
            return FunctionResult {
                status: FunctionStatus::Failed(reason),
                ..result
            };
        }
    }
    log.info(&format!(
        "function {name}: already on version {version}; nothing sent"
    ));
    result
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

/// GetFunction until the update is `Successful` (with the layers sent), `Failed`, or
/// `timeout` has passed; the waits grow from 1 s to 5 s.
async fn wait_until_done<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    layers: &[String],
    timeout: Duration,
    log: &mut Buffered,
) -> Result<(), String> {
    let started = Instant::now();
    let mut wait = FIRST_POLL_WAIT;
    loop {
        let function = get(calls, name, log)
            .await
            .map_err(|error| format!("after UpdateFunction: {error}"))?;
        match function.update_status()? {
            UpdateStatus::Successful => {
                let now = function.layer_arns();
                if now != layers {
                    return Err(format!(
                        "the update is Successful but FC lists layers [{}], not [{}]",
                        now.join(", "),
                        layers.join(", ")
                    ));
                }
                return Ok(());
            }
            UpdateStatus::Failed => {
                return Err(format!(
                    "the update Failed: {}",
                    function
                        .last_update_status_reason
                        .as_deref()
                        .filter(|reason| !reason.is_empty())
                        .unwrap_or("FC gave no lastUpdateStatusReason")
                ));
            }
            UpdateStatus::InProgress => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            return Err(format!(
                "the update is still InProgress after {} (function-update-timeout)",
                seconds(elapsed)
            ));
        }
        tokio::time::sleep(wait.min(timeout - elapsed)).await;
        wait = (wait + FIRST_POLL_WAIT).min(MAX_POLL_WAIT);
    }
}
