//! Several regions in one step (`regions`): the code is packaged and checked once, then
//! each region runs [`super::publish_region`] side by side, at most
//! [`MAX_CONCURRENT_REGIONS`] at a time, all reading the one zip on disk. Every region is
//! attempted whatever the others do; the outputs hold those that succeeded, and the step
//! fails naming each that did not.
//!
//! The regions are futures of the step's one task (no threads): the work is waiting on the
//! network, and the transport and reporter need not be shared across threads. Their log
//! lines go out as they happen, prefixed with the region ([`RegionLog`]).

use std::cell::RefCell;
use std::path::Path;

use futures_util::StreamExt;
use futures_util::stream;
use tokio::time::Instant;

use super::region_log::RegionLog;
use super::source::{self, Route, Source};
use super::{offline, outputs, publish_region, warn_unknown_runtimes};
use crate::clock::Signing;
use crate::http::Transport;
use crate::inputs::{Target, Targets};
use crate::outcome::{Failure, Outcome, RegionRun};
use crate::regions_summary;
use crate::report::Reporter;
use crate::summary;

/// How many regions run at once: enough to hide one region's latency behind another's,
/// few enough not to look like a flood to FC's per-account throttling.
pub const MAX_CONCURRENT_REGIONS: usize = 4;

/// The whole publish for every region of `targets`, its summary written; the first
/// region's outcome when all succeeded.
pub async fn publish_all<T: Transport>(
    targets: &Targets,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let first = targets.first();
    let settings = &first.settings;
    let failed = |failure: Failure, reporter: &mut dyn Reporter| {
        reporter.summary(&summary::failure(Some(&settings.layer_name), &failure));
        Err(failure)
    };
    warn_unknown_runtimes(settings, reporter);
    let source = match source::source(settings, transport, signing, temp_dir, reporter).await {
        Ok(source) => source,
        Err(failure) => return failed(failure, reporter),
    };
    let route = source::choose_route(settings.upload, &source, reporter);
    if settings.api.is_none() {
        let outcome = offline(settings, &source, first.region.clone(), reporter);
        if let Err(failure) = outputs::write(&outcome, reporter) {
            return failed(failure, reporter);
        }
        reporter.summary(&summary::success(&outcome));
        return Ok(outcome);
    }
    let runs = run_each(&targets.each, &source, route, transport, signing, reporter).await;
    drop(source);
    finish(targets, runs, reporter)
}

/// Every region's pipeline, at most [`MAX_CONCURRENT_REGIONS`] at a time, in the order
/// listed.
async fn run_each<T: Transport, R: Reporter>(
    each: &[Target],
    source: &Source,
    route: Route,
    transport: &T,
    signing: &Signing,
    reporter: &mut R,
) -> Vec<RegionRun> {
    let shared = RefCell::new(reporter);
    let shared = &shared;
    stream::iter(each.iter().filter_map(|target| {
        let region = target.region.clone()?;
        let api = target.settings.api.as_ref()?;
        Some(async move {
            let mut log = RegionLog::new(shared, &region);
            let started = Instant::now();
            let result = publish_region(
                &target.settings,
                Some(region.clone()),
                api,
                source,
                route,
                transport,
                signing,
                &mut log,
            )
            .await;
            log.finish();
            RegionRun {
                region,
                result,
                took: started.elapsed(),
            }
        })
    }))
    .buffered(MAX_CONCURRENT_REGIONS)
    .collect()
    .await
}

/// Reports each failed region, says when versions drift, writes the outputs of those that
/// succeeded and the summary: the step's verdict.
fn finish(
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
    reporter.summary(&regions_summary::regions(layer_name, &runs));
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
