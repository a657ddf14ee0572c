//! The regions of a step side by side: each runs the per-region pipeline (handed in), at
//! most [`MAX_IN_FLIGHT`] calls in flight among them, all reading the one zip on disk. One
//! region is a list of one. Every region is attempted whatever the others do; what became
//! of each is the verdict's to say ([`super::verdict`]).
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

use super::region_log::RegionLog;
use crate::http::{HttpReply, HttpRequest, Transport, TransportError};
use crate::inputs::{RegionTarget, Regions};
use crate::outcome::{Failure, Outcome, RegionRun};
use crate::report::Reporter;

/// How many calls the regions have in flight at once, all regions together: enough to hide
/// one region's latency behind another's, few enough not to look like a flood to FC's
/// per-account throttling, and a bound on the upload parts held in memory. Calls, not
/// regions, are counted: with four regions at a time, a fifth would wait for a whole region
/// to end and five regions would take twice as long as one; counted by calls, the fifth
/// region's calls fill the gaps the others leave.
pub(crate) const MAX_IN_FLIGHT: usize = 4;

/// A transport that lets at most [`MAX_IN_FLIGHT`] calls through at once, every region's
/// calls sharing the one gate.
pub(crate) struct Gated<'a, T> {
    pub(crate) inner: &'a T,
    pub(crate) gate: &'a Semaphore,
}

impl<T: Transport> Transport for Gated<'_, T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        // The gate is never closed, so waiting for a permit cannot fail; were it closed,
        // the call would go ungated rather than not at all.
        let _permit = self.gate.acquire().await.ok();
        self.inner.send(request).await
    }
}

/// Runs `publish` for every region of `regions` at once, each with its own [`RegionLog`]
/// over `shared` (prefixed with the region when `regions` listed them); the runs in the
/// order listed. Every region runs: none is skipped, whatever the others do.
pub(crate) async fn run_each<'a, 'r, R, F, Fut>(
    regions: &'a Regions,
    shared: &'a RefCell<&'r mut R>,
    publish: F,
) -> Vec<RegionRun>
where
    R: Reporter,
    F: Fn(&'a RegionTarget, RegionLog<'a, 'r, R>) -> Fut,
    Fut: Future<Output = Result<Outcome, Failure>>,
{
    let publish = &publish;
    let listed = regions.listed();
    stream::iter(regions.iter().map(|target| async move {
        let name = target.name();
        let log = if listed {
            RegionLog::prefixed(shared, &name)
        } else {
            RegionLog::live(shared)
        };
        let started = Instant::now();
        let result = publish(target, log).await;
        RegionRun {
            region: name,
            result,
            took: started.elapsed(),
        }
    }))
    .buffered(regions.iter().len())
    .collect()
    .await
}
