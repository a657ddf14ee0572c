//! Several regions in one step (`regions`): the code is packaged and checked once, then
//! each region runs the per-region pipeline (`publish_region`, handed in) side by side,
//! at most [`MAX_IN_FLIGHT`] calls in flight among them, all reading the one zip on disk. Every region is
//! attempted whatever the others do; the outputs hold those that succeeded, and the step
//! fails naming each that did not.
//!
//! The regions are futures of the step's one task (no threads): the work is waiting on the
//! network, and the transport and reporter need not be shared across threads. Their log
//! lines go out as they happen, prefixed with the region ([`RegionLog`]).

use std::cell::RefCell;
use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream;
use tokio::time::Instant;

use tokio::sync::Semaphore;

use super::outputs;
use super::region_log::RegionLog;
use crate::http::{HttpReply, HttpRequest, Transport, TransportError};
use crate::inputs::{Api, Target, Targets};
use crate::outcome::{Failure, Outcome, RegionRun};
use crate::regions_summary;
use crate::report::Reporter;

/// How many calls the regions have in flight at once, all regions together: enough to hide
/// one region's latency behind another's, few enough not to look like a flood to FC's
/// per-account throttling, and a bound on the upload parts held in memory. Calls, not
/// regions, are counted: with four regions at a time, a fifth would wait for a whole region
/// to end and five regions would take twice as long as one; counted by calls, the fifth
/// region's calls fill the gaps the others leave.
pub const MAX_IN_FLIGHT: usize = 4;

/// A transport that lets at most [`MAX_IN_FLIGHT`] calls through at once, every region's
/// calls sharing the one gate.
pub struct Gated<'a, T> {
    pub inner: &'a T,
    pub gate: &'a Semaphore,
}

impl<T: Transport> Transport for Gated<'_, T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        // The gate is never closed, so waiting for a permit cannot fail; were it closed,
        // the call would go ungated rather than not at all.
        let _permit = self.gate.acquire().await.ok();
        self.inner.send(request).await
    }
}

/// Runs `publish` for every region of `each` at once (their calls go through one [`Gated`]
/// transport), each with its own [`RegionLog`] over `shared`; the runs in the order listed.
pub async fn run_each<'a, 'r, R, F, Fut>(
    each: &'a [Target],
    shared: &'a RefCell<&'r mut R>,
    publish: F,
) -> Vec<RegionRun>
where
    R: Reporter,
    F: Fn(&'a Target, &'a Api, RegionLog<'a, 'r, R>) -> Fut,
    Fut: Future<Output = Result<Outcome, Failure>>,
{
    let publish = &publish;
    stream::iter(each.iter().filter_map(|target| {
        let region = target.region.clone()?;
        let api = target.settings.api.as_ref()?;
        Some(async move {
            let log = RegionLog::new(shared, &region);
            let started = Instant::now();
            let result = publish(target, api, log).await;
            RegionRun {
                region,
                result,
                took: started.elapsed(),
            }
        })
    }))
    .buffered(each.len().max(1))
    .collect()
    .await
}

/// Reports each failed region, says when versions drift, writes the outputs of those that
/// succeeded and the summary: the step's verdict.
pub fn finish(
    targets: &Targets,
    runs: Vec<RegionRun>,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let layer_name = &targets.first().settings.layer_name;
    for run in &runs {
        if let Err(failure) = &run.result {
            reporter.error(&format!("[{}] {failure}", run.region));
        }
    }
    if let Some(drift) = regions_summary::drift(&runs) {
        reporter.info(&drift);
    }
    let markdown = regions_summary::regions(layer_name, &runs, &reporter.redactor());
    reporter.summary(&markdown);
    let attempted = runs.len();
    let mut first = None;
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    for (index, run) in runs.into_iter().enumerate() {
        match run.result {
            Ok(outcome) => {
                if index == 0 {
                    first = Some(outcome.clone());
                }
                succeeded.push(outcome);
            }
            // The version exists; only a function was not moved: its outputs are written.
            Err(Failure::Rollout(outcome)) => {
                if index == 0 {
                    first = Some((*outcome).clone());
                }
                succeeded.push((*outcome).clone());
                failed.push((run.region, Failure::Rollout(outcome)));
            }
            Err(failure) => failed.push((run.region, failure)),
        }
    }
    // A step where every region failed writes nothing a later step could take for success.
    if !succeeded.is_empty() {
        outputs::write_regions(first.as_ref(), &succeeded, reporter)?;
    }
    match (failed.is_empty(), first) {
        (true, Some(first)) => Ok(first),
        _ => Err(Failure::Regions { failed, attempted }),
    }
}
